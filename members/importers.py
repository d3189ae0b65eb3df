"""``roster.csv`` for ``manage.py import_chapter`` (and the admin's roster import page).

One row per person, keyed by email: a new email creates the login and the seat, a known
one updates them, and a row that matches what is stored changes nothing. New logins get no
usable password: people set one through "Forgotten your password?" or an invitation.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from .exporting import ROSTER_COLUMNS
from .importing import CsvFile, ImportContext, RowError, register
from .models import Classification, Member, MemberStatusChange, Role
from .selectors import trade_holder
from .services import role_remove, role_save, save_member

Status = Member.Status
ROLE_NAMES = [value for value, _ in Role.Name.choices]


@register
class RosterFile(CsvFile):
    filename = "roster.csv"
    columns = ROSTER_COLUMNS
    required = ("email", "first_name", "last_name", "classification", "joined_on", "status")
    order = 0

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        email = self._email(row)
        trade = row.get("classification", "")
        if not trade:
            raise RowError("classification is empty")
        joined_on = self.date(row, "joined_on")
        left_on = self.date(row, "left_on", optional=True)
        renewal_due = self.date(row, "renewal_due", optional=True)
        status = self.choice(row, "status", Status.choices)
        roles = self._roles(row)
        self._check_dates_and_status(joined_on, left_on, renewal_due, status, roles)

        User = get_user_model()
        user = User.objects.filter(email__iexact=email).first()
        member = (
            Member.objects.select_related("chapter", "user").filter(user=user).first()
            if user
            else None
        )
        if member is not None and member.chapter_id != ctx.chapter.pk:
            raise RowError(f"email {email} is already used in chapter {member.chapter.slug}")
        classification = Classification.objects.filter(name__iexact=trade).first()
        if status in Member.SEATED and classification is not None:
            holder = trade_holder(ctx.chapter, classification, exclude=member)
            if holder is not None:
                raise RowError(
                    f"classification {trade!r} is already held by {holder.full_name} "
                    f"({holder.email}); one active member per trade"
                )

        changed = False
        if classification is None:
            classification = Classification.objects.create(name=trade)
            changed = True
        created = user is None
        if created:
            user = User(email=email)
            user.set_unusable_password()
        names = {"first_name": row.get("first_name", ""), "last_name": row.get("last_name", "")}
        if created or any(getattr(user, k) != v for k, v in names.items()):
            for key, value in names.items():
                setattr(user, key, value)
            user.full_clean(exclude=["password"])
            user.save()
            changed = True

        fields = {
            "chapter": ctx.chapter,
            "company": row.get("company", ""),
            "classification": classification,
            "phone": row.get("phone", ""),
            "joined_on": joined_on,
            "left_on": left_on,
            "renewal_due": renewal_due,
        }
        before = member.status if member else ""
        member = member or Member(user=user)
        if member.pk is None or any(getattr(member, k) != v for k, v in fields.items()):
            changed = True
        for key, value in fields.items():
            setattr(member, key, value)
        if before != status:
            changed = True
            member.status = status
            member.status_changed_at = timezone.now()
            member.status_changed_by = None
            if status != Status.ON_LEAVE:
                member.leave_from = member.leave_until = None
        if changed:
            save_member(member)
        if before != status:
            MemberStatusChange.objects.create(
                member=member,
                from_status=before,
                to_status=status,
                changed_at=member.status_changed_at,
                note="Roster import.",
            )
        changed |= self._set_roles(member, roles, ctx.chapter.today())
        if created:
            return "created"
        return "updated" if changed else "unchanged"

    @staticmethod
    def _email(row: dict[str, str]) -> str:
        email = row.get("email", "").lower()
        if not email:
            raise RowError("email is empty")
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"email {email!r} is not an email address") from None
        return email

    @staticmethod
    def _roles(row: dict[str, str]) -> set[str]:
        roles = {name.strip().lower() for name in row.get("roles", "").split(";") if name.strip()}
        unknown = sorted(roles - set(ROLE_NAMES))
        if unknown:
            raise RowError(
                f"roles {', '.join(repr(r) for r in unknown)} not one of {', '.join(ROLE_NAMES)}"
            )
        return roles

    @staticmethod
    def _check_dates_and_status(joined_on, left_on, renewal_due, status, roles) -> None:
        if renewal_due and renewal_due < joined_on:
            raise RowError(f"renewal_due {renewal_due} is before joined_on {joined_on}")
        if left_on and left_on < joined_on:
            raise RowError(f"left_on {left_on} is before joined_on {joined_on}")
        if status == Status.DROPPED and not left_on:
            raise RowError("a dropped member needs left_on (their last day)")
        if status != Status.DROPPED and left_on:
            raise RowError(f"left_on must be empty unless status is dropped (it is {status})")
        if roles and status not in Member.SEATED:
            raise RowError(f"a member who is {status} cannot hold roles")

    @staticmethod
    def _set_roles(member: Member, wanted: set[str], today) -> bool:
        """Hold exactly ``wanted`` today: start missing terms today, end the others."""
        held = list(Role.objects.current(today).filter(member=member))
        changed = False
        for role in held:
            if role.name in wanted:
                continue
            changed = True
            if role.started_on >= today:
                role_remove(role=role, by=None, via="roster import")
            else:
                role.ended_on = today - dt.timedelta(days=1)
                role_save(role=role, by=None, via="roster import")
        for name in sorted(wanted - {r.name for r in held}):
            role = Role.objects.filter(member=member, name=name, started_on=today).first()
            role = role or Role(member=member, name=name, started_on=today)
            role.ended_on = None
            role_save(role=role, by=None, via="roster import")
            changed = True
        return changed
