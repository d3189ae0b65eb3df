"""``{% party slip "giver" me.chapter_id %}`` and ``{% other_party one_to_one me %}``: the
labels of ``referrals.labels`` in templates."""

from django import template

from referrals.labels import party_name
from referrals.models import Slip

register = template.Library()


@register.simple_tag
def party(slip: Slip, field: str, chapter_id: int | None = None) -> str:
    return party_name(slip, field, chapter_id)


@register.simple_tag
def other_party(one_to_one, member) -> str:
    """The other side of a 1-2-1, as ``member`` (one of its two) reads it."""
    field = "member_b" if one_to_one.member_a_id == member.pk else "member_a"
    return party_name(one_to_one, field, member.chapter_id)
