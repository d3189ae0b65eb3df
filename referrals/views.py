"""Slip pages: log a slip, close the loop, the dashboard, the week, who to meet next.

Views parse input, call one service or selector and render. Every object is fetched through
``members.access`` and ``SlipQuerySet.visible_to``, so a slip that does not name the viewer
(and is not theirs to lead) answers 404 whatever id is guessed.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.models import Meeting
from meetings.policy import policy_state
from meetings.selectors import held_meeting_on
from members.access import (
    get_in_chapter_or_404,
    get_visible_or_404,
    leadership_required,
    member_required,
)
from members.amounts import format_amount
from members.models import Member
from members.shell import render_kept
from pages.forms import csrf_input
from pages.kept import CSRF_SLOT, drawn_each, drawn_from, fill_csrf, fragment

from . import selectors, services
from .forms import (
    ELSEWHERE_SUFFIX,
    FORMS,
    PICKER_FIELDS,
    WHO_ELSEWHERE,
    WHO_OUTSIDE,
    Found,
    MemberSelect,
    OneToOneStatusForm,
    StatusForm,
    new_token,
    typed,
)
from .lists import Rows
from .models import SLIP_KINDS, Referral, Slip, Tyfcb

KIND_TABS = [
    ("referral", _("Referral")),
    ("tyfcb", _("Thank-you")),
    ("one_to_one", _("1-2-1")),
    ("ceu", _("CEU")),
    ("testimonial", _("Testimonial")),
]
#: A slip kind as a sentence names it: "Your referral was updated."
KIND_NAMES = {
    "referral": _("referral"),
    "tyfcb": _("thank-you (TYFCB)"),
    "one_to_one": _("1-2-1"),
    "ceu": _("CEU"),
    "testimonial": _("testimonial"),
}


def _me(request: HttpRequest) -> Member:
    """The viewer's member seat; staff without one have no slips of their own (404)."""
    request.viewer.chapter_or_404()
    return request.viewer.member


def _kind(raw: str | None) -> str:
    return raw if raw in FORMS else "referral"


# --- Log a slip ---------------------------------------------------------------------------------


def _create(kind: str, me: Member, data: dict, by) -> tuple[Slip, bool]:
    """Dispatch to the kind's service; returns the slip and whether it is new.

    A form whose token already stored a slip gets that slip back, not a twin: a double click
    (the second INSERT waits at the unique index for the first to commit, then is refused) or
    a form sent again because the answer to the first try was lost. The database's
    ``*_token_once`` constraint is the one guard: nothing to claim beforehand, nothing left
    claimed when a write fails.
    """
    token = data.get("token") or ""
    data = {k: v for k, v in data.items() if k not in ("token", "who")}
    mine = {"created_by": by.user, "token": token}
    try:
        if kind == "referral":
            return services.referral_create(giver=me, **mine, **data), True
        if kind == "tyfcb":
            return services.tyfcb_create(writer=me, **mine, **data), True
        if kind == "one_to_one":
            return services.one_to_one_log(member=me, **mine, **data)
        if kind == "ceu":
            return services.ceu_create(member=me, **mine, **data), True
        return services.testimonial_create(giver=me, **mine, **data), True
    except IntegrityError:
        model = SLIP_KINDS[kind]
        stored = model.objects.filter(created_by=by.user, token=token).first() if token else None
        if stored is None:
            raise
        return stored, False


def _prefill(me: Member, request: HttpRequest, kind: str) -> dict:
    """A form filled in from elsewhere: a won referral's TYFCB thanks whoever gave it (a
    member of this chapter or another, or the person outside Slipstream it came from)."""
    initial = {"token": new_token(), "date": me.chapter.today()}
    if kind == "tyfcb" and (raw := request.GET.get("referral", "")).isdigit():
        referral = (
            Referral.objects.filter(receiver=me, pk=int(raw))
            .select_related("giver__user", "giver__classification", "giver__chapter")
            .first()
        )
        if referral is not None and referral.giver is None:
            initial.update(
                who=WHO_OUTSIDE,
                other_name=referral.other_name,
                other_chapter_name=referral.other_chapter_name,
            )
        elif referral is not None and referral.giver.chapter_id != me.chapter_id:
            initial.update(referral=referral.pk, thanked=referral.giver, who=WHO_ELSEWHERE)
        elif referral is not None:
            initial.update(referral=referral.pk, thanked=referral.giver_id)
    if (raw := request.GET.get("member", "")).isdigit():
        field = {"referral": "receiver", "tyfcb": "thanked", "one_to_one": "other"}.get(
            kind, "receiver"
        )
        initial.setdefault(field, int(raw))
    return initial


@member_required
@require_http_methods(["GET", "POST"])
def log_slip(request: HttpRequest) -> HttpResponse:
    """One page, a tab per slip kind; the tabs are links and htmx swaps only the panel."""
    me = _me(request)
    kind = _kind(
        request.GET.get("kind")
    )  # the form posts to ?kind=…; its own "kind" is inside/outside
    form_class = FORMS[kind]
    if request.method == "POST" and (find := form_class.elsewhere_search(request.POST)) is not None:
        # A search across chapters sent with the form (no JavaScript, or Enter in the search
        # box): the form comes back as filled in, with the cards found; nothing is stored.
        form = form_class(initial=request.POST.dict() | {"who": WHO_ELSEWHERE}, me=me)
        form.found = Found.search(me, find, request.POST.get(form.elsewhere_name, ""))
    elif request.method == "POST":
        form = form_class(request.POST, me=me)
        if form.is_valid():
            try:
                slip, created = _create(kind, me, form.cleaned_data, request.viewer)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _confirm(request, kind, slip, created, form.cleaned_data["date"])
                return redirect(f"{reverse('referrals:log_slip')}?kind={kind}&saved=1")
    elif not (PREFILLS & request.GET.keys()):
        return _blank_slip_form(request, me, kind)
    else:
        form = form_class(initial=_prefill(me, request, kind), me=me)
    context = _slip_context(request, me, kind, form) | {"csrf_input": csrf_input(request)}
    if request.htmx and request.method == "GET":
        return render(request, "referrals/log_slip.html#slip_panel", context)
    return render(request, "referrals/log_slip.html", context)


#: Query parameters that fill a slip form in from elsewhere (a won referral, a profile).
PREFILLS = frozenset({"referral", "member"})
#: Draws a kept blank form's one-off token, filled in per request beside the CSRF input.
TOKEN_WIDGET = forms.HiddenInput()


def _slip_context(request: HttpRequest, me: Member, kind: str, form) -> dict:
    return {
        "form": form,
        "kind": kind,
        "kind_name": KIND_NAMES[kind],
        "tabs": KIND_TABS,
        "saved": request.method == "GET" and request.GET.get("saved") == "1",
        "currency": me.chapter.currency,
    }


def _blank_slip_form(request: HttpRequest, me: Member, kind: str) -> HttpResponse:
    """A blank form is drawn once for the whole chapter and kept under its roster revision
    (its member list is the chapter's roster, and it shows no slip), so a meeting's thirty
    members opening it draw it once. Each viewer gets it without their own line in the list,
    with their CSRF input and the form's one-off token filled in."""
    today = me.chapter.today()

    def draw() -> str:
        form = FORMS[kind](initial={"date": today}, me=me, listing_self=True)
        del form.fields["token"]  # filled in per request, beside the CSRF input
        context = _slip_context(request, me, kind, form) | {"csrf_input": CSRF_SLOT}
        return render_to_string("referrals/log_slip.html#slip_panel", context)

    saved = request.GET.get("saved") == "1"
    token = TOKEN_WIDGET.render("token", new_token(), attrs={"id": "id_token"})
    kept = fragment(me.chapter, "log-slip", (kind, today, saved), draw, roster_only=True)
    panel = fill_csrf(MemberSelect.without(kept, me.pk), request, token)
    if request.htmx:
        return HttpResponse(panel)
    return render_kept(request, "referrals/log_slip.html", "panel_html", panel)


def _confirm(request: HttpRequest, kind: str, slip: Slip, created: bool, asked_date) -> None:
    if not created:
        if kind == "one_to_one":
            text = gettext("That 1-2-1 was already logged (%(slip)s); it counts once.")
            messages.info(request, text % {"slip": slip})
        else:
            text = gettext("That %(kind)s was already saved; it is stored once.")
            messages.info(request, text % {"kind": KIND_NAMES[kind]})
        return
    saved = {"kind": KIND_NAMES[kind], "day": date_format(slip.date, "D j M")}
    if isinstance(slip, Tyfcb):
        # The amount as stored, grouped, so a misread one shows at once (1,250.50, not 125,050).
        chapter = request.viewer.member.chapter
        amount = format_amount(slip.amount, decimal_mark=chapter.decimal_mark)
        text = gettext("Saved: your %(kind)s dated %(day)s, for %(amount)s.") % {
            **saved,
            "amount": f"{amount}\u00a0{chapter.currency}",
        }
    else:
        text = gettext("Saved: your %(kind)s dated %(day)s.") % saved
    if slip.date != asked_date:
        text += " " + gettext(
            "Its week had already been submitted, so it is dated into the next open week."
        )
    messages.success(request, text)


@member_required
@require_GET
def member_search(request: HttpRequest) -> HttpResponse:
    """The picker's ``<option>``s for a name, company or trade typed so far; with
    ``scope=elsewhere``, the directory cards of other chapters' active members for a name,
    company, trade, chapter or city (``find``), to pick from as radio buttons."""
    me = _me(request)
    if request.GET.get("scope") == WHO_ELSEWHERE:
        field = request.GET.get("field", "")
        name = (field if field in PICKER_FIELDS else "receiver") + ELSEWHERE_SUFFIX
        found = Found.search(me, request.GET.get("find", ""), request.GET.get(name, ""))
        return render(
            request, "referrals/partials/member_cards.html", {"found": found, "name": name}
        )
    query = typed(request.GET.get("q", ""))
    selected = request.GET.get("selected", "")
    members = selectors.member_choices(me, query)
    return render(
        request,
        "referrals/partials/member_options.html",
        {"members": members, "selected": selected, "query": query},
    )


# --- Closing the loop ---------------------------------------------------------------------------


@member_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals for me: open ones first (new ones highlighted), each a tap from updated."""
    me = _me(request)
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 6 else 1

    def read() -> str:
        found = selectors.inbox(me, page)

        def draw() -> str:
            cards = _inbox_cards([found.open, found.closed], me.chapter_id)
            context = {
                "inbox": found,
                "open_cards": cards[: len(found.open)],
                "closed_cards": cards[len(found.open) :],
            }
            return render_to_string("referrals/inbox.html#inbox_body", context)

        # Read again after a write to the chapter, but drawn again only when the member's own
        # referrals changed: at a meeting, most writes are other people's slips.
        return drawn_from(
            "inbox-rows", (me.pk, me.chapter_id, found.drawn_from), draw, one_viewer=True
        )

    # The member's own referrals, kept under the chapter's revision (pages.kept).
    body = fill_csrf(fragment(me.chapter, "inbox", (me.pk, page), read, one_viewer=True), request)
    return render_kept(request, "referrals/inbox.html", "inbox_html", body)


#: A card at rest, as the inbox draws it: what a tap's answer sets (``_status_step``) given
#: as nothing. Named rather than left out: the template engine looks a missing name up every
#: way it knows before giving up, and a card asks for six of them.
CARD_AT_REST = {
    "error": "",
    "undone": False,
    "just_updated": False,
    "confirming": None,
    "undo_until": None,
    "note": "",
}


def _inbox_cards(lists: list[Rows], chapter_id: int) -> list[str]:
    """Each referral's card of ``lists``, one after another, drawn only when its row changed:
    an inbox drawn again after a new referral or a status tap draws that one card and takes
    the others as they were (and builds only that referral from its row)."""
    places = [(rows, i) for rows in lists for i in range(len(rows))]

    def draw(n: int) -> str:
        rows, i = places[n]
        context = {
            "referral": rows[i],
            "receiver_chapter_id": chapter_id,
            "csrf_input": CSRF_SLOT,
            **CARD_AT_REST,
        }
        return render_to_string("referrals/inbox.html#referral_row", context)

    return drawn_each("inbox-card", [(chapter_id, rows.each[i]) for rows, i in places], draw)


def _visible_referral(request: HttpRequest, pk: int) -> Referral:
    return get_visible_or_404(request.viewer, selectors.referrals_for(Referral.objects), pk=pk)


#: How long an outcome may be undone, as the pages say it.
UNDO_MINUTES = int(services.UNDO_WINDOW.total_seconds() // 60)


def _status_step(request: HttpRequest, referral: Referral) -> dict:
    """What one tap on a card does: a step forward is stored at once; an outcome (won, lost,
    not a fit) is asked about first (``confirming``) and stored when confirmed; "Keep open"
    stores nothing; "Undo" takes back an outcome just given (``services.UNDO_WINDOW``)."""
    if not services.may_update(request.viewer, referral):
        raise PermissionDenied(gettext("Only the receiver updates a referral."))
    if request.POST.get("keep"):  # the note typed stays in its box
        return {"kept": True, "note": request.POST.get("note", "")[:500]}
    if request.POST.get("undo"):
        try:
            services.referral_undo_outcome(referral=referral, by=request.viewer)
        except ValidationError as exc:
            return {"error": " ".join(exc.messages)}
        return {"undone": True}
    form = StatusForm(request.POST)
    if not form.is_valid():
        error = gettext("Pick one of the statuses shown; a note is at most 500 characters.")
        return {"error": error}
    to_status, note = form.cleaned_data["to_status"], form.cleaned_data["note"]
    viewer = request.viewer
    closing = to_status in Referral.CLOSED and to_status != referral.status
    allowed = to_status in referral.next_statuses() or services.may_correct(viewer, referral)
    if closing and allowed and not form.cleaned_data["confirmed"]:
        return {"confirming": Referral.Status(to_status), "note": note}
    try:
        services.referral_set_status(
            referral=referral, by=request.viewer, to_status=to_status, note=note
        )
    except ValidationError as exc:
        return {"error": " ".join(exc.messages)}
    return {"just_updated": True}


def _next_url(request: HttpRequest) -> str:
    # A path of this site only: anything else ("abc", another host) goes to the inbox.
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = reverse("referrals:inbox")
    return target


@member_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A status tap on a referral's card (htmx redraws the card alone) or its page."""
    referral = _visible_referral(request, pk)
    step = _status_step(request, referral)
    context = {
        "referral": referral,
        "receiver_chapter_id": referral.receiver.chapter_id,
        "csrf_input": csrf_input(request),
        "next": _next_url(request),
        # Offered on the card just closed; its own page offers it until the window ends.
        "undo_until": services.undo_deadline(request.viewer, referral)
        if step.get("just_updated")
        else None,
        "undo_minutes": UNDO_MINUTES,
        **step,
    }
    if request.htmx:
        return render(request, "referrals/inbox.html#referral_row", context)
    if "confirming" in step:
        return render(request, "referrals/confirm_outcome.html", context)
    if "error" in step:
        messages.error(request, step["error"])
    elif step.get("undone"):
        messages.success(
            request,
            gettext("%(name)s: undone, back to %(status)s.")
            % {"name": referral.contact_name, "status": referral.get_status_display().lower()},
        )
    elif step.get("just_updated"):
        text = gettext("%(name)s: %(status)s.") % {
            "name": referral.contact_name,
            "status": referral.get_status_display(),
        }
        if referral.is_closed:
            text += " " + gettext("Tapped the wrong one? Undo it on the referral's page.")
        messages.success(request, text)
    return redirect(context["next"])


@member_required
@require_GET
def given(request: HttpRequest) -> HttpResponse:
    """Referrals I gave: each one's current status and the history of how it got there."""
    me = _me(request)
    page = Paginator(selectors.given(me), 25).get_page(request.GET.get("page"))
    return render(request, "referrals/given.html", {"page": page})


@member_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral, for its giver, its receiver and the president/vice-president."""
    referral = get_visible_or_404(
        request.viewer, selectors.with_history(Referral.objects.all()), pk=pk
    )
    viewer = request.viewer
    may_update = services.may_update(viewer, referral)
    tyfcbs = (
        Tyfcb.objects.visible_to(viewer)
        .filter(referral=referral)
        .select_related("writer__user", "thanked__user")
    )
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "may_update": may_update,
            "is_receiver": viewer.member is not None and referral.receiver_id == viewer.member.pk,
            "may_edit": services.may_edit(viewer, referral),
            "correcting": services.may_correct(viewer, referral),
            "all_statuses": Referral.Status.choices,
            "tyfcbs": tyfcbs,
            "undo_until": services.undo_deadline(viewer, referral),
            "undo_minutes": UNDO_MINUTES,
            "next": request.path,
            "csrf_input": csrf_input(request),
        },
    )


@member_required
@require_GET
def tyfcb_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A thank-you slip: its writer, the member thanked and the president/VP only, and staff
    granted ``referrals.view_tyfcb_amounts`` (``members.access.staff_reads_all``); else 404."""
    tyfcb = get_visible_or_404(
        request.viewer,
        Tyfcb.objects.select_related(
            *selectors.person_joins("writer", "thanked"), "referral", "chapter"
        ),
        pk=pk,
    )
    return render(
        request,
        "referrals/tyfcb_detail.html",
        {"tyfcb": tyfcb, "may_edit": services.may_edit(request.viewer, tyfcb)},
    )


# --- Editing and deleting -----------------------------------------------------------------------


def _editable_slip(request: HttpRequest, kind: str, pk: int) -> Slip:
    model = SLIP_KINDS.get(kind)
    if model is None:
        raise Http404("No such slip kind.")
    slip = get_object_or_404(
        model.objects.visible_to(request.viewer).select_related("chapter"), pk=pk
    )
    if not services.may_edit(request.viewer, slip):
        raise PermissionDenied(gettext("Only the member who logged this slip may change it."))
    return slip


def _owner(slip: Slip) -> Member:
    """The member whose form edits the slip: its owner, or (a slip imported from BNI Connect
    whose owner is outside Slipstream) the member it links."""
    for name in (*slip.owners, *slip.parties):
        if getattr(slip, f"{name}_id") is not None:
            return getattr(slip, name)
    raise Http404("This slip links no member.")


def _edit_form(form, slip: Slip):
    """A side that is someone outside Slipstream (a name) stays as it is: the edit form has no
    member picker for it."""
    for name in slip.parties:
        if name in form.fields and getattr(slip, f"{name}_id") is None:
            del form.fields[name]
    return form


def _initial(slip: Slip) -> dict:
    initial = {}
    for name in services.EDITABLE[type(slip)]:
        value = getattr(slip, name)
        initial[name] = value.pk if isinstance(value, Member) else value
    return initial


@member_required
@require_http_methods(["GET", "POST"])
def slip_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The owner edits while the week is open; the VP/president corrects (recorded) after."""
    slip = _editable_slip(request, kind, pk)
    refusal = services.edit_refusal(request.viewer, slip)
    form_class = FORMS[kind]
    owner = _owner(slip)
    if request.method == "POST":
        form = _edit_form(form_class(request.POST, me=owner, editing=True), slip)
        if refusal:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid():
            editable = services.EDITABLE[type(slip)]
            data = {k: v for k, v in form.cleaned_data.items() if k in editable}
            try:
                services.slip_update(slip=slip, by=request.viewer, data=data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                text = gettext("Your %(kind)s was updated.") % {"kind": KIND_NAMES[kind]}
                messages.success(request, text)
                return redirect(_after_edit(slip))
    else:
        form = _edit_form(form_class(initial=_initial(slip), me=owner, editing=True), slip)
    return render(
        request,
        "referrals/slip_edit.html",
        {
            "form": form,
            "slip": slip,
            "kind": kind,
            "kind_name": KIND_NAMES[kind],
            "refusal": refusal,
            "correcting": not slip.is_owned_by(request.viewer.member),
        },
    )


def _after_edit(slip: Slip) -> str:
    if isinstance(slip, Referral):
        return reverse("referrals:detail", args=[slip.pk])
    if isinstance(slip, Tyfcb):
        return reverse("referrals:tyfcb_detail", args=[slip.pk])
    return reverse("home")


@member_required
@require_http_methods(["GET", "POST"])
def slip_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    slip = _editable_slip(request, kind, pk)
    refusal = services.edit_refusal(request.viewer, slip)
    if request.method == "POST" and not refusal:
        try:
            services.slip_delete(slip=slip, by=request.viewer)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            text = gettext("Your %(kind)s was deleted.") % {"kind": KIND_NAMES[kind]}
            messages.success(request, text)
            return redirect("home")
    return render(
        request,
        "referrals/slip_delete.html",
        {"slip": slip, "kind": kind, "kind_name": KIND_NAMES[kind], "refusal": refusal},
    )


@member_required
@require_POST
def one_to_one_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a 1-2-1 done or cancelled (either member, while its week is open)."""
    one_to_one = _editable_slip(request, "one_to_one", pk)
    form = OneToOneStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Pick done or cancelled."))
    else:
        try:
            services.one_to_one_set_status(
                one_to_one=one_to_one, by=request.viewer, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            status = one_to_one.get_status_display().lower()
            messages.success(request, gettext("1-2-1 marked %(status)s.") % {"status": status})
    return redirect("home")


# --- The dashboard, suggestions and the week ------------------------------------------------------


@member_required
@require_GET
def dashboard(
    request: HttpRequest, *, standing: Callable[[], object] | None = None
) -> HttpResponse:
    """The member's home page: this week, what waits for them, and six months in numbers.

    ``standing`` (PALMS row and traffic light) is computed by the reports app, which depends
    on this one; the project's ``home`` view passes the function that computes it. The whole
    page is the member's own data within the chapter, so it is kept under the chapter's
    revision (``pages.kept``) and drawn again only after a write.
    """
    me = _me(request)
    today = me.chapter.today()
    leader = request.viewer.is_leader

    def draw() -> str:
        return _board(
            me,
            selectors.member_dashboard(me, today),
            standing=standing() if standing else None,
            # Said on the home page, not only in an email: a member at risk sees it first.
            attendance=policy_state(me, today),
            # On meeting day the leaders take attendance from here, one tap away.
            meeting_today=held_meeting_on(me.chapter, today) if leader else None,
            leader=leader,
        )

    parts = (me.pk, today, leader, standing is not None)
    board = fill_csrf(fragment(me.chapter, "dashboard", parts, draw, one_viewer=True), request)
    return render_kept(request, "referrals/dashboard.html", "board_html", board)


#: The week's slips on the dashboard (``WeekSlips``' lists), each a line of
#: ``dashboard.html#week_line`` of its kind.
WEEK_LINES = (
    ("referrals", "referral"),
    ("tyfcbs", "tyfcb"),
    ("one_to_ones", "one_to_one"),
    ("ceus", "ceu"),
    ("testimonials", "testimonial"),
)


def _board(me: Member, board, *, standing, attendance, meeting_today, leader: bool) -> str:
    """The dashboard's board from its pieces, each kept under what it shows
    (``pages.kept.drawn_each``, one round trip to the cache for all of them).

    The board is drawn again after every write to the chapter; after the member's own slip,
    it draws that slip's line and the figures the slip moved (the light, the six months), and
    takes the rest as it was: what waits for them, the next 1-2-1s, every other line. Each
    piece's key holds everything the piece shows, and so does the board's own template.
    """
    chapter, week = me.chapter, board.week
    own = (me.pk, me.chapter_id)
    money = (chapter.currency, chapter.decimal_mark)
    palms = standing.palms.values if standing is not None and standing.palms else None
    pieces: list[tuple[str, tuple, dict]] = [
        (
            "head",
            (
                own,
                me.user.first_name,
                me.user.email,
                chapter.time_zone,
                chapter.policy_window_weeks,
                meeting_today and (meeting_today.pk, meeting_today.starts_at),
                (str(attendance.state), attendance.absences, attendance.limit),
                board.waiting_count,
                leader,
            ),
            {
                "meeting_today": meeting_today,
                "attendance": attendance,
                "waiting_count": board.waiting_count,
                "leader": leader,
            },
        ),
        # What waits for the member changes with others' slips and their own updates, not
        # with the slips they log.
        ("waiting", (own, board.waiting.raw, board.waiting_count), {"board": board}),
        (
            "next",
            (own, board.today, board.next_one_to_ones.each),
            {"next_one_to_ones": board.next_one_to_ones, "today": board.today},
        ),
        (
            "six",
            (
                own,
                money,
                board.window,
                board.business_generated,
                board.business_received,
                board.counts["tyfcbs_thanked"],
                palms and tuple(sorted(palms.items())),
            ),
            {
                "window": board.window,
                "generated": board.business_generated,
                "received": board.business_received,
                "thanked": board.counts["tyfcbs_thanked"],
                "palms": palms,
            },
        ),
    ]
    if standing is not None:
        shown = (standing.score, standing.colour, standing.next_colour, standing.next_colour_name)
        lift = tuple(str(step) for step in standing.lift)
        pieces.append(("standing", (*shown, lift), {"standing": standing}))
    sections = len(pieces)  # then a piece per line of the week
    # A line's slip is built from its row only if the line is drawn (``Rows``).
    lines = [
        (kind, rows, i)
        for rows, kind in ((getattr(week, name), kind) for name, kind in WEEK_LINES)
        for i in range(len(rows))
    ]
    pieces += [("week_line", (kind, own, money, rows.each[i]), {}) for kind, rows, i in lines]

    def draw(n: int) -> str:
        name, _, context = pieces[n]
        if n >= sections:
            kind, rows, i = lines[n - sections]
            context = {"kind": kind, "r": rows[i]}
        context = {"me": me, "csrf_input": CSRF_SLOT, **context}
        return render_to_string(f"referrals/dashboard.html#{name}", context)

    drawn = drawn_each("dashboard-piece", [(name, key) for name, key, _ in pieces], draw)
    context = {
        "pieces": {pieces[i][0]: drawn[i] for i in range(sections)},
        "board": board,
        "week": week,
        "week_lines": drawn[sections:],
    }
    return render_to_string("referrals/dashboard.html#board", context)


@member_required
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """Who should I meet next: never met (my contact sphere first), then longest ago."""
    me = _me(request)
    return render(
        request,
        "referrals/suggestions.html",
        {"members": selectors.suggestions(me), "me": me},
    )


@leadership_required
@require_http_methods(["GET", "POST"])
def submit_week(request: HttpRequest) -> HttpResponse:
    """The vice-president reviews a week's slips and attendance, then locks them."""
    chapter = request.viewer.chapter_or_404()
    raw = request.POST.get("meeting") or request.GET.get("meeting") or ""
    if raw.isdigit():
        meeting = get_in_chapter_or_404(
            request.viewer, Meeting.objects.select_related("chapter", "submitted_by"), pk=raw
        )
    else:
        meeting = selectors.default_week(chapter, chapter.today())
    if request.method == "POST":
        if meeting is None:
            raise Http404("No meeting to submit.")
        try:
            services.week_submit(meeting=meeting, by=request.viewer)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("The week of %(day)s is submitted: its slips and attendance are locked.")
                % {"day": date_format(meeting.date, "D j M")},
            )
        return redirect(f"{reverse('referrals:submit_week')}?meeting={meeting.pk}")
    report = selectors.week_report(meeting) if meeting else None
    return render(
        request,
        "referrals/submit_week.html",
        {
            "meeting": meeting,
            "report": report,
            "meetings": selectors.weeks_to_submit(chapter)[:26],
            "chapter": chapter,
            "currency": chapter.currency,
            "future": meeting is not None and meeting.date > chapter.today(),
        },
    )
