"""Amounts of money on a page, in one place: ``{{ tyfcb.amount|money:chapter }}`` draws
``41,461.96 GBP``, grouped by thousands as the chapter writes amounts
(``members.amounts.format_amount``) and followed by its currency; ``{{ total|amount:chapter }}``
draws the number alone, for a table whose heading names the currency.

The argument is the chapter (its ``currency`` and ``decimal_mark``) or, where a page has only
the code at hand, the currency code itself.
"""

from decimal import Decimal

from django import template

from members.amounts import POINT, format_amount

register = template.Library()

#: Between the number and the currency: a line never breaks inside an amount.
NO_BREAK_SPACE = "\u00a0"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@register.filter
def amount(value, chapter="") -> str:
    """``value`` with two decimals, grouped by thousands in the chapter's convention."""
    number = _decimal(value)
    if number is None:
        return ""
    return format_amount(number, decimal_mark=getattr(chapter, "decimal_mark", POINT))


@register.filter
def money(value, chapter="") -> str:
    """``value`` as ``amount`` draws it, then the chapter's currency (or the code given)."""
    text = amount(value, chapter)
    currency = getattr(chapter, "currency", chapter) or ""
    return f"{text}{NO_BREAK_SPACE}{currency}" if text and currency else text
