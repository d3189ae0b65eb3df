"""The chapter's audit trail: who changed what after the fact, newest first, from every table
that records it. One query per source, each bounded by the page being read, merged in time
order. Other apps' models are looked up by name so ``members`` depends on nothing above it.

It also records, as ``AuditEvent`` rows, a staff permission over confidential data
(``access.STAFF_SLIP_PERMISSIONS``) granted or revoked, however it happens: to a user, by a
group they join or leave, or to a group they are in. The signals on those many-to-many
relations catch the admin, the shell and a data migration alike; the admin says who acts
(``acting``).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from heapq import merge
from itertools import islice

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .access import STAFF_SLIP_PERMISSIONS
from .models import AuditEvent, Chapter, Member, MemberStatusChange, User

PER_PAGE = 50


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    area: str
    summary: str
    by: str


def _who(user) -> str:
    return str(user) if user is not None else gettext("system (import or task)")


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
        yield Entry(c.changed_at, gettext("Membership"), summary, _who(c.changed_by))


def _attendance_changes(chapter: Chapter, limit: int):
    model = apps.get_model("meetings", "AttendanceChange")
    rows = (
        model.objects.filter(attendance__meeting__chapter=chapter)
        .select_related("attendance__member__user", "attendance__meeting", "changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    for c in rows:
        a = c.attendance
        summary = gettext("%(member)s at %(date)s: %(before)s → %(after)s") % {
            "member": a.member.full_name,
            "date": f"{a.meeting.date:%d %b %Y}",
            "before": c.from_mark or "—",
            "after": c.to_mark,
        }
        summary += f" ({c.to_substitute})" if c.to_substitute else ""
        yield Entry(c.changed_at, gettext("Attendance"), summary, _who(c.changed_by))


#: What a thank-you's correction shows to a reader who may not open the slip (its amounts are
#: income: ``access.reads_tyfcb_slips_of``).
TYFCB_WITHHELD = _("details shown to the chapter's president and vice-president")


def _slip_corrections(chapter: Chapter, limit: int, *, tyfcb_details: bool = True):
    model = apps.get_model("referrals", "SlipCorrection")
    rows = (
        model.objects.filter(chapter=chapter)
        .select_related("corrected_by")
        .order_by("-corrected_at", "-pk")[:limit]
    )
    for c in rows:
        week = f"{c.week_ending:%d %b %Y}"
        details = c.summary if tyfcb_details or c.kind != "tyfcb" else TYFCB_WITHHELD
        summary = gettext("%(action)s %(kind)s of the week ending %(week)s: %(details)s") % {
            "action": c.get_action_display(),
            "kind": c.kind,
            "week": week,
            "details": details,
        }
        yield Entry(c.corrected_at, gettext("Slips"), summary, _who(c.corrected_by))


AREAS = {
    AuditEvent.Action.ANONYMISED: _("Anonymised"),
    AuditEvent.Action.GRANTED: _("Permissions"),
    AuditEvent.Action.REVOKED: _("Permissions"),
}


def _audit_events(chapter: Chapter, limit: int):
    """The chapter's own events, and those that reach every chapter (a staff permission)."""
    rows = (
        AuditEvent.objects.filter(Q(chapter=chapter) | Q(chapter__isnull=True))
        .select_related("by")
        .order_by("-at", "-pk")
    )
    for e in rows[:limit]:
        yield Entry(e.at, str(AREAS.get(e.action, _("Roles"))), e.summary, _who(e.by))


SOURCES = (_status_changes, _attendance_changes, _slip_corrections, _audit_events)


def audit_page(
    chapter: Chapter, page: int, *, tyfcb_details: bool = True
) -> tuple[list[Entry], bool]:
    """Entries of page ``page`` (from 1), newest first, and whether an older page exists.
    Without ``tyfcb_details`` a thank-you's corrections say what happened, not the amounts."""
    start = (page - 1) * PER_PAGE
    limit = start + PER_PAGE + 1
    streams = [
        list(
            _slip_corrections(chapter, limit, tyfcb_details=tyfcb_details)
            if source is _slip_corrections
            else source(chapter, limit)
        )
        for source in SOURCES
    ]
    merged = list(islice(merge(*streams, key=lambda e: e.at, reverse=True), start, limit))
    return merged[:PER_PAGE], len(merged) > PER_PAGE


# --- Staff permissions over confidential data ---------------------------------------------------

#: Who is changing permissions now: set by the admin around its save (``acting``); ``None``
#: (shown as "system") in the shell, a migration or a command.
_acting: ContextVar = ContextVar("audit_acting", default=None)


@contextmanager
def acting(user) -> Iterator[None]:
    """Record ``user`` as the one who grants or revokes, for the changes made inside."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def _watched() -> list[Permission]:
    """The permissions whose granting is recorded: staff reading confidential slips."""
    condition = Q(pk__in=[])
    for label in STAFF_SLIP_PERMISSIONS.values():
        app_label, codename = label.split(".", 1)
        condition |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(condition).select_related("content_type"))


def _label(permission: Permission) -> str:
    return f"“{permission.name}” ({permission.content_type.app_label}.{permission.codename})"


def _record(users: Iterable[User], permission: Permission, *, granted: bool, how: str) -> None:
    seats = {m.user_id: m for m in Member.objects.filter(user__in=list(users))}
    action = AuditEvent.Action.GRANTED if granted else AuditEvent.Action.REVOKED
    verb = "given" if granted else "no longer given"
    by = _acting.get()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            chapter=None,
            member=seats.get(user.pk),
            action=action,
            summary=f"{user.email} {verb} {_label(permission)}{how}"[:300],
            by=by if getattr(by, "pk", None) else None,
        )
        for user in users
    )


def _granted_directly(user: User, permission: Permission) -> bool:
    return user.user_permissions.filter(pk=permission.pk).exists()


def _granted_by_group(user: User, permission: Permission, *, besides: Iterable[int] = ()) -> bool:
    return user.groups.filter(permissions=permission).exclude(pk__in=list(besides)).exists()


def _user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A permission given to or taken from users directly (``user.user_permissions``)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    watched = {p.pk: p for p in _watched()}
    if reverse:  # permission.user_set.add(users)
        if instance.pk not in watched:
            return
        pairs = [(u, watched[instance.pk]) for u in _users(action, pk_set, instance.user_set)]
    else:
        ids = _ids(action, pk_set, instance.user_permissions)
        pairs = [(instance, watched[pk]) for pk in ids if pk in watched]
    granted = action == "post_add"
    for user, permission in pairs:
        # Held through a group as well: what the user may read does not change.
        if _granted_by_group(user, permission):
            continue
        _record([user], permission, granted=granted, how="")


def _groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Users joining or leaving a group that holds a watched permission."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    watched = _watched()
    if not watched:
        return
    granted = action == "post_add"
    if reverse:  # group.user_set.add(users)
        pairs = [(u, instance) for u in _users(action, pk_set, instance.user_set)]
        changing = {instance.pk}
    else:
        changing = _ids(action, pk_set, instance.groups)
        pairs = [(instance, g) for g in Group.objects.filter(pk__in=changing)]
    for user, group in pairs:
        for permission in watched:
            if not group.permissions.filter(pk=permission.pk).exists():
                continue
            # Held another way as well (directly, or through a group this change leaves
            # alone): what the user may read does not change.
            if _granted_directly(user, permission) or _granted_by_group(
                user, permission, besides=changing
            ):
                continue
            how = f" by {'joining' if granted else 'leaving'} the group {group.name}"
            _record([user], permission, granted=granted, how=how)


def _group_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A watched permission given to or taken from a group: each of its users."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    watched = {p.pk: p for p in _watched()}
    if reverse:  # permission.group_set.add(groups)
        if instance.pk not in watched:
            return
        groups = Group.objects.filter(pk__in=_ids(action, pk_set, instance.group_set))
        pairs = [(g, watched[instance.pk]) for g in groups]
    else:
        ids = _ids(action, pk_set, instance.permissions)
        pairs = [(instance, watched[pk]) for pk in ids if pk in watched]
    granted = action == "post_add"
    for group, permission in pairs:
        users = [
            user
            for user in group.user_set.all()
            if not _granted_directly(user, permission)
            and not _granted_by_group(user, permission, besides=[group.pk])
        ]
        how = f" through the group {group.name}"
        _record(users, permission, granted=granted, how=how)


def _ids(action: str, pk_set, related) -> set[int]:
    """The ids a change touches: as sent, or (a clear sends none) those related before."""
    if action == "pre_clear":
        return set(related.values_list("pk", flat=True))
    return set(pk_set or ())


def _users(action: str, pk_set, related) -> list[User]:
    return list(User.objects.filter(pk__in=_ids(action, pk_set, related)))


def connect_signals() -> None:
    """Called once the apps are ready (``MembersConfig.ready``)."""
    m2m_changed.connect(
        _user_permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid="audit_user_permissions",
    )
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="audit_groups")
    m2m_changed.connect(
        _group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit_group_permissions",
    )
