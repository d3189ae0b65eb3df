"""Slips beyond the chapter in ``import_chapter`` and ``export_chapter`` (DOMAIN.md "File
formats"): an email may name a member of another chapter, an empty email beside ``other_name``
someone outside Slipstream, and a TYFCB with neither has an unknown writer. Old files without
the new columns still import; a second import changes nothing; export → import into an empty
chapter → export gives the same files; the other chapter's counts stay exact."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from members.models import Chapter, Member, MemberStatusChange, Role
from referrals import models as slips
from referrals.exporting import slip_files
from referrals.models import Ceu, OneToOne, Referral, ReferralStatusChange, Tyfcb
from reports.palms import palms_rows
from tests import factories as f
from tests.reports.test_rollup import rollup_rows

pytestmark = pytest.mark.django_db

ANN, BEN, HUGO, IDA = (
    "ann@riverside.test",
    "ben@riverside.test",
    "hugo@hilltop.test",
    "ida@hilltop.test",
)
SLIPS = (Referral, Tyfcb, OneToOne, Ceu, slips.Testimonial, ReferralStatusChange)


@pytest.fixture
def two_chapters(db):
    """Riverside (Ann, Ben) and Hilltop (Hugo, and Ida who left at the end of June 2025)."""
    riverside = f.ChapterFactory(name="Riverside", slug="riverside")
    hilltop = f.ChapterFactory(name="Hilltop", slug="hilltop")
    for chapter, email, left in (
        (riverside, ANN, None),
        (riverside, BEN, None),
        (hilltop, HUGO, None),
        (hilltop, IDA, dt.date(2025, 6, 30)),
    ):
        f.MemberFactory(
            chapter=chapter,
            user=f.UserFactory(email=email, first_name=email.split("@")[0].title()),
            joined_on=dt.date(2025, 1, 7),
            left_on=left,
            status="dropped" if left else "active",
        )
    return riverside, hilltop


def member(email: str) -> Member:
    return Member.objects.get(user__email=email)


def write(directory, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def run(slug: str, directory) -> str:
    out = io.StringIO()
    call_command("import_chapter", slug, str(directory), stdout=out)
    return out.getvalue()


REFERRALS = "date,giver_email,receiver_email,kind,contact_name,contact_phone,contact_email,"
REFERRALS += "temperature,status,other_name,other_chapter\n"
TYFCB = "date,from_email,to_email,amount,business,other_name,other_chapter\n"
ONE_TO_ONES = "date,member_a_email,member_b_email,status,other_name,other_chapter\n"
TESTIMONIALS = "date,giver_email,receiver_email,text\n"
BEYOND = {
    "referrals.csv": REFERRALS
    + f"2025-03-04,{ANN},{HUGO},outside,To Hilltop,,,2,won,,\n"
    + f"2025-03-05,{HUGO.upper()},{BEN},inside,From Hilltop,,,1,new,,\n"
    + f'2025-03-06,,{BEN},outside,From Outside,,,3,contacted,Olga  Ode,"BNI Givers, Deira"\n'
    + f"2025-03-07,,{ANN},outside,From The Office,,,1,new,bni,\n",
    "tyfcb.csv": TYFCB
    + f"2025-03-10,,{ANN},500.00,new,Otto Outside,BNI Summit\n"
    + f"2025-03-11,,{ANN},250.00,repeat,,\n"
    + f"2025-03-12,{BEN},,75.50,new,Fay Former,\n"
    + f"2025-03-13,{ANN},{HUGO},1200.00,new,,\n",
    "one_to_ones.csv": ONE_TO_ONES
    + f"2025-03-14,{ANN},,done,Vic Visitor,\n"
    + f"2025-03-15,{HUGO},{BEN},done,,\n",
    "testimonials.csv": TESTIMONIALS + f"2025-03-16,{ANN},{HUGO},Sorted our roof in a day.\n",
}


def counts() -> list[int]:
    return [model.objects.count() for model in SLIPS]


def test_slips_across_the_chapter_and_outside_it_import_and_twice_change_nothing(
    tmp_path, two_chapters
):
    riverside = two_chapters[0]
    write(tmp_path, BEYOND)
    run("riverside", tmp_path)

    assert counts() == [4, 4, 2, 0, 1, 2]
    assert set(Referral.objects.values_list("chapter", flat=True)) == {riverside.pk}
    across = Referral.objects.get(contact_name="To Hilltop")
    assert (across.giver, across.receiver) == (member(ANN), member(HUGO))
    assert Referral.objects.get(contact_name="From Hilltop").giver == member(HUGO)
    outside = Referral.objects.get(contact_name="From Outside")
    assert outside.giver is None
    assert (outside.other_name, outside.other_chapter_name) == ("Olga Ode", "BNI Givers, Deira")
    assert Referral.objects.get(contact_name="From The Office").other_name == "BNI"
    writer_outside, unknown, thanked_outside, thanks_across = Tyfcb.objects.order_by("date")
    assert (writer_outside.writer, writer_outside.other_name) == (None, "Otto Outside")
    assert writer_outside.other_chapter_name == "BNI Summit"
    assert unknown.writer_unknown and unknown.thanked == member(ANN)
    assert (thanked_outside.thanked, thanked_outside.other_name) == (None, "Fay Former")
    assert thanks_across.amount == Decimal("1200.00") and thanks_across.thanked == member(HUGO)
    with_visitor, across_town = OneToOne.objects.order_by("date")
    assert (with_visitor.member_a, with_visitor.member_b) == (member(ANN), None)
    assert with_visitor.other_name == "Vic Visitor"
    assert {across_town.member_a, across_town.member_b} == {member(HUGO), member(BEN)}
    assert slips.Testimonial.objects.get().receiver == member(HUGO)

    before = counts()
    summary = run("riverside", tmp_path)
    assert counts() == before
    assert "total: 0 created, 0 updated, 11 unchanged" in summary


def test_an_import_counts_the_slips_in_both_chapters(tmp_path, two_chapters):
    """A referral across the line counts RGO in the giver's chapter and RRO in the
    receiver's; a thank-you across it credits the member thanked in their own chapter; an
    unknown writer or someone outside gets no row; the rollup of both chapters stays exact."""
    riverside, hilltop = two_chapters
    write(tmp_path, BEYOND)
    run("riverside", tmp_path)
    window = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))

    hugo = next(r for r in palms_rows(hilltop, *window) if r.email == HUGO)
    assert (hugo.values["RGI"], hugo.values["RRO"], hugo.values["121"]) == (1, 1, 1)
    assert hugo.values["TYFCB"] == Decimal("1200.00")
    ann = next(r for r in palms_rows(riverside, *window) if r.email == ANN)
    assert (ann.values["RGO"], ann.values["RRO"], ann.values["121"]) == (1, 1, 1)
    assert ann.values["TYFCB"] == Decimal("750.00")  # the outside writer's and the unknown's


@pytest.mark.postgres
def test_an_import_recounts_the_rollup_of_every_chapter_its_slips_link(tmp_path, two_chapters):
    write(tmp_path, BEYOND)
    run("riverside", tmp_path)
    kept, counted = rollup_rows()
    assert kept == counted
    hilltop_rows = {row for row in kept if row[1] == two_chapters[1].pk}
    assert hilltop_rows  # Hugo's referrals, thank-you, 1-2-1 and testimonial received


def test_files_without_the_new_columns_still_import(tmp_path, two_chapters):
    write(
        tmp_path,
        {
            "referrals.csv": REFERRALS.replace(",other_name,other_chapter", "")
            + f"2025-03-04,{ANN},{HUGO},inside,Old File,,,1,new\n",
            "tyfcb.csv": "date,from_email,to_email,amount,business\n"
            + f"2025-03-11,,{ANN},250.00,new\n",
        },
    )
    run("riverside", tmp_path)
    assert Referral.objects.get().receiver == member(HUGO)
    assert Tyfcb.objects.get().writer_unknown


@pytest.mark.parametrize(
    ("name", "row", "message"),
    [
        (
            "referrals.csv",
            f"2025-03-04,{ANN},{BEN},inside,X,,,1,new,Olga,",
            "giver_email and other_name both name the giver",
        ),
        (
            "referrals.csv",
            f"2025-03-04,,{BEN},inside,X,,,1,new,,",
            "giver_email is empty: give the giver's email, or other_name for someone outside",
        ),
        (
            "referrals.csv",
            f"2025-03-04,{ANN},,inside,X,,,1,new,Olga,",
            "receiver_email is empty: a referral is given to a member",
        ),
        (
            "referrals.csv",
            f"2025-03-04,nobody@x.test,{BEN},inside,X,,,1,new,,",
            "giver_email 'nobody@x.test' is not a member of riverside or of any other chapter",
        ),
        (
            "referrals.csv",
            f"2025-08-04,{ANN},{IDA},inside,X,,,1,new,,",
            f"receiver_email {IDA} was not a member of their chapter (hilltop) on 2025-08-04",
        ),
        (
            "referrals.csv",
            f"2025-03-04,{HUGO},{IDA},inside,X,,,1,new,,",
            "giver_email and receiver_email name no member of riverside",
        ),
        (
            "referrals.csv",
            f"2025-03-04,,{HUGO},inside,X,,,1,new,Olga,",
            "receiver_email names no member of riverside",
        ),
        (
            "referrals.csv",
            f"2025-03-04,,{BEN},inside,X,,,1,new,,Some Chapter",
            "other_chapter needs other_name",
        ),
        (
            "tyfcb.csv",
            f"2025-03-10,{BEN},{ANN},10.00,new,Olga,",
            "from_email and to_email both name members, and other_name someone outside",
        ),
        (
            "tyfcb.csv",
            f"2025-03-10,{BEN},,10.00,new,,",
            "to_email is empty: give the thanked member's email, or other_name",
        ),
        ("tyfcb.csv", "2025-03-10,,,10.00,new,Olga,", "from_email and to_email are both empty"),
        (
            "tyfcb.csv",
            f"2025-03-10,,{ANN},10.00,new,,Their Chapter",
            "other_chapter needs other_name",
        ),
        (
            "one_to_ones.csv",
            f"2025-03-14,{ANN},,done,,",
            "member_b_email is empty: give the other member's email, or other_name",
        ),
        (
            "one_to_ones.csv",
            f"2025-03-14,{ANN},{BEN},done,Vic,",
            "leave member_b_email empty for them",
        ),
        (
            "one_to_ones.csv",
            f"2025-08-14,{ANN},{IDA},done,,",
            f"member_b_email {IDA} was not a member of their chapter (hilltop) on 2025-08-14",
        ),
        (
            "testimonials.csv",
            f"2025-03-16,{ANN},{IDA},Great,Olga",
            "other_name must be empty: a testimonial is between two members",
        ),
    ],
)
def test_a_bad_row_beyond_the_chapter_stores_nothing_and_is_named(
    tmp_path, two_chapters, name, row, message, capsys
):
    files = dict(BEYOND)
    if name == "testimonials.csv":
        files[name] = "date,giver_email,receiver_email,text,other_name\n"
    else:
        files[name] = BEYOND[name].splitlines()[0] + "\n"
    files[name] += row + "\n"
    write(tmp_path, files)
    with pytest.raises(CommandError):
        call_command("import_chapter", "riverside", str(tmp_path))
    [problem] = capsys.readouterr().err.splitlines()
    assert problem.startswith(f"{name}:2: ")
    assert message in problem
    assert counts() == [0, 0, 0, 0, 0, 0]


def test_the_same_slip_in_both_chapters_files_is_one_slip(tmp_path, two_chapters):
    """Hilltop's export holds the slips across the line that Riverside's import stored;
    importing it into Hilltop finds them all and stores nothing new."""
    hilltop = two_chapters[1]
    write(tmp_path / "riverside", BEYOND)
    run("riverside", tmp_path / "riverside")
    write(tmp_path / "hilltop", slip_files(hilltop))
    assert (
        f"{ANN},{HUGO},outside,To Hilltop" in (tmp_path / "hilltop" / "referrals.csv").read_text()
    )
    before = counts()
    summary = run("hilltop", tmp_path / "hilltop")
    assert counts() == before
    assert " 0 created, 0 updated" in summary.splitlines()[-2]


def forget(chapter: Chapter) -> None:
    """Delete a chapter's members and every slip that links them, as an empty database would
    be, leaving the other chapters as they are."""
    ids = list(chapter.members.values_list("pk", flat=True))
    for model in (Referral, Tyfcb, OneToOne, Ceu, slips.Testimonial):
        for field in model.parties:
            model.objects.filter(**{f"{field}_id__in": ids}).delete()
    Role.objects.filter(member_id__in=ids).delete()
    MemberStatusChange.objects.filter(member_id__in=ids).delete()
    users = list(chapter.members.values_list("user_id", flat=True))
    chapter.members.all().delete()
    get_user_model().objects.filter(pk__in=users).delete()


def test_export_then_import_into_an_empty_chapter_then_export_gives_the_same_files(
    tmp_path, two_chapters
):
    riverside, hilltop = two_chapters
    ann, ben, hugo = member(ANN), member(BEN), member(HUGO)
    day = dt.date(2025, 4, 1)
    # Logged in either chapter, across the line both ways, and with people outside.
    f.ReferralFactory(chapter=hilltop, giver=hugo, receiver=ann, date=day, contact_name="Kim")
    f.ReferralFactory(
        chapter=riverside,
        giver=None,
        other_name="BNI",
        receiver=ben,
        date=day,
        contact_name="Lee",
        contact_phone="=cmd",
        status="won",
    )
    f.TyfcbFactory(chapter=hilltop, writer=hugo, thanked=ben, date=day, amount=Decimal("9.99"))
    f.TyfcbFactory(chapter=riverside, writer=None, thanked=ann, date=day, amount=Decimal("40"))
    f.TyfcbFactory(
        chapter=riverside,
        writer=ann,
        thanked=None,
        other_name="Fay Former",
        other_chapter_name="BNI Givers, Deira",
        date=day,
    )
    # Hugo's id is below Ann's here, above it once Ann is imported again: the file keeps its
    # order (the chapter's own member first).
    f.OneToOneFactory(chapter=riverside, member_a=hugo, member_b=ann, date=day)
    f.OneToOneFactory(chapter=riverside, member_a=ben, member_b=None, other_name="Vic", date=day)
    f.CeuFactory(chapter=riverside, member=ann, date=day)
    f.TestimonialFactory(chapter=hilltop, giver=hugo, receiver=ben, date=day, text="+1 great")
    f.ReferralFactory(chapter=hilltop, giver=hugo, receiver=member(IDA), date=day)  # not ours
    # From a BNI Connect slips audit, to someone outside: no receiver email to write.
    f.ReferralFactory(
        chapter=riverside,
        giver=ann,
        receiver=None,
        other_name="Zed",
        date=day,
        source="bni_connect",
        contact_name="Audit",
    )

    call_command("export_chapter", "riverside", str(tmp_path / "first"), stdout=io.StringIO())
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    assert sorted(first) == [
        "ceus.csv",
        "one_to_ones.csv",
        "referrals.csv",
        "roster.csv",
        "testimonials.csv",
        "tyfcb.csv",
    ]
    assert first["one_to_ones.csv"].decode().splitlines()[1:] == [
        f"2025-04-01,{ANN},{HUGO},done,,",
        f"2025-04-01,{BEN},,done,Vic,",
    ]
    assert f"2025-04-01,,{BEN},inside,Lee,'=cmd,,1,won,BNI," in first["referrals.csv"].decode()
    assert f"2025-04-01,,{ANN},40.00,new,," in first["tyfcb.csv"].decode()
    assert "Audit" not in first["referrals.csv"].decode()

    forget(riverside)
    run("fresh", tmp_path / "first")
    call_command("export_chapter", "fresh", str(tmp_path / "second"), stdout=io.StringIO())
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert second == first


def test_export_chapter_refuses_an_unknown_chapter(tmp_path):
    with pytest.raises(CommandError, match="no chapter 'nowhere'"):
        call_command("export_chapter", "nowhere", str(tmp_path))
