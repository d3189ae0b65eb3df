"""Pages of the weekly meeting: thin views that parse, call one service or selector, render."""

import functools

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.access import (
    LEADERSHIP,
    VISITOR_HOSTS,
    chapter_for_request,
    get_in_chapter_or_404,
    leadership_required,
    member_required,
    role_required,
    scope_to_chapter,
)
from members.adapters import client_ip
from members.csvsafe import SafeWriter
from members.forms import add_service_errors
from members.models import Chapter, Member, Role
from members.selectors import member_in_chapter
from pages.forms import csrf_input
from pages.kept import CSRF_SLOT, fill_csrf, fragment
from pages.links import url_for

from . import selectors, services
from .forms import (
    CancelMeetingForm,
    GuestForm,
    MarkForm,
    RotaForm,
    VisitorFilterForm,
    VisitorForm,
    VisitorStatusForm,
)
from .models import Attendance, Meeting, Visit, Visitor

visitor_host_required = role_required(VISITOR_HOSTS)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    """A meeting the viewer may see (their chapter's; staff: any), else 404."""
    viewer = request.viewer
    if viewer.is_staff or not viewer.is_member:
        return get_in_chapter_or_404(viewer, Meeting.objects.select_related("chapter"), pk=pk)
    meeting = selectors.chapter_meeting(viewer.member.chapter, pk)
    if meeting is None:
        raise Http404(gettext("No such meeting in your chapter."))
    return meeting


# --- Meetings ----------------------------------------------------------------------------------


@member_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    upcoming, recent = selectors.meetings_overview(chapter)
    return render(
        request,
        "meetings/list.html",
        {
            "chapter": chapter,
            "upcoming": upcoming,
            "recent": recent,
            "leads": request.viewer.leads(chapter),
        },
    )


@member_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    leads = request.viewer.leads(meeting.chapter)
    return render(
        request,
        "meetings/detail.html",
        {
            "agenda": selectors.meeting_agenda(meeting),
            "meeting": meeting,
            "leads": leads,
            "hosts": request.viewer.is_staff or request.viewer.has_role(VISITOR_HOSTS),
            "cancel_form": CancelMeetingForm(),
            # The button is offered only where cancelling would be accepted.
            "cancel_refusal": services.cancel_refusal(meeting) if leads else None,
        },
    )


@leadership_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = CancelMeetingForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_meeting(meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                gettext("The meeting on %(day)s is cancelled.") % {"day": f"{meeting.date:%d %b}"},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/detail.html",
        {
            "agenda": selectors.meeting_agenda(meeting),
            "meeting": meeting,
            "leads": True,
            "cancel_form": form,
        },
        status=400,
    )


@leadership_required
@require_http_methods(["GET", "POST"])
def rota(request: HttpRequest) -> HttpResponse:
    """The feature-presenter rota: up/down buttons, add and remove members."""
    chapter = chapter_for_request(request)
    if request.method == "POST":
        form = RotaForm(request.POST, chapter=chapter)
        if not form.is_valid():
            raise Http404(gettext("No such member in the chapter."))
        member, action = form.cleaned_data["member"], form.cleaned_data["action"]
        if action in {"up", "down"}:
            services.move_in_rota(chapter=chapter, member=member, up=action == "up")
        elif action == "add":
            services.add_to_rota(chapter=chapter, member=member)
            services.assign_presenters(chapter=chapter, today=chapter.today(), reset=True)
        elif action == "remove":
            services.remove_from_rota(chapter=chapter, member=member)
        url = reverse("meetings:rota")
        if request.GET.get("chapter"):
            url += f"?chapter={chapter.slug}"
        return redirect(url)
    on_rota = services.rota_members(chapter)
    others = Member.objects.seated_in(chapter).exclude(rota_place__isnull=False).with_people()
    upcoming = selectors.upcoming_meetings(chapter).select_related("presenter__user")[:8]
    return render(
        request,
        "meetings/rota.html",
        {"chapter": chapter, "on_rota": on_rota, "others": others, "upcoming": upcoming},
    )


# --- Attendance --------------------------------------------------------------------------------


def _attendance_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, if this leader may mark it: after submission only the vice-president."""
    meeting = _meeting(request, pk)
    viewer = request.viewer
    if (
        meeting.is_submitted
        and not viewer.is_staff
        and not viewer.has_role(Role.Name.VICE_PRESIDENT)
    ):
        raise PermissionDenied(
            gettext("This week is submitted; only the vice-president corrects it.")
        )
    return meeting


@functools.cache
def _mark_buttons(current: str, language: str | None) -> str:
    """A roster row's five buttons: they differ only by the row's mark (and the language of
    their labels), so each variant is rendered once per process, not per row or request."""
    return render_to_string(
        "meetings/partials/mark_buttons.html",
        {"current": current, "marks": Attendance.Mark.choices},
    )


def _attendance_context(
    request: HttpRequest, meeting: Meeting, rows, *, whole_roster: bool = False, token_input=None
) -> dict:
    token_input = token_input or csrf_input(request)
    for row in rows:
        row.buttons = _mark_buttons(row.mark, get_language())
        # What each row shows, worked out here once rather than by a template lookup chain.
        row.action = url_for("meetings:mark", meeting.pk, row.member.pk)
        row.is_me = row.member.user_id == request.user.pk
    return {
        "meeting": meeting,
        "rows": rows,
        "csrf_input": token_input,
        # The whole roster counts itself; one row's answer needs the meeting's count read.
        "count": selectors.count_rows(rows) if whole_roster else selectors.mark_count(meeting),
    }


@role_required(LEADERSHIP)
@require_GET
def take_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _attendance_meeting(request, pk)
    if not meeting.cancelled and not meeting.attendance_open(meeting.chapter.today()):
        # Not kept: the day it opens moves no revision that would draw the roster again.
        return render(
            request, "meetings/take_attendance.html", {"meeting": meeting, "opens_on": meeting.date}
        )

    def draw() -> str:
        roster = selectors.attendance_roster(meeting)
        context = _attendance_context(
            request, meeting, roster, whole_roster=True, token_input=CSRF_SLOT
        )
        return render_to_string("meetings/take_attendance.html#roster", context)

    # Kept per leader (their own row has no buttons) under the chapter's revision: a mark
    # anywhere in the chapter draws it again.
    parts = (meeting.pk, request.user.pk, get_language())
    roster = fill_csrf(fragment(meeting.chapter, "attendance", parts, draw), request)
    return render(
        request, "meetings/take_attendance.html", {"meeting": meeting, "roster_html": roster}
    )


@role_required(LEADERSHIP)
@require_POST
def mark(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """One tap: store one member's mark. htmx gets the row (and the count); others a redirect."""
    meeting = _attendance_meeting(request, pk)
    member = member_in_chapter(meeting.chapter_id, member_pk)
    if member is None:
        raise Http404(gettext("No such member in this chapter."))
    form = MarkForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            attendance = services.record_attendance(
                meeting=meeting,
                member=member,
                mark=form.cleaned_data["mark"],
                substitute_name=form.cleaned_data["substitute_name"],
                by=request.user,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.htmx:
                row = selectors.roster_row(meeting, member, attendance)
                return render(
                    request,
                    "meetings/take_attendance.html#row_with_count",
                    {**_attendance_context(request, meeting, [row]), "row": row},
                )
            messages.success(
                request,
                gettext("%(member)s: %(mark)s.")
                % {"member": member, "mark": attendance.get_mark_display()},
            )
            url = reverse("meetings:take_attendance", args=[meeting.pk])
            return redirect(f"{url}#member-{member.pk}")
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    row = selectors.roster_row(
        meeting,
        member,
        Attendance.objects.filter(meeting=meeting, member=member).first(),
    )
    row.error = error
    row.asking_substitute = form.data.get("mark") == Attendance.Mark.SUBSTITUTE
    if request.htmx:
        # htmx swaps 2xx only by default: the row with its message must still arrive.
        return render(
            request,
            "meetings/take_attendance.html#row",
            {**_attendance_context(request, meeting, [row]), "row": row},
            status=200,
        )
    rows = [r if r.member.pk != member.pk else row for r in selectors.attendance_roster(meeting)]
    roster = render_to_string(
        "meetings/take_attendance.html#roster", _attendance_context(request, meeting, rows)
    )
    return render(
        request,
        "meetings/take_attendance.html",
        {"meeting": meeting, "roster_html": roster},
        status=400,
    )


@role_required(LEADERSHIP)
@require_POST
def mark_everyone(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _attendance_meeting(request, pk)
    try:
        written = services.mark_everyone_present(meeting=meeting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        saved = ngettext(
            "Saved %(n)d default mark; nobody marked themselves.",
            "Saved %(n)d default marks; nobody marked themselves.",
            written,
        )
        messages.success(request, saved % {"n": written})
    return redirect("meetings:take_attendance", pk=meeting.pk)


@leadership_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    today = chapter.today()

    def draw() -> tuple[str, str]:
        context = {"chapter": chapter, "grid": selectors.review_grid(chapter, today)}
        return tuple(
            render_to_string(f"meetings/review.html#{part}", context)
            for part in ("at_risk", "heatmap")
        )

    at_risk_html, heatmap_html = fragment(chapter, "review", (today,), draw)
    return render(
        request,
        "meetings/review.html",
        {"chapter": chapter, "at_risk_html": at_risk_html, "heatmap_html": heatmap_html},
    )


@leadership_required
@require_GET
def review_csv(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    grid = selectors.review_grid(chapter)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{chapter.slug}.csv"'
    writer = SafeWriter(response)
    writer.writerow(["member_email", "member_name", *[m.date.isoformat() for m in grid.meetings]])
    for row in grid.rows:
        cells = ["" if cell == "-" else cell for cell in row.cells]
        writer.writerow([row.member.email, row.member.full_name, *cells])
    return response


@member_required
@require_GET
def my_attendance(request: HttpRequest) -> HttpResponse:
    if not request.viewer.is_member:
        raise PermissionDenied(gettext("Staff without a seat have no attendance."))
    history = selectors.attendance_history(request.viewer.member)
    return render(request, "meetings/my_attendance.html", {"history": history})


# --- Visitors ----------------------------------------------------------------------------------


@member_required
@require_http_methods(["GET", "POST"])
def visitor_add(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    form = VisitorForm(request.POST or None, chapter=chapter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.register_visit(
                chapter=chapter,
                meeting=data["meeting"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                company=data["company"],
                classification=data["classification"],
                trade=data["trade"],
                invited_by=request.viewer.member,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            taken = services.trade_held(chapter, visit.visitor.classification)
            expected = gettext("%(name)s is expected on %(day)s.") % {
                "name": visit.visitor.name,
                "day": f"{visit.meeting.date:%d %b}",
            }
            if taken:
                expected += " " + gettext(
                    "Their trade is already held in the chapter (trade taken)."
                )
            messages.success(request, expected)
            return redirect("meetings:detail", pk=visit.meeting.pk)
    return render(
        request,
        "meetings/visitor_add.html",
        {"form": form, "chapter": chapter},
        status=400 if form.is_bound else 200,
    )


@visitor_host_required
@require_GET
def visitors(request: HttpRequest) -> HttpResponse:
    chapter = (
        None
        if request.viewer.is_staff and not request.viewer.is_member
        else chapter_for_request(request)
    )
    form = VisitorFilterForm(request.GET or None, chapter=chapter)
    filters = form.cleaned_data if form.is_valid() else {}
    chapter_visitors = scope_to_chapter(request.viewer, Visitor.objects.all())
    listing = selectors.visitor_list(
        chapter_visitors,
        status=filters.get("status") or "",
        meeting=filters.get("meeting"),
        invited_by=filters.get("invited_by"),
    )[:200]
    return render(request, "meetings/visitors.html", {"form": form, "visitors": listing})


@visitor_host_required
@require_http_methods(["GET", "POST"])
def visitor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visitor = get_in_chapter_or_404(
        request.viewer,
        selectors.with_trade_taken(Visitor.objects.select_related("classification", "chapter")),
        pk=pk,
    )
    form = VisitorStatusForm(request.POST or None, initial={"status": visitor.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_visitor_status(visitor=visitor, status=form.cleaned_data["status"])
        except ValidationError as exc:
            form.add_error("status", exc.message_dict.get("status", exc.messages))
        else:
            messages.success(
                request,
                gettext("%(name)s is now %(status)s.")
                % {"name": visitor.name, "status": visitor.get_status_display()},
            )
            return redirect("meetings:visitor_detail", pk=visitor.pk)
    visits = visitor.visits.select_related("meeting", "invited_by__user").order_by("meeting__date")
    next_statuses = sorted(services.FOLLOW_UP.get(visitor.status, set()))
    return render(
        request,
        "meetings/visitor_detail.html",
        {
            "visitor": visitor,
            "visits": visits,
            "form": form,
            "next_statuses": [(s, Visitor.Status(s).label) for s in next_statuses],
        },
        status=400 if form.errors else 200,
    )


@visitor_host_required
@require_GET
def visitors_at(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return render(
        request,
        "meetings/visitors_at.html",
        {"meeting": meeting, "visits": selectors.visits_at(meeting)},
    )


@visitor_host_required
@require_POST
def visit_attended(request: HttpRequest, pk: int) -> HttpResponse:
    """The visitor host's one tap: came / did not come."""
    visit = get_in_chapter_or_404(
        request.viewer,
        Visit.objects.select_related("meeting__chapter", "visitor", "invited_by__user"),
        field_name="meeting__chapter",
        pk=pk,
    )
    services.set_visit_attended(visit=visit, attended=request.POST.get("attended") == "1")
    if request.htmx:
        visit.visitor.trade_taken = services.trade_held(
            visit.meeting.chapter, visit.visitor.classification
        )
        return render(request, "meetings/visitors_at.html#visit", {"visit": visit})
    return redirect(f"{reverse('meetings:visitors_at', args=[visit.meeting_id])}#visit-{visit.pk}")


# --- The public page ---------------------------------------------------------------------------

GUEST_LIMIT = 5  # sign-ups per address …
GUEST_WINDOW = 60 * 60  # … per hour


def _rate_limited(request: HttpRequest, slug: str) -> bool:
    """Count this address's sign-ups in the shared cache; True once it is over the limit,
    and while the cache is away (``chapter.cache``), asked again after counting, since the
    count itself may be what finds it away: the public form fails closed."""
    cache_answers = getattr(cache, "available", lambda: True)
    if not cache_answers():
        return True
    key = f"meetings:visit-us:{slug}:{client_ip(request)}"
    cache.add(key, 0, GUEST_WINDOW)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache went away
        cache.set(key, 1, GUEST_WINDOW)
        used = 1
    return used > GUEST_LIMIT or not cache_answers()


@require_http_methods(["GET", "POST"])
def public(request: HttpRequest, slug: str) -> HttpResponse:
    """The chapter's page for strangers: no login, and no member's contact or activity."""
    chapter = get_object_or_404(Chapter, slug=slug)
    form = GuestForm(request.POST or None, chapter=chapter)
    status = 200
    if request.method == "POST":
        if _rate_limited(request, slug):
            return render(
                request,
                "meetings/public.html",
                {"page": selectors.public_chapter(chapter), "form": form, "limited": True},
                status=429,
            )
        if form.is_bot:
            # A bot filled the field people cannot see: thank it, store and send nothing.
            meeting = form.cleaned_data.get("meeting") if form.is_valid() else None
            return _thank_guest(chapter, meeting or form.fields["meeting"].queryset.first())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.register_guest(
                    chapter=chapter,
                    meeting=data["meeting"],
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    company=data["company"],
                    trade=data["trade"],
                    invited_by=data["invited_by"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _thank_guest(chapter, data["meeting"])
        status = 400
    return render(
        request,
        "meetings/public.html",
        {"page": selectors.public_chapter(chapter), "form": form},
        status=status,
    )


def _thank_guest(chapter: Chapter, meeting) -> HttpResponse:
    """Post/Redirect/Get: the guest lands on a page whose first words say they are registered
    (a reload does not register them again)."""
    if meeting is None:
        return redirect("meetings:public", chapter.slug)
    token = services.registration_token(meeting)
    return redirect("meetings:public_registered", chapter.slug, token)


def _registered_meeting_or_404(slug: str, token: str):
    chapter = get_object_or_404(Chapter, slug=slug)
    meeting = services.registered_meeting(chapter=chapter, token=token)
    if meeting is None:
        raise Http404(gettext("No such meeting."))
    return chapter, meeting


@require_GET
def public_registered(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A guest's confirmation: the meeting, its time and place, and its calendar file."""
    chapter, meeting = _registered_meeting_or_404(slug, token)
    context = {
        "chapter": chapter,
        "meeting": meeting,
        "starts_at": meeting.starts_at.astimezone(chapter.tz),
        "token": token,
    }
    return render(request, "meetings/public_registered.html", context)


@require_GET
def public_ics(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The registered meeting as an .ics, the same file the confirmation email attaches."""
    _, meeting = _registered_meeting_or_404(slug, token)
    response = HttpResponse(services.meeting_ics(meeting), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return response
