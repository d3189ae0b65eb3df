"""The slip files of ``import_chapter`` (DOMAIN.md "File formats").

Each row is checked like a slip logged in the browser — the members on the right dates,
different people, valid values — but keeps the date it carries: imports bring history in, so
the week's lock does not move them. Rows are found by their natural key, so importing a
directory twice changes nothing. Each file is checked row by row in Python against the slips
loaded once, then written in bulk (``KeyedCsvFile``): no query per row.

The other party of a slip may be beyond the chapter (DOMAIN.md "Beyond the chapter"): an email
may name a member of another chapter of this Slipstream, and an empty email beside
``other_name`` (and ``other_chapter``) stands for someone outside it, ``BNI`` for the
organisation. Every row links at least one member of the imported chapter and is logged in it;
the natural keys hold ``other_name`` where they hold a member, and they find the slips of the
chapter's members whichever chapter logged them, so the same slip in two chapters' files is
one slip.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import OuterRef, Subquery

from members.importing import (
    FileReport,
    ImportContext,
    KeyedCsvFile,
    NewRow,
    RowError,
    insert_rows,
    register,
)
from members.models import Member
from members.text import clean_text

from .exporting import (
    CEU_COLUMNS,
    ONE_TO_ONE_COLUMNS,
    REFERRAL_COLUMNS,
    TESTIMONIAL_COLUMNS,
    TYFCB_COLUMNS,
    chapter_slips,
)
from .models import Ceu, OneToOne, Referral, ReferralStatusChange, Testimonial, Tyfcb


def _choices(enum) -> list[tuple[str, str]]:
    """An enum's choices read once (``choices`` builds a new list on each read), as plain
    strings: ``CsvFile.choice`` compares every value of them for every row."""
    return [(str(value), str(label)) for value, label in enum.choices]


KINDS = _choices(Referral.Kind)
STATUSES = _choices(Referral.Status)
BUSINESS = _choices(Tyfcb.Business)
ONE_TO_ONE_STATUSES = _choices(OneToOne.Status)
#: How the organisation is named (DOMAIN.md): ``bni`` in a file is stored as this.
BNI = "BNI"


def _party(ctx: ImportContext, row, column: str) -> Member | None:
    """The member an email column names (of any chapter), or ``None`` when it is empty."""
    email = (row.get(column) or "").strip()
    return ctx.anyone(email, column) if email else None


def _outside(row) -> tuple[str, str]:
    """The row's party outside Slipstream: ``other_name`` and ``other_chapter``, normalised
    as the slip form stores them (``""`` for both when there is none)."""
    name = clean_text(row.get("other_name") or "")
    chapter = clean_text(row.get("other_chapter") or "")
    if name.lower() == BNI.lower():
        name = BNI
    if chapter and not name:
        raise RowError("other_chapter needs other_name: the name of the person outside Slipstream")
    if len(name) > 120:
        raise RowError("other_name is longer than 120 characters")
    if len(chapter) > 200:
        raise RowError("other_chapter is longer than 200 characters")
    return name, chapter


def _check_members(ctx: ImportContext, day, *sides: tuple[str, Member | None]) -> None:
    """The members a row links: different people, at least one of them the chapter's own,
    each a member of their own chapter on the slip's date."""
    linked = [(column, member) for column, member in sides if member is not None]
    if len(linked) == 2 and linked[0][1] is linked[1][1]:  # one member per email, loaded once
        (first, member), (second, _) = linked
        raise RowError(f"{first} and {second} are the same member ({member.email})")
    slug = ctx.chapter.slug
    if all(member.chapter_id != ctx.chapter.pk for _, member in linked):
        columns = " and ".join(column for column, _ in linked)
        raise RowError(
            f"{columns} name{'s' if len(linked) == 1 else ''} no member of {slug}: "
            "a chapter's files hold the slips of its own members"
        )
    for column, member in linked:
        if member.belongs_on(day):
            continue
        if member.chapter_id == ctx.chapter.pk:
            raise RowError(f"{column} {member.email} was not a member of the chapter on {day}")
        raise RowError(
            f"{column} {member.email} was not a member of their chapter "
            f"({member.chapter.slug}) on {day}"
        )


class SlipCsvFile(KeyedCsvFile):
    """A slip file: its email columns may name members of other chapters, looked up in one
    query before the rows are checked, and whose chapters' reports then count again."""

    #: The columns holding a member's email, of this chapter or another.
    email_columns: tuple[str, ...] = ()

    def import_rows(self, ctx: ImportContext, rows, report: FileReport) -> None:
        rows = list(rows)
        ctx.look_up_elsewhere(row.get(c) for _, row in rows for c in self.email_columns)
        super().import_rows(ctx, rows, report)

    def existing(self, ctx: ImportContext) -> dict:
        slips = chapter_slips(self.model, ctx.chapter.pk, ctx.member_ids())
        return self.keyed(slips)

    def keyed(self, slips) -> dict:
        """The stored slips by natural key, its names normalised as a row's are: a slip
        stored before names were (``Ann  Lee``) is still the one its exported row names."""
        return {
            tuple(
                clean_text(value) if isinstance(value, str) else value
                for value in (getattr(obj, name) for name in self.key_fields)
            ): obj
            for obj in slips.order_by("pk")
        }

    def after_write(self, ctx: ImportContext, created: list, updated: list) -> None:
        ctx.link(
            getattr(obj, f"{name}_id")
            for obj in [*created, *updated]
            for name in self.model.parties
        )


def _text(row, column: str, *, max_length: int, required: bool = False, line: bool = False) -> str:
    """A column's text; a ``line`` (a name) normalised as the slip form stores it, so it
    holds no line break to reach a reminder's subject."""
    value = clean_text(row.get(column) or "") if line else (row.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters")
    return value


@register
class ReferralsCsv(SlipCsvFile):
    """A referral is given to a member, of this chapter or another; it may come from a member
    or from someone outside Slipstream (an empty ``giver_email`` beside ``other_name``)."""

    filename = "referrals.csv"
    columns = REFERRAL_COLUMNS
    required = ("date", "giver_email", "receiver_email", "contact_name")
    order = 30
    model = Referral
    key_fields = ("date", "giver_id", "other_name", "receiver_id", "contact_name")
    email_columns = ("giver_email", "receiver_email")

    def existing(self, ctx: ImportContext) -> dict:
        # Each referral with the status its history last reached, to see what needs a step.
        last = ReferralStatusChange.objects.filter(referral=OuterRef("pk")).order_by(
            "-changed_at", "-id"
        )
        referrals = chapter_slips(Referral, ctx.chapter.pk, ctx.member_ids()).annotate(
            last_status=Subquery(last.values("to_status")[:1])
        )
        return self.keyed(referrals)

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        if not (row.get("receiver_email") or "").strip():
            raise RowError(
                "receiver_email is empty: a referral is given to a member, of this chapter "
                "or another"
            )
        giver = _party(ctx, row, "giver_email")
        receiver = _party(ctx, row, "receiver_email")
        other_name, other_chapter = _outside(row)
        if giver is not None and other_name:
            raise RowError(
                "giver_email and other_name both name the giver: other_name is for a giver "
                "outside Slipstream, with giver_email empty"
            )
        if giver is None and not other_name:
            raise RowError(
                "giver_email is empty: give the giver's email, or other_name for someone "
                "outside Slipstream"
            )
        _check_members(ctx, day, ("giver_email", giver), ("receiver_email", receiver))
        contact_name = _text(row, "contact_name", max_length=120, required=True, line=True)
        contact_email = _text(row, "contact_email", max_length=254)
        if contact_email:
            try:
                validate_email(contact_email)
            except ValidationError:
                raise RowError(f"contact_email {contact_email!r} is not an email address") from None
        temperature = (
            self.integer(row, "temperature", low=1, high=5)
            if (row.get("temperature") or "").strip()
            else 1
        )
        giver_id = giver.pk if giver is not None else None
        return (day, giver_id, other_name, receiver.pk, contact_name), {
            "kind": self.choice(row, "kind", KINDS, default="inside"),
            "contact_phone": _text(row, "contact_phone", max_length=32),
            "contact_email": contact_email,
            "temperature": temperature,
            "status": self.choice(row, "status", STATUSES, default="new"),
            "other_chapter_name": other_chapter,
        }

    def after_write(self, ctx: ImportContext, created: list, updated: list) -> None:
        super().after_write(ctx, created, updated)
        # The history says how the status got where the file says it is.
        insert_rows(
            ReferralStatusChange,
            [
                NewRow(
                    referral_id=referral.pk,
                    from_status=getattr(referral, "last_status", None) or Referral.Status.NEW,
                    to_status=referral.status,
                    note="Imported",
                )
                for referral in [*created, *updated]
                if (getattr(referral, "last_status", None) or Referral.Status.NEW)
                != referral.status
            ],
            batch_size=self.batch_size,
        )


@register
class TyfcbCsv(SlipCsvFile):
    """``from`` wrote the thank-you, ``to`` is thanked. Either side may be someone outside
    Slipstream (its email empty, ``other_name`` filled); an empty ``from_email`` with no
    ``other_name`` is an unknown writer (BNI Connect exports thankers anonymously)."""

    filename = "tyfcb.csv"
    columns = TYFCB_COLUMNS
    required = ("date", "from_email", "to_email", "amount")
    order = 40
    model = Tyfcb
    key_fields = ("date", "writer_id", "thanked_id", "other_name", "amount")
    email_columns = ("from_email", "to_email")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        writer = _party(ctx, row, "from_email")
        thanked = _party(ctx, row, "to_email")
        other_name, other_chapter = _outside(row)
        if writer is None and thanked is None:
            raise RowError("from_email and to_email are both empty: a thank-you names a member")
        if writer is not None and thanked is not None and other_name:
            raise RowError(
                "from_email and to_email both name members, and other_name someone outside "
                "Slipstream: leave empty the email of the side other_name stands for"
            )
        if thanked is None and not other_name:
            raise RowError(
                "to_email is empty: give the thanked member's email, or other_name for "
                "someone outside Slipstream"
            )
        _check_members(ctx, day, ("from_email", writer), ("to_email", thanked))
        amount = self.amount(row, "amount")
        business = self.choice(row, "business", BUSINESS, default="new")
        key = (day, writer.pk if writer else None, thanked.pk if thanked else None, other_name)
        return (*key, amount), {"business": business, "other_chapter_name": other_chapter}


@register
class OneToOnesCsv(SlipCsvFile):
    """The pair is stored in id order, so either order in the file is the same 1-2-1. A
    1-2-1 with someone outside Slipstream leaves one email empty and names them in
    ``other_name``; the member is then ``member_a``."""

    filename = "one_to_ones.csv"
    columns = ONE_TO_ONE_COLUMNS
    required = ("date", "member_a_email", "member_b_email")
    order = 50
    model = OneToOne
    key_fields = ("date", "member_a_id", "member_b_id", "other_name")
    email_columns = ("member_a_email", "member_b_email")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        first = _party(ctx, row, "member_a_email")
        second = _party(ctx, row, "member_b_email")
        other_name, other_chapter = _outside(row)
        if first is None and second is None:
            raise RowError(
                "member_a_email and member_b_email are both empty: a 1-2-1 names a member"
            )
        if first is not None and second is not None and other_name:
            raise RowError(
                "member_a_email and member_b_email both name members, and other_name someone "
                "outside Slipstream: leave member_b_email empty for them"
            )
        if (first is None or second is None) and not other_name:
            empty = "member_a_email" if first is None else "member_b_email"
            raise RowError(
                f"{empty} is empty: give the other member's email, or other_name for someone "
                "outside Slipstream"
            )
        _check_members(ctx, day, ("member_a_email", first), ("member_b_email", second))
        status = self.choice(row, "status", ONE_TO_ONE_STATUSES, default="done")
        values = {"status": status, "other_chapter_name": other_chapter}
        if first is not None and second is not None:
            low, high = sorted((first.pk, second.pk))
            return (day, low, high, ""), values
        member = first or second
        return (day, member.pk, None, other_name), values


@register
class CeusCsv(KeyedCsvFile):
    filename = "ceus.csv"
    columns = CEU_COLUMNS
    required = ("date", "member_email", "topic")
    order = 60
    model = Ceu
    key_fields = ("date", "member_id", "topic")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        member = ctx.member(row.get("member_email", ""), "member_email")
        if not member.belongs_on(day):
            raise RowError(f"member_email {member.email} was not a member of the chapter on {day}")
        credits = (
            self.integer(row, "credits", low=1, high=100)
            if (row.get("credits") or "").strip()
            else 1
        )
        topic = _text(row, "topic", max_length=200, required=True)
        return (day, member.pk, topic), {"credits": credits}


@register
class TestimonialsCsv(SlipCsvFile):
    """Two members, one of them may be of another chapter; never someone outside."""

    filename = "testimonials.csv"
    columns = TESTIMONIAL_COLUMNS
    required = ("date", "giver_email", "receiver_email", "text")
    order = 70
    model = Testimonial
    key_fields = ("date", "giver_id", "receiver_id")
    email_columns = ("giver_email", "receiver_email")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        if (row.get("other_name") or "").strip():
            raise RowError("other_name must be empty: a testimonial is between two members")
        giver = ctx.anyone(row.get("giver_email", ""), "giver_email")
        receiver = ctx.anyone(row.get("receiver_email", ""), "receiver_email")
        _check_members(ctx, day, ("giver_email", giver), ("receiver_email", receiver))
        text = _text(row, "text", max_length=2000, required=True)
        return (day, giver.pk, receiver.pk), {"text": text}
