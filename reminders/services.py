"""Record what is due, send each reminder once, and build the emails.

The ledger (``ReminderLog``) is the source of truth. A sweep inserts one ``pending`` row per
due key (the unique constraint makes a second sweep a no-op) and enqueues a send task per
row after commit. The task claims its row with one conditional UPDATE — only a pending row,
its own earlier claim (the same message redelivered after a worker died), or a claim whose
lease ran out can be taken — sends, then marks it ``sent``. A failed send releases the claim
so a retry can send; a duplicate task finds nothing to claim. If the broker is down when a
sweep runs, rows stay pending and the next sweep enqueues them again: nothing is lost.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from members.models import Member

from . import messages
from .models import Kind, ReminderLog, ReminderOptOut
from .sweeps import SWEEPS, Due

logger = logging.getLogger(__name__)
# Longer than a send task's hard time limit: a live claim is never taken over.
LEASE = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
REQUEUE_AFTER = LEASE


def due_now(now: dt.datetime | None = None, kinds: Iterable[str] | None = None) -> list[Due]:
    """Every reminder due at ``now`` that its recipient has not switched off."""
    now = now or timezone.now()
    due: list[Due] = []
    for kind, sweep in SWEEPS.items():
        if kinds is None or kind in kinds:
            due.extend(sweep(now))
    if not due:
        return []
    opted_out = set(
        ReminderOptOut.objects.filter(
            member_id__in={d.member_id for d in due if d.member_id}
        ).values_list("member_id", "kind")
    )
    return [d for d in due if d.kind == Kind.POLICY_OVER or (d.member_id, d.kind) not in opted_out]


def not_yet_recorded(due: list[Due]) -> list[Due]:
    """The due keys with no ledger row yet: what a sweep would send now (for ``--dry-run``)."""
    if not due:
        return []
    existing = set(
        ReminderLog.objects.filter(
            kind__in={d.kind for d in due}, object_id__in={d.object_id for d in due}
        ).values_list("kind", "object_id", "recipient_id", "occurrence")
    )
    return [d for d in due if (d.kind, d.object_id, d.recipient_id, d.occurrence) not in existing]


def run_sweeps(now: dt.datetime | None = None) -> int:
    """Record every due reminder and enqueue a send task for each unsent row."""
    now = now or timezone.now()
    due = due_now(now)
    with transaction.atomic():
        ReminderLog.objects.bulk_create(
            [
                ReminderLog(
                    kind=d.kind,
                    chapter_id=d.chapter_id,
                    object_id=d.object_id,
                    recipient_id=d.recipient_id,
                    occurrence=d.occurrence,
                )
                for d in due
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        ready = list(
            ReminderLog.objects.filter(
                Q(status=ReminderLog.Status.PENDING)
                & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
                | Q(status=ReminderLog.Status.SENDING, claimed_at__lt=now - LEASE)
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue(ready, now))
    return len(ready)


def _enqueue(ids: list[int], now: dt.datetime) -> None:
    from .tasks import send_reminder

    sent = []
    for pk in ids:
        try:
            send_reminder.delay(pk)
        except Exception:  # broker down: the rows stay pending and the next sweep retries
            logger.exception("reminders: broker unavailable; %d left for the next sweep", len(ids))
            break
        sent.append(pk)
    if sent:
        ReminderLog.objects.filter(pk__in=sent).update(enqueued_at=now)


def deliver(*, log_id: int, task_id: str) -> str:
    """Send one ledger row's email at most once. Returns what happened, for the task log."""
    now = timezone.now()
    claimable = (
        Q(status=ReminderLog.Status.PENDING)
        | Q(status=ReminderLog.Status.SENDING, claimed_by=task_id)
        | Q(status=ReminderLog.Status.SENDING, claimed_at__lt=now - LEASE)
    )
    claimed = (
        ReminderLog.objects.filter(claimable, pk=log_id)
        .update(status=ReminderLog.Status.SENDING, claimed_by=task_id, claimed_at=now,
                attempts=F("attempts") + 1)
    )  # fmt: skip
    if not claimed:
        return "already claimed or sent"
    log = ReminderLog.objects.select_related("recipient", "chapter").get(pk=log_id)
    mine = ReminderLog.objects.filter(pk=log_id, claimed_by=task_id)
    try:
        message = build_message(log)
        if message is None:
            mine.update(status=ReminderLog.Status.SKIPPED, last_error="nothing to send")
            return "skipped"
        message.send()
    except Exception as exc:
        mine.update(status=ReminderLog.Status.PENDING, claimed_by="", last_error=str(exc)[:300])
        raise
    mine.update(status=ReminderLog.Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def absolute(name: str, *args) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = reverse("home")
    return f"{settings.SITE_URL}{path}"


def build_message(log: ReminderLog) -> EmailMultiAlternatives | None:
    """The email for one ledger row, or ``None`` when there is nothing left to say (the
    1-2-1 was deleted or cancelled, the meeting cancelled, the recipient has no address)."""
    if not log.recipient.email or not log.recipient.is_active:
        return None
    context = messages.context_for(log)
    if context is None:
        return None
    context |= {
        "chapter": log.chapter,
        "recipient": log.recipient,
        "preferences_url": absolute("reminders:preferences"),
        "site_url": settings.SITE_URL,
    }
    subject = f"[{log.chapter.name}] {context['subject']}"
    text = render_to_string(f"reminders/email/{log.kind}.txt", context)
    html = render_to_string(f"reminders/email/{log.kind}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[log.recipient.email])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in context.get("attachments", []):
        message.attach(filename, content, mimetype)
    return message


@transaction.atomic
def set_preferences(*, member: Member, enabled: Iterable[str]) -> None:
    """Switch each optional kind on or off for ``member``."""
    from .models import OPTIONAL_KINDS

    enabled = set(enabled)
    ReminderOptOut.objects.filter(member=member).delete()
    ReminderOptOut.objects.bulk_create(
        [ReminderOptOut(member=member, kind=k) for k in OPTIONAL_KINDS if k not in enabled]
    )
