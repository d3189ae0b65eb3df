"""The chapter's audit trail: who changed what after the fact, newest first, from every table
that records it. One query per source, each bounded by the page being read, merged in time
order. Other apps' models are looked up by name so ``members`` depends on nothing above it.
"""

import datetime as dt
from dataclasses import dataclass
from heapq import merge
from itertools import islice

from django.apps import apps

from .models import AuditEvent, Chapter, MemberStatusChange

PER_PAGE = 50


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    area: str
    summary: str
    by: str


def _who(user) -> str:
    return str(user) if user is not None else "system (import or task)"


def _status_changes(chapter: Chapter, limit: int):
    rows = (
        MemberStatusChange.objects.filter(member__chapter=chapter)
        .select_related("member__user", "changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    for c in rows:
        before = f"{c.get_from_status_display()} → " if c.from_status else ""
        note = f" ({c.note})" if c.note else ""
        summary = f"{c.member.full_name}: {before}{c.get_to_status_display()}{note}"
        yield Entry(c.changed_at, "Membership", summary, _who(c.changed_by))


def _attendance_changes(chapter: Chapter, limit: int):
    model = apps.get_model("meetings", "AttendanceChange")
    rows = (
        model.objects.filter(attendance__meeting__chapter=chapter)
        .select_related("attendance__member__user", "attendance__meeting", "changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    for c in rows:
        a = c.attendance
        summary = (
            f"{a.member.full_name} at {a.meeting.date:%d %b %Y}: {c.from_mark or '—'} → "
            f"{c.to_mark}{f' ({c.to_substitute})' if c.to_substitute else ''}"
        )
        yield Entry(c.changed_at, "Attendance", summary, _who(c.changed_by))


def _slip_corrections(chapter: Chapter, limit: int):
    model = apps.get_model("referrals", "SlipCorrection")
    rows = (
        model.objects.filter(chapter=chapter)
        .select_related("corrected_by")
        .order_by("-corrected_at", "-pk")[:limit]
    )
    for c in rows:
        week = f"{c.week_ending:%d %b %Y}"
        summary = f"{c.get_action_display()} {c.kind} of the week ending {week}: {c.summary}"
        yield Entry(c.corrected_at, "Slips", summary, _who(c.corrected_by))


def _audit_events(chapter: Chapter, limit: int):
    rows = AuditEvent.objects.filter(chapter=chapter).select_related("by").order_by("-at", "-pk")
    for e in rows[:limit]:
        area = "Anonymised" if e.action == AuditEvent.Action.ANONYMISED else "Roles"
        yield Entry(e.at, area, e.summary, _who(e.by))


SOURCES = (_status_changes, _attendance_changes, _slip_corrections, _audit_events)


def audit_page(chapter: Chapter, page: int) -> tuple[list[Entry], bool]:
    """Entries of page ``page`` (from 1), newest first, and whether an older page exists."""
    start = (page - 1) * PER_PAGE
    limit = start + PER_PAGE + 1
    streams = [list(source(chapter, limit)) for source in SOURCES]
    merged = list(islice(merge(*streams, key=lambda e: e.at, reverse=True), start, limit))
    return merged[:PER_PAGE], len(merged) > PER_PAGE
