"""Who stands on one side of a slip, as a page, an email or the admin shows it to a reader in
``chapter_id``'s chapter.

A member of the reader's chapter is their name; a member of another chapter carries that
chapter's name ("Pat Lee · Hilltop"), since a name alone reads as a colleague; someone outside
Slipstream is the slip's own ``party_label`` ("Ann Lee (BNI Givers, Deira)"); a thank-you
whose writer BNI Connect exported anonymously says so. Pages that list slips load each
member's chapter with the member, so the label costs no query.
"""

from django.utils.translation import gettext_lazy as _

from .models import Slip, Tyfcb

UNKNOWN_WRITER = _("Unknown writer")


def party_name(slip: Slip, field: str, chapter_id: int | None = None) -> str:
    """The label of ``slip``'s ``field`` side for a reader of ``chapter_id`` (``None``: the
    name alone, whatever the member's chapter)."""
    if getattr(slip, f"{field}_id") is None:
        if isinstance(slip, Tyfcb) and field == "writer" and slip.writer_unknown:
            return str(UNKNOWN_WRITER)
        return slip.party_label(field)
    member = getattr(slip, field)
    if chapter_id is not None and member.chapter_id != chapter_id:
        return f"{member.full_name} · {member.chapter.name}"
    return member.full_name
