"""An amount is read as the person who typed it means it, in their chapter's convention, or
refused with a message saying how to write it: never guessed. ``1250,50`` was stored as
125,050.00 when the form dropped every comma."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from members.amounts import COMMA, POINT, format_amount, parse_amount
from members.importing import CsvFile, RowError
from referrals.exporting import TYFCB_COLUMNS
from referrals.forms import TyfcbForm
from referrals.models import Tyfcb


def amount(raw: str, mark: str = POINT) -> Decimal:
    return parse_amount(raw, decimal_mark=mark)


def refusal(raw: str, mark: str = POINT) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_amount(raw, decimal_mark=mark)
    return " ".join(caught.value.messages)


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,250.50", "1250.50"),
        ("1250.50", "1250.50"),
        ("1250", "1250.00"),
        ("1,250", "1250.00"),
        ("1,250,000.5", "1250000.50"),
        ("1 250.50", "1250.50"),
        ("1\u00a0250.50", "1250.50"),  # a no-break space, as some keyboards group
        ("  12.5 ", "12.50"),
        (".5", "0.50"),
        ("１２５０.５０", "1250.50"),  # full-width digits
    ],
)
def test_a_point_chapter_reads_what_its_members_write(raw, expected):
    assert amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.250,50", "1250.50"),
        ("1250,50", "1250.50"),
        ("12,5", "12.50"),
        ("1,25", "1.25"),
        ("1.250", "1250.00"),
        ("1 250,50", "1250.50"),
    ],
)
def test_a_comma_chapter_reads_what_its_members_write(raw, expected):
    assert amount(raw, COMMA) == Decimal(expected)


@pytest.mark.parametrize(
    "raw",
    ["1250,50", "12,5", "1,25", "1,2,3", "1.250,50", "1.2.3", "1,250.5.0", "1250.", "12 5",
     "1,250 000"],
)  # fmt: skip
def test_what_a_point_chapter_could_read_two_ways_is_refused_saying_how_to_write_it(raw):
    assert "Write it as 1250.50 or 1,250.50." in refusal(raw)


@pytest.mark.parametrize("raw", ["1,250.50", "1.25", "1.2.3", "12,5,0", "1,2,3"])
def test_what_a_comma_chapter_could_read_two_ways_is_refused_saying_how_to_write_it(raw):
    assert "Write it as 1250,50 or 1.250,50." in refusal(raw, COMMA)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "more than 0"),
        ("-5", "more than 0"),
        ("12.345", "at most two decimal places"),
        ("99999999999", "too large"),
        ("99999999999999999999", "too large"),
        ("abc", "Enter an amount in numbers"),
        ("NaN", "Enter an amount in numbers"),
        ("Infinity", "Enter an amount in numbers"),
        ("1e3", "Enter an amount in numbers"),
        ("1_000", "Enter an amount in numbers"),
        ("£1,250", "Enter an amount in numbers"),
        ("\x00", "Enter an amount in numbers"),
    ],
)
def test_what_is_not_an_amount_is_refused(raw, message):
    assert message in refusal(raw)


MARKS = st.sampled_from([POINT, COMMA])
CENTS = st.integers(min_value=1, max_value=10**12 - 1)


@given(cents=CENTS, mark=MARKS, grouping=st.booleans())
def test_an_amount_shown_as_its_chapter_writes_it_reads_back_the_same(cents, mark, grouping):
    value = Decimal(cents) / 100
    assert amount(format_amount(value, decimal_mark=mark, grouping=grouping), mark) == value


@given(cents=CENTS, grouping=st.booleans())
def test_no_reading_takes_a_decimal_mark_for_a_thousands_one(cents, grouping):
    """An amount written with its cents in either convention is read, in either, as the same
    amount or refused: never a hundred times more, as ``1250,50`` once was."""
    value = Decimal(cents) / 100
    for written_with in (POINT, COMMA):
        text = format_amount(value, decimal_mark=written_with, grouping=grouping)
        for read_with in (POINT, COMMA):
            try:
                read = amount(text, read_with)
            except ValidationError:
                continue
            assert read == value, (text, read_with, read)


def test_an_amount_is_shown_grouped_as_the_chapter_writes_it():
    assert format_amount(Decimal("1250.5")) == "1,250.50"
    assert format_amount(Decimal("1250.5"), decimal_mark=COMMA) == "1.250,50"
    assert format_amount(Decimal("1250.5"), grouping=False) == "1250.50"


# --- The TYFCB form -------------------------------------------------------------------------


LOG = reverse("referrals:log_slip") + "?kind=tyfcb"


def tyfcb(thanked, amount: str) -> dict:
    today = thanked.chapter.today().isoformat()
    return {"thanked": thanked.pk, "date": today, "amount": amount, "business": "new"}


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "stored"), [("1,250.50", "1250.50"), ("1250.50", "1250.50")])
def test_a_tyfcb_amount_is_stored_as_typed(login, member, other_member, raw, stored):
    response = login(member).post(LOG, tyfcb(other_member, raw), follow=True)
    assert Tyfcb.objects.get().amount == Decimal(stored)
    assert "for 1,250.50\u00a0GBP." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["1250,50", "12,5"])
def test_a_decimal_comma_in_a_point_chapter_stores_nothing_and_says_how_to_write_it(
    login, member, other_member, raw
):
    response = login(member).post(LOG, tyfcb(other_member, raw))
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["amount"] == [
        f"“{raw}” could be read more than one way. Write it as 1250.50 or 1,250.50."
    ]
    assert not Tyfcb.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "stored"), [("1.250,50", "1250.50"), ("1250,50", "1250.50")])
def test_a_comma_chapter_stores_its_amounts_and_shows_them_its_way(
    login, member, other_member, chapter, raw, stored
):
    chapter.decimal_mark = COMMA
    chapter.save()
    response = login(member).post(LOG, tyfcb(other_member, raw), follow=True)
    assert Tyfcb.objects.get().amount == Decimal(stored)
    assert "for 1.250,50\u00a0GBP." in response.content.decode()


@pytest.mark.django_db
def test_the_amount_input_asks_phones_for_a_decimal_keypad(login, member):
    html = login(member).get(LOG).content.decode()
    assert 'inputmode="decimal"' in html
    assert "Write it as 1250.50 or 1,250.50." in html


@pytest.mark.django_db
def test_an_edit_sent_back_unchanged_keeps_the_amount_in_a_comma_chapter(member, chapter):
    chapter.decimal_mark = COMMA
    chapter.save()
    form = TyfcbForm(initial={"amount": Decimal("1250.50")}, me=member, editing=True)
    shown = form["amount"].value()
    assert form.fields["amount"].prepare_value(shown) == "1250,50"
    assert parse_amount("1250,50", decimal_mark=COMMA) == Decimal("1250.50")


# --- Our CSV files ------------------------------------------------------------------------------


def test_our_tyfcb_file_writes_amounts_that_the_import_reads_back_unchanged():
    assert "amount" in TYFCB_COLUMNS
    for value in ("1250.50", "0.01", "9999999999.99", "125050.00"):
        assert CsvFile.amount({"amount": value}, "amount") == Decimal(value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1250,50", "amount '1250,50' is not an amount such as 1234.50"),
        ("12,5", "amount '12,5' is not an amount such as 1234.50"),
        ("1.005", "amount '1.005' has more than two decimal places"),
        ("0", "amount must be more than 0"),
    ],
)
def test_the_import_refuses_an_amount_it_could_read_two_ways(raw, message):
    with pytest.raises(RowError, match=message):
        CsvFile.amount({"amount": raw}, "amount")
