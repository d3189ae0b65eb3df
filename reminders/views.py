"""A member's reminder preferences, and the list of what was sent for leadership."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from members.access import chapter_for_request, leadership_required, member_required

from . import services
from .models import OPTIONAL_KINDS, Kind, ReminderLog


class PreferencesForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        choices=[(k.value, k.label) for k in OPTIONAL_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Email me about"),
    )


@require_http_methods(["GET", "POST"])
@member_required
def preferences(request: HttpRequest) -> HttpResponse:
    member = request.viewer.member
    if member is None:
        return render(request, "reminders/preferences.html", {"form": None})
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.set_preferences(member=member, enabled=form.cleaned_data["enabled"])
            messages.success(request, gettext("Your reminder choices are saved."))
            return redirect("reminders:preferences")
    else:
        off = set(member.reminder_opt_outs.values_list("kind", flat=True))
        form = PreferencesForm(initial={"enabled": [k for k in OPTIONAL_KINDS if k not in off]})
    return render(request, "reminders/preferences.html", {"form": form})


@require_http_methods(["GET"])
@leadership_required
def sent(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    logs = (
        ReminderLog.objects.filter(chapter=chapter, status=ReminderLog.Status.SENT)
        .select_related("recipient")
        .order_by("-sent_at")
    )
    kind = request.GET.get("kind")
    if kind in Kind.values:
        logs = logs.filter(kind=kind)
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reminders/sent.html",
        {"chapter": chapter, "page": page, "kinds": Kind.choices, "kind": kind},
    )
