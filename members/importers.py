"""``roster.csv`` for ``manage.py import_chapter`` (and the admin's roster import page).

One row per person, keyed by email: a new email creates the login and the seat, a known
one updates them, and a row that matches what is stored changes nothing. New logins get no
usable password: people set one through "Forgotten your password?" or an invitation.

Every row is checked in Python against the chapter loaded once (``_Roster``), as the rows
before it left it, then the logins, seats and status history are written in bulk: a few
queries for the file, plus a few per row whose roles change. ``import_row`` stores one row
at a time; it is the reference, and the path taken when a file names one email twice or the
database refuses the bulk writes.
"""

import copy
import datetime as dt
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from .exporting import ROSTER_COLUMNS
from .importing import REFUSED, CsvFile, FileReport, ImportContext, Limits, RowError, register
from .models import Classification, Member, MemberStatusChange, Role
from .selectors import trade_holder
from .services import role_remove, role_save, save_member
from .text import clean_text

Status = Member.Status
ROLE_NAMES = [value for value, _ in Role.Name.choices]
# A problem's message names the file's columns and codes (``email``, ``left_on``, ``dropped``)
# through placeholders: they are the file's format, the same in every language.
#: A new trade is stored as the row names it: its name must fit (the seat and the login are
#: checked by their models' ``clean_fields``).
TRADE_LIMITS = Limits(Classification, {"name": "classification"})


@register
class RosterFile(CsvFile):
    filename = "roster.csv"
    columns = ROSTER_COLUMNS
    required = ("email", "first_name", "last_name", "classification", "joined_on", "status")
    order = 0

    def import_rows(self, ctx: ImportContext, rows, report: FileReport) -> None:
        rows = list(rows)
        emails = [email for _, row in rows if (email := (row.get("email") or "").lower())]
        if len(set(emails)) < len(emails):
            # One email twice: the second row updates what the first stored; go row by row.
            super().import_rows(ctx, rows, report)
            return
        roster = _Roster(ctx, rows)
        for line, row in rows:
            try:
                outcome = roster.check(line, row)
            except (RowError, ValidationError) as exc:
                report.problem(line, exc)
                continue
            report.done(outcome)
        # Stored even when some rows were refused, so the later files find the members they
        # name (and report only their own problems); the frame rolls everything back.
        try:
            with transaction.atomic():
                roster.write(report)
        except REFUSED:
            report.reset()
            super().import_rows(ctx, rows, report)

    @classmethod
    def parse(cls, row: dict[str, str]) -> tuple:
        """A row's values, checked on their own: what both ways of storing start from.

        Every cell is checked before the row is refused, so a row with two mistakes says both
        and the secretary fixes it in one go.
        """
        problems: list[str] = []

        def read[T](get: Callable[[], T]) -> T | None:
            try:
                return get()
            except (RowError, ValidationError) as exc:
                problems.append("; ".join(getattr(exc, "messages", None) or [str(exc)]))
                return None

        email = read(lambda: cls._email(row))
        trade = read(lambda: cls._trade(row))
        joined_on = read(lambda: cls.date(row, "joined_on"))
        left_on = read(lambda: cls.date(row, "left_on", optional=True))
        renewal_due = read(lambda: cls.date(row, "renewal_due", optional=True))
        status = read(lambda: cls.choice(row, "status", Status.choices))
        roles = read(lambda: cls._roles(row))
        if problems:
            raise RowError("; ".join(problems))
        cls._check_dates_and_status(joined_on, left_on, renewal_due, status, roles)
        return email, trade, joined_on, left_on, renewal_due, status, roles

    @staticmethod
    def _trade(row: dict[str, str]) -> str:
        trade = clean_text(row.get("classification") or "")  # a look-alike is the same trade
        if not trade:
            raise RowError(gettext("%(column)s is empty") % {"column": "classification"})
        TRADE_LIMITS.check({"name": trade})
        return trade

    @staticmethod
    def names(row: dict[str, str]) -> dict[str, str]:
        names = {}
        for column in ("first_name", "last_name"):
            raw = row.get(column) or ""
            names[column] = clean_text(raw)
            if raw and not names[column]:
                raise RowError(
                    gettext("%(column)s holds only invisible characters") % {"column": column}
                )
        return names

    @staticmethod
    def seat(chapter, row, classification, joined_on, left_on, renewal_due) -> dict:
        """The member row's own values, as both ways of storing the roster compare them."""
        return {
            "chapter": chapter,
            "company": clean_text(row.get("company") or ""),
            "classification": classification,
            "phone": row.get("phone", ""),
            "joined_on": joined_on,
            "left_on": left_on,
            "renewal_due": renewal_due,
        }

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        email, trade, joined_on, left_on, renewal_due, status, roles = self.parse(row)

        User = get_user_model()
        user = User.objects.filter(email__iexact=email).first()
        member = (
            Member.objects.select_related("chapter", "user").filter(user=user).first()
            if user
            else None
        )
        if member is not None and member.chapter_id != ctx.chapter.pk:
            raise RowError(
                gettext("%(column)s %(value)s is already used in chapter %(chapter)s")
                % {"column": "email", "value": email, "chapter": member.chapter.slug}
            )
        classification = Classification.objects.filter(name__iexact=trade).first()
        if status in Member.SEATED and classification is not None:
            holder = trade_holder(ctx.chapter, classification, exclude=member)
            if holder is not None:
                raise _trade_held(trade, holder)

        changed = False
        if classification is None:
            classification = Classification.objects.create(name=trade)
            changed = True
        created = user is None
        if created:
            user = User(email=email)
            user.set_unusable_password()
        names = RosterFile.names(row)
        if created or any(getattr(user, k) != v for k, v in names.items()):
            for key, value in names.items():
                setattr(user, key, value)
            user.full_clean(exclude=["password"])
            user.save()
            changed = True

        fields = RosterFile.seat(ctx.chapter, row, classification, joined_on, left_on, renewal_due)
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
            raise RowError(gettext("%(column)s is empty") % {"column": "email"})
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(
                gettext("%(column)s %(value)s is not an email address")
                % {"column": "email", "value": repr(email)}
            ) from None
        return email

    @staticmethod
    def _roles(row: dict[str, str]) -> set[str]:
        roles = {name.strip().lower() for name in row.get("roles", "").split(";") if name.strip()}
        unknown = sorted(roles - set(ROLE_NAMES))
        if unknown:
            raise RowError(
                gettext("%(column)s %(values)s not one of %(allowed)s")
                % {
                    "column": "roles",
                    "values": ", ".join(repr(r) for r in unknown),
                    "allowed": ", ".join(ROLE_NAMES),
                }
            )
        return roles

    @staticmethod
    def _check_dates_and_status(joined_on, left_on, renewal_due, status, roles) -> None:
        before = gettext("%(column)s %(value)s is before %(other)s %(other_value)s")
        if renewal_due and renewal_due < joined_on:
            raise RowError(
                before
                % {
                    "column": "renewal_due",
                    "value": renewal_due,
                    "other": "joined_on",
                    "other_value": joined_on,
                }
            )
        if left_on and left_on < joined_on:
            raise RowError(
                before
                % {
                    "column": "left_on",
                    "value": left_on,
                    "other": "joined_on",
                    "other_value": joined_on,
                }
            )
        if status == Status.DROPPED and not left_on:
            raise RowError(
                gettext("a %(dropped)s member needs %(column)s (their last day)")
                % {"dropped": Status.DROPPED.value, "column": "left_on"}
            )
        if status != Status.DROPPED and left_on:
            raise RowError(
                gettext(
                    "%(column)s must be empty unless %(status_column)s is %(dropped)s "
                    "(it is %(status)s)"
                )
                % {
                    "column": "left_on",
                    "status_column": "status",
                    "dropped": Status.DROPPED.value,
                    "status": status,
                }
            )
        if roles and status not in Member.SEATED:
            raise RowError(
                gettext("a member who is %(status)s cannot hold roles") % {"status": status}
            )

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


#: Member fields that point at other rows: checked by loading them, not by a query each.
_RELATIONS = ["user", "chapter", "classification", "sponsor", "status_changed_by"]


def _trade_held(trade: str, holder) -> RowError:
    """A row seating someone in a trade another seated member holds: one per trade."""
    return RowError(
        gettext(
            "%(column)s %(value)s is already held by %(holder)s (%(email)s); "
            "one active member per trade"
        )
        % {
            "column": "classification",
            "value": repr(trade),
            "holder": holder.full_name,
            "email": holder.email,
        }
    )


def _trade_key(name: str) -> str:
    return name.lower()


class _Roster:
    """The chapter's logins, seats, trades and roles as ``RosterFile.import_row`` would find
    them before each row, loaded in a few queries and kept up to date row by row; ``check``
    is ``import_row`` against it, and ``write`` stores what the accepted rows changed."""

    def __init__(self, ctx: ImportContext, rows: list[tuple[int, dict[str, str]]]):
        User = get_user_model()
        self.ctx, self.chapter, self.today = ctx, ctx.chapter, ctx.chapter.today()
        emails = {(row.get("email") or "").lower() for _, row in rows} - {""}
        named = {clean_text(row.get("classification") or "") for _, row in rows} - {""}
        # Seats of this chapter (all of them: any may hold a trade a row asks for).
        self.members: dict[str, Member] = {}
        self.holders: dict[str, Member] = {}
        for member in Member.objects.filter(chapter=self.chapter).select_related(
            "user", "classification"
        ):
            member.chapter = self.chapter
            self.members[member.user.email.lower()] = member
            if member.status in Member.SEATED:
                self.holders[_trade_key(member.classification.name)] = member
        # Logins the file names that have no seat here: new seats, or seats elsewhere.
        self.users: dict[str, object] = {
            m.user.email.lower(): m.user for m in self.members.values()
        }
        wanted = emails - self.members.keys()
        others = {
            user.pk: user
            for user in User.objects.annotate(email_lower=Lower("email")).filter(
                Q(email__in=wanted) | Q(email_lower__in=wanted)
            )
        }
        self.users.update((user.email.lower(), user) for user in others.values())
        for member in Member.objects.filter(user__in=list(others)).select_related("chapter"):
            member.user = others[member.user_id]
            self.members[member.user.email.lower()] = member
        # As written, or in other letters' case (the database's lower() may leave non-ASCII
        # letters alone: SQLite's does).
        self.trades: dict[str, Classification] = {
            _trade_key(c.name): c
            for c in Classification.objects.annotate(name_lower=Lower("name")).filter(
                Q(name__in=named) | Q(name_lower__in={_trade_key(name) for name in named})
            )
        }
        self.roles: dict[int, set[str]] = {}
        for member_id, name in (
            Role.objects.current(self.today)
            .filter(member__chapter=self.chapter)
            .values_list("member_id", "name")
        ):
            self.roles.setdefault(member_id, set()).add(name)
        # What the accepted rows change, in file order.
        self.new_trades: list[Classification] = []
        self.new_users: list = []
        self.renamed_users: list = []
        self.new_members: list[Member] = []
        self.changed_members: list[Member] = []
        self.status_changes: list[MemberStatusChange] = []
        self.role_changes: list[tuple[int, Member, set[str]]] = []

    def check(self, line: int, row: dict[str, str]) -> str:
        """``RosterFile.import_row`` without storing: the same checks, messages and outcome."""
        email, trade, joined_on, left_on, renewal_due, status, roles = RosterFile.parse(row)

        stored_user = self.users.get(email)
        stored = self.members.get(email) if stored_user else None
        if stored is not None and stored.chapter_id != self.chapter.pk:
            raise RowError(
                gettext("%(column)s %(value)s is already used in chapter %(chapter)s")
                % {"column": "email", "value": email, "chapter": stored.chapter.slug}
            )
        key = _trade_key(trade)
        classification = self.trades.get(key)
        if status in Member.SEATED and classification is not None:
            holder = self.holders.get(key)
            if holder is not None and holder is not stored:
                raise _trade_held(trade, holder)

        # Work on copies: a row refused half way leaves the loaded state as it was.
        changed = new_trade = classification is None
        if new_trade:
            classification = Classification(name=trade)
        created = stored_user is None
        if created:
            user = get_user_model()(email=email)
            user.set_unusable_password()
        else:
            user = copy.copy(stored_user)
        names = RosterFile.names(row)
        user_changed = created or any(getattr(user, k) != v for k, v in names.items())
        if user_changed:
            for name, value in names.items():
                setattr(user, name, value)
            # Unique email: the lookup above found no other login with it.
            user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
            changed = True

        fields = RosterFile.seat(self.chapter, row, classification, joined_on, left_on, renewal_due)
        before = stored.status if stored else ""
        member = copy.copy(stored) if stored else Member()
        member.user = user
        member_changed = stored is None or any(getattr(member, k) != v for k, v in fields.items())
        for name, value in fields.items():
            setattr(member, name, value)
        if before != status:
            member_changed = True
            member.status = status
            member.status_changed_at = timezone.now()
            member.status_changed_by = None
            if status != Status.ON_LEAVE:
                member.leave_from = member.leave_until = None
        if changed or member_changed:
            # save_member's full_clean, less what needs a query: the dates and the trade were
            # checked above, the login and the seat are one to one, and the relations are
            # rows just loaded (or about to be created).
            member.clean_fields(exclude=_RELATIONS)
            changed = True
        held = self.roles.get(stored.pk, set()) if stored else set()
        roles_changed = held != roles

        # Accepted: remember what it changed, and let the next rows see it.
        if new_trade:
            self.trades[key] = classification
            self.new_trades.append(classification)
        if created:
            self.new_users.append(user)
        elif user_changed:
            self.renamed_users.append(user)
        self.users[email] = user
        if stored is None:
            self.new_members.append(member)
        elif member_changed:
            self.changed_members.append(member)
        self.members[email] = member
        if stored is not None and stored.status in Member.SEATED:
            self.holders.pop(_trade_key(stored.classification.name), None)
        if member.status in Member.SEATED:
            self.holders[key] = member
        if before != status:
            self.status_changes.append(
                MemberStatusChange(
                    member=member,
                    from_status=before,
                    to_status=status,
                    changed_at=member.status_changed_at,
                    note="Roster import.",
                )
            )
        if roles_changed:
            self.role_changes.append((line, member, roles))
            if stored is not None:
                self.roles[stored.pk] = roles
            changed = True
        if created:
            return "created"
        return "updated" if changed else "unchanged"

    def write(self, report: FileReport) -> None:
        User = get_user_model()
        Classification.objects.bulk_create(self.new_trades)
        User.objects.bulk_create(self.new_users)
        User.objects.bulk_update(self.renamed_users, ["first_name", "last_name"])
        # Known seats first, in file order (each row left the trades consistent), then new ones.
        for member in self.changed_members:
            member.save()
        Member.objects.bulk_create(self.new_members)
        MemberStatusChange.objects.bulk_create(self.status_changes)
        for line, member, roles in self.role_changes:
            try:
                with transaction.atomic():
                    RosterFile._set_roles(member, roles, self.today)
            except (ValidationError, *REFUSED) as exc:
                report.problem(line, exc)
