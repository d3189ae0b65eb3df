"""The membership committee's view of what BNI Connect brought: aliases and PALMS snapshots."""

from django.contrib import admin

from reports.models import BniSnapshot, BniSnapshotRow

from .models import Alias


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    """Who a name in BNI Connect's files is; an empty member means someone outside."""

    list_display = ("bni_name", "member", "chapter")
    list_filter = ("chapter",)
    search_fields = ("bni_name", "member__user__first_name", "member__user__last_name")
    list_select_related = ("chapter", "member__user")
    raw_id_fields = ("member",)
    fields = ("chapter", "bni_name", "member")


class BniSnapshotRowInline(admin.TabularInline):
    model = BniSnapshotRow
    extra = 0
    can_delete = False
    raw_id_fields = ("member",)
    readonly_fields = ("bni_name", *BniSnapshotRow.FIELDS.values())

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BniSnapshot)
class BniSnapshotAdmin(admin.ModelAdmin):
    """Imported PALMS Summaries: read here, replaced only by importing again."""

    list_display = ("chapter", "start", "end", "file_name", "imported_at", "imported_by")
    list_filter = ("chapter",)
    list_select_related = ("chapter", "imported_by")
    readonly_fields = ("chapter", "start", "end", "file_name", "imported_at", "imported_by")
    inlines = [BniSnapshotRowInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
