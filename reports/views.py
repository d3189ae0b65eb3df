"""Report pages. Every number comes from ``palms``, ``lights`` or ``health``; views only choose
the chapter and window (through ``members.access``) and render."""

import functools
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from members.access import chapter_for_request, leadership_required, member_required
from members.csvsafe import SafeWriter
from members.models import Chapter
from members.templatetags.money import money
from pages.kept import fragment

from .charts import bar_chart
from .health import WeekPoint, chapter_activity, referral_matrix
from .lights import chapter_light, region_standings, standings
from .palms import COLUMNS, palms_rows, palms_totals, write_palms_csv
from .windows import QUICK_PICKS, window_from_request

SORTABLE = {"name", "email", *COLUMNS}


def _sorted_rows(rows, sort: str, descending: bool):
    """``sort`` is one of ``SORTABLE``: by name or email (ignoring case) or by a column."""

    def key(row):
        return getattr(row, sort).lower() if sort in {"name", "email"} else row[sort]

    return sorted(rows, key=key, reverse=descending)


@require_GET
@leadership_required
def palms(request: HttpRequest) -> HttpResponse:
    """The table is kept per window and order until the chapter changes (pages.kept)."""
    chapter = chapter_for_request(request)
    form, window = window_from_request(request.GET, chapter)
    descending = request.GET.get("dir") == "desc"
    sort = request.GET.get("sort", "name")
    sort = sort if sort in SORTABLE else "name"
    picked = request.GET.get("chapter", "")  # staff choose the chapter; its links keep it

    def draw() -> str:
        rows = _sorted_rows(palms_rows(chapter, window.start, window.end), sort, descending)
        context = {
            "chapter": chapter,
            "window": window,
            "picked": picked,
            "rows": rows,
            "totals": palms_totals(rows),
            "columns": COLUMNS,
            "sort": sort,
            "descending": descending,
        }
        return render_to_string("reports/palms.html#table", context)

    parts = (window.start, window.end, window.query, sort, descending, picked)
    return render(
        request,
        "reports/palms.html",
        {
            "chapter": chapter,
            "form": form,
            "window": window,
            "picks": QUICK_PICKS,
            "table_html": fragment(chapter, "palms", parts, draw),
        },
    )


@require_GET
@leadership_required
def palms_csv(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    _, window = window_from_request(request.GET, chapter)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"palms-{chapter.slug}-{window.start}-{window.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_palms_csv(palms_rows(chapter, window.start, window.end), response)
    return response


@require_GET
@leadership_required
def lights(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    today = chapter.today()

    def draw() -> str:
        scored = standings(chapter, today)
        context = {"standings": scored, "light": chapter_light(chapter, scored)}
        return render_to_string("reports/lights.html#lights", context)

    return render(
        request,
        "reports/lights.html",
        {"chapter": chapter, "lights_html": fragment(chapter, "lights", (today,), draw)},
    )


@require_GET
@member_required
def my_light(request: HttpRequest) -> HttpResponse:
    """A member's own light, breakdown and what would lift it; nobody else's."""
    member = request.viewer.member
    if member is None:
        return render(request, "reports/my_light.html", {"standing": None})
    scored = [s for s in standings(member.chapter) if s.member_id == member.pk]
    return render(
        request,
        "reports/my_light.html",
        {"chapter": member.chapter, "standing": scored[0] if scored else None},
    )


@require_GET
@leadership_required
def chapter_page(request: HttpRequest) -> HttpResponse:
    chapter = chapter_for_request(request)
    form, window = window_from_request(request.GET, chapter)
    today = chapter.today()

    def draw() -> tuple[str, str]:
        totals, trend = chapter_activity(chapter, today)
        scored = standings(chapter, today)
        health = {
            "chapter": chapter,
            "light": chapter_light(chapter, scored),
            "totals": totals,
            "charts": _weekly_charts(chapter, trend),
            "trend": trend,
            "at_risk": _at_risk(chapter, today, {s.member_id: s.name for s in scored}),
        }
        matrix = referral_matrix(chapter, window.start, window.end)
        for row in matrix:
            row.cells_html = mark_safe("".join(_matrix_cell(*cell) for cell in row.cells))  # noqa: S308
        return (
            render_to_string("reports/chapter.html#health", health),
            render_to_string("reports/chapter.html#matrix", {"matrix": matrix}),
        )

    health_html, matrix_html = fragment(chapter, "chapter", (today, window.start, window.end), draw)
    return render(
        request,
        "reports/chapter.html",
        {
            "chapter": chapter,
            "form": form,
            "window": window,
            "picks": QUICK_PICKS,
            "health_html": health_html,
            "matrix_html": matrix_html,
        },
    )


@functools.lru_cache(maxsize=1024)
def _matrix_cell(heat: int, count: int) -> str:
    """One cell of the referral matrix, as its template partial draws it. A matrix is a few
    hundred cells of a few distinct (heat, count) pairs, so each process draws each pair
    once: through the template, one cell at a time, the cells were a third of drawing the
    chapter page, which the president opens while the meeting's slips arrive."""
    return render_to_string("reports/chapter.html#matrix_cell", {"heat": heat, "count": count})


def _weekly_charts(chapter: Chapter, trend: list[WeekPoint]) -> list:
    """The chapter page's two charts, 26 weeks each: referrals, and TYFCB in its currency."""

    def referrals(n) -> str:
        return ngettext("%(n)d referral", "%(n)d referrals", n) % {"n": n}

    return [
        bar_chart(
            [(p.week_ending, p.referrals) for p in trend],
            id="referrals-chart",
            title=gettext("Referrals a week"),
            unit=gettext("referrals"),
            value_text=referrals,
        ),
        bar_chart(
            [(p.week_ending, p.tyfcb) for p in trend],
            id="tyfcb-chart",
            title=gettext("TYFCB a week (%(currency)s)") % {"currency": chapter.currency},
            unit=chapter.currency,
            value_text=lambda amount: money(amount, chapter),
        ),
    ]


def _at_risk(chapter: Chapter, today, names: dict[int, str]) -> list[dict]:
    """Members who belong today and stand at warning or worse under the attendance policy."""
    from meetings.policy import policy_states

    return [
        {"name": names[member_id], "status": status}
        for member_id, status in sorted(
            policy_states(chapter, today).items(), key=lambda item: -item[1].absences
        )
        if status.at_risk and member_id in names
    ]


@require_GET
@leadership_required
def region(request: HttpRequest) -> HttpResponse:
    """Every chapter's light, members and totals for a window (staff: all; leaders: their own)."""
    from members.access import visible_chapters

    chapters = list(visible_chapters(request.viewer).order_by("name"))
    anchor = chapters[0] if chapters else None
    form, window = window_from_request(request.GET, anchor) if anchor else (None, None)
    summaries = _region_summaries(chapters, window) if window else []
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="region.csv"'
        writer = SafeWriter(response, lineterminator="\n")
        writer.writerow(["chapter", "members", "light", "score", *COLUMNS])
        for s in summaries:
            writer.writerow(
                [
                    s["chapter"].name,
                    s["members"],
                    s["colour"] or "",
                    s["score"] or "",
                    *[s["totals"][c] for c in COLUMNS],
                ]
            )
        return response
    return render(
        request,
        "reports/region.html",
        {
            "summaries": summaries,
            "form": form,
            "window": window,
            "picks": QUICK_PICKS,
            "columns": COLUMNS,
        },
    )


def _region_summaries(chapters, window):
    rows = palms_rows(chapters, window.start, window.end)
    by_chapter: dict[int, list] = {}
    for row in rows:
        by_chapter.setdefault(row.chapter_id, []).append(row)
    scored_by_chapter = region_standings(chapters)
    summaries = []
    for chapter in chapters:
        light = chapter_light(chapter, scored_by_chapter[chapter.pk])
        totals = palms_totals(by_chapter.get(chapter.pk, []))
        summaries.append(
            {
                "chapter": chapter,
                "members": light.active_members,
                "colour": light.colour,
                "score": light.score,
                "totals": totals,
                "tyfcb": totals.get("TYFCB", Decimal(0)),
            }
        )
    return summaries
