from django.contrib import admin

from .models import ReminderLog, ReminderOptOut


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "recipient",
        "chapter",
        "occurrence",
        "status",
        "sent_at",
        "attempts",
        "last_error",
    )
    list_filter = ("kind", "status", "chapter")
    search_fields = ("recipient__email", "occurrence")
    date_hierarchy = "created_at"
    list_select_related = ("recipient", "chapter")
    readonly_fields = [f.name for f in ReminderLog._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(admin.ModelAdmin):
    list_display = ("member", "kind")
    list_filter = ("kind",)
    list_select_related = ("member__user",)
    search_fields = ("member__user__email",)
