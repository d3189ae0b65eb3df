"""The slip files of ``import_chapter``: all or nothing, idempotent, every bad value named."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, Tyfcb

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter_with_roster(chapter, other_member):
    """Ann, Ben and Cat (who left on 30 June 2025) in the Riverside chapter, made directly."""
    from tests.factories import MemberFactory, UserFactory

    for email, first, left in (
        ("ann@example.test", "Ann", None),
        ("ben@example.test", "Ben", None),
        ("cat@example.test", "Cat", dt.date(2025, 6, 30)),
    ):
        MemberFactory(
            chapter=chapter,
            user=UserFactory(email=email, first_name=first),
            joined_on=dt.date(2025, 1, 7),
            left_on=left,
            status="dropped" if left else "active",
        )
    return chapter


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")


A, B = "ann@example.test", "ben@example.test"
GOOD = {
    "referrals.csv": (
        "date,giver_email,receiver_email,kind,contact_name,contact_phone,contact_email,"
        "temperature,status\n"
        f"2025-03-04,{A.upper()},{B},outside,Hannah Price,0770,h@example.test,3,won\n"
        f"2025-03-04,{B},{A},inside,Tom Becker,,,1,new\n"
    ),
    "tyfcb.csv": f"date,from_email,to_email,amount,business\n2025-03-20,{B},{A},1250.50,new\n",
    "one_to_ones.csv": f"date,member_a_email,member_b_email,status\n2025-03-05,{B},{A},done\n",
    "ceus.csv": f"date,member_email,credits,topic\n2025-03-05,{A},2,Givers Gain\n",
    "testimonials.csv": f"date,giver_email,receiver_email,text\n2025-03-04,{A},{B},Brilliant\n",
}


def counts():
    return [
        m.objects.count()
        for m in (Referral, Tyfcb, OneToOne, Ceu, slips.Testimonial, slips.ReferralStatusChange)
    ]


def test_import_stores_every_slip_file_and_twice_changes_nothing(
    tmp_path, chapter_with_roster, capsys
):
    for name, text in GOOD.items():
        write(tmp_path, name, text)
    call_command("import_chapter", "riverside", str(tmp_path))
    assert counts() == [2, 1, 1, 1, 1, 1]
    won = Referral.objects.get(contact_name="Hannah Price")
    assert (won.status, won.kind, won.temperature) == ("won", "outside", 3)
    assert won.history.get().to_status == "won"
    assert Tyfcb.objects.get().amount == Decimal("1250.50")
    call_command("import_chapter", "riverside", str(tmp_path))
    assert counts() == [2, 1, 1, 1, 1, 1]
    assert "referrals.csv: 0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "row", "message"),
    [
        ("referrals.csv", "2025-03-04,nobody@example.test,ben@example.test,inside,X,,,1,new",
         "giver_email 'nobody@example.test' is not a member of riverside"),
        ("referrals.csv", "2025-03-04,ann@example.test,ann@example.test,inside,X,,,1,new",
         "giver_email and receiver_email are the same member"),
        ("referrals.csv", "2025-03-04,ann@example.test,ben@example.test,inside,X,,,7,new",
         "temperature must be 1–5"),
        ("referrals.csv", "2025-03-04,ann@example.test,ben@example.test,sideways,X,,,1,new",
         "kind 'sideways' is not one of inside, outside"),
        ("referrals.csv", "2025-03-04,ann@example.test,ben@example.test,inside,X,,,1,maybe",
         "status 'maybe' is not one of"),
        ("referrals.csv", "2025-08-04,ann@example.test,cat@example.test,inside,X,,,1,new",
         "receiver_email cat@example.test was not a member of the chapter on 2025-08-04"),
        ("tyfcb.csv", "2025-03-20,ben@example.test,ann@example.test,0,new",
         "amount must be more than 0"),
        ("tyfcb.csv", "2025-03-20,ben@example.test,ann@example.test,abc,new",
         "amount 'abc' is not an amount"),
        ("tyfcb.csv", "2025-03-20,ben@example.test,ann@example.test,-5,new",
         "amount must be more than 0"),
        ("tyfcb.csv", "2025-03-20,ben@example.test,ann@example.test,10,used",
         "business 'used' is not one of new, repeat"),
        ("one_to_ones.csv", "2025-03-05,ann@example.test,ann@example.test,done",
         "member_a_email and member_b_email are the same member"),
        ("ceus.csv", "2025-03-05,ann@example.test,0,Podcast", "credits must be 1–100"),
        ("testimonials.csv", "2024-03-04,ann@example.test,ben@example.test,Early",
         "was not a member of the chapter on 2024-03-04"),
    ],
)  # fmt: skip
def test_a_bad_row_stores_nothing_and_is_named(
    tmp_path, chapter_with_roster, name, row, message, capsys
):
    for good_name, text in GOOD.items():
        write(tmp_path, good_name, text)
    header = GOOD[name].splitlines()[0]
    write(tmp_path, name, f"{header}\n{row}\n")
    with pytest.raises(CommandError):
        call_command("import_chapter", "riverside", str(tmp_path))
    err = capsys.readouterr().err
    assert f"{name}:2: " in err
    assert message in err
    assert counts() == [0, 0, 0, 0, 0, 0]


def test_one_to_one_in_either_order_is_the_same_row(tmp_path, chapter_with_roster):
    write(
        tmp_path,
        "one_to_ones.csv",
        "date,member_a_email,member_b_email,status\n"
        "2025-03-05,ben@example.test,ann@example.test,done\n"
        "2025-03-05,ann@example.test,ben@example.test,done\n",
    )
    call_command("import_chapter", "riverside", str(tmp_path))
    assert OneToOne.objects.count() == 1
