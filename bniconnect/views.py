"""The web import: choose files, read the preview, save aliases, confirm.

For the president, the vice-president and staff. The preview is a dry run of the very files
kept server-side; the confirm runs them again for real, so what was previewed is what is
stored (or, if the chapter changed meanwhile, the problems are shown again).
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.access import chapter_for_request, leadership_required
from reports.bni import compared, snapshot_for
from reports.models import BniSnapshot
from reports.palms import COLUMNS
from reports.windows import QUICK_PICKS, window_from_request

from . import services
from .forms import AliasForm, UploadForm
from .models import PendingImport


def _pending(request: HttpRequest, pk: UUID) -> PendingImport:
    """The viewer's own upload, still waiting: anyone else's, or an old one, is 404."""
    return get_object_or_404(
        PendingImport.objects.select_related("chapter"),
        pk=pk,
        uploaded_by=request.user,
        created_at__gte=timezone.now() - services.PENDING_FOR,
    )


@leadership_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pending = services.pending_create(
                chapter=chapter,
                by=request.viewer,
                files=form.cleaned_data["files"],
                day=form.cleaned_data["day"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            return redirect("bniconnect:preview", pk=pending.pk)
    return render(request, "bniconnect/upload.html", {"form": form, "chapter": chapter})


@leadership_required
@require_http_methods(["GET"])
def preview(request: HttpRequest, pk: UUID) -> HttpResponse:
    pending = _pending(request, pk)
    report = services.pending_run(pending, dry_run=True, by=request.viewer)
    aliases = [
        (name, close, AliasForm(initial={"bni_name": name}, chapter=pending.chapter))
        for name, close in sorted(report.unmatched.items())
    ]
    return render(
        request,
        "bniconnect/preview.html",
        {"pending": pending, "report": report, "aliases": aliases, "chapter": pending.chapter},
    )


@leadership_required
@require_POST
def confirm(request: HttpRequest, pk: UUID) -> HttpResponse:
    pending = _pending(request, pk)
    report = services.pending_run(pending, dry_run=False, by=request.viewer)
    if not report.ok:
        messages.error(request, gettext("Nothing was imported: the files have problems (below)."))
        return redirect("bniconnect:preview", pk=pending.pk)
    stored = sum(report.slips.values())
    messages.success(
        request,
        gettext(
            "Imported: %(slips)s slips, %(palms)s PALMS rows from BNI Connect, "
            "%(roster)s roster rows, %(visits)s visits."
        )
        % {
            "slips": stored,
            "palms": report.snapshot_rows,
            "roster": sum(report.roster.values()),
            "visits": report.visits,
        },
    )
    return redirect(reverse("bniconnect:upload") + _chapter_query(request, pending))


@leadership_required
@require_POST
def alias(request: HttpRequest, pk: UUID) -> HttpResponse:
    pending = _pending(request, pk)
    form = AliasForm(request.POST, chapter=pending.chapter)
    if form.is_valid():
        saved = services.alias_save(
            chapter=pending.chapter,
            bni_name=form.cleaned_data["bni_name"],
            member=form.member(),
        )
        text = gettext("Saved: %(alias)s. The next import of this chapter uses it too.")
        messages.success(request, text % {"alias": saved})
    else:
        messages.error(request, gettext("Pick a member, or “Someone outside the chapter”."))
    return redirect("bniconnect:preview", pk=pending.pk)


def _chapter_query(request: HttpRequest, pending: PendingImport) -> str:
    return f"?chapter={pending.chapter.slug}" if request.viewer.is_staff else ""


@leadership_required
@require_GET
def palms(request: HttpRequest) -> HttpResponse:
    """The chapter's BNI Connect snapshot for the window beside Slipstream's own PALMS, each
    cell where they differ marked ("PALMS versus slips"); ``?only=bni`` shows BNI's alone."""
    chapter = chapter_for_request(request)
    form, window = window_from_request(request.GET, chapter)
    snapshot = snapshot_for(chapter, window.start, window.end)
    rows = compared(snapshot) if snapshot else []
    return render(
        request,
        "bniconnect/palms.html",
        {
            "chapter": chapter,
            "form": form,
            "window": window,
            "picks": QUICK_PICKS,
            "snapshot": snapshot,
            "rows": rows,
            "differing": sum(row.differences for row in rows),
            "columns": COLUMNS,
            "only_bni": request.GET.get("only") == "bni",
            "snapshots": BniSnapshot.objects.filter(chapter=chapter)[:24],
        },
    )
