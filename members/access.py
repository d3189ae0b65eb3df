"""Who may see or change what: the one place every view asks.

A ``Viewer`` is the logged-in user with their member seat, chapter and current roles, built
once per request. The ``get_*_or_404`` helpers fetch an object only if this viewer may act on
it, so an object of another chapter answers 404 (never 403, which would confirm it exists).
Staff see every chapter; members see only their own; leadership roles see more of it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Chapter, Member, Role, User
from .text import query_text

LEADERSHIP = frozenset({Role.Name.PRESIDENT, Role.Name.VICE_PRESIDENT})
MEMBERSHIP = frozenset(
    {Role.Name.SECRETARY_TREASURER, Role.Name.MEMBERSHIP_COMMITTEE, Role.Name.PRESIDENT}
)
VISITOR_HOSTS = frozenset({Role.Name.VISITOR_HOST, Role.Name.PRESIDENT, Role.Name.VICE_PRESIDENT})


@dataclass(frozen=True)
class Viewer:
    user: object
    member: Member | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    #: Explicit grants already looked up for this request (``holds``): permission → held.
    grants: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def chapter(self) -> Chapter | None:
        return self.member.chapter if self.member else None

    @property
    def is_staff(self) -> bool:
        return bool(getattr(self.user, "is_staff", False))

    @property
    def is_member(self) -> bool:
        """A member who may use the chapter's pages: seated (active or on leave)."""
        return self.member is not None and self.member.status in Member.SEATED

    def has_role(self, *roles: str | Iterable[str]) -> bool:
        wanted: set[str] = set()
        for role in roles:
            wanted.update([role] if isinstance(role, str) else role)
        return bool(self.roles & wanted)

    @property
    def is_leader(self) -> bool:
        """President or vice-president: attendance, the week, PALMS, confidential amounts."""
        return self.has_role(LEADERSHIP)

    def can_see_chapter(self, chapter: Chapter) -> bool:
        return self.is_staff or (self.is_member and self.member.chapter_id == chapter.pk)

    def leads(self, chapter: Chapter) -> bool:
        return self.is_staff or (self.can_see_chapter(chapter) and self.is_leader)

    def chapter_or_404(self) -> Chapter:
        if not self.is_member:
            raise Http404(gettext("You are not a member of a chapter."))
        return self.member.chapter


ANONYMOUS = Viewer(user=None)


def _role_terms() -> RawSQL:
    """Every role term of the member as "name|started|ended;…" in one column of the member
    query, so the viewer costs one query; which terms are current is decided in the chapter's
    own time zone. Written as SQL because the ORM spelling cost more to compile than to run,
    on every request."""
    role, member = Role._meta.db_table, Member._meta.db_table
    term = "r.name || '|' || r.started_on || '|' || COALESCE(CAST(r.ended_on AS TEXT), '')"
    agg = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return RawSQL(  # noqa: S611 - table names and constants only, no input
        f"SELECT {agg}({term}, ';') FROM {role} r WHERE r.member_id = {member}.id",  # noqa: S608
        (),
        output_field=TextField(),
    )


def _current_roles(terms: str | None, today: date) -> frozenset[str]:
    current = set()
    for term in filter(None, (terms or "").split(";")):
        name, started, ended = term.split("|")
        if date.fromisoformat(started) <= today and (
            not ended or date.fromisoformat(ended) >= today
        ):
            current.add(name)
    return frozenset(current)


def _seat(user_id: int) -> Member | None:
    """The user's seat with its chapter, trade and role terms: one query. No ordering: a
    user has at most one seat, and Member's default order joins the users."""
    seats = (
        Member.objects.select_related("chapter", "classification")
        .filter(user_id=user_id)
        .annotate(role_terms=_role_terms())
        .order_by()[:1]
    )
    return next(iter(seats), None)


def _user_and_seat(user_id: int) -> User | None:
    """The session's user with their seat, its chapter, trade and role terms: what every
    logged-in request reads first, in one query (``SeatBackend``). A user without a seat
    (staff) comes back with ``member`` loaded as missing: reading it asks no query."""
    users = (
        User.objects.filter(pk=user_id)
        .select_related("member__chapter", "member__classification")
        .annotate(role_terms=_role_terms())
        .order_by()[:1]
    )
    return next(iter(users), None)


class SeatBackend(AuthenticationBackend):
    """allauth's email login, loading a session's user together with their seat.

    Django loads the user for every logged-in request and the viewer then needs the seat (its
    chapter's revision keys what pages keep); reading both at once saves a round trip and an
    ORM query on every page. It is the only backend: a session signed in under another one
    (``ModelBackend`` before 2026-12) is asked to sign in again.
    """

    def get_user(self, user_id):
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        user = _user_and_seat(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _build_viewer(user) -> Viewer:
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if hasattr(user, "role_terms"):  # loaded with its seat (``SeatBackend``): no query
        # ``select_related`` loaded the seat, or its absence: a user without one raises
        # ``RelatedObjectDoesNotExist`` (an ``AttributeError``) without asking the database.
        member, terms = getattr(user, "member", None), user.role_terms
    else:
        member = _seat(user.pk)
        terms = member.role_terms if member is not None else None
    roles: frozenset[str] = frozenset()
    if member is not None:
        member.user = user
        roles = _current_roles(terms, member.chapter.today())
    return Viewer(user=user, member=member, roles=roles)


def viewer_for(request: HttpRequest) -> Viewer:
    """The request's viewer, computed once (one query) and kept on the request as
    ``request.viewer``, the attribute the views read."""
    cached = getattr(request, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    viewer = _build_viewer(request.user)
    request.viewer = viewer
    return viewer


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and seated in a chapter (or staff); ``request.viewer`` is then set."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        viewer = viewer_for(request)
        if not (viewer.is_member or viewer.is_staff):
            raise PermissionDenied(gettext("This page is for chapter members."))
        request.viewer = viewer
        return view(request, *args, **kwargs)

    return wrapped


def role_required(*roles: str | Iterable[str]) -> Callable:
    """Logged in, seated, and holding one of ``roles`` now (staff always pass)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @member_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not (request.viewer.is_staff or request.viewer.has_role(*roles)):
                raise PermissionDenied(gettext("Your role in the chapter does not allow this."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


leadership_required = role_required(LEADERSHIP)


def visible_chapters(viewer: Viewer) -> QuerySet[Chapter]:
    if viewer.is_staff:
        return Chapter.objects.all()
    if viewer.is_member:
        return Chapter.objects.filter(pk=viewer.member.chapter_id)
    return Chapter.objects.none()


def get_chapter_or_404(viewer: Viewer, slug: str) -> Chapter:
    return get_object_or_404(visible_chapters(viewer), slug=slug)


def scope_to_chapter(viewer: Viewer, queryset: QuerySet, field_name: str = "chapter") -> QuerySet:
    """Narrow any queryset to what the viewer's chapter holds (staff: everything)."""
    if viewer.is_staff:
        return queryset
    if not viewer.is_member:
        return queryset.none()
    return queryset.filter(**{f"{field_name}_id": viewer.member.chapter_id})


def get_in_chapter_or_404(
    viewer: Viewer, queryset: QuerySet, field_name: str = "chapter", **lookup
) -> Model:
    """Fetch one object of the viewer's chapter; anything else is 404."""
    return get_object_or_404(scope_to_chapter(viewer, queryset, field_name), **lookup)


def get_visible_or_404(viewer: Viewer, queryset: QuerySet, **lookup) -> Model:
    """Fetch one object its queryset's ``visible_to(viewer)`` allows, else 404. Slips may
    link members of two chapters, so their own rule decides who sees them (the referral's
    receiver in another chapter does), not the slip's chapter column."""
    return get_object_or_404(queryset.visible_to(viewer), **lookup)


# --- Thank-you slips: income is confidential ---------------------------------------------------

#: A thank-you's amount is the writer's income: the slip is its writer's, the member thanked's
#: and their chapter's president and vice-president's (DOMAIN.md). Staff read every chapter's
#: totals (PALMS, reports), and its single thank-you slips only once the admin grants this.
TYFCB_SLIPS_PERMISSION = "referrals.view_tyfcb_amounts"
#: The slip kinds staff read one by one only with a permission, by model label.
STAFF_SLIP_PERMISSIONS = {"referrals.tyfcb": TYFCB_SLIPS_PERMISSION}


def holds(viewer: Viewer, permission: str) -> bool:
    """Whether an active user was granted ``permission`` ("app_label.codename") explicitly:
    in their own permissions or a group's. A superuser's every-permission does not count
    here, so reading someone's income is always a grant the audit trail records
    (``members.audit``). One query per request and permission."""
    if permission not in viewer.grants:
        user = viewer.user
        app_label, codename = permission.split(".", 1)
        viewer.grants[permission] = bool(
            getattr(user, "is_active", False)
            and Permission.objects.filter(
                Q(user=user) | Q(group__user=user),
                content_type__app_label=app_label,
                codename=codename,
            ).exists()
        )
    return viewer.grants[permission]


def reads_tyfcb_slips(viewer: Viewer) -> bool:
    """Whether this viewer reads any chapter's thank-you slips as staff, amounts and all:
    staff granted ``referrals.view_tyfcb_amounts`` explicitly (``holds``). Members read
    theirs through ``SlipQuerySet.visible_to``, as the members they name or lead."""
    return viewer.is_staff and holds(viewer, TYFCB_SLIPS_PERMISSION)


def reads_tyfcb_slips_of(viewer: Viewer, chapter: Chapter) -> bool:
    """Whether the viewer reads ``chapter``'s thank-you slips one by one (a correction's
    amounts too): its president and vice-president, and staff with the permission."""
    if reads_tyfcb_slips(viewer):
        return True
    return viewer.is_member and viewer.member.chapter_id == chapter.pk and viewer.is_leader


def staff_reads_all(viewer: Viewer, model: type[Model]) -> bool:
    """Whether the viewer reads every slip of ``model`` in every chapter because they are
    staff: any kind but a thank-you, and a thank-you with its permission. Staff without it
    read only the slips that name them, like any member."""
    if not viewer.is_staff:
        return False
    permission = STAFF_SLIP_PERMISSIONS.get(model._meta.label_lower)
    return permission is None or holds(viewer, permission)


def get_member_or_404(viewer: Viewer, pk: int) -> Member:
    return get_in_chapter_or_404(viewer, Member.objects.with_people(), pk=pk)


def can_edit_member(viewer: Viewer, member: Member) -> bool:
    """Members edit only their own profile; the membership team and staff edit any in scope."""
    if viewer.is_staff:
        return True
    if not viewer.can_see_chapter(member.chapter):
        return False
    return member.pk == viewer.member.pk or viewer.has_role(MEMBERSHIP)


def chapter_for_request(request: HttpRequest) -> Chapter:
    """The chapter a chapter-wide page shows: the viewer's own, or for staff ``?chapter=slug``.

    Staff who are not seated in a chapter must name one; anyone else asking for another
    chapter's slug gets 404.
    """
    viewer = viewer_for(request)
    slug = query_text(request.GET, "chapter")  # ?chapter=%00 is a 400, not a database error
    if slug:
        return get_chapter_or_404(viewer, slug)
    if viewer.is_member:
        return viewer.member.chapter
    raise Http404("Choose a chapter: add ?chapter=<slug>.")


# --- The members pages ------------------------------------------------------------------------

#: Who may invite people to the chapter (staff always may).
INVITERS = frozenset({Role.Name.SECRETARY_TREASURER, Role.Name.MEMBERSHIP_COMMITTEE})
#: Who approves applicants: the membership committee and the vice-president who chairs it.
APPROVERS = frozenset({Role.Name.MEMBERSHIP_COMMITTEE, Role.Name.VICE_PRESIDENT})


def can_approve(viewer: Viewer, member: Member) -> bool:
    return viewer.is_staff or (
        viewer.can_see_chapter(member.chapter) and viewer.has_role(APPROVERS)
    )


def viewer_of(who) -> Viewer:
    """``viewer_for`` for code without a request (services, tasks): a user, member or viewer."""
    if isinstance(who, Viewer):
        return who
    return _build_viewer(getattr(who, "user", who))


# --- The main navigation (issue 21) --------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation: a URL name (taking no arguments) and its label.

    ``primary`` entries stay on screen on every page (a phone's bottom bar); the others wait
    one tap away behind "More", under their ``group``. ``section`` is the URL namespace whose
    pages the entry stands for when none of the entries is the page itself (a meeting's page
    is under "Meetings")."""

    name: str
    label: str
    primary: bool = False
    group: str = ""
    icon: str = ""
    section: str = ""
    args: tuple[int, ...] = ()


def nav_items(viewer: Viewer) -> list[NavItem]:
    """What this person may open, most used first: at most four primary entries (the bar
    has "More" as its fifth), each one a page the view's own decorator lets them through.

    The decorators above decide who may open a page; this list only chooses which of those
    pages the navigation offers, so it asks the same questions of the same viewer."""
    slips, chapter, leading, me = _("Slips"), _("The chapter"), _("Leading"), _("Me")
    items = [NavItem("home", _("Home"), primary=True, icon="home")]
    if viewer.is_member:
        leader = viewer.is_leader
        items += [
            NavItem("referrals:log_slip", _("Log a slip"), primary=True, icon="slip"),
            NavItem(
                "referrals:inbox",
                _("Referrals for me") if leader else _("Referrals"),
                primary=not leader,
                group=slips,
                icon="inbox",
                section="referrals",
            ),
            NavItem(
                "meetings:list", _("Meetings"), primary=True, icon="calendar", section="meetings"
            ),
        ]
        if leader:
            items.append(
                NavItem(
                    "reports:chapter", _("Reports"), primary=True, icon="chart", section="reports"
                )
            )
        items += [
            NavItem("referrals:given", _("Referrals I gave"), group=slips),
            NavItem("referrals:suggestions", _("Who to meet next"), group=slips),
            NavItem("members:directory", _("Directory"), group=chapter, section="members"),
            NavItem("meetings:visitor_add", _("Add a visitor"), group=chapter),
        ]
        if viewer.has_role(VISITOR_HOSTS):
            items.append(NavItem("meetings:visitors", _("Visitors"), group=chapter))
        if viewer.has_role(INVITERS):
            items.append(NavItem("members:invite", _("Invite someone"), group=chapter))
        if leader:
            items += [
                NavItem("meetings:review", _("Attendance"), group=leading),
                NavItem("referrals:submit_week", _("Submit the week"), group=leading),
                NavItem("members:audit", _("Audit trail"), group=leading),
            ]
        items += [
            NavItem("meetings:my_attendance", _("My attendance"), group=me),
            NavItem("reports:my_light", _("My traffic light"), group=me),
            NavItem("members:profile", _("My profile"), group=me, args=(viewer.member.pk,)),
            NavItem("reminders:preferences", _("Reminder emails"), group=me),
        ]
    if viewer.is_staff:
        staff = _("Staff")
        items += [
            NavItem(
                "reports:region",
                _("Region"),
                primary=not viewer.is_member,
                group=staff,
                icon="region",
                section="reports",
            ),
            NavItem(
                "admin:index", _("Admin"), primary=not viewer.is_member, group=staff, icon="admin"
            ),
        ]
    return items
