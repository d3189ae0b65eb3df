"""Reads that several pages share: the directory, the contact sphere, who holds a trade."""

from django.db.models import Prefetch, Q

from .models import Chapter, Classification, Member, MemberQuerySet, Role
from .precompiled import Precompiled


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
    such an id is simply not found. Every mark taken asks it, so its query is compiled once."""
    found = member_pk(pk)
    return None if found is None else next(iter(_MEMBER_IN_CHAPTER(chapter_id, found)), None)


_MEMBER_IN_CHAPTER = Precompiled(
    lambda chapter_id, pk: Member.objects.filter(chapter_id=chapter_id, pk=pk).select_related(
        "user", "classification"
    )
)


def _with_current_roles(members: MemberQuerySet, chapter: Chapter) -> MemberQuerySet:
    return members.prefetch_related(
        Prefetch("roles", queryset=Role.objects.current(chapter.today()), to_attr="current_roles")
    )


# The directory without a search is the chapter's most read page: its two queries compiled once.
_SEATED = Precompiled(
    lambda chapter_id: (
        Member.objects.filter(chapter_id=chapter_id, status__in=list(Member.SEATED))
        .with_people()
        .order_by("user__first_name", "user__last_name")
    )
)
_CURRENT_ROLES = Precompiled(
    lambda chapter_id, day: (
        Role.objects.filter(member__chapter_id=chapter_id)
        .current(day)
        .order_by("name", "started_on")
    )
)


def directory_members(chapter: Chapter, search: str = "") -> list[Member] | MemberQuerySet:
    """The chapter's seated members (active or on leave) with everything a card shows.

    Two queries whatever the size of the chapter: the members, then their current roles.
    """
    search = search.strip()
    if not search:
        members = _SEATED(chapter.pk)
        roles: dict[int, list[Role]] = {}
        for role in _CURRENT_ROLES(chapter.pk, chapter.today()):
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
