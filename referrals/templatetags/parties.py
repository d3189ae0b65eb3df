"""``{% party slip "giver" me.chapter_id %}``: who stands on one side of a slip, as a page
shows it to a reader in ``chapter_id``'s chapter.

A member of the reader's chapter is their name; a member of another chapter carries that
chapter's name ("Pat Lee · Hilltop"), since a name alone reads as a colleague; someone outside
Slipstream is the slip's own ``party_label`` ("Ann Lee (BNI Givers, Deira)"); a thank-you
whose writer BNI Connect exported anonymously says so. Pages that list slips load each
member's chapter with the member, so the label costs no query.
"""

from django import template

from referrals.models import Slip, Tyfcb

register = template.Library()

UNKNOWN_WRITER = "Unknown writer"


def party_name(slip: Slip, field: str, chapter_id: int | None = None) -> str:
    """The label of ``slip``'s ``field`` side for a reader of ``chapter_id`` (``None``: the
    name alone, whatever the member's chapter)."""
    if getattr(slip, f"{field}_id") is None:
        if isinstance(slip, Tyfcb) and field == "writer" and slip.writer_unknown:
            return UNKNOWN_WRITER
        return slip.party_label(field)
    member = getattr(slip, field)
    if chapter_id is not None and member.chapter_id != chapter_id:
        return f"{member.full_name} · {member.chapter.name}"
    return member.full_name


@register.simple_tag
def party(slip: Slip, field: str, chapter_id: int | None = None) -> str:
    return party_name(slip, field, chapter_id)


@register.simple_tag
def other_party(one_to_one, member) -> str:
    """The other side of a 1-2-1, as ``member`` (one of its two) reads it."""
    field = "member_b" if one_to_one.member_a_id == member.pk else "member_a"
    return party_name(one_to_one, field, member.chapter_id)
