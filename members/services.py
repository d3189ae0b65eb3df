"""Membership writes: status changes with their audit row, renewals, invitations.

Every function is keyword-only and atomic. A status change stamps ``status_changed_at/by``
on the member and writes a ``MemberStatusChange``; the one-member-per-trade constraint is
checked first (so the message names the holder) and again by the database, whose
``IntegrityError`` (two requests racing for one trade) becomes the same ``ValidationError``.
"""

import datetime as dt
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    AuditEvent,
    Chapter,
    Classification,
    Invitation,
    Member,
    MemberStatusChange,
    Role,
)
from .selectors import trade_holder

Status = Member.Status

#: Invitations one person may send per hour (page, admin action and admin form together).
INVITATIONS_PER_HOUR = 20


def add_years(day: dt.date, years: int = 1) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _trade_taken(member: Member, holder: Member) -> ValidationError:
    message = _("%(trade)s is already held in %(chapter)s by %(holder)s.") % {
        "trade": member.classification,
        "chapter": member.chapter,
        "holder": holder.full_name,
    }
    return ValidationError({"classification": message})


def save_member(member: Member, **save_kwargs) -> Member:
    """Validate and save ``member``, turning a lost race for a trade into a clear message."""
    member.full_clean()
    try:
        with transaction.atomic():
            member.save(**save_kwargs)
    except IntegrityError:
        holder = (
            trade_holder(member.chapter, member.classification_id, exclude=member)
            if member.status in Member.SEATED
            else None
        )
        if holder is None:
            raise
        raise _trade_taken(member, holder) from None
    return member


def _locked(member: Member) -> Member:
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("user", "chapter", "classification")
        .get(pk=member.pk)
    )


def _change_status(member: Member, *, to: str, by, note: str = "", **fields) -> Member:
    locked = _locked(member)
    before = locked.status
    locked.status = to
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = by
    save_member(locked)
    MemberStatusChange.objects.create(
        member=locked,
        from_status=before,
        to_status=to,
        changed_by=by,
        changed_at=locked.status_changed_at,
        note=note[:300],
    )
    if member is not locked:
        member.refresh_from_db()  # the caller's instance shows the new state
    return member


def _require(member: Member, *allowed: str, refusal: str) -> None:
    """Refuse unless ``member``'s status is one of ``allowed``; ``refusal`` is the whole
    message (translated by the caller), with ``%(name)s`` and ``%(status)s`` to fill in."""
    if member.status not in allowed:
        raise ValidationError(
            refusal % {"name": member.full_name, "status": member.get_status_display().lower()}
        )


@transaction.atomic
def member_approve(*, member: Member, by, note: str = "") -> Member:
    """The membership committee seats an applicant: active from today, renewal in a year."""
    _require(
        _locked(member), Status.APPLICANT, refusal=_("%(name)s is %(status)s; cannot approve.")
    )
    today = member.chapter.today()
    return _change_status(
        member,
        to=Status.ACTIVE,
        by=by,
        note=note or "Application approved.",
        joined_on=today,
        renewal_due=add_years(today),
        left_on=None,
    )


@transaction.atomic
def member_put_on_leave(
    *, member: Member, by, leave_from: dt.date, leave_until: dt.date | None = None, note: str = ""
) -> Member:
    """Approved leave: the member keeps their trade and is marked ``M`` at meetings."""
    _require(
        _locked(member),
        Status.ACTIVE,
        Status.ON_LEAVE,
        refusal=_("%(name)s is %(status)s; cannot put on leave."),
    )
    if leave_until is not None and leave_until < leave_from:
        raise ValidationError({"leave_until": _("Leave cannot end before it starts.")})
    until = f" until {leave_until:%d %b %Y}" if leave_until else ""
    return _change_status(
        member,
        to=Status.ON_LEAVE,
        by=by,
        note=note or f"On leave from {leave_from:%d %b %Y}{until}.",
        leave_from=leave_from,
        leave_until=leave_until,
    )


@transaction.atomic
def member_drop(*, member: Member, by, left_on: dt.date, note: str = "") -> Member:
    """The member leaves: ``left_on`` is their last day, the trade is free, history stays.

    Their open leadership roles end on the same day.
    """
    locked = _locked(member)
    _require(
        locked,
        Status.APPLICANT,
        Status.ACTIVE,
        Status.ON_LEAVE,
        refusal=_("%(name)s is %(status)s; cannot drop."),
    )
    if left_on < locked.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    for role in Role.objects.filter(member=locked).exclude(ended_on__lte=left_on):
        if role.started_on > left_on:
            role_remove(role=role, by=by, via="dropped")  # a term that had not begun yet
        else:
            role.ended_on = left_on
            role_save(role=role, by=by, via="dropped")
    return _change_status(
        member,
        to=Status.DROPPED,
        by=by,
        note=note or f"Left on {left_on:%d %b %Y}.",
        left_on=left_on,
        leave_from=None,
        leave_until=None,
    )


@transaction.atomic
def member_reactivate(*, member: Member, by, note: str = "") -> Member:
    """Back from leave (or re-joining after a drop): active again, if the trade is free."""
    locked = _locked(member)
    _require(
        locked,
        Status.ON_LEAVE,
        Status.DROPPED,
        refusal=_("%(name)s is %(status)s; cannot reactivate."),
    )
    was = locked.get_status_display().lower()
    return _change_status(
        member,
        to=Status.ACTIVE,
        by=by,
        note=note or f"Reactivated (was {was}).",
        left_on=None,
        leave_from=None,
        leave_until=None,
    )


@transaction.atomic
def member_renew(*, member: Member, by, note: str = "") -> Member:
    """Membership is yearly: the renewal date moves on by one year (from today if unset)."""
    locked = _locked(member)
    _require(
        locked,
        Status.ACTIVE,
        Status.ON_LEAVE,
        refusal=_("%(name)s is %(status)s; cannot renew."),
    )
    due = add_years(locked.renewal_due or locked.chapter.today())
    return _change_status(
        member,
        to=locked.status,
        by=by,
        note=note or f"Renewed until {due:%d %b %Y}.",
        renewal_due=due,
    )


# --- Invitations ------------------------------------------------------------------------------


class RateLimited(ValidationError):
    pass


def _rate_key(user) -> str:
    return f"members:invitations-sent:{user.pk}:{int(time.time() // 3600)}"


def invitations_left(user) -> int:
    """How many more invitations ``user`` may send this hour."""
    return max(0, INVITATIONS_PER_HOUR - (cache.get(_rate_key(user)) or 0))


def _consume_invitation(user) -> None:
    key = _rate_key(user)
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    if sent > INVITATIONS_PER_HOUR:
        raise RateLimited(rate_limit_message())


def rate_limit_message() -> str:
    """What a person who has sent this hour's invitations reads (page, admin form, action)."""
    return ngettext(
        "You have sent %(count)s invitation this hour; please wait a while before sending more.",
        "You have sent %(count)s invitations this hour; please wait a while before sending more.",
        INVITATIONS_PER_HOUR,
    ) % {"count": INVITATIONS_PER_HOUR}


def invitation_url(token: str, base_url: str | None = None) -> str:
    base = (base_url or settings.SITE_URL).rstrip("/")
    return base + reverse("members:accept_invitation", args=[token])


def check_invitee(
    *, chapter: Chapter, email: str, classification: Classification, as_applicant: bool
) -> dict[str, str]:
    """Problems with inviting this person, by form field (empty when all is well)."""
    problems = {}
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists():
        problems["email"] = _(
            "%(email)s already has a Slipstream account; change their membership in the admin."
        ) % {"email": email}
    if not as_applicant and classification is not None:
        holder = trade_holder(chapter, classification)
        if holder:
            problems["classification"] = _(
                "%(trade)s is already held in %(chapter)s by %(holder)s. "
                "Invite them as an applicant, or choose another trade."
            ) % {"trade": classification, "chapter": chapter, "holder": holder.full_name}
    return problems


@transaction.atomic
def invitation_send(*, invitation: Invitation, by, base_url: str | None = None) -> Invitation:
    """(Re)send ``invitation``: a fresh token valid seven days, emailed in text and HTML.

    Sending again makes any earlier link for it stop working. ``by`` is rate-limited.
    """
    if invitation.is_accepted:
        raise ValidationError(
            _("%(email)s has already accepted their invitation.") % {"email": invitation.email}
        )
    _consume_invitation(by)
    token = invitation.new_token()
    if invitation.invited_by_id is None:
        invitation.invited_by = by
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(
            {"email": _("%(email)s already has an open invitation.") % {"email": invitation.email}}
        ) from None
    context = {
        "invitation": invitation,
        "chapter": invitation.chapter,
        "inviter": by,
        "url": invitation_url(token, base_url),
        "days": (invitation.expires_at - invitation.sent_at).days,
    }
    subject = render_to_string("members/email/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("members/email/invitation.txt", context),
        to=[invitation.email],
    )
    html = render_to_string("members/email/invitation.html", context)
    message.attach_alternative(html, "text/html")
    message.send()
    return invitation


@transaction.atomic
def invitation_create(
    *,
    chapter: Chapter,
    email: str,
    first_name: str,
    last_name: str,
    classification: Classification,
    company: str = "",
    as_applicant: bool = False,
    invited_by,
    base_url: str | None = None,
) -> Invitation:
    """Invite a person to ``chapter`` and email them the link.

    An open invitation for the same email is refreshed and re-sent rather than duplicated,
    so a double-submitted form stores one row.
    """
    email = email.strip().lower()
    problems = check_invitee(
        chapter=chapter, email=email, classification=classification, as_applicant=as_applicant
    )
    if problems:
        raise ValidationError(problems)
    invitation = Invitation.objects.select_for_update().open().filter(email__iexact=email).first()
    if invitation is not None and invitation.chapter_id != chapter.pk:
        raise ValidationError(
            {"email": _("%(email)s has an open invitation to another chapter.") % {"email": email}}
        )
    invitation = invitation or Invitation(chapter=chapter, email=email)
    invitation.first_name = first_name.strip()
    invitation.last_name = last_name.strip()
    invitation.classification = classification
    invitation.company = company.strip()
    invitation.as_applicant = as_applicant
    invitation.invited_by = invited_by
    return invitation_send(invitation=invitation, by=invited_by, base_url=base_url)


class InvitationUnusable(Exception):
    """The link is unknown, used or expired; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    invitations = Invitation.objects.by_token(token).select_related("chapter", "classification")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.is_accepted:
        raise InvitationUnusable("used")
    if invitation.is_expired:
        raise InvitationUnusable("expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> Member:
    """Create the invitee's login and seat; the link works once.

    Active when the trade is free (or an applicant if the invitation says so); if the trade
    was taken since the invitation was sent, nothing is stored and the message names the
    holder, so the membership committee can sort it out and the link still works.
    """
    invitation = invitation_for_token(token, lock=True)
    chapter = invitation.chapter
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            _("%(email)s already has an account: log in instead, or ask your chapter's secretary.")
            % {"email": invitation.email}
        )
    status = Status.APPLICANT if invitation.as_applicant else Status.ACTIVE
    if status == Status.ACTIVE:
        holder = trade_holder(chapter, invitation.classification)
        if holder:
            raise ValidationError(
                _(
                    "%(trade)s is now held in %(chapter)s by %(holder)s, "
                    "so your seat cannot be created yet. Please contact your chapter's "
                    "membership committee; this link keeps working until it expires."
                )
                % {
                    "trade": invitation.classification,
                    "chapter": chapter,
                    "holder": holder.full_name,
                }
            )
    user = User(
        email=invitation.email, first_name=invitation.first_name, last_name=invitation.last_name
    )
    user.set_password(password)
    user.save()
    today = chapter.today()
    member = Member(
        user=user,
        chapter=chapter,
        classification=invitation.classification,
        company=invitation.company,
        joined_on=today,
        renewal_due=None if status == Status.APPLICANT else add_years(today),
        status=status,
        status_changed_at=timezone.now(),
        status_changed_by=user,
    )
    save_member(member)
    MemberStatusChange.objects.create(
        member=member,
        to_status=status,
        changed_by=user,
        changed_at=member.status_changed_at,
        note="Accepted the invitation.",
    )
    invitation.accepted_at = timezone.now()
    invitation.member = member
    invitation.save(update_fields=["accepted_at", "member"])
    return member


# --- Audit: roles and anonymising ---------------------------------------------------------------


def audit(
    *, chapter: Chapter, action: str, summary: str, member: Member | None = None, by=None
) -> AuditEvent:
    return AuditEvent.objects.create(
        chapter=chapter, member=member, action=action, summary=summary[:300], by=by
    )


def _term(role: Role) -> str:
    until = f" to {role.ended_on:%d %b %Y}" if role.ended_on else ""
    return f"{role.get_name_display()} from {role.started_on:%d %b %Y}{until}"


@transaction.atomic
def role_save(*, role: Role, by, via: str) -> Role:
    """Save a role term (admin, import) and record who gave, changed or ended it."""
    before = Role.objects.filter(pk=role.pk).first() if role.pk else None
    role.full_clean(exclude=["member"])
    role.save()
    member = Member.objects.select_related("user", "chapter").get(pk=role.member_id)
    if before is None:
        action, what = AuditEvent.Action.ROLE_ADDED, f"{member.full_name} given {_term(role)}"
    elif before.ended_on is None and role.ended_on is not None:
        action, what = AuditEvent.Action.ROLE_ENDED, f"{member.full_name}: {_term(role)}"
    elif (before.name, before.started_on, before.ended_on) != (
        role.name,
        role.started_on,
        role.ended_on,
    ):
        action = AuditEvent.Action.ROLE_CHANGED
        what = f"{member.full_name}: {_term(before)} became {_term(role)}"
    else:
        return role
    audit(chapter=member.chapter, member=member, action=action, summary=f"{what} ({via}).", by=by)
    return role


@transaction.atomic
def role_remove(*, role: Role, by, via: str) -> None:
    member = Member.objects.select_related("user", "chapter").get(pk=role.member_id)
    summary = f"{member.full_name}: {_term(role)} removed ({via})."
    role.delete()
    audit(
        chapter=member.chapter,
        member=member,
        action=AuditEvent.Action.ROLE_REMOVED,
        summary=summary,
        by=by,
    )


def anonymised_email(member: Member) -> str:
    return f"former-{member.pk}@invalid"


@transaction.atomic
def member_anonymise(*, member: Member, by) -> Member:
    """Remove a dropped member's personal data for good; their slips and marks stay.

    Name, email, phone, website, company and ideal referral go; the login is disabled with
    an unusable password (which also ends its sessions) and its allauth email addresses go. Slips,
    attendance, roles and status history keep pointing at the (now nameless) seat, so every
    report over any past window counts the same. Irreversible, and recorded.
    """
    from allauth.account.models import EmailAddress

    locked = _locked(member)
    if locked.status != Status.DROPPED:
        raise ValidationError(
            _("%(name)s is %(status)s; only a dropped member can be anonymised.")
            % {"name": locked.full_name, "status": locked.get_status_display().lower()}
        )
    user = locked.user
    if user.email == anonymised_email(locked):
        raise ValidationError(_("This member has already been anonymised."))
    user.first_name, user.last_name = "Former member", f"#{locked.pk}"
    user.email = anonymised_email(locked)
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()  # the new password hash ends sessions
    locked.phone = locked.website = locked.company = locked.ideal_referral = ""
    locked.save(update_fields=["phone", "website", "company", "ideal_referral"])
    Invitation.objects.filter(member=locked).update(
        email=user.email, first_name=user.first_name, last_name=user.last_name, company=""
    )
    audit(
        chapter=locked.chapter,
        member=locked,
        action=AuditEvent.Action.ANONYMISED,
        summary=f"Member #{locked.pk} anonymised: personal data removed, history kept.",
        by=by,
    )
    member.refresh_from_db()
    member.user.refresh_from_db()
    return member
