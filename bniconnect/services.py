"""Moving a chapter in from BNI Connect: its files read, names matched, stored all or nothing.

``import_bni`` runs every file inside one transaction and reports what it stored (or, with
``dry_run``, what it would store) and every problem as ``FILE:ROW: message``. A run with any
problem, or a dry run, is rolled back whole, so the preview a person confirms is exactly what
the real run stores. Names are matched to the chapter's members by ``first last`` (whitespace
collapsed, case ignored), then by the chapter's aliases and an ``--aliases`` file; a name is
never matched by guessing: one that matches nobody is a problem that says which names were
close (DOMAIN.md "BNI Connect's exports").
"""

import csv
import datetime as dt
import difflib
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from meetings.models import Meeting, Visit, Visitor
from meetings.services import meeting_start
from members.importers import RosterFile
from members.importing import FileReport, ImportContext, Limits
from members.models import Chapter, Member, Role
from members.text import clean_text
from referrals.models import SLIP_KINDS, Ceu, OneToOne, Referral, Slip, Tyfcb
from reports.models import BniSnapshot, BniSnapshotRow
from reports.palms import COLUMNS

from .models import Alias, PendingFile, PendingImport, name_key
from .reader import (
    MAX_BYTES,
    AuditLine,
    BniReadError,
    Name,
    PalmsSummary,
    Roster,
    SlipsAudit,
    read_bni,
    read_bni_path,
)

#: BNI Connect's name for the organisation (its directors, substitutes).
BNI = "BNI"
#: What a referral imported from an audit is about: the audit holds no contact.
AUDIT_CONTACT = "BNI Connect slip"
#: An audit says nothing of how a referral went: it stays ``new``, and imported referrals wait
#: in nobody's inbox and start no reminder (their loop was closed, or not, in BNI Connect).
IMPORTED_STATUS = Referral.Status.NEW


@dataclass(frozen=True)
class Upload:
    """A file's bytes as uploaded (the web import), beside paths (the command)."""

    name: str
    data: bytes


@dataclass
class Party:
    """Who a name in a file is: a member, or someone outside Slipstream (a name)."""

    member: Member | None = None
    name: str = ""
    chapter_name: str = ""

    @property
    def is_member(self) -> bool:
        return self.member is not None


@dataclass
class FileOutcome:
    """What one file is and what it becomes."""

    name: str
    kind: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class Report:
    """What a run stored (or would store), and every problem found on the way."""

    chapter: Chapter
    dry_run: bool
    files: list[FileOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Each name matched to a member: the name as written → the member.
    matched: dict[str, Member] = field(default_factory=dict)
    #: Names that matched nobody (not bold: they must be members) → the closest member names.
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    #: Names written in bold (or aliased ``outside``): kept as names on their slips.
    outside: set[str] = field(default_factory=set)
    slips: Counter = field(default_factory=Counter)
    snapshot_rows: int = 0
    roster: Counter = field(default_factory=Counter)
    visits: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class Names:
    """The chapter's members by name, then its aliases: who a name in the files is."""

    def __init__(self, chapter: Chapter, extra_aliases: dict[str, Member | None] | None = None):
        self.chapter = chapter
        self.refresh()
        self.aliases: dict[str, Member | None] = {
            alias.key: alias.member
            for alias in Alias.objects.filter(chapter=chapter).select_related("member__user")
        }
        self.aliases.update(extra_aliases or {})

    def refresh(self) -> None:
        """Read the members again (after a roster in the same run added some)."""
        self.by_key: dict[str, list[Member]] = defaultdict(list)
        members = Member.objects.filter(chapter=self.chapter).exclude(
            status=Member.Status.APPLICANT
        )
        for member in members.select_related("user", "chapter"):
            self.by_key[name_key(member.full_name)].append(member)

    def resolve(self, name: Name, *, where: str, report: Report, detail: str = "") -> Party | None:
        """The member or outside party ``name`` stands for, or ``None`` with a problem."""
        key = name_key(name.text)
        if key == BNI.casefold():
            return Party(name=BNI)
        if key in self.aliases:
            member = self.aliases[key]
            if member is None:
                report.outside.add(name.text)
                return Party(name=name.text, chapter_name=detail if name.bold else "")
            report.matched[name.text] = member
            return Party(member=member)
        if name.bold:
            report.outside.add(name.text)
            return Party(name=name.text, chapter_name=detail)
        found = self.by_key.get(key, [])
        if len(found) == 1:
            report.matched[name.text] = found[0]
            return Party(member=found[0])
        if found:
            said = ngettext(
                "%(count)d member of %(chapter)s is named %(name)s; add an alias saying which one",
                "%(count)d members of %(chapter)s are named %(name)s; "
                "add an alias saying which one",
                len(found),
            ) % {"count": len(found), "chapter": self.chapter.slug, "name": repr(name.text)}
            report.problems.append(f"{where}: {said}")
            return None
        close = difflib.get_close_matches(key, list(self.by_key), n=3, cutoff=0.75)
        names = [self.by_key[k][0].full_name for k in close]
        report.unmatched.setdefault(name.text, names)
        if names:
            said = gettext(
                "%(name)s is no member of %(chapter)s (close: %(close)s; add an alias if one of "
                "them is meant); add them to the roster, or an alias"
            )
        else:
            said = gettext(
                "%(name)s is no member of %(chapter)s; add them to the roster, or an alias"
            )
        values = {"name": repr(name.text), "chapter": self.chapter.slug, "close": ", ".join(names)}
        report.problems.append(f"{where}: {said % values}")
        return None


def read_aliases(path, chapter: Chapter) -> tuple[dict[str, Member | None], list[str]]:
    """An aliases CSV (``bni_name,member_email``, or ``outside`` for the email): the names it
    maps, and its problems. An email may name a member of any chapter of this Slipstream."""
    problems, aliases = [], {}
    name = getattr(path, "name", str(path))
    try:
        text = open(path, encoding="utf-8-sig").read()  # noqa: SIM115 - read whole, closed
    except (OSError, UnicodeDecodeError) as exc:
        said = gettext("cannot be read as UTF-8 text (%(error)s)") % {
            "error": exc.__class__.__name__
        }
        return {}, [f"{name}: {said}"]
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip().lower() for c in (rows[0] if rows else [])]
    if header[:2] != ["bni_name", "member_email"]:
        return {}, [f"{name}:1: " + gettext("the header must be bni_name,member_email")]
    emails = {
        m.user.email.lower(): m
        for m in Member.objects.filter(
            user__email__in=[r[1].strip() for r in rows[1:] if len(r) > 1]
        ).select_related("user")
    }
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip():
            problems.append(f"{name}:{line}: " + gettext("give a name and an email (or outside)"))
            continue
        bni_name, email = row[0], row[1].strip()
        if email.lower() == "outside":
            aliases[name_key(bni_name)] = None
        elif email.lower() in emails:
            aliases[name_key(bni_name)] = emails[email.lower()]
        else:
            said = gettext("%(email)s is no member of this Slipstream") % {"email": repr(email)}
            problems.append(f"{name}:{line}: {said}")
    return aliases, problems


def import_bni(
    chapter: Chapter,
    paths: Iterable,
    *,
    date: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    aliases: dict[str, Member | None] | None = None,
    dry_run: bool = False,
    by=None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    """Read and store BNI Connect files for ``chapter``, all or nothing (see the module)."""
    report = Report(chapter=chapter, dry_run=dry_run)
    read = []
    for path in paths:
        try:
            if isinstance(path, Upload):
                read.append(read_bni(path.data, path.name))
            else:
                read.append(read_bni_path(path))
        except BniReadError as failed:
            report.problems.extend(str(p) for p in failed.problems)
    if report.problems:
        return report
    # The roster first: the other files name its members.
    read.sort(key=lambda parsed: 0 if isinstance(parsed, Roster) else 1)
    with transaction.atomic():
        names = Names(chapter, aliases)
        for parsed in read:
            if isinstance(parsed, Roster):
                _store_roster(parsed, chapter, report)
                names.refresh()
            elif isinstance(parsed, PalmsSummary):
                _store_snapshot(parsed, chapter, names, report, start=start, end=end, by=by)
            elif isinstance(parsed, SlipsAudit):
                _store_audit(parsed, chapter, names, report, date=date, by=by, progress=progress)
        if report.problems or dry_run:
            transaction.set_rollback(True)
    return report


# --- A roster ------------------------------------------------------------------------------

#: BNI Connect's member statuses, as Slipstream's.
ROSTER_STATUS = {
    "active": Member.Status.ACTIVE,
    "on leave": Member.Status.ON_LEAVE,
    "leave of absence": Member.Status.ON_LEAVE,
    "dropped": Member.Status.DROPPED,
    "inactive": Member.Status.DROPPED,
    "applicant": Member.Status.APPLICANT,
    "pending": Member.Status.APPLICANT,
}


def _store_roster(roster: Roster, chapter: Chapter, report: Report) -> None:
    """A roster becomes members as ``roster.csv`` would (DOMAIN.md), row for row."""
    outcome = FileOutcome(roster.file, gettext("Chapter roster"))
    rows = []
    holders = _trade_holders(chapter)
    for line in sorted(roster.lines, key=lambda line: (line.joined_on or dt.date.max, line.row)):
        status = ROSTER_STATUS.get(" ".join(line.status.split()).casefold(), line.status)
        # Normalised as the roster import stores it, so a look-alike is found as the same trade.
        trade = clean_text(line.speciality or line.category)
        holder = holders.get(trade.casefold())
        if status in Member.SEATED:
            if holder is not None and holder != line.email.casefold():
                # BNI Connect lets two members share a speciality; Slipstream keeps one per
                # trade, so the later joiner's is told apart and the committee told to settle it.
                shared = trade
                trade = f"{trade} ({line.company or line.first_name + ' ' + line.last_name})"
                said = gettext(
                    "%(name)s shares the trade %(shared)s with an earlier member: imported as "
                    "%(trade)s for the membership committee to settle"
                ) % {
                    "name": f"{line.first_name} {line.last_name}",
                    "shared": repr(shared),
                    "trade": repr(trade),
                }
                report.notes.append(f"{roster.file}:{line.row}: {said}")
            holders.setdefault(trade.casefold(), line.email.casefold())
        rows.append(
            (
                line.row,
                {
                    "email": line.email,
                    "first_name": line.first_name,
                    "last_name": line.last_name,
                    "company": line.company,
                    "classification": trade[:120],
                    "phone": line.phone or line.cell,
                    "joined_on": line.joined_on.isoformat() if line.joined_on else "",
                    "left_on": "",
                    "renewal_due": line.renewal_due.isoformat() if line.renewal_due else "",
                    "status": status,
                    "roles": ";".join(_current_roles(chapter, line.email)),
                },
            )
        )
    rows.sort()
    file_report = FileReport(roster.file)
    RosterFile().import_rows(ImportContext(chapter=chapter), rows, file_report)
    report.problems.extend(file_report.problems)
    report.roster.update(file_report.outcomes)
    outcome.lines.append(
        ngettext("%(count)d member: %(outcomes)s", "%(count)d members: %(outcomes)s", len(rows))
        % {
            "count": len(rows),
            "outcomes": ", ".join(
                f"{n} {what}" for what, n in sorted(file_report.outcomes.items())
            ),
        }
    )
    report.files.append(outcome)


def _trade_holders(chapter: Chapter) -> dict[str, str]:
    """Each trade an active or on-leave member of the chapter holds → their email."""
    return {
        name.casefold(): email.casefold()
        for name, email in Member.objects.filter(
            chapter=chapter, status__in=list(Member.SEATED)
        ).values_list("classification__name", "user__email")
    }


def _current_roles(chapter: Chapter, email: str) -> list[str]:
    """A BNI roster holds no roles: the ones a member holds here stay."""
    return list(
        Role.objects.current()
        .filter(member__chapter=chapter, member__user__email__iexact=email)
        .values_list("name", flat=True)
    )


# --- A PALMS Summary -------------------------------------------------------------------------


def _store_snapshot(
    summary: PalmsSummary,
    chapter: Chapter,
    names: Names,
    report: Report,
    *,
    start: dt.date | None,
    end: dt.date | None,
    by,
) -> None:
    """The summary becomes the chapter's BNI snapshot for its window, replacing any before."""
    outcome = FileOutcome(summary.file, gettext("PALMS Summary"))
    start, end = start or summary.start, end or summary.end
    if start is None or end is None:
        report.problems.append(
            f"{summary.file}: "
            + gettext("the summary holds no dates: give the window (--from and --to)")
        )
        return
    if end < start:
        said = gettext("the window ends (%(end)s) before it starts") % {"end": end}
        report.problems.append(f"{summary.file}: {said}")
        return
    rows: dict[int, BniSnapshotRow] = {}
    for line in summary.members:
        text = " ".join(f"{line.first_name} {line.last_name}".split())
        where = f"{summary.file}:{line.row}"
        party = names.resolve(Name(text, False), where=where, report=report)
        if party is None:
            continue
        if not party.is_member:
            said = gettext("%(name)s is outside the chapter: no PALMS row") % {"name": text}
            report.notes.append(f"{where}: {said}")
            continue
        if party.member.pk in rows:
            said = gettext("%(name)s has a second line in the summary") % {"name": text}
            report.problems.append(f"{where}: {said}")
            continue
        values = {BniSnapshotRow.FIELDS[c]: line.values[c] for c in COLUMNS}
        refused = SNAPSHOT_LIMITS.problem(values)
        if refused:
            report.problems.append(f"{where}: {refused}")
            continue
        rows[party.member.pk] = BniSnapshotRow(member=party.member, bni_name=text[:240], **values)
    if report.problems:
        outcome.lines.append(
            ngettext(
                "%(count)d member row for %(start)s – %(end)s: nothing until the problems are "
                "solved",
                "%(count)d member rows for %(start)s – %(end)s: nothing until the problems are "
                "solved",
                len(summary.members),
            )
            % {"count": len(summary.members), "start": start, "end": end}
        )
        report.files.append(outcome)
        return
    BniSnapshot.objects.filter(chapter=chapter, start=start, end=end).delete()
    snapshot = BniSnapshot.objects.create(
        chapter=chapter,
        start=start,
        end=end,
        file_name=summary.file[:255],
        imported_by=getattr(by, "user", by),
    )
    for row in rows.values():
        row.snapshot = snapshot
    BniSnapshotRow.objects.bulk_create(rows.values())
    report.snapshot_rows += len(rows)
    line = ngettext(
        "the BNI snapshot for %(start)s – %(end)s: %(count)d member row",
        "the BNI snapshot for %(start)s – %(end)s: %(count)d member rows",
        len(rows),
    ) % {"start": start, "end": end, "count": len(rows)}
    if summary.pseudo:
        line += " " + gettext("(pseudo-rows left out: %(rows)s)") % {
            "rows": ", ".join(summary.pseudo)
        }
    outcome.lines.append(line)
    report.files.append(outcome)


# --- A Slips Audit ---------------------------------------------------------------------------


def _store_audit(
    audit: SlipsAudit,
    chapter: Chapter,
    names: Names,
    report: Report,
    *,
    date: dt.date | None,
    by,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    """Each row one slip dated the audit's day; the slips an earlier import of that day stored
    are replaced, so importing the same audit twice changes nothing."""
    outcome = FileOutcome(audit.file, gettext("Slips Audit"))
    day = date or audit.date
    if day is None:
        report.problems.append(
            f"{audit.file}: "
            + gettext("the audit holds no date: give the day its slips belong to (--date)")
        )
        return
    problems_before = len(report.problems)
    slips: list[Slip] = []
    visits: list[tuple[int, Member, str]] = []
    total = len(audit.lines)
    for done, line in enumerate(audit.lines, start=1):
        where = f"{audit.file}:{line.row}"
        made = _slip(line, chapter, names, report, day=day, where=where)
        if isinstance(made, tuple):
            visits.append(made)
        elif made is not None:
            refused = Limits(type(made), AUDIT_COLUMNS).instance_problem(made)
            if refused:
                report.problems.append(f"{where}: {refused}")
                continue
            slips.append(made)
        if progress is not None and (done % 500 == 0 or done == total):
            progress(audit.file, done, total)
    for slip in slips:
        for name in slip.parties:
            member = getattr(slip, name)
            if member is not None and not member.belongs_on(day):
                said = gettext("%(name)s was not a member of %(chapter)s on %(day)s") % {
                    "name": member,
                    "chapter": member.chapter.slug,
                    "day": day,
                }
                report.problems.append(f"{audit.file}: {said}")
    if len(report.problems) > problems_before:
        outcome.lines.append(
            ngettext(
                "%(count)d row for %(day)s: nothing until the problems are solved",
                "%(count)d rows for %(day)s: nothing until the problems are solved",
                total,
            )
            % {"count": total, "day": day}
        )
        report.files.append(outcome)
        return
    user = getattr(by, "user", by)
    for model in SLIP_KINDS.values():
        model.objects.filter(chapter=chapter, date=day, source=Slip.Source.BNI_CONNECT).delete()
    by_kind: dict[type[Slip], list[Slip]] = defaultdict(list)
    for slip in slips:
        slip.created_by = user
        by_kind[type(slip)].append(slip)
    for model, rows in by_kind.items():
        model.objects.bulk_create(rows)
        report.slips[model.kind_slug] += len(rows)
    report.visits += _store_visits(chapter, day, visits)
    kinds = Counter(type(slip).kind_slug for slip in slips)
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    outcome.lines.append(
        ngettext(
            "%(count)d slip dated %(day)s: %(kinds)s",
            "%(count)d slips dated %(day)s: %(kinds)s",
            len(slips),
        )
        % {"count": len(slips), "day": day, "kinds": counts or gettext("none")}
    )
    if visits:
        outcome.lines.append(
            ngettext(
                "%(count)d visit at the meeting of %(day)s",
                "%(count)d visits at the meeting of %(day)s",
                len(visits),
            )
            % {"count": len(visits), "day": day}
        )
    report.files.append(outcome)


#: The audit's columns for the slip fields its numbers fill (its texts are cut to fit):
#: ``Limits`` names them in a problem.
AUDIT_COLUMNS = {"amount": "TYFCB Amount", "credits": "CEU Credits"}
#: A PALMS Summary's numbers, named by their columns.
SNAPSHOT_LIMITS = Limits(
    BniSnapshotRow, {field: column for column, field in BniSnapshotRow.FIELDS.items()}
)


def _slip(
    line: AuditLine, chapter: Chapter, names: Names, report: Report, *, day, where: str
) -> Slip | tuple | None:
    """The slip one audit row stands for (a visit as ``(row, inviter, visitor name)``)."""
    common = {"chapter": chapter, "date": day, "source": Slip.Source.BNI_CONNECT}

    def problem(said: str, **values) -> None:
        report.problems.append(f"{where}: {said % values}")

    def note(said: str, **values) -> None:
        report.notes.append(f"{where}: {said % values}")

    def party(name: Name | None, column: str) -> Party | None:
        if name is None or not name.text:
            problem(gettext("%(column)s is empty"), column=column)
            return None
        return names.resolve(name, where=where, report=report, detail=line.detail)

    if line.slip_type == "ceu":
        member = party(line.giver, "From")
        if member is None:
            return None
        if not member.is_member:
            note(gettext("a CEU of %(name)s, outside the chapter: left out"), name=member.name)
            return None
        if not line.credits:
            problem(gettext("a CEU row needs its credits (a whole number ≥ 1)"))
            return None
        topic = line.detail[:200] or "BNI Connect CEU"
        return Ceu(**common, member=member.member, credits=line.credits, topic=topic)
    if line.slip_type == "visitor":
        inviter = party(line.giver, "From")
        if line.receiver is None or not line.receiver.text:
            problem(gettext("%(column)s (the visitor) is empty"), column="To")
            return None
        if inviter is None:
            return None
        if not inviter.is_member:
            note(gettext("a visitor invited from outside the chapter: left out"))
            return None
        return (line.row, inviter.member, line.receiver.text[:120])
    if line.slip_type == "tyfcb":
        thanked = party(line.receiver, "To")
        writer = None
        if line.giver is not None and line.giver.text:
            writer = names.resolve(line.giver, where=where, report=report, detail=line.detail)
            if writer is None:
                return None
        if thanked is None:
            return None
        if line.amount is None or line.amount <= 0:
            note(gettext("a TYFCB of %(amount)s adds nothing: left out"), amount=line.amount or 0)
            return None
        if not thanked.is_member and (writer is None or not writer.is_member):
            note(
                gettext(
                    "a TYFCB to %(name)s from an unknown writer counts for no member of the "
                    "chapter: left out"
                ),
                name=thanked.name,
            )
            return None
        outside = thanked if not thanked.is_member else writer
        return Tyfcb(
            **common,
            writer=writer.member if writer else None,
            thanked=thanked.member,
            other_name=(outside.name if outside and not outside.is_member else "")[:120],
            other_chapter_name=(outside.chapter_name if outside and not outside.is_member else "")[
                :200
            ],
            amount=Decimal(line.amount).quantize(Decimal("0.01")),
        )
    giver, receiver = party(line.giver, "From"), party(line.receiver, "To")
    if giver is None or receiver is None:
        return None
    if not giver.is_member and not receiver.is_member:
        problem(
            gettext("neither %(giver)s nor %(receiver)s is a member"),
            giver=giver.name,
            receiver=receiver.name,
        )
        return None
    outside = receiver if not receiver.is_member else giver if not giver.is_member else None
    other = {
        "other_name": outside.name[:120] if outside else "",
        "other_chapter_name": outside.chapter_name[:200] if outside else "",
    }
    if giver.is_member and receiver.is_member and giver.member.pk == receiver.member.pk:
        problem(
            gettext("%(giver_column)s and %(receiver_column)s are the same member"),
            giver_column="From",
            receiver_column="To",
        )
        return None
    if line.slip_type == "referral":
        if line.inside is None:
            problem(
                gettext("a referral needs %(inside)s or %(outside)s"),
                inside="Inside",
                outside="Outside",
            )
            return None
        return Referral(
            **common,
            **other,
            giver=giver.member,
            receiver=receiver.member,
            kind=Referral.Kind.INSIDE if line.inside else Referral.Kind.OUTSIDE,
            contact_name=AUDIT_CONTACT,
            status=IMPORTED_STATUS,
        )
    if line.slip_type == "one_to_one":
        members = sorted((p.member for p in (giver, receiver) if p.is_member), key=lambda m: m.pk)
        return OneToOne(
            **common,
            **other,
            member_a=members[0],
            member_b=members[1] if len(members) > 1 else None,
            status=OneToOne.Status.DONE,
        )
    problem(gettext("slip type %(type)s cannot be imported"), type=repr(line.slip_type))
    return None


def _store_visits(chapter: Chapter, day: dt.date, visits: list[tuple[int, Member, str]]) -> int:
    """Each Visitor row a visit at that day's meeting (created if missing), once per name."""
    if not visits:
        return 0
    meeting, _ = Meeting.objects.get_or_create(
        chapter=chapter, date=day, defaults={"starts_at": meeting_start(chapter, day)}
    )
    stored = 0
    for _, inviter, name in visits:
        visitor = Visitor.objects.filter(chapter=chapter, name__iexact=name).order_by(
            "pk"
        ).first() or Visitor.objects.create(
            chapter=chapter, name=name, status=Visitor.Status.ATTENDED
        )
        _, created = Visit.objects.get_or_create(
            visitor=visitor, meeting=meeting, defaults={"invited_by": inviter, "attended": True}
        )
        stored += created
    return stored


# --- The web import: files kept between the preview and the confirm --------------------------

#: How long an upload waits for its confirm.
PENDING_FOR = dt.timedelta(hours=1)
#: At most this many files in one upload, and uploads per person per hour.
MAX_FILES = 10
UPLOADS_PER_HOUR = 20


class UploadRefused(ValidationError):
    pass


def pending_create(
    *, chapter: Chapter, by, files: list, day=None, start=None, end=None
) -> PendingImport:
    """Keep uploaded files for their preview and confirm. Each file's size is checked before
    it is read; an hour's uploads per person are limited like the other uploads."""
    if not files:
        raise UploadRefused(gettext("Choose at least one file exported from BNI Connect."))
    if len(files) > MAX_FILES:
        raise UploadRefused(
            ngettext(
                "Upload at most %(count)d file at a time.",
                "Upload at most %(count)d files at a time.",
                MAX_FILES,
            )
            % {"count": MAX_FILES}
        )
    for upload in files:
        if upload.size > MAX_BYTES:
            raise UploadRefused(
                gettext(
                    "%(name)s is %(size)s MB; BNI Connect's exports are far smaller (the limit "
                    "is %(limit)s MB)."
                )
                % {
                    "name": upload.name,
                    "size": f"{upload.size / 1024 / 1024:.0f}",
                    "limit": MAX_BYTES // 1024 // 1024,
                }
            )
    user = getattr(by, "user", by)
    _count_upload(user)
    PendingImport.objects.filter(created_at__lt=timezone.now() - PENDING_FOR).delete()
    pending = PendingImport.objects.create(
        chapter=chapter, uploaded_by=user, day=day, start=start, end=end
    )
    PendingFile.objects.bulk_create(
        PendingFile(pending=pending, name=Path(upload.name).name[:255], data=upload.read())
        for upload in files
    )
    return pending


def _count_upload(user) -> None:
    key = f"bniconnect:uploads:{user.pk}:{int(timezone.now().timestamp() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        done = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        done = 1
    if done > UPLOADS_PER_HOUR:
        raise UploadRefused(
            ngettext(
                "You have uploaded %(count)d time this hour; please wait a while.",
                "You have uploaded %(count)d times this hour; please wait a while.",
                UPLOADS_PER_HOUR,
            )
            % {"count": UPLOADS_PER_HOUR}
        )


def pending_run(pending: PendingImport, *, dry_run: bool, by=None) -> Report:
    """Run the import on the kept files: a preview (``dry_run``) or for real, after which
    the files are forgotten."""
    uploads = [Upload(f.name, bytes(f.data)) for f in pending.files.all()]
    report = import_bni(
        pending.chapter,
        uploads,
        date=pending.day,
        start=pending.start,
        end=pending.end,
        dry_run=dry_run,
        by=by,
    )
    if report.ok and not dry_run:
        pending.delete()
    return report


def alias_save(*, chapter: Chapter, bni_name: str, member: Member | None) -> Alias:
    """Remember who a name stands for in this chapter's files (``None``: outside)."""
    key = name_key(bni_name)
    if not key:
        raise ValidationError({"bni_name": gettext("Give the name as BNI Connect writes it.")})
    alias = Alias.objects.filter(chapter=chapter, key=key).first() or Alias(chapter=chapter)
    alias.bni_name, alias.member = bni_name, member
    alias.save()
    return alias
