"""Reads that several pages share: the directory, the contact sphere, who holds a trade, and
the search for a member of another chapter."""

from django.db import connection
from django.db.models import Func, Prefetch, Q, TextField, Value

from .models import Chapter, Classification, Member, MemberQuerySet, Role


def trade_holder(
    chapter: Chapter, classification: Classification | int, *, exclude: Member | None = None
) -> Member | None:
    """The seated member holding ``classification`` in ``chapter`` (one at most), or None."""
    holders = Member.objects.seated_in(chapter).filter(classification=classification)
    if exclude is not None and exclude.pk:
        holders = holders.exclude(pk=exclude.pk)
    return holders.select_related("user").first()


def member_pk(value: str | int) -> int | None:
    """``value`` (as a form or a URL gives it) as a member's id, or None if it cannot be one."""
    text = str(value).strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def member_in_chapter(chapter_id: int, pk: str | int) -> Member | None:
    """The member ``pk`` of the chapter, with its user and trade, or None: anything that is not
    such an id is simply not found."""
    found = member_pk(pk)
    if found is None:
        return None
    members = Member.objects.filter(chapter_id=chapter_id, pk=found).select_related(
        "user", "classification"
    )
    return next(iter(members), None)


def _with_current_roles(members: MemberQuerySet, chapter: Chapter) -> MemberQuerySet:
    return members.prefetch_related(
        Prefetch("roles", queryset=Role.objects.current(chapter.today()), to_attr="current_roles")
    )


def directory_members(chapter: Chapter, search: str = "") -> list[Member] | MemberQuerySet:
    """The chapter's seated members (active or on leave) with everything a card shows.

    Two queries whatever the size of the chapter: the members, then their current roles.
    """
    search = search.strip()
    if not search:
        # The chapter's most read page: the members, then the chapter's current roles
        # (joined on the members' chapter, not a list of their ids).
        members = list(
            Member.objects.filter(chapter_id=chapter.pk, status__in=list(Member.SEATED))
            .with_people()
            .order_by("user__first_name", "user__last_name")
        )
        roles: dict[int, list[Role]] = {}
        current = Role.objects.filter(member__chapter_id=chapter.pk).current(chapter.today())
        for role in current.order_by("name", "started_on"):
            roles.setdefault(role.member_id, []).append(role)
        for member in members:
            member.current_roles = roles.get(member.pk, [])
        return members
    members = Member.objects.seated_in(chapter).with_people()
    members = members.filter(
        Q(user__first_name__icontains=search)
        | Q(user__last_name__icontains=search)
        | Q(company__icontains=search)
        | Q(classification__name__icontains=search)
        | Q(classification__sphere__name__icontains=search)
    )
    return _with_current_roles(members.order_by("user__first_name", "user__last_name"), chapter)


def sphere_members(member: Member) -> MemberQuerySet:
    """Seated members of ``member``'s chapter whose trade is in the same contact sphere."""
    sphere_id = member.classification.sphere_id
    if sphere_id is None:
        return Member.objects.none()
    members = (
        Member.objects.seated_in(member.chapter)
        .filter(classification__sphere_id=sphere_id)
        .exclude(pk=member.pk)
        .with_people()
        .order_by("classification__name")
    )
    return _with_current_roles(members, member.chapter)


# --- Members of other chapters (DOMAIN.md "Beyond the chapter") --------------------------------

#: What the search across chapters shows of a member: their directory card, and nothing else
#: (no email, no slips, no attendance, no PALMS).
DIRECTORY_CARD = (
    "pk",
    "user__first_name",
    "user__last_name",
    "company",
    "classification__name",
    "chapter__name",
    "chapter__city",
    "phone",
    "website",
)
#: A search matches at most this many words, each cut to this many characters: enough for a
#: name and a town, and a pasted page costs no more than a short query.
SEARCH_WORDS = 4
SEARCH_WORD_CHARS = 40


def search_words(query: str) -> list[str]:
    """The words of ``query`` a search requires, each of them somewhere on the card.

    Single characters are left out (they match nearly everyone, and a trigram index cannot
    narrow them), and so are characters that cannot be printed (PostgreSQL refuses a NUL).
    """
    words = []
    for raw in query.split():
        word = "".join(ch for ch in raw if ch.isprintable())[:SEARCH_WORD_CHARS]
        if len(word) >= 2:
            words.append(word)
            if len(words) == SEARCH_WORDS:
                break
    return words


class DirectoryFold(Func):
    """A searched word folded as the stored text is (lower case, no accents), by the same
    database function the triggers use (members migration 0005)."""

    function = "slipstream_directory_fold"
    output_field = TextField()


def members_elsewhere(
    query: str, *, exclude_chapter_id: int | None, limit: int = 20
) -> MemberQuerySet:
    """Active members of every chapter but ``exclude_chapter_id`` whose name, company, trade,
    chapter or city contains each word of ``query``, with only their directory card loaded.

    One query, whatever the size of the region. On PostgreSQL each word is matched against
    ``Member.directory_text``, which the database's triggers keep and a trigram index serves
    (``LIKE '%word%'`` needs no full scan; a word is folded by the same immutable function as
    the text, so the planner sees a constant pattern). On SQLite that column stays empty: each
    word is matched against the joined columns instead, which is as correct and fine for a
    development database of a few chapters.
    """
    words = search_words(query)
    if not words:
        return Member.objects.none()
    members = Member.objects.filter(status=Member.Status.ACTIVE)
    if exclude_chapter_id is not None:
        members = members.exclude(chapter_id=exclude_chapter_id)
    for word in words:
        if connection.vendor == "postgresql":
            members = members.filter(directory_text__contains=DirectoryFold(Value(word)))
        else:
            members = members.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(company__icontains=word)
                | Q(classification__name__icontains=word)
                | Q(chapter__name__icontains=word)
                | Q(chapter__city__icontains=word)
            )
    return (
        members.select_related("user", "classification", "chapter")
        .only(*DIRECTORY_CARD)
        .order_by("user__first_name", "user__last_name", "pk")[:limit]
    )


def member_elsewhere(chapter_id: int, pk: str | int) -> Member | None:
    """The member ``pk`` of a chapter other than ``chapter_id`` whom a slip may name, with the
    rows their card shows (user, trade, chapter), or None. Any member but an applicant: one who
    has left may still be named on a slip dated while they belonged, and the slip's service
    says so in words when the date falls outside (``referrals.services``)."""
    found = member_pk(pk)
    if found is None:
        return None
    return (
        Member.objects.exclude(chapter_id=chapter_id)
        .exclude(status=Member.Status.APPLICANT)
        .filter(pk=found)
        .select_related("user", "classification", "chapter")
        .order_by()
        .first()
    )
