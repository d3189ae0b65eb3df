"""The slip files of ``import_chapter`` (DOMAIN.md "File formats").

Each row is checked like a slip logged in the browser — both members of the chapter, on the
slip's date, different people, valid values — but keeps the date it carries: imports bring
history in, so the week's lock does not move them. Rows are found by their natural key, so
importing a directory twice changes nothing.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from members.importing import CsvFile, ImportContext, RowError, register
from members.models import Member

from .models import Ceu, OneToOne, Referral, ReferralStatusChange, Testimonial, Tyfcb


def _pair(ctx: ImportContext, row, first_col: str, second_col: str, day) -> tuple[Member, Member]:
    first = ctx.member(row.get(first_col, ""), first_col)
    second = ctx.member(row.get(second_col, ""), second_col)
    if first.pk == second.pk:
        raise RowError(f"{first_col} and {second_col} are the same member ({first.email})")
    for who, column in ((first, first_col), (second, second_col)):
        if not who.belongs_on(day):
            raise RowError(f"{column} {who.email} was not a member of the chapter on {day}")
    return first, second


def _text(row, column: str, *, max_length: int, required: bool = False) -> str:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters")
    return value


def _store(model, lookup: dict, values: dict) -> tuple[object, str]:
    """Create the row for ``lookup`` or bring it up to date; say which it was."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
        return row, "created"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, "unchanged"
    for name in changed:
        setattr(row, name, values[name])
    row.full_clean(validate_unique=False, validate_constraints=False)
    row.save()
    return row, "updated"


@register
class ReferralsCsv(CsvFile):
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

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
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
        status = self.choice(row, "status", Referral.Status.choices, default=Referral.Status.NEW)
        referral, outcome = _store(
            Referral,
            {
                "chapter": ctx.chapter,
                "date": day,
                "giver": giver,
                "receiver": receiver,
                "contact_name": contact_name,
            },
            {
                "kind": self.choice(row, "kind", Referral.Kind.choices, default="inside"),
                "contact_phone": _text(row, "contact_phone", max_length=32),
                "contact_email": contact_email,
                "temperature": temperature,
                "status": status,
            },
        )
        last = referral.history.order_by("-changed_at", "-id").first()
        current = last.to_status if last else Referral.Status.NEW
        if current != referral.status:
            # The history says how the status got where the file says it is.
            ReferralStatusChange.objects.create(
                referral=referral, from_status=current, to_status=referral.status, note="Imported"
            )
        return outcome


@register
class TyfcbCsv(CsvFile):
    filename = "tyfcb.csv"
    columns = ("date", "from_email", "to_email", "amount", "business")
    required = ("date", "from_email", "to_email", "amount")
    order = 40

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "date")
        writer, thanked = _pair(ctx, row, "from_email", "to_email", day)
        amount = self.amount(row, "amount")
        _, outcome = _store(
            Tyfcb,
            {
                "chapter": ctx.chapter,
                "date": day,
                "writer": writer,
                "thanked": thanked,
                "amount": amount,
            },
            {"business": self.choice(row, "business", Tyfcb.Business.choices, default="new")},
        )
        return outcome


@register
class OneToOnesCsv(CsvFile):
    filename = "one_to_ones.csv"
    columns = ("date", "member_a_email", "member_b_email", "status")
    required = ("date", "member_a_email", "member_b_email")
    order = 50

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "date")
        first, second = _pair(ctx, row, "member_a_email", "member_b_email", day)
        first, second = sorted((first, second), key=lambda m: m.pk)
        status = self.choice(row, "status", OneToOne.Status.choices, default="done")
        _, outcome = _store(
            OneToOne,
            {"chapter": ctx.chapter, "date": day, "member_a": first, "member_b": second},
            {"status": status},
        )
        return outcome


@register
class CeusCsv(CsvFile):
    filename = "ceus.csv"
    columns = ("date", "member_email", "credits", "topic")
    required = ("date", "member_email", "topic")
    order = 60

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "date")
        member = ctx.member(row.get("member_email", ""), "member_email")
        if not member.belongs_on(day):
            raise RowError(f"member_email {member.email} was not a member of the chapter on {day}")
        credits = (
            self.integer(row, "credits", low=1, high=100)
            if (row.get("credits") or "").strip()
            else 1
        )
        _, outcome = _store(
            Ceu,
            {
                "chapter": ctx.chapter,
                "date": day,
                "member": member,
                "topic": _text(row, "topic", max_length=200, required=True),
            },
            {"credits": credits},
        )
        return outcome


@register
class TestimonialsCsv(CsvFile):
    filename = "testimonials.csv"
    columns = ("date", "giver_email", "receiver_email", "text")
    required = ("date", "giver_email", "receiver_email", "text")
    order = 70

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        day = self.date(row, "date")
        giver, receiver = _pair(ctx, row, "giver_email", "receiver_email", day)
        _, outcome = _store(
            Testimonial,
            {"chapter": ctx.chapter, "date": day, "giver": giver, "receiver": receiver},
            {"text": _text(row, "text", max_length=2000, required=True)},
        )
        return outcome
