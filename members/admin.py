"""The admin site the membership committee runs the chapter from.

Every write goes through ``members.services``, so the status history and the trade rule hold
whether a change is made here, on a page or by an import.
"""

import datetime as dt
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from . import audit, services
from .exporting import write_roster
from .forms import DropForm, InvitationForm, LeaveForm, RosterUploadForm
from .importing import ImportFailed, import_directory, shown_problems
from .models import (
    AuditEvent,
    Chapter,
    Classification,
    ContactSphere,
    Invitation,
    Member,
    MemberStatusChange,
    Role,
    User,
    default_light_points,
)
from .text import LineField


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Staff see every chapter's totals; a chapter's single TYFCB "
                    "slips (income) only with “Can read individual TYFCB slips and their "
                    "amounts”. Granting or revoking it is recorded in the audit trail."
                ),
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_related(self, request, form, formsets, change):
        # The audit trail's signals record who grants a permission over confidential data.
        with audit.acting(request.user):
            super().save_related(request, form, formsets, change)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def save_related(self, request, form, formsets, change):
        with audit.acting(request.user):
            super().save_related(request, form, formsets, change)


class ChapterForm(forms.ModelForm):
    class Meta:
        model = Chapter
        fields = [
            "name",
            "slug",
            "region",
            "currency",
            "decimal_mark",
            "time_zone",
            "meeting_weekday",
            "meeting_time",
            "meeting_minutes",
            "venue",
            "online_link",
            "absence_limit",
            "policy_window_weeks",
            "medical_allowance_weeks",
            "green_min",
            "yellow_min",
            "red_min",
            "tyfcb_threshold",
            "light_points",
        ]
        field_classes = dict.fromkeys(["name", "currency", "time_zone", "venue", "city"], LineField)

    def clean_light_points(self):
        points = self.cleaned_data["light_points"]
        expected = set(default_light_points())
        if not isinstance(points, dict) or set(points) != expected:
            raise ValidationError(
                gettext("light_points must be an object with exactly the keys: %(keys)s")
                % {"keys": ", ".join(sorted(expected))}
            )
        return points


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    form = ChapterForm
    list_display = ("name", "slug", "region", "meeting_weekday", "meeting_time", "seated")
    list_filter = ("region",)
    list_select_related = ("region",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "region", "currency", "decimal_mark")}),
        (
            _("Meeting"),
            {
                "fields": (
                    "time_zone",
                    "meeting_weekday",
                    "meeting_time",
                    "meeting_minutes",
                    "venue",
                    "city",
                    "online_link",
                )
            },
        ),
        (
            _("Attendance policy"),
            {"fields": ("absence_limit", "policy_window_weeks", "medical_allowance_weeks")},
        ),
        (
            _("Traffic lights"),
            {
                "fields": ("green_min", "yellow_min", "red_min", "tyfcb_threshold", "light_points"),
                "description": _("Score thresholds (green > yellow > red) and the points table."),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(seated_count=Count("members", filter=Q(members__status__in=Member.SEATED)))
        )

    @admin.display(description=_("Seated members"), ordering="seated_count")
    def seated(self, chapter):
        return chapter.seated_count


@admin.register(ContactSphere)
class ContactSphereAdmin(admin.ModelAdmin):
    list_display = ("name", "trades")
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(trade_count=Count("classifications"))

    @admin.display(description=_("Trades"), ordering="trade_count")
    def trades(self, sphere):
        return sphere.trade_count


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = ("name", "sphere")
    list_filter = ("sphere",)
    list_select_related = ("sphere",)
    search_fields = ("name", "sphere__name")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "member", "chapter", "started_on", "ended_on")
    list_filter = ("name", "member__chapter")
    list_select_related = ("member__user", "member__chapter")
    search_fields = ("member__user__first_name", "member__user__last_name", "member__user__email")
    raw_id_fields = ("member",)

    @admin.display(ordering="member__chapter__name")
    def chapter(self, role):
        return role.member.chapter

    # Every role given, changed or removed here is recorded for the audit page.
    def save_model(self, request, obj, form, change):
        services.role_save(role=obj, by=request.user, via="admin")

    def delete_model(self, request, obj):
        services.role_remove(role=obj, by=request.user, via="admin")

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.role_remove(role=role, by=request.user, via="admin")


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    fields = ("name", "started_on", "ended_on")


class StatusHistoryInline(admin.TabularInline):
    model = MemberStatusChange
    verbose_name_plural = _("Status history")
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    ordering = ("-changed_at", "-pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


#: What an action on members says it did: "Approved 3 member(s)." (``MemberAdmin._each``).
APPROVED = ngettext_lazy("Approved %(count)s member(s).", "Approved %(count)s member(s).", "count")
RENEWED = ngettext_lazy("Renewed %(count)s member(s).", "Renewed %(count)s member(s).", "count")
REACTIVATED = ngettext_lazy(
    "Reactivated %(count)s member(s).", "Reactivated %(count)s member(s).", "count"
)
PUT_ON_LEAVE = ngettext_lazy(
    "Put on leave %(count)s member(s).", "Put on leave %(count)s member(s).", "count"
)
DROPPED = ngettext_lazy("Dropped %(count)s member(s).", "Dropped %(count)s member(s).", "count")


class RenewalDueFilter(admin.SimpleListFilter):
    title = _("renewal due")
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        return [("soon", gettext("Within 30 days")), ("overdue", gettext("Overdue"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        seated = queryset.filter(status__in=Member.SEATED)
        if self.value() == "soon":
            return seated.filter(
                renewal_due__gte=today, renewal_due__lte=today + dt.timedelta(days=30)
            )
        if self.value() == "overdue":
            return seated.filter(renewal_due__lt=today)
        return queryset


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = (
        "full_name",
        "email",
        "chapter",
        "classification",
        "sphere",
        "status",
        "joined_on",
        "renewal_due",
    )
    list_select_related = ("user", "chapter", "classification", "classification__sphere")
    list_filter = ("chapter", "status", "classification__sphere", RenewalDueFilter)
    search_fields = (
        "user__first_name",
        "user__last_name",
        "user__email",
        "company",
        "classification__name",
    )
    raw_id_fields = ("user", "sponsor")
    inlines = (RoleInline, StatusHistoryInline)
    actions = (
        "approve",
        "put_on_leave",
        "drop",
        "renew",
        "reactivate",
        "export_roster",
    )
    fieldsets = (
        (None, {"fields": ("user", "chapter", "classification", "status")}),
        (_("Card"), {"fields": ("company", "phone", "website", "ideal_referral", "sponsor")}),
        (
            _("Membership"),
            {"fields": ("joined_on", "renewal_due", "left_on", "leave_from", "leave_until")},
        ),
        (_("Audit"), {"fields": ("status_changed_at", "status_changed_by")}),
    )

    def get_readonly_fields(self, request, obj=None):
        audit = ("status_changed_at", "status_changed_by")
        if obj is None:
            return audit
        # Status moves only through the actions, so each change is stamped and recorded.
        return ("status", "left_on", "leave_from", "leave_until", *audit)

    @admin.display(ordering="user__first_name", description=_("Name"))
    def full_name(self, member):
        return member.full_name

    @admin.display(ordering="user__email")
    def email(self, member):
        return member.user.email

    @admin.display(ordering="classification__sphere__name")
    def sphere(self, member):
        return member.classification.sphere

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status_changed_at = timezone.now()
            obj.status_changed_by = request.user
        services.save_member(obj)
        if not change:
            MemberStatusChange.objects.create(
                member=obj,
                to_status=obj.status,
                changed_by=request.user,
                changed_at=obj.status_changed_at,
                note="Added in the admin.",
            )

    def save_formset(self, request, form, formset, change):
        """Roles edited inline are saved one by one through the service, so each is audited."""
        if formset.model is not Role:
            return super().save_formset(request, form, formset, change)
        roles = formset.save(commit=False)
        for role in formset.deleted_objects:
            services.role_remove(role=role, by=request.user, via="admin")
        for role in roles:
            role.member = form.instance
            services.role_save(role=role, by=request.user, via="admin")
        return None

    # --- Actions: each member through its service; a refusal names the member and why.

    def _each(self, request, queryset, done_message, call) -> None:
        """``done_message`` (an ``ngettext_lazy`` keyed on ``count``) says how many were done."""
        done, refused = 0, []
        for member in queryset.select_related("user", "chapter", "classification"):
            try:
                call(member)
            except ValidationError as error:
                refused.append(f"{member.full_name}: {' '.join(error.messages)}")
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description=_("Approve selected applicants (they become active)"))
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            APPROVED,
            lambda m: services.member_approve(member=m, by=request.user),
        )

    @admin.action(description=_("Renew selected for a year"))
    def renew(self, request, queryset):
        self._each(
            request,
            queryset,
            RENEWED,
            lambda m: services.member_renew(member=m, by=request.user),
        )

    @admin.action(description=_("Reactivate selected (back from leave or re-joining)"))
    def reactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            REACTIVATED,
            lambda m: services.member_reactivate(member=m, by=request.user),
        )

    def _dated_action(self, request, queryset, *, form_class, title, done_message, call):
        """An action that asks for dates first, like the delete confirmation page."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._each(request, queryset, done_message, lambda m: call(m, form.cleaned_data))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "members": queryset.select_related("user", "classification"),
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/members/member/dated_action.html", context)

    @admin.action(description=_("Put selected on leave (they keep their trade)"))
    def put_on_leave(self, request, queryset):
        return self._dated_action(
            request,
            queryset,
            form_class=LeaveForm,
            title=gettext("Put members on leave"),
            done_message=PUT_ON_LEAVE,
            call=lambda m, data: services.member_put_on_leave(member=m, by=request.user, **data),
        )

    @admin.action(description=_("Drop selected (their trade becomes free)"))
    def drop(self, request, queryset):
        return self._dated_action(
            request,
            queryset,
            form_class=DropForm,
            title=gettext("Drop members"),
            done_message=DROPPED,
            call=lambda m, data: services.member_drop(member=m, by=request.user, **data),
        )

    @admin.action(description=_("Export selected as roster CSV"))
    def export_roster(self, request, queryset):
        response = HttpResponse(
            write_roster(queryset.model.objects.filter(pk__in=queryset.values("pk"))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="roster.csv"'
        return response

    # --- Roster import page

    def get_urls(self):
        return [
            path(
                "import-roster/",
                self.admin_site.admin_view(self.import_roster),
                name="members_member_import_roster",
            ),
            *super().get_urls(),
        ]

    def import_roster(self, request: HttpRequest) -> HttpResponse:
        """Upload a roster.csv for one chapter: all rows are stored, or none."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        problems, problem_count = [], 0
        if request.method == "POST" and form.is_valid():
            chapter = form.cleaned_data["chapter"]
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / "roster.csv"
                with target.open("wb") as out:
                    for chunk in form.cleaned_data["file"].chunks():
                        out.write(chunk)
                try:
                    counts = import_directory(chapter, Path(tmp))
                except ImportFailed as failed:
                    problems, problem_count = shown_problems(failed.problems), len(failed.problems)
                else:
                    summary = ", ".join(f"{k.split()[-1]}: {v}" for k, v in sorted(counts.items()))
                    self.message_user(
                        request,
                        gettext("Roster imported into %(chapter)s. %(summary)s")
                        % {"chapter": chapter, "summary": summary},
                        messages.SUCCESS,
                    )
                    return redirect(
                        reverse("admin:members_member_changelist")
                        + f"?chapter__id__exact={chapter.pk}"
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import a roster"),
            "form": form,
            "problems": problems,
            "problem_count": problem_count,
            "opts": self.model._meta,
            "max_kb": RosterUploadForm.MAX_BYTES // 1024,
        }
        return TemplateResponse(request, "admin/members/member/import_roster.html", context)


class AdminInvitationForm(InvitationForm):
    class Meta(InvitationForm.Meta):
        fields = ["chapter", *InvitationForm.Meta.fields]

    validate_constraints = forms.ModelForm.validate_constraints
    inviter = None  # set per request by InvitationAdmin.get_form

    def clean(self):
        data = super().clean()
        if (
            self.instance.pk is None
            and self.inviter
            and not services.invitations_left(self.inviter)
        ):
            raise ValidationError(services.rate_limit_message())
        return data


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = AdminInvitationForm
    list_display = (
        "email",
        "full_name",
        "chapter",
        "classification",
        "invited_by",
        "sent_at",
        "expires_at",
        "accepted_at",
    )
    list_filter = ("chapter", ("accepted_at", admin.EmptyFieldListFilter))
    list_select_related = ("chapter", "classification", "invited_by")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("invited_by", "created_at", "sent_at", "expires_at", "accepted_at", "member")
    actions = ("send_invitation",)

    def has_change_permission(self, request, obj=None):
        # An invitation is sent as written; correct it by deleting it and inviting again.
        return (
            False
            if obj is not None and obj.is_accepted
            else super().has_change_permission(request, obj)
        )

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        obj.invited_by = request.user
        services.invitation_send(
            invitation=obj, by=request.user, base_url=request.build_absolute_uri("/")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.inviter = request.user
        return form

    @admin.action(description=_("Send invitation (a fresh 7-day link; earlier links stop working)"))
    def send_invitation(self, request, queryset):
        sent, refused = 0, []
        for invitation in queryset.select_related("chapter", "classification"):
            try:
                services.invitation_send(
                    invitation=invitation, by=request.user, base_url=request.build_absolute_uri("/")
                )
            except ValidationError as error:
                refused.append(f"{invitation.email}: {' '.join(error.messages)}")
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext("Sent %(count)s invitation(s).", "Sent %(count)s invitation(s).", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    """Audit rows are written by the services only; here they are read and filtered."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAuditAdmin):
    list_display = ("at", "chapter", "action", "summary", "by")
    list_filter = ("chapter", "action", ("at", admin.DateFieldListFilter))
    list_select_related = ("chapter", "by")
    search_fields = ("summary", "by__email")
    date_hierarchy = "at"


@admin.register(MemberStatusChange)
class MemberStatusChangeAdmin(ReadOnlyAuditAdmin):
    list_display = ("changed_at", "member", "from_status", "to_status", "changed_by", "note")
    list_filter = ("member__chapter", "to_status", ("changed_at", admin.DateFieldListFilter))
    list_select_related = ("member__user", "changed_by")
    search_fields = ("member__user__first_name", "member__user__last_name", "note")
    date_hierarchy = "changed_at"
