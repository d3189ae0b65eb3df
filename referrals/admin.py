"""Admin for every slip: filter by chapter, date (week) and member; a fixed number of queries
per page whatever the number of rows (members come with their users in one join)."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.access import reads_tyfcb_slips, viewer_for
from members.models import Member

from .labels import party_name
from .models import (
    Ceu,
    OneToOne,
    Referral,
    ReferralStatusChange,
    Slip,
    SlipCorrection,
    Testimonial,
    Tyfcb,
)
from .selectors import person_joins

MEMBER_SEARCH = ("{}__user__email", "{}__user__first_name", "{}__user__last_name")


class MemberFilter(admin.SimpleListFilter):
    """Slips naming one member (in any role on the slip); one query for the choices.

    Offered once a chapter is picked: a region's whole roster would be thousands of links.
    """

    title = _("member (pick a chapter first)")
    parameter_name = "member"

    def lookups(self, request, model_admin):
        chapter = request.GET.get("chapter__id__exact", "")
        if not chapter.isdigit():
            return []
        members = (
            Member.objects.filter(chapter_id=int(chapter))
            .select_related("user")
            .order_by("user__first_name", "user__last_name")
        )
        return [(m.pk, f"{m.full_name} ({m.user.email})") for m in members]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        condition = Q()
        for name in queryset.model.parties:
            condition |= Q(**{f"{name}_id": int(self.value())})
        return queryset.filter(condition)


def _search(*fields: str) -> tuple[str, ...]:
    return tuple(pattern.format(f) for f in fields for pattern in MEMBER_SEARCH)


#: A slip's outside party, found by name or by their chapter's name.
OUTSIDE_SEARCH = ("other_name", "other_chapter_name")


def _party(field: str, description: str):
    """A list column for one side of a slip: the member (with their chapter when it is not
    the slip's), or the outside party, or "Unknown writer"; never an empty cell."""

    @admin.display(description=description, ordering=field)
    def column(self, obj: Slip) -> str:
        return party_name(obj, field, obj.chapter_id)

    return column


class SlipAdmin(admin.ModelAdmin):
    date_hierarchy = "date"
    list_filter = ("chapter", ("date", admin.DateFieldListFilter), MemberFilter)
    list_per_page = 50
    readonly_fields = ("created_by", "created_at", "updated_at")
    show_full_result_count = False


class ReferralStatusChangeInline(admin.TabularInline):
    model = ReferralStatusChange
    extra = 0
    fields = ("changed_at", "changed_by", "from_status", "to_status", "note")
    readonly_fields = ("changed_at", "changed_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Referral)
class ReferralAdmin(SlipAdmin):
    list_display = (
        "date",
        "giver_label",
        "receiver_label",
        "contact_name",
        "kind",
        "temperature",
        "status",
    )
    list_filter = (*SlipAdmin.list_filter, "status", "kind")
    list_select_related = person_joins("giver", "receiver")
    search_fields = (
        "contact_name",
        "contact_company",
        "contact_email",
        *_search("giver", "receiver"),
        *OUTSIDE_SEARCH,
    )
    giver_label = _party("giver", _("giver"))
    receiver_label = _party("receiver", _("receiver"))
    raw_id_fields = ("giver", "receiver")
    inlines = [ReferralStatusChangeInline]


def _reads_tyfcb_slips(request) -> bool:
    return reads_tyfcb_slips(viewer_for(request))


@admin.register(Tyfcb)
class TyfcbAdmin(SlipAdmin):
    """Thank-you slips are income, confidential (DOMAIN.md): staff see the model, and any of
    its slips, only once granted ``referrals.view_tyfcb_amounts`` (``members.access``); the
    chapter totals are on the reports."""

    list_display = ("date", "writer_label", "thanked_label", "amount", "business")
    list_filter = (*SlipAdmin.list_filter, "business")
    list_select_related = person_joins("writer", "thanked")
    search_fields = (*_search("writer", "thanked"), *OUTSIDE_SEARCH)
    writer_label = _party("writer", _("writer"))
    thanked_label = _party("thanked", _("thanked"))
    raw_id_fields = ("writer", "thanked", "referral")

    def has_view_permission(self, request, obj=None):
        return _reads_tyfcb_slips(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _reads_tyfcb_slips(request) and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return _reads_tyfcb_slips(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return _reads_tyfcb_slips(request) and super().has_delete_permission(request, obj)


@admin.register(OneToOne)
class OneToOneAdmin(SlipAdmin):
    list_display = ("date", "member_a_label", "member_b_label", "status", "place")
    list_filter = (*SlipAdmin.list_filter, "status")
    list_select_related = person_joins("member_a", "member_b")
    search_fields = ("place", *_search("member_a", "member_b"), *OUTSIDE_SEARCH)
    member_a_label = _party("member_a", _("member a"))
    member_b_label = _party("member_b", _("member b"))
    raw_id_fields = ("member_a", "member_b")


@admin.register(Ceu)
class CeuAdmin(SlipAdmin):
    list_display = ("date", "member", "topic", "credits")
    list_select_related = ("member__user",)
    search_fields = ("topic", *_search("member"))
    raw_id_fields = ("member",)


@admin.register(Testimonial)
class TestimonialAdmin(SlipAdmin):
    list_display = ("date", "giver_label", "receiver_label", "short_text")
    list_select_related = person_joins("giver", "receiver")
    search_fields = ("text", *_search("giver", "receiver"))
    raw_id_fields = ("giver", "receiver")
    giver_label = _party("giver", _("giver"))
    receiver_label = _party("receiver", _("receiver"))

    @admin.display(description=_("text"))
    def short_text(self, obj: Testimonial) -> str:
        return obj.text[:80]


@admin.register(SlipCorrection)
class SlipCorrectionAdmin(admin.ModelAdmin):
    list_display = ("corrected_at", "corrected_by", "action", "kind", "slip_id", "summary")
    list_filter = ("chapter", "action", "kind", "week_ending")
    list_select_related = ("corrected_by",)
    search_fields = ("summary", "corrected_by__email")
    readonly_fields = [f.name for f in SlipCorrection._meta.fields]

    def get_queryset(self, request):
        """A thank-you's corrections hold its amounts: shown with the slips' permission only."""
        corrections = super().get_queryset(request)
        if _reads_tyfcb_slips(request):
            return corrections
        return corrections.exclude(kind=Tyfcb.kind_slug)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
