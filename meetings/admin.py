"""Admin for meetings, marks and visitors; every changelist runs a fixed number of queries."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Attendance, AttendanceChange, Meeting, RotaPlace, Visit, Visitor


class SubmittedFilter(admin.SimpleListFilter):
    title = _("submitted")
    parameter_name = "submitted"

    def lookups(self, request, model_admin):
        return [("yes", _("Submitted")), ("no", _("Open"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(submitted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(submitted_at__isnull=True)
        return queryset


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("date", "chapter", "presenter", "cancelled", "cancel_reason", "submitted_at")
    list_filter = ("chapter", "cancelled", SubmittedFilter)
    list_select_related = ("chapter", "presenter__user")
    date_hierarchy = "date"
    search_fields = ("chapter__name", "cancel_reason")
    raw_id_fields = ("presenter", "submitted_by")
    ordering = ("-date",)


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("meeting", "member", "mark", "substitute_name", "updated_at")
    list_filter = ("meeting__chapter", "mark", ("meeting__date", admin.DateFieldListFilter))
    list_select_related = ("meeting__chapter", "member__user")
    search_fields = ("member__user__email", "member__user__last_name", "substitute_name")
    raw_id_fields = ("meeting", "member", "recorded_by")
    ordering = ("-meeting__date",)


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(admin.ModelAdmin):
    list_display = ("attendance", "from_mark", "to_mark", "changed_by", "changed_at")
    list_select_related = ("attendance__meeting__chapter", "attendance__member__user", "changed_by")
    list_filter = ("attendance__meeting__chapter",)
    raw_id_fields = ("attendance", "changed_by")


@admin.register(RotaPlace)
class RotaPlaceAdmin(admin.ModelAdmin):
    list_display = ("position", "member", "chapter")
    list_select_related = ("chapter", "member__user")
    list_filter = ("chapter",)
    raw_id_fields = ("member",)


class VisitInline(admin.TabularInline):
    """Visits are shown, and ``attended`` corrected; they are created from the site's pages.

    Read-only relations keep the page at a fixed number of queries however many visits.
    """

    model = Visit
    extra = 0
    fields = ("meeting", "invited_by", "attended")
    readonly_fields = ("meeting", "invited_by")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("visitor", "meeting__chapter", "invited_by__user")
        )


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ("name", "chapter", "email", "company", "classification", "status", "created_at")
    list_filter = ("chapter", "status")
    list_select_related = ("chapter", "classification")
    search_fields = ("name", "email", "company")
    raw_id_fields = ("classification",)
    inlines = [VisitInline]
