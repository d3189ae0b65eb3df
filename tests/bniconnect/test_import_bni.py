"""``import_bni``: BNI Connect's real exports moved into a chapter, all or nothing.

Each sample file imports into a chapter whose roster was made for its names; the numbers read
back through ``palms`` equal the file (cell by cell for a PALMS Summary, a plain recount of
the rows for a Slips Audit); a second import changes nothing; every bad input stores nothing.
"""

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bniconnect.models import Alias
from bniconnect.reader import read_bni_path
from meetings.models import Meeting, Visit, Visitor
from members.models import Chapter, Member
from referrals.models import SLIP_KINDS, Referral, Tyfcb
from reports.models import BniSnapshot, BniSnapshotRow
from reports.palms import COLUMNS, palms_rows
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "bni"
AUDITS = ["slips_audit_headerless_anon.xls", "slips_audit_with_headers_feb2025_anon.xlsx"]
DAY = dt.date(2025, 2, 13)


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_bni", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(*args) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_bni", *map(str, args), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def _stored() -> dict[str, int]:
    counts = {kind: model.objects.count() for kind, model in SLIP_KINDS.items()}
    return counts | {
        "members": Member.objects.count(),
        "snapshots": BniSnapshotRow.objects.count(),
        "visits": Visit.objects.count(),
        "meetings": Meeting.objects.count(),
    }


def _chapter_for(names: set[str], slug: str = "dubai") -> Chapter:
    """A chapter whose roster is made for ``names`` (every member of the file's chapter)."""
    chapter = f.ChapterFactory(slug=slug)
    for name in sorted(names):
        first, _, last = name.partition(" ")
        f.MemberFactory(
            chapter=chapter,
            user=f.UserFactory(first_name=first, last_name=last),
            joined_on=dt.date(2010, 1, 1),
        )
    return chapter


def _member_names(audit) -> set[str]:
    names = set()
    for line in audit.lines:
        for name in (line.giver, line.receiver):
            if line.slip_type == "visitor" and name is line.receiver:
                continue
            if name is not None and name.text and not name.bold and name.text != "BNI":
                names.add(name.text)
    return names


def _recount(audit) -> dict[str, dict[str, int | Decimal]]:
    """The file's rows counted per member and PALMS column, by DOMAIN.md alone."""
    counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))

    def member(name) -> str | None:
        if name is None or not name.text or name.bold or name.text == "BNI":
            return None
        return name.text

    for line in audit.lines:
        giver, receiver = member(line.giver), member(line.receiver)
        if line.slip_type == "referral":
            if giver:
                counts[giver]["RGI" if line.inside else "RGO"] += 1
            if receiver:
                counts[receiver]["RRI" if line.inside else "RRO"] += 1
        elif line.slip_type == "one_to_one":
            for who in {giver, receiver} - {None}:
                counts[who]["121"] += 1
        elif line.slip_type == "tyfcb" and receiver:
            counts[receiver]["TYFCB"] += line.amount
        elif line.slip_type == "ceu" and giver:
            counts[giver]["CEU"] += line.credits
        elif line.slip_type == "visitor" and giver:
            counts[giver]["V"] += 1
    return counts


@pytest.mark.parametrize("name", AUDITS)
def test_a_slips_audit_counts_as_a_plain_recount_of_its_rows_and_twice_changes_nothing(name):
    audit = read_bni_path(SAMPLES / name)
    chapter = _chapter_for(_member_names(audit))
    day = audit.date or DAY
    _run(chapter.slug, SAMPLES / name, "--date", day)
    expected = _recount(audit)
    rows = {r.name: r.values for r in palms_rows(chapter, day, day)}
    for who, values in rows.items():
        wanted = {c: v for c, v in expected.get(who, {}).items()}
        got = {c: values[c] for c in COLUMNS if c not in "PALMS"}
        assert got == {c: wanted.get(c, 0) for c in got}, who
    assert set(expected) <= set(rows)
    first = _stored()
    _run(chapter.slug, SAMPLES / name, "--date", day)
    assert _stored() == first


def test_the_headerless_audit_keeps_a_third_of_its_slips_across_the_chapter_line():
    name = AUDITS[0]
    audit = read_bni_path(SAMPLES / name)
    chapter = _chapter_for(_member_names(audit))
    _run(chapter.slug, SAMPLES / name, "--date", DAY)
    named_outside = sum(
        model.objects.filter(chapter=chapter).exclude(other_name="").count()
        for model in SLIP_KINDS.values()
        if hasattr(model, "other_name")
    )
    assert named_outside > 100
    assert Referral.objects.filter(receiver__isnull=True, source="bni_connect").exists()
    unknown = Tyfcb.objects.filter(writer__isnull=True, other_name="")
    assert unknown.count() == sum(
        1 for line in audit.lines if line.slip_type == "tyfcb" and not line.receiver.bold
    )
    assert Visitor.objects.filter(chapter=chapter).count() == 2


def test_a_palms_summary_reads_back_cell_by_cell_and_replaces_itself():
    summary = read_bni_path(SAMPLES / "palms_summary_headerless_anon.xls")
    names = {f"{line.first_name} {line.last_name}" for line in summary.members}
    chapter = _chapter_for({" ".join(n.split()) for n in names})
    window = ("--from", "2025-02-01", "--to", "2025-07-31")
    _run(chapter.slug, SAMPLES / "palms_summary_headerless_anon.xls", *window)
    _run(chapter.slug, SAMPLES / "palms_summary_headerless_anon.xls", *window)
    assert BniSnapshot.objects.filter(chapter=chapter).count() == 1
    out = io.StringIO()
    call_command("palms", chapter.slug, *window, "--bni", stdout=out)
    printed = {line.split(",")[1]: line.split(",")[2:] for line in out.getvalue().splitlines()[1:]}
    assert len(printed) == len(summary.members)
    for line in summary.members:
        cells = printed[" ".join(f"{line.first_name} {line.last_name}".split())]
        assert cells == [
            f"{line.values[c]:.2f}" if c == "TYFCB" else str(line.values[c]) for c in COLUMNS
        ]
    compared = io.StringIO()
    call_command("palms", chapter.slug, *window, "--compare", stdout=compared)
    lines = compared.getvalue().splitlines()
    assert lines[0] == "member_email,member_name,column,bni,slipstream"
    differing = sum(1 for line in summary.members for c in COLUMNS if line.values[c] != 0)
    assert len(lines) - 1 == differing  # Slipstream counted nothing yet: every non-zero cell


def test_the_real_roster_imports_and_a_shared_trade_is_told_apart():
    out, _ = _run("continental", SAMPLES / "chapter_roster_mar2025_anon.xlsx")
    chapter = Chapter.objects.get(slug="continental")
    assert Member.objects.filter(chapter=chapter).count() == 43
    assert "shares the trade 'Advertising & Marketing Specialist'" in out
    again, _ = _run("continental", SAMPLES / "chapter_roster_mar2025_anon.xlsx")
    assert "43 unchanged" in again


def test_a_dry_run_shows_what_would_be_stored_and_stores_nothing():
    audit = read_bni_path(SAMPLES / AUDITS[0])
    chapter = _chapter_for(_member_names(audit))
    before = _stored()
    out, _ = _run(chapter.slug, SAMPLES / AUDITS[0], "--date", DAY, "--dry-run")
    # 513 rows: 2 visits, and one TYFCB that counts for nobody in the chapter is left out.
    assert "would store 510 slips dated 2025-02-13" in out
    assert "would store 2 visits at the meeting of 2025-02-13" in out
    assert "Dry run: nothing was stored." in out
    assert _stored() == before


def test_an_unknown_name_is_a_problem_that_names_its_row_and_close_names_and_stores_nothing():
    audit = read_bni_path(SAMPLES / AUDITS[0])
    names = _member_names(audit)
    chapter = _chapter_for(names - {"Given020 Family020"} | {"Given020 Familyy020"})
    before = _stored()
    err = _refused(chapter.slug, SAMPLES / AUDITS[0], "--date", DAY)
    assert f"{AUDITS[0]}:4: 'Given020 Family020' is no member of dubai" in err
    assert "close: Given020 Familyy020" in err
    assert _stored() == before


def test_an_alias_file_matches_a_name_never_a_guess(tmp_path):
    audit = read_bni_path(SAMPLES / AUDITS[0])
    names = _member_names(audit)
    chapter = _chapter_for(names - {"Given020 Family020"} | {"Giv Fam"})
    aliases = tmp_path / "aliases.csv"
    email = Member.objects.get(user__first_name="Giv").user.email
    aliases.write_text(f"bni_name,member_email\nGiven020  Family020,{email}\n")
    _run(chapter.slug, SAMPLES / AUDITS[0], "--date", DAY, "--aliases", aliases)
    assert Referral.objects.filter(giver__user__first_name="Giv").exists()
    assert not Alias.objects.exists()  # a file's aliases are for that run


def test_an_audit_without_a_date_asks_for_one():
    audit = read_bni_path(SAMPLES / AUDITS[0])
    chapter = _chapter_for(_member_names(audit))
    err = _refused(chapter.slug, SAMPLES / AUDITS[0])
    assert "the audit holds no date: give the day its slips belong to (--date)" in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<!DOCTYPE html><html><body>Login</body></html>", "HTML"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        (b"email,first_name\nx@example.test,X\n", "email"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">&lol;</Workbook>',
            "",
        ),
    ],
)
def test_a_file_that_is_not_a_bni_report_is_refused_saying_what_it_is(tmp_path, content, says):
    chapter = f.ChapterFactory(slug="dubai")
    path = tmp_path / "report.xls"
    path.write_bytes(content)
    before = _stored()
    err = _refused(chapter.slug, path)
    assert err.startswith("report.xls")
    assert says in err
    assert _stored() == before


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path):
    chapter = f.ChapterFactory(slug="dubai")
    path = tmp_path / "huge.xls"
    with open(path, "wb") as big:
        big.truncate(50 * 1024 * 1024)
    err = _refused(chapter.slug, path)
    assert "huge.xls" in err and "MB" in err


def test_every_sample_is_read_as_its_kind():
    kinds = Counter(type(read_bni_path(path)).__name__ for path in sorted(SAMPLES.iterdir()))
    assert kinds == {"SlipsAudit": 2, "PalmsSummary": 1, "Roster": 1}


def test_imported_referrals_wait_in_no_inbox_and_remind_nobody():
    from django.utils import timezone

    from referrals.selectors import inbox
    from reminders.sweeps import referrals_waiting

    audit = read_bni_path(SAMPLES / AUDITS[1])
    chapter = _chapter_for(_member_names(audit))
    _run(chapter.slug, SAMPLES / AUDITS[1])
    receiver = Referral.objects.filter(receiver__isnull=False).first().receiver
    assert inbox(receiver).open_total == 0
    later = timezone.now() + dt.timedelta(days=30)
    assert referrals_waiting(later) == []
    logged = f.ReferralFactory(giver=f.MemberFactory(chapter=chapter), receiver=receiver)
    Referral.objects.filter(pk=logged.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert [due.object_id for due in referrals_waiting(timezone.now())] == [logged.pk]
