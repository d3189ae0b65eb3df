"""Member pages: the directory, profiles, "edit my profile", the contact sphere, invitations.

Every page but the invitation link goes through ``members.access``; the invitation link is
public by design, its random one-time token being the permission.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from pages.kept import fragment

from . import audit, selectors, services
from .access import (
    INVITERS,
    can_approve,
    chapter_for_request,
    get_member_or_404,
    leadership_required,
    member_required,
    reads_tyfcb_slips_of,
    role_required,
)
from .forms import InvitationForm, ProfileForm, SetPasswordForm, add_service_errors
from .models import Member, MemberStatusChange, Role
from .mydata import member_data
from .text import query_text

LOGIN_BACKEND = "members.access.SeatBackend"


@require_GET
@member_required
def directory(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    search = query_text(request.GET, "q", max_length=80)

    def draw() -> tuple[int, str]:
        members = selectors.directory_members(chapter, search)
        context = {"members": members, "search": search}
        return len(members), render_to_string("members/directory.html#member_list", context)

    # The whole chapter's cards are kept under its revision (pages.kept); a search's
    # are drawn each time (one query, and each phrase typed would be an entry of its own).
    if search:
        count, cards = draw()
    else:
        count, cards = fragment(chapter, "directory", (chapter.today(),), draw)
    if request.htmx and request.htmx.target == "member-list":
        return HttpResponse(cards)
    may_invite = request.viewer.is_member and (
        request.viewer.is_staff or request.viewer.has_role(INVITERS)
    )
    context = {
        "chapter": chapter,
        "count": count,
        "cards": cards,
        "search": search,
        "may_invite": may_invite,
    }
    return render(request, "members/directory.html", context)


@require_GET
@member_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_or_404(request.viewer, pk)
    viewer = request.viewer
    may_approve = can_approve(viewer, member)
    context = {
        "member": member,
        "roles": member.roles.current(member.chapter.today()),
        "is_me": viewer.member is not None and viewer.member.pk == member.pk,
        "may_approve": may_approve and member.status == Member.Status.APPLICANT,
        # A member's attendance is theirs and leadership's to read, not the whole chapter's.
        "sees_attendance": viewer.is_staff or viewer.is_leader,
        "may_anonymise": member.status == Member.Status.DROPPED
        and not member.user.email.endswith("@invalid")
        and (viewer.is_staff or viewer.has_role(Role.Name.MEMBERSHIP_COMMITTEE)),
        "history": (
            MemberStatusChange.objects.filter(member=member).select_related("changed_by")[:10]
            if may_approve
            else ()
        ),
    }
    return render(request, "members/profile.html", context)


@member_required
def edit_profile(request: HttpRequest) -> HttpResponse:
    """Only ever the viewer's own card: there is no member id to tamper with."""
    member = request.viewer.member
    if member is None:
        return redirect("members:directory")
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("members:profile", pk=member.pk)
    return render(request, "members/edit_profile.html", {"form": form, "member": member})


@require_GET
@member_required
def sphere(request: HttpRequest) -> HttpResponse:
    """Who's in my contact sphere: the trades that naturally pass me work."""
    member = request.viewer.member
    if member is None:
        return redirect("members:directory")
    context = {
        "member": member,
        "sphere": member.classification.sphere,
        "members": selectors.sphere_members(member),
    }
    return render(request, "members/sphere.html", context)


@require_POST
@member_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_or_404(request.viewer, pk)
    if not can_approve(request.viewer, member):
        raise PermissionDenied(_("Only the membership committee approves applicants."))
    try:
        services.member_approve(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is now an active member.") % {"name": member.full_name}
        )
    return redirect("members:profile", pk=member.pk)


@role_required(INVITERS)
def invite(request: HttpRequest) -> HttpResponse:
    chapter = request.viewer.chapter_or_404()
    form = InvitationForm(request.POST or None, chapter=chapter)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                chapter=chapter,
                invited_by=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(name)s <%(email)s>; the link works for 7 days.")
                % {"name": invitation.full_name, "email": invitation.email},
            )
            return redirect("members:invite")
    pending = chapter.invitations.open().select_related("classification")[:20]
    return render(
        request,
        "members/invite.html",
        {
            "form": form,
            "chapter": chapter,
            "pending": pending,
            "left": services.invitations_left(request.user),
        },
    )


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationUnusable as unusable:
        return render(
            request,
            "members/invitation_unusable.html",
            {"reason": unusable.reason},
            status=410 if unusable.reason != "unknown" else 404,
        )
    form = SetPasswordForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invitation_accept(
                token=token, password=form.cleaned_data["password1"]
            )
        except services.InvitationUnusable as unusable:
            return render(
                request, "members/invitation_unusable.html", {"reason": unusable.reason}, 410
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, member.user, backend=LOGIN_BACKEND)
            if member.status == Member.Status.APPLICANT:
                messages.info(
                    request,
                    _(
                        "Welcome, %(name)s. The membership committee of %(chapter)s "
                        "will review your application."
                    )
                    % {"name": member.user.first_name, "chapter": member.chapter},
                )
                return redirect("home")
            messages.success(
                request,
                _("Welcome to %(chapter)s, %(name)s!")
                % {"chapter": member.chapter, "name": member.user.first_name},
            )
            return redirect(reverse("members:directory"))
    return render(
        request, "members/accept_invitation.html", {"form": form, "invitation": invitation}
    )


# --- Data safety and audit --------------------------------------------------------------------


@require_GET
@member_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Download my data: everything stored about the viewer, as one JSON file."""
    request.viewer.chapter_or_404()  # staff without a seat have no data of their own
    member = request.viewer.member
    response = JsonResponse(member_data(member), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="slipstream-my-data-{member.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.Name.MEMBERSHIP_COMMITTEE)
def anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove a dropped member's personal data for good (history stays)."""
    member = get_member_or_404(request.viewer, pk)
    if request.method == "POST":
        try:
            services.member_anonymise(member=member, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Member #%(number)s is anonymised; their slips and marks remain.")
                % {"number": member.pk},
            )
        return redirect("members:profile", pk=member.pk)
    return render(request, "members/anonymise.html", {"member": member})


@require_GET
@leadership_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Who changed what after the fact: status, roles, submitted attendance, slip corrections."""
    chapter = chapter_for_request(request)
    raw = request.GET.get("page", "1")
    page = min(max(int(raw), 1), 1000) if raw.isdigit() else 1
    entries, has_older = audit.audit_page(
        chapter, page, tyfcb_details=reads_tyfcb_slips_of(request.viewer, chapter)
    )
    context = {"chapter": chapter, "entries": entries, "page": page, "has_older": has_older}
    return render(request, "members/audit.html", context)
