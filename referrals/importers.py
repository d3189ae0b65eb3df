"""The slip files of ``import_chapter`` (DOMAIN.md "File formats").

Each row is checked like a slip logged in the browser — both members of the chapter, on the
slip's date, different people, valid values — but keeps the date it carries: imports bring
history in, so the week's lock does not move them. Rows are found by their natural key, so
importing a directory twice changes nothing. Each file is checked row by row in Python against
the chapter's rows loaded once, then written in bulk (``KeyedCsvFile``): no query per row.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import OuterRef, Subquery

from members.importing import ImportContext, KeyedCsvFile, NewRow, RowError, insert_rows, register
from members.models import Member

from .models import Ceu, OneToOne, Referral, ReferralStatusChange, Testimonial, Tyfcb


def _choices(enum) -> list[tuple[str, str]]:
    """An enum's choices read once (``choices`` builds a new list on each read), as plain
    strings: ``CsvFile.choice`` compares every value of them for every row."""
    return [(str(value), str(label)) for value, label in enum.choices]


KINDS = _choices(Referral.Kind)
STATUSES = _choices(Referral.Status)
BUSINESS = _choices(Tyfcb.Business)
ONE_TO_ONE_STATUSES = _choices(OneToOne.Status)


def _pair(ctx: ImportContext, row, first_col: str, second_col: str, day) -> tuple[Member, Member]:
    first = ctx.member(row.get(first_col, ""), first_col)
    second = ctx.member(row.get(second_col, ""), second_col)
    if first is second:  # one member per email, loaded once
        raise RowError(f"{first_col} and {second_col} are the same member ({first.email})")
    if not first.belongs_on(day):
        raise RowError(f"{first_col} {first.email} was not a member of the chapter on {day}")
    if not second.belongs_on(day):
        raise RowError(f"{second_col} {second.email} was not a member of the chapter on {day}")
    return first, second


def _text(row, column: str, *, max_length: int, required: bool = False) -> str:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters")
    return value


@register
class ReferralsCsv(KeyedCsvFile):
    filename = "referrals.csv"
    columns = (
        "date",
        "giver_email",
        "receiver_email",
        "kind",
        "contact_name",
        "contact_phone",
        "contact_email",
        "temperature",
        "status",
    )
    required = ("date", "giver_email", "receiver_email", "contact_name")
    order = 30
    model = Referral
    key_fields = ("date", "giver_id", "receiver_id", "contact_name")

    def existing(self, ctx: ImportContext) -> dict:
        # Each referral with the status its history last reached, to see what needs a step.
        last = ReferralStatusChange.objects.filter(referral=OuterRef("pk")).order_by(
            "-changed_at", "-id"
        )
        referrals = Referral.objects.filter(chapter=ctx.chapter).annotate(
            last_status=Subquery(last.values("to_status")[:1])
        )
        return {
            (r.date, r.giver_id, r.receiver_id, r.contact_name): r for r in referrals.order_by("pk")
        }

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        giver, receiver = _pair(ctx, row, "giver_email", "receiver_email", day)
        contact_name = _text(row, "contact_name", max_length=120, required=True)
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
        return (day, giver.pk, receiver.pk, contact_name), {
            "kind": self.choice(row, "kind", KINDS, default="inside"),
            "contact_phone": _text(row, "contact_phone", max_length=32),
            "contact_email": contact_email,
            "temperature": temperature,
            "status": self.choice(row, "status", STATUSES, default="new"),
        }

    def after_write(self, ctx: ImportContext, created: list, updated: list) -> None:
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
class TyfcbCsv(KeyedCsvFile):
    filename = "tyfcb.csv"
    columns = ("date", "from_email", "to_email", "amount", "business")
    required = ("date", "from_email", "to_email", "amount")
    order = 40
    model = Tyfcb
    key_fields = ("date", "writer_id", "thanked_id", "amount")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        writer, thanked = _pair(ctx, row, "from_email", "to_email", day)
        amount = self.amount(row, "amount")
        business = self.choice(row, "business", BUSINESS, default="new")
        return (day, writer.pk, thanked.pk, amount), {"business": business}


@register
class OneToOnesCsv(KeyedCsvFile):
    """The pair is stored in id order, so either order in the file is the same 1-2-1."""

    filename = "one_to_ones.csv"
    columns = ("date", "member_a_email", "member_b_email", "status")
    required = ("date", "member_a_email", "member_b_email")
    order = 50
    model = OneToOne
    key_fields = ("date", "member_a_id", "member_b_id")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        first, second = _pair(ctx, row, "member_a_email", "member_b_email", day)
        low, high = sorted((first.pk, second.pk))
        status = self.choice(row, "status", ONE_TO_ONE_STATUSES, default="done")
        return (day, low, high), {"status": status}


@register
class CeusCsv(KeyedCsvFile):
    filename = "ceus.csv"
    columns = ("date", "member_email", "credits", "topic")
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
class TestimonialsCsv(KeyedCsvFile):
    filename = "testimonials.csv"
    columns = ("date", "giver_email", "receiver_email", "text")
    required = ("date", "giver_email", "receiver_email", "text")
    order = 70
    model = Testimonial
    key_fields = ("date", "giver_id", "receiver_id")

    def parse(self, ctx: ImportContext, row: dict[str, str]) -> tuple[tuple, dict]:
        day = self.date(row, "date")
        giver, receiver = _pair(ctx, row, "giver_email", "receiver_email", day)
        text = _text(row, "text", max_length=2000, required=True)
        return (day, giver.pk, receiver.pk), {"text": text}
