"""Writes on slips (STYLE.md: keyword-only, ``@transaction.atomic``, one place per rule).

Every create checks the two members (same chapter, different people, both belonging on the
slip's date) and dates the slip into the next open week when its own week was already
submitted (DOMAIN.md "The week's report, submitted"). Edits and deletions are the owner's
while the week is open; after that only the vice-president or president may correct, and
each such correction leaves a ``SlipCorrection`` row saying who changed what, and when.

A create that stores one row runs no transaction of its own: its INSERT is atomic with what
the database's triggers write beside it (the chapter's revision, the PALMS rollup), and the
slip a member logs after every meeting saves two round trips (BEGIN, COMMIT). A write of more
than one row is ``@transaction.atomic``.

``by`` is whoever acts: a ``Viewer`` (views pass ``request.viewer``), a ``Member`` or a user.
"""

import datetime as dt
import functools
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from meetings.weeks import UNREAD, is_week_submitted, open_date_for, week_ending
from members.access import Viewer, viewer_of
from members.models import Member
from members.text import clean_text

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
from .selectors import LATEST_SUBMITTED

# The two members a slip names: (the one who logs it, the other one). A CEU names one.
PAIRS: dict[type[Slip], tuple[str, str]] = {
    Referral: ("giver", "receiver"),
    Tyfcb: ("writer", "thanked"),
    Testimonial: ("giver", "receiver"),
    OneToOne: ("member_a", "member_b"),
}
SELF_MESSAGES = {
    Referral: _("You cannot pass a referral to yourself: pick another member."),
    Tyfcb: _("You cannot thank yourself: pick the member who referred the business."),
    Testimonial: _("You cannot give yourself a testimonial: pick another member."),
    OneToOne: _("A 1-2-1 is with another member: pick someone else."),
}
# Fields a slip's edit form may change (the members who own it stay put).
EDITABLE: dict[type[Slip], tuple[str, ...]] = {
    Referral: (
        "date",
        "receiver",
        "kind",
        "contact_name",
        "contact_phone",
        "contact_email",
        "contact_company",
        "need",
        "temperature",
        "told_them_you_would_call",
        "gave_your_card",
    ),
    Tyfcb: ("date", "thanked", "amount", "business"),
    OneToOne: ("date", "time", "place", "status"),
    Ceu: ("date", "topic", "credits"),
    Testimonial: ("date", "receiver", "text"),
}


def _day(day: dt.date) -> str:
    return date_format(day, "D j M Y")


def may_correct(viewer: Viewer, slip: Slip) -> bool:
    """The vice-president or president of the slip's chapter (or staff) may correct any slip."""
    return viewer.is_staff or (
        viewer.is_leader and viewer.is_member and viewer.member.chapter_id == slip.chapter_id
    )


def may_update(viewer: Viewer, referral: Referral) -> bool:
    """The receiver reports a referral's progress; leadership may correct any step."""
    is_receiver = viewer.member is not None and referral.receiver_id == viewer.member.pk
    return is_receiver or may_correct(viewer, referral)


def may_edit(viewer: Viewer, slip: Slip) -> bool:
    return slip.is_owned_by(viewer.member) or may_correct(viewer, slip)


def edit_refusal(viewer: Viewer, slip: Slip) -> str | None:
    """Why ``viewer`` may not change ``slip`` now (its week is submitted), or ``None``."""
    if may_correct(viewer, slip):
        return None
    if is_week_submitted(slip.chapter, slip.date):
        end = week_ending(slip.chapter, slip.date)
        return gettext(
            "The week of the meeting on %(day)s has been submitted, so this slip is "
            "locked. Ask the vice-president to correct it."
        ) % {"day": _day(end)}
    return None


# --- Checks shared by create and update ----------------------------------------------------


def _check_members(slip: Slip, *, me: Member | None = None, other_key: str | None = None) -> None:
    """The members a slip links: different people, each a member of their own chapter on
    the slip's date, and the slip's chapter the chapter of the one who logs it.

    The other party may be a member of another chapter, or someone outside Slipstream where
    the kind allows it (DOMAIN.md "Beyond the chapter"). Errors name the form field they
    belong next to: the other party's field, or the date when it is the logging member
    (``me``) who did not belong that day.
    """
    errors: dict[str, str] = {}
    model = type(slip)
    day = slip.date
    if model is Ceu:
        if slip.member.chapter_id != slip.chapter_id:
            errors["member"] = gettext("That member is not in this chapter.")
        elif not slip.member.belongs_on(day):
            errors["date"] = gettext("%(name)s was not a member of the chapter on %(day)s.") % {
                "name": slip.member,
                "day": _day(day),
            }
        if errors:
            raise ValidationError(errors)
        return
    first_field, second_field = PAIRS[model]
    first, second = getattr(slip, first_field), getattr(slip, second_field)
    if me is not None and second is not None and second.pk == me.pk:
        first, second = second, first
    key = other_key or second_field
    linked = [who for who in (first, second) if who is not None]
    if not linked:
        raise ValidationError({key: gettext("A slip names at least one member of a chapter.")})
    if first is not None and second is not None and first.pk == second.pk:
        errors[key] = str(SELF_MESSAGES[model])
    elif all(who.chapter_id != slip.chapter_id for who in linked):
        errors[key] = gettext("A slip is logged in the chapter of a member it names.")
    else:
        for who, field in ((first, "date"), (second, key)):
            if who is None:
                continue
            if not who.belongs_on(day):
                if who.chapter_id == slip.chapter_id:
                    message = gettext("%(name)s was not a member of the chapter on %(day)s.")
                else:
                    message = gettext("%(name)s was not a member of their chapter on %(day)s.")
                errors.setdefault(field, message % {"name": who, "day": _day(day)})
    if errors:
        raise ValidationError(errors)


def _outside(other_name: str, other_chapter_name: str, *, field: str) -> tuple[str, str]:
    """An outside party's name and chapter, normalised (``members.text.clean_text``) and
    checked (DOMAIN.md: someone outside this Slipstream, or ``BNI`` for the organisation)."""
    name, chapter = clean_text(other_name), clean_text(other_chapter_name)
    if chapter and not name:
        raise ValidationError({field: gettext("Give the name of the person outside Slipstream.")})
    if len(name) > 120:
        raise ValidationError({field: gettext("A name is at most 120 characters.")})
    if len(chapter) > 200:
        raise ValidationError({field: gettext("Their chapter is at most 200 characters.")})
    return name, chapter


def _clean_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": gettext("Enter an amount such as 1250.00.")}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than 0.")})
    if value.as_tuple().exponent < -2:
        raise ValidationError(
            {"amount": gettext("Use at most two decimal places, such as 1250.50.")}
        )
    return value


def _save(slip: Slip) -> Slip:
    """Validate the row's own fields, then store it.

    The members it names were loaded and checked by the caller, so their foreign keys are not
    looked up again; the check and unique constraints are the database's to enforce (the
    services check each rule first, to say what is wrong in words), which keeps a slip to one
    INSERT instead of a dozen validation queries.
    """
    _validate(slip)
    slip.save()
    return slip


def _validate(slip: Slip) -> None:
    related = [f.name for f in slip._meta.fields if f.is_relation]
    slip.full_clean(exclude=related, validate_unique=False, validate_constraints=False)


def _insert(slip: Slip) -> Slip:
    """Store a new slip as ``_save`` does, in one INSERT (``_insert_row``): in autocommit it
    is its own transaction (no BEGIN, no COMMIT); inside a caller's transaction it takes a
    savepoint, so a refused row (a form sent twice, its token already stored) leaves that
    transaction usable.
    """
    _validate(slip)
    in_transaction = transaction.get_connection().in_atomic_block
    with transaction.atomic() if in_transaction else nullcontext():
        _insert_row(slip)
    return slip


def _insert_row(slip: Slip) -> None:
    """What ``slip.save()`` stores for a new slip, as one hand-written ``INSERT … RETURNING``.

    Logging a slip is the one member page that cannot be kept, and building the ORM's INSERT
    was a large part of its Python time. Each field's value is what ``save()`` would send
    (``pre_save``, which fills ``auto_now_add``, then ``get_db_prep_save``), so the row is the
    same; a refused row raises the same ``IntegrityError``. No ``pre_save``/``post_save``
    signal is sent: the slip models have no receivers (tests/referrals/test_insert.py
    checks that, and that the row equals the one ``save()`` stores).
    """
    fields, sql = _insert_statement(type(slip))
    connection = transaction.get_connection()
    params = [f.get_db_prep_save(f.pre_save(slip, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (slip.pk,) = cursor.fetchone()


@functools.cache
def _insert_statement(model: type[Slip]) -> tuple[list[Field], str]:
    """``INSERT INTO <table> (<every column but the id>) VALUES (%s, …) RETURNING id``, from
    the model's own field list (its ``_meta``), written once per model."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    table, pk = meta.db_table, meta.pk.column
    return fields, f'INSERT INTO "{table}" ({columns}) VALUES ({values}) RETURNING "{pk}"'  # noqa: S608


def _open_date(chapter, day: dt.date, other: Member | None = None) -> dt.date:
    """``day``, or the first day of the next open week if its week is submitted. The slip form
    reads the other member with their chapter's week lock (``selectors.slip_member``): then
    the usual case, a week after the latest submitted one, asks no query."""
    latest = UNREAD
    if other is not None and other.chapter_id == chapter.pk:
        latest = getattr(other, LATEST_SUBMITTED, UNREAD)
    return open_date_for(chapter, day, latest)


# --- Creating slips -------------------------------------------------------------------------


def referral_create(
    *,
    receiver: Member,
    date: dt.date,
    contact_name: str,
    giver: Member | None = None,
    other_name: str = "",
    other_chapter_name: str = "",
    kind: str = Referral.Kind.INSIDE,
    contact_phone: str = "",
    contact_email: str = "",
    contact_company: str = "",
    need: str = "",
    temperature: int = 1,
    told_them_you_would_call: bool = False,
    gave_your_card: bool = False,
    created_by=None,
    token: str = "",
) -> Referral:
    """A referral to a member (of this chapter or another), given by a member or received from
    someone outside Slipstream (``other_name``, an import of BNI Connect's audit). It is logged
    in the giver's chapter, or the receiver's when the giver is outside."""
    other_name, other_chapter_name = _outside(other_name, other_chapter_name, field="giver")
    if (giver is None) == (not other_name):
        raise ValidationError(
            {"giver": gettext("A referral comes from a member or from a named person.")}
        )
    chapter = giver.chapter if giver is not None else receiver.chapter
    referral = Referral(
        chapter=chapter,
        giver=giver,
        receiver=receiver,
        other_name=other_name,
        other_chapter_name=other_chapter_name,
        date=_open_date(chapter, date, receiver),
        kind=kind,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        contact_company=contact_company,
        need=need,
        temperature=temperature,
        told_them_you_would_call=told_them_you_would_call,
        gave_your_card=gave_your_card,
        created_by=getattr(created_by, "user", created_by),
        token=token,
    )
    _check_members(referral)
    return _insert(referral)


def tyfcb_create(
    *,
    date: dt.date,
    amount,
    writer: Member | None = None,
    thanked: Member | None = None,
    other_name: str = "",
    other_chapter_name: str = "",
    business: str = Tyfcb.Business.NEW,
    referral: Referral | None = None,
    created_by=None,
    token: str = "",
) -> Tyfcb:
    """The writer closed business and thanks who referred it (the credit is the thanked
    member's). Either side may be outside Slipstream (``other_name``: a former member or a
    visitor thanked; a writer of another chapter not in it), and the writer may be unknown
    (no member, no name: BNI Connect exports thankers anonymously); at least one side is a
    member. It is logged in the writer's chapter, or the thanked member's."""
    side = "thanked" if thanked is None else "writer"
    other_name, other_chapter_name = _outside(other_name, other_chapter_name, field=side)
    if writer is None and thanked is None:
        raise ValidationError({"thanked": gettext("A thank-you names at least one member.")})
    if thanked is None and not other_name:
        raise ValidationError(
            {"thanked": gettext("Pick the member you thank, or give their name.")}
        )
    if writer is not None and thanked is not None and other_name:
        raise ValidationError({"thanked": gettext("Thank a member or a named person, not both.")})
    chapter = writer.chapter if writer is not None else thanked.chapter
    tyfcb = Tyfcb(
        chapter=chapter,
        writer=writer,
        thanked=thanked,
        other_name=other_name,
        other_chapter_name=other_chapter_name,
        date=_open_date(chapter, date, thanked),
        amount=_clean_amount(amount),
        business=business,
        referral=referral,
        created_by=getattr(created_by, "user", created_by),
        token=token,
    )
    _check_members(tyfcb)
    if referral is not None and (
        writer is None
        or thanked is None
        or referral.receiver_id != writer.pk
        or referral.giver_id != thanked.pk
    ):
        raise ValidationError(
            {
                "referral": gettext("That referral was not passed from %(name)s to you.")
                % {"name": thanked}
            }
        )
    return _insert(tyfcb)


@transaction.atomic
def one_to_one_log(
    *,
    member: Member,
    date: dt.date,
    other: Member | None = None,
    other_name: str = "",
    other_chapter_name: str = "",
    time: dt.time | None = None,
    place: str = "",
    status: str = OneToOne.Status.PLANNED,
    created_by=None,
    token: str = "",
) -> tuple[OneToOne, bool]:
    """Log a 1-2-1 with another member (of this chapter or another) or with someone outside
    Slipstream (``other_name``); returns ``(row, created)``.

    The same pair on the same day is one 1-2-1 whichever of them logs it (DOMAIN.md), so a
    second log — a double submit, or the other member logging it too — returns the existing
    row and stores nothing.
    """
    other_name, other_chapter_name = _outside(other_name, other_chapter_name, field="other")
    if (other is None) == (not other_name):
        raise ValidationError({"other": gettext("Pick the member you met, or give their name.")})
    if other is None:
        first, second = member, None
        same = {"member_a": member, "member_b__isnull": True, "other_name": other_name}
    else:
        first, second = sorted((member, other), key=lambda m: m.pk)
        same = {"member_a": first, "member_b": second}
    existing = OneToOne.objects.filter(**same, date=date).first()
    if existing is not None and (other is None or member.pk != other.pk):
        return existing, False
    one_to_one = OneToOne(
        chapter=member.chapter,
        member_a=first,
        member_b=second,
        other_name=other_name,
        other_chapter_name=other_chapter_name,
        date=_open_date(member.chapter, date, other),
        time=time,
        place=place,
        status=status,
        created_by=getattr(created_by, "user", created_by),
        token=token,
    )
    _check_members(one_to_one, me=member, other_key="other")
    _check_not_done_in_future(one_to_one)
    if one_to_one.date != date:
        moved = OneToOne.objects.filter(**same, date=one_to_one.date).first()
        if moved is not None:
            return moved, False
    try:
        with transaction.atomic():
            return _save(one_to_one), True
    except IntegrityError:
        # The other member logged the same 1-2-1 a moment ago: theirs is the one.
        return OneToOne.objects.get(**same, date=one_to_one.date), False


def _check_not_done_in_future(one_to_one: OneToOne) -> None:
    if one_to_one.status == OneToOne.Status.DONE and one_to_one.date > one_to_one.chapter.today():
        raise ValidationError({"status": gettext("A 1-2-1 in the future cannot be done yet.")})


def ceu_create(
    *, member: Member, date: dt.date, topic: str, credits: int = 1, created_by=None, token: str = ""
) -> Ceu:
    ceu = Ceu(
        chapter=member.chapter,
        member=member,
        date=_open_date(member.chapter, date),
        topic=topic,
        credits=credits,
        created_by=getattr(created_by, "user", created_by),
        token=token,
    )
    _check_members(ceu)
    return _insert(ceu)


def testimonial_create(
    *, giver: Member, receiver: Member, date: dt.date, text: str, created_by=None, token: str = ""
) -> Testimonial:
    testimonial = Testimonial(
        chapter=giver.chapter,
        giver=giver,
        receiver=receiver,
        date=_open_date(giver.chapter, date, receiver),
        text=text,
        created_by=getattr(created_by, "user", created_by),
        token=token,
    )
    _check_members(testimonial)
    return _insert(testimonial)


# --- Closing the loop -----------------------------------------------------------------------


@transaction.atomic
def referral_set_status(
    *, referral: Referral, by, to_status: str, note: str = ""
) -> ReferralStatusChange | None:
    """The receiver reports progress; the vice-president or president may correct any step.

    The row is locked (``SELECT … FOR UPDATE``) so two updates at once are applied one after
    the other and each is checked against, and recorded from, the status the other left.
    The same status again with no note changes nothing (a double tap); with a note it is
    recorded as a progress note.
    """
    viewer = viewer_of(by)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    correcting = may_correct(viewer, locked)
    if not may_update(viewer, locked):
        raise PermissionDenied(gettext("Only the receiver updates a referral."))
    if to_status not in Referral.Status.values:
        raise ValidationError({"to_status": gettext("Pick one of the statuses shown.")})
    note = (note or "").strip()
    if to_status == locked.status:
        if not note:
            referral.status = locked.status
            return None
    elif to_status not in locked.next_statuses() and not correcting:
        if locked.is_closed:
            message = gettext(
                "This referral is closed (%(status)s); only the vice-president can correct it."
            ) % {"status": locked.get_status_display()}
        else:
            message = gettext("A referral that is %(status)s cannot go back to %(to_status)s.") % {
                "status": locked.get_status_display().lower(),
                "to_status": Referral.Status(to_status).label.lower(),
            }
        raise ValidationError({"to_status": message})
    change = ReferralStatusChange.objects.create(
        referral=locked,
        changed_by=viewer.user,
        from_status=locked.status,
        to_status=to_status,
        note=note,
    )
    if to_status != locked.status:
        locked.status = to_status
        locked.status_changed_at = change.changed_at
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    referral.status, referral.status_changed_at = locked.status, locked.status_changed_at
    return change


#: How long whoever closed a referral may take the outcome back: long enough to notice a tap on
#: the wrong button, short enough that the giver has not acted on the news.
UNDO_WINDOW = dt.timedelta(minutes=10)


def _undoable_change(viewer: Viewer, referral: Referral) -> ReferralStatusChange | None:
    """The change that closed ``referral``, if ``viewer`` made it within ``UNDO_WINDOW`` and
    its status has not moved since (a note added after it does not count)."""
    if not referral.is_closed or viewer.user is None:
        return None
    last = (
        ReferralStatusChange.objects.filter(referral_id=referral.pk)
        .exclude(from_status=F("to_status"))
        .order_by("-changed_at", "-pk")
        .first()
    )
    if (
        last is None
        or last.to_status != referral.status
        or last.changed_by_id != viewer.user.pk
        or timezone.now() - last.changed_at > UNDO_WINDOW
    ):
        return None
    return last


def undo_deadline(viewer: Viewer, referral: Referral) -> dt.datetime | None:
    """Until when ``viewer`` may undo the outcome of ``referral``, or None if they may not."""
    change = _undoable_change(viewer, referral)
    return change.changed_at + UNDO_WINDOW if change is not None else None


@transaction.atomic
def referral_undo_outcome(*, referral: Referral, by) -> ReferralStatusChange:
    """Take back an outcome (won, lost, not a fit) just given: the referral returns to the
    status it had, and the history keeps both steps.

    Only whoever gave the outcome may, within ``UNDO_WINDOW``, and not once a thank-you names
    the referral; after that the vice-president corrects it."""
    viewer = viewer_of(by)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    change = _undoable_change(viewer, locked)
    if change is None:
        raise ValidationError(
            {
                "to_status": gettext(
                    "This outcome can no longer be undone: only whoever gave it may, within "
                    "%(minutes)d minutes. Ask the vice-president to correct it."
                )
                % {"minutes": UNDO_WINDOW.seconds // 60}
            }
        )
    if Tyfcb.objects.filter(referral_id=locked.pk).exists():
        raise ValidationError(
            {
                "to_status": gettext(
                    "A thank-you (TYFCB) already names this referral, so it stays won. "
                    "Ask the vice-president to correct it."
                )
            }
        )
    back = ReferralStatusChange.objects.create(
        referral=locked,
        changed_by=viewer.user,
        from_status=locked.status,
        to_status=change.from_status,
    )
    locked.status = change.from_status
    locked.status_changed_at = back.changed_at
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    referral.status, referral.status_changed_at = locked.status, locked.status_changed_at
    return back


@transaction.atomic
def one_to_one_set_status(*, one_to_one: OneToOne, by, status: str) -> OneToOne:
    """Either member marks the 1-2-1 done or cancelled (while its week is open)."""
    return slip_update(slip=one_to_one, by=by, data={"status": status})


# --- Editing, deleting and the week's lock --------------------------------------------------


def _value(value) -> str:
    if isinstance(value, Member):
        return value.full_name
    if value is None:
        return ""
    return str(value)


def _record(*, slip: Slip, viewer: Viewer, action: str, changes: dict, week: dt.date) -> None:
    if action == SlipCorrection.Action.DELETED:
        summary = f"Deleted {slip._meta.verbose_name} “{slip}”"
    else:
        summary = "; ".join(f"{k}: {b or '—'} → {a or '—'}" for k, (b, a) in changes.items())
    SlipCorrection.objects.create(
        chapter_id=slip.chapter_id,
        kind=slip.kind_slug,
        slip_id=slip.pk,
        slip_date=slip.date,
        week_ending=week,
        action=action,
        changes=changes,
        summary=summary[:300],
        corrected_by=viewer.user,
    )


def _lock_for_change(slip: Slip, by) -> tuple[Slip, Viewer, bool]:
    viewer = viewer_of(by)
    locked = type(slip).objects.select_for_update().select_related("chapter").get(pk=slip.pk)
    if not may_edit(viewer, locked):
        raise PermissionDenied(gettext("Only the member who logged this slip may change it."))
    refusal = edit_refusal(viewer, locked)
    if refusal:
        raise ValidationError(refusal)
    submitted = is_week_submitted(locked.chapter, locked.date)
    recorded = submitted or not locked.is_owned_by(viewer.member)
    return locked, viewer, recorded


@transaction.atomic
def slip_update(*, slip: Slip, by, data: dict) -> Slip:
    """Change a slip's editable fields. Owners only while the week is open; afterwards the
    vice-president or president corrects it, and the correction is recorded."""
    locked, viewer, recorded = _lock_for_change(slip, by)
    model = type(locked)
    week = week_ending(locked.chapter, locked.date)
    changes: dict[str, list[str]] = {}
    for name in EDITABLE[model]:
        if name not in data:
            continue
        value = data[name]
        if name == "amount":
            value = _clean_amount(value)
        before = getattr(locked, name)
        if before != value:
            changes[name] = [_value(before), _value(value)]
            setattr(locked, name, value)
    if not changes:
        return locked
    moved_into_locked_week = "date" in changes and is_week_submitted(locked.chapter, locked.date)
    if moved_into_locked_week and not may_correct(viewer, locked):
        raise ValidationError(
            {"date": gettext("That week has been submitted: pick a date in an open week.")}
        )
    if model is OneToOne:
        _check_members(locked, me=viewer.member, other_key="other")
    else:
        _check_members(locked)
    if model is OneToOne:
        _check_not_done_in_future(locked)
        same = (
            {"member_b_id": locked.member_b_id}
            if locked.member_b_id is not None
            else {"member_b__isnull": True, "other_name": locked.other_name}
        )
        clash = (
            OneToOne.objects.filter(member_a_id=locked.member_a_id, date=locked.date, **same)
            .exclude(pk=locked.pk)
            .exists()
        )
        if clash:
            raise ValidationError(
                {"date": gettext("These two members already have a 1-2-1 that day.")}
            )
    _save(locked)
    if recorded:
        _record(
            slip=locked,
            viewer=viewer,
            action=SlipCorrection.Action.EDITED,
            changes=changes,
            week=week,
        )
    for name in changes:
        setattr(slip, name, getattr(locked, name))
    return locked


@transaction.atomic
def slip_delete(*, slip: Slip, by) -> None:
    """Delete a slip: the owner while its week is open, else a recorded correction."""
    locked, viewer, recorded = _lock_for_change(slip, by)
    if recorded:
        _record(
            slip=locked,
            viewer=viewer,
            action=SlipCorrection.Action.DELETED,
            changes={},
            week=week_ending(locked.chapter, locked.date),
        )
    locked.delete()


@transaction.atomic
def week_submit(*, meeting: Meeting, by) -> Meeting:
    """The vice-president (or president) locks the week's slips and attendance."""
    viewer = viewer_of(by)
    locked = Meeting.objects.select_for_update().select_related("chapter").get(pk=meeting.pk)
    if not (
        viewer.is_staff or (viewer.is_leader and viewer.member.chapter_id == locked.chapter_id)
    ):
        raise PermissionDenied(gettext("Only the vice-president or president submits the week."))
    if locked.is_submitted:
        raise ValidationError(gettext("This week has already been submitted."))
    if locked.date > locked.chapter.today():
        raise ValidationError(
            gettext("The meeting has not happened yet: submit its week afterwards.")
        )
    locked.submitted_at = timezone.now()
    locked.submitted_by = viewer.user
    locked.save(update_fields=["submitted_at", "submitted_by"])
    meeting.submitted_at, meeting.submitted_by = locked.submitted_at, locked.submitted_by
    return locked
