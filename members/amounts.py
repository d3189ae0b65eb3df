"""Amounts of money as a person writes them, in their chapter's convention.

A chapter writes amounts one of two ways (``Chapter.decimal_mark``): ``1,250.50``, a point
before the cents and commas between thousands (the default, as in the UK), or ``1.250,50``,
the other way round. Either way the groups may also be parted by spaces (``1 250,50``), and
``1250.50`` (or ``1250,50``) needs no grouping at all.

What could be read two ways is refused with a message saying how to write it, never guessed:
``12,5`` in a chapter that writes a point before the cents is not twelve and a half, and not
125 either. The old reading dropped every comma and stored ``1250,50`` as 125,050.00.

``parse_amount`` is the one reading: ``AmountField`` (the TYFCB form) reads in the chapter's
convention, the CSV import reads our own files, which write a point (``members.importing``).
"""

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

POINT, COMMA = ".", ","
#: The largest amount a slip may hold (``Tyfcb.amount`` has ten digits before the point).
TOO_LARGE = Decimal(10) ** 10
#: More characters than any amount needs ("1,000,000,000.00" is 16).
MAX_CHARS = 32
_CENT = Decimal("0.01")
_SIGNED = re.compile(r"(?P<sign>[+-]?) *(?P<number>[0-9.,][0-9., ]*)")


def group_mark(decimal_mark: str) -> str:
    """What parts the thousands where ``decimal_mark`` comes before the cents."""
    return COMMA if decimal_mark == POINT else POINT


def how_to_write(decimal_mark: str) -> str:
    """The two ways a chapter writes an amount, for the messages: "1250.50 or 1,250.50"."""
    return gettext("Write it as %(plain)s or %(grouped)s.") % {
        "plain": f"1250{decimal_mark}50",
        "grouped": f"1{group_mark(decimal_mark)}250{decimal_mark}50",
    }


def _grouped(whole: str, group: str) -> str | None:
    """The digits of ``whole`` if it is grouped by thousands with ``group`` or with spaces
    (one kind only), or has no grouping at all; else None."""
    if whole.isdigit() or not whole:
        return whole or "0"
    for mark in (group, " "):
        if re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+", whole):
            return whole.replace(mark, "")
    return None


def parse_amount(raw: str, *, decimal_mark: str = POINT) -> Decimal:
    """``raw`` read as an amount more than 0 with at most two decimals, where
    ``decimal_mark`` comes before the cents; ``ValidationError`` with a message saying how to
    write it otherwise."""
    text = unicodedata.normalize("NFKC", raw).strip()  # full-width digits, no-break spaces
    match = _SIGNED.fullmatch(text)
    if match is None or not any(ch.isdigit() for ch in match["number"]):
        raise ValidationError(
            gettext("Enter an amount in numbers, such as %(example)s.")
            % {"example": f"1250{decimal_mark}00"},
            code="invalid",
        )
    number = match["number"].rstrip(" ")
    whole, mark, fraction = number.partition(decimal_mark)
    digits = _grouped(whole, group_mark(decimal_mark))
    unclear = digits is None or (mark and not fraction) or not (fraction.isdigit() or not mark)
    if unclear:
        raise ValidationError(
            gettext("“%(raw)s” could be read more than one way. %(how)s")
            % {"raw": text, "how": how_to_write(decimal_mark)},
            code="unclear",
        )
    if len(fraction) > 2:
        raise ValidationError(
            gettext("Use at most two decimal places, such as %(example)s.")
            % {"example": f"1250{decimal_mark}50"},
            code="decimal_places",
        )
    value = Decimal(f"{match['sign']}{digits}.{fraction or '0'}")
    if value <= 0:
        raise ValidationError(gettext("The amount must be more than 0."), code="min_value")
    if value >= TOO_LARGE:
        raise ValidationError(gettext("That amount is too large."), code="max_value")
    return value.quantize(_CENT)


def format_amount(value: Decimal, *, decimal_mark: str = POINT, grouping: bool = True) -> str:
    """``value`` with two decimals as the chapter writes it: ``1,250.50`` (or ``1.250,50``),
    ``1250.50`` without ``grouping``. Django's number formatting draws it in the site's
    locale; the marks are swapped where the chapter writes the other way."""
    text = formats.number_format(value, decimal_pos=2, force_grouping=grouping)
    locale_mark = formats.get_format("DECIMAL_SEPARATOR")
    if locale_mark != decimal_mark:
        locale_group = formats.get_format("THOUSAND_SEPARATOR")
        text = text.translate(
            {ord(locale_mark): decimal_mark, ord(locale_group): group_mark(decimal_mark)}
        )
    return text


class AmountField(forms.Field):
    """An amount of money, read by ``parse_amount`` in the chapter's convention
    (``decimal_mark``, which the form sets from the chapter), and shown back the same way,
    so a form sent back unchanged reads the same amount."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "too_long": gettext_lazy("That is too long for an amount."),
    }

    def __init__(self, *, decimal_mark: str = POINT, **kwargs):
        super().__init__(**kwargs)
        self.decimal_mark = decimal_mark

    def widget_attrs(self, widget):
        return super().widget_attrs(widget) | {"maxlength": str(MAX_CHARS)}

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        value = str(value).strip()
        if not value:
            return None
        if len(value) > MAX_CHARS:
            raise ValidationError(self.error_messages["too_long"], code="too_long")
        return parse_amount(value, decimal_mark=self.decimal_mark)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_amount(value, decimal_mark=self.decimal_mark, grouping=False)
        return value
