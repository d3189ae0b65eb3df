"""Record what is due, send each reminder once, and build the emails.

The ledger (``ReminderLog``) is the source of truth: one row per event and recipient. A sweep
inserts one ``pending`` row per due key (the unique constraint makes a second sweep a no-op)
and, after commit, enqueues one send task per *recipient*: a member gets one email, the
digest, listing everything due to them, however many rows it covers.

The task claims all of its recipient's claimable rows with one conditional UPDATE (a pending
row, its own earlier claim when the same message is redelivered after a worker died, or a
claim whose lease ran out), sends one email, then marks those rows ``sent``. A failed send
releases them together so a retry sends them together; a duplicate task, or the task of a
later sweep, finds nothing left to claim. If the broker is down when a sweep runs, rows stay
pending and the next sweep enqueues them again: nothing is lost.

A row that can never be sent ends ``failed`` with its reason in ``last_error``, rather than
waiting for the next sweep for ever: at once when its data cannot make an email (an address
that is not one, a line break in a header: Python's ``email`` refuses them with a
``ValueError``), otherwise once ``MAX_ATTEMPTS`` sends have failed.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

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
#: Sends tried for a row before it is ``failed``: the send task's first try and its retries.
MAX_ATTEMPTS = 6


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


@dataclass
class Sweep:
    """What a sweep found unsent, and how many of those rows the broker took. The rest stay
    pending for the next sweep. ``enqueued`` is counted once the sweep's transaction commits
    (at once for the command and the task, which run in none)."""

    ready: int
    enqueued: int = 0

    @property
    def left(self) -> int:
        return self.ready - self.enqueued


def run_sweeps(now: dt.datetime | None = None) -> Sweep:
    """Record every due reminder and enqueue a send task for each unsent row."""
    now = now or timezone.now()
    due = due_now(now)
    with transaction.atomic():
        # A claim whose lease ran out after its last attempt: its worker died each time.
        ReminderLog.objects.filter(
            status=ReminderLog.Status.SENDING,
            claimed_at__lt=now - LEASE,
            attempts__gte=MAX_ATTEMPTS,
        ).update(
            status=ReminderLog.Status.FAILED,
            claimed_by="",
            last_error=f"gave up: none of {MAX_ATTEMPTS} attempts finished",
        )
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
            ).values_list("pk", "recipient_id")
        )
        sweep = Sweep(ready=len(ready))
        transaction.on_commit(lambda: _enqueue(ready, now, sweep))
    return sweep


def _enqueue(ready: list[tuple[int, int]], now: dt.datetime, sweep: Sweep | None = None) -> None:
    """One send task per recipient: their digest takes every row of theirs that is due."""
    from .tasks import send_digest

    rows: dict[int, list[int]] = {}
    for pk, recipient_id in ready:
        rows.setdefault(recipient_id, []).append(pk)
    enqueued = []
    for recipient_id, pks in rows.items():
        try:
            send_digest.delay(recipient_id)
        except Exception:  # broker down: the rows stay pending and the next sweep retries
            logger.exception(
                "reminders: broker unavailable; %d left for the next sweep",
                len(ready) - len(enqueued),
            )
            break
        enqueued.extend(pks)
    if enqueued:
        ReminderLog.objects.filter(pk__in=enqueued).update(enqueued_at=now)
    if sweep is not None:
        sweep.enqueued = len(enqueued)


def deliver_digest(*, recipient_id: int, task_id: str) -> str:
    """Send ``recipient_id`` one email listing every reminder due to them, each at most once.

    Returns what happened, for the task log. The rows are claimed together, so two tasks
    for the same person (two sweeps, a redelivered message) never both send a row; those
    with nothing left to say (the 1-2-1 was cancelled) are marked skipped and left out.
    """
    now = timezone.now()
    claimable = (
        Q(status=ReminderLog.Status.PENDING)
        | Q(status=ReminderLog.Status.SENDING, claimed_by=task_id)
        | Q(status=ReminderLog.Status.SENDING, claimed_at__lt=now - LEASE)
    )
    claimed = ReminderLog.objects.filter(claimable, recipient_id=recipient_id).update(
        status=ReminderLog.Status.SENDING,
        claimed_by=task_id,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "already claimed or sent"
    mine = ReminderLog.objects.filter(
        recipient_id=recipient_id, status=ReminderLog.Status.SENDING, claimed_by=task_id
    )
    logs = list(mine.select_related("recipient", "chapter").order_by("created_at", "pk"))
    try:
        message, said = build_digest(logs)
        if len(said) < len(logs):
            mine.exclude(pk__in=said).update(
                status=ReminderLog.Status.SKIPPED, last_error="nothing to send"
            )
        if message is None:
            return "skipped"
        message.send()
    except ValueError as exc:
        # Its data cannot make an email: sending again would fail the same way.
        _fail_unsendable(mine, logs, exc)
        return "failed"
    except Exception as exc:
        spent = mine.filter(attempts__gte=MAX_ATTEMPTS)
        spent.update(
            status=ReminderLog.Status.FAILED,
            claimed_by="",
            last_error=f"gave up after {MAX_ATTEMPTS} attempts: {exc}"[:300],
        )
        if not mine.update(
            status=ReminderLog.Status.PENDING, claimed_by="", last_error=str(exc)[:300]
        ):
            return "failed"
        raise
    mine.update(status=ReminderLog.Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def _fail_unsendable(mine, logs: list[ReminderLog], error: ValueError) -> None:
    """Mark failed the rows whose data cannot make an email, with the reason, and give the
    others back to the next sweep. A row that makes no email alone (a line break in what its
    subject names) is found by building each alone; when each does, the fault is the
    recipient's (an address that is not one), and every row fails."""
    bad = []
    if len(logs) > 1:
        for log in logs:
            try:
                message, _ = build_digest([log])
                if message is not None:
                    message.message()
            except ValueError:
                bad.append(log.pk)
    reason = f"cannot be sent: {error}"[:300]
    if bad:
        mine.filter(pk__in=bad).update(
            status=ReminderLog.Status.FAILED, claimed_by="", last_error=reason
        )
        mine.update(status=ReminderLog.Status.PENDING, claimed_by="", enqueued_at=None)
    else:
        mine.update(status=ReminderLog.Status.FAILED, claimed_by="", last_error=reason)
    logger.warning("reminders: %s", reason)


def deliver(*, log_id: int, task_id: str) -> str:
    """Send the digest that holds one ledger row: its recipient's, with everything else due
    to them. (A message queued as one task per row is delivered the same way.)"""
    recipient_id = (
        ReminderLog.objects.filter(pk=log_id).values_list("recipient_id", flat=True).first()
    )
    if recipient_id is None:
        return "already claimed or sent"
    return deliver_digest(recipient_id=recipient_id, task_id=task_id)


def absolute(name: str, *args) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = reverse("home")
    return f"{settings.SITE_URL}{path}"


def build_digest(logs: list[ReminderLog]) -> tuple[EmailMultiAlternatives | None, set[int]]:
    """One email for one recipient's claimed rows, and the ids of the rows it tells about.

    ``None`` when there is nothing left to say: every row's subject is gone (a deleted or
    cancelled 1-2-1, a cancelled meeting) or the recipient has no address.
    """
    recipient = logs[0].recipient
    if not recipient.email or not recipient.is_active:
        return None, set()
    items = []
    for log in logs:
        context = messages.context_for(log)
        if context is not None:
            items.append(messages.Item(log=log, context=context))
    if not items:
        return None, set()
    chapters = {item.log.chapter_id: item.log.chapter for item in items}
    chapter = next(iter(chapters.values())) if len(chapters) == 1 else None
    preferences_url = absolute("reminders:preferences")
    groups = messages.grouped(items)
    for item in items:
        shared = {
            "chapter": item.log.chapter,
            "recipient": recipient,
            "site_url": settings.SITE_URL,
        }
        item.html = render_to_string(f"reminders/email/{item.log.kind}.html", item.context | shared)
        item.text = render_to_string(
            f"reminders/email/{item.log.kind}.txt", item.context | shared
        ).strip()
    subject = messages.digest_subject(items, groups)
    context = {
        "subject": subject,
        "chapter": chapter,
        "recipient": recipient,
        "groups": groups,
        "site_url": settings.SITE_URL,
        "preferences_url": preferences_url,
    }
    prefix = chapter.name if chapter else "Slipstream"
    message = EmailMultiAlternatives(
        f"[{prefix}] {subject}",
        render_to_string("reminders/email/digest.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string("reminders/email/digest.html", context), "text/html"
    )
    for item in items:
        for filename, content, mimetype in item.context.get("attachments", []):
            message.attach(filename, content, mimetype)
    return message, {item.log.pk for item in items}


@transaction.atomic
def set_preferences(*, member: Member, enabled: Iterable[str]) -> None:
    """Switch each optional kind on or off for ``member``."""
    from .models import OPTIONAL_KINDS

    enabled = set(enabled)
    ReminderOptOut.objects.filter(member=member).delete()
    ReminderOptOut.objects.bulk_create(
        [ReminderOptOut(member=member, kind=k) for k in OPTIONAL_KINDS if k not in enabled]
    )
