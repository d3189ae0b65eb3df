"""The ledger that makes every reminder go out once: one row per (kind, object, recipient,
occurrence), inserted when a sweep finds it due, claimed by the task that sends it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Member


class Kind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("1-2-1 tomorrow")
    MISSED_MEETING = "missed_meeting", _("Missed meeting")
    POLICY = "policy", _("Attendance policy warning")
    POLICY_OVER = "policy_over", _("Member over the attendance limit (committee)")
    REFERRAL_WAITING = "referral_waiting", _("Referral waiting for your update")
    MEETING_EVE = "meeting_eve", _("Meeting tomorrow")
    RENEWAL = "renewal", _("Membership renewal due")


# A member may switch off any kind except the committee's notice about a member over the limit.
OPTIONAL_KINDS = [k for k in Kind if k != Kind.POLICY_OVER]


class ReminderLog(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Nothing to send")
        #: Never to be sent: its data cannot make an email (an address that is not one, a
        #: line break in a header), or its attempts ran out; ``last_error`` says why.
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField(help_text=_("The 1-2-1, attendance, member, … it is about."))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    occurrence = models.CharField(
        max_length=80, help_text=_("Which time this event happens (a date, a state, a week).")
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "recipient", "occurrence"], name="reminder_once"
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "-sent_at"]),
            models.Index(
                fields=["status"],
                condition=Q(status__in=["pending", "sending"]),
                name="reminder_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.occurrence})"


class ReminderOptOut(models.Model):
    """A member's "don't email me about this": one row per kind switched off."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reminder_opt_outs")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="one_opt_out_per_kind"),
            models.CheckConstraint(
                condition=~Q(kind="policy_over"), name="committee_notices_stay_on"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: no {self.kind}"
