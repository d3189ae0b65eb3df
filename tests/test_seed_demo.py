import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Q

from members.demo import DEMO_PASSWORD
from members.models import Chapter, Member
from referrals.models import OneToOne, Referral, Tyfcb

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    count = get_user_model().objects.count()
    call_command("seed_demo")
    assert get_user_model().objects.count() == count
    out = capsys.readouterr().out
    assert "president@demo.slipstream.test" in out
    assert DEMO_PASSWORD in out
    president = get_user_model().objects.get(email="president@demo.slipstream.test")
    assert president.check_password(DEMO_PASSWORD)


def test_seed_demo_brings_last_months_palms_from_bni_connect_with_cells_that_differ():
    from reports.bni import differences
    from reports.models import BniSnapshot

    call_command("seed_demo")
    call_command("seed_demo")
    snapshot = BniSnapshot.objects.get(chapter__slug="riverside-demo")
    assert (snapshot.end + dt.timedelta(days=1)).day == 1  # a whole calendar month
    assert snapshot.start.day == 1 and snapshot.rows.count() >= 25
    assert {d.column for d in differences(snapshot)} == {"RGI", "TYFCB"}


def slips_across() -> dict[str, list]:
    """Every slip that links a member of another chapter or someone outside Slipstream."""
    return {
        "referrals": sorted(
            Referral.objects.exclude(giver__chapter=F("receiver__chapter")).values_list(
                "giver__user__email", "receiver__user__email", "status", "chapter__slug"
            )
        ),
        "tyfcbs": sorted(
            Tyfcb.objects.filter(
                Q(writer__isnull=True)
                | Q(thanked__isnull=True)
                | ~Q(writer__chapter=F("thanked__chapter"))
            ).values_list(
                "writer__user__email", "thanked__user__email", "other_name", "referral__status"
            ),
            key=str,
        ),
        "one_to_ones": sorted(
            OneToOne.objects.filter(
                Q(member_b__isnull=True) | ~Q(member_a__chapter=F("member_b__chapter"))
            ).values_list("member_a__user__email", "member_b__user__email", "status"),
        ),
    }


def test_seed_demo_builds_a_second_chapter_with_slips_across_the_line_once(capsys):
    call_command("seed_demo")
    assert "hilltop@demo.slipstream.test" in capsys.readouterr().out
    riverside = Chapter.objects.get(slug="riverside-demo")
    hilltop = Chapter.objects.get(slug="hilltop-demo")
    assert (hilltop.name, hilltop.city) == ("Hilltop Demo", "Hillbury")
    assert hilltop.region == riverside.region
    members = Member.objects.filter(chapter=hilltop)
    assert 10 <= members.count() <= 15
    assert members.values("classification").distinct().count() == members.count()
    login = get_user_model().objects.get(email="hilltop@demo.slipstream.test")
    assert login.check_password(DEMO_PASSWORD) and login.member.chapter == hilltop
    # Hilltop is a living chapter of its own: meetings, marks and slips between its members.
    assert hilltop.meetings.filter(attendances__isnull=False).exists()
    assert Member.objects.filter(
        chapter=hilltop, referrals_given__receiver__chapter=hilltop
    ).exists()

    mia, hugo = "member@demo.slipstream.test", "hilltop@demo.slipstream.test"
    across = slips_across()
    assert across["referrals"] == [
        (hugo, mia, "new", "hilltop-demo"),  # one back, still waiting in Mia's inbox
        (mia, hugo, "won", "riverside-demo"),
    ]
    assert set(across["tyfcbs"]) == {
        (hugo, mia, "", "won"),  # thanks for the referral it won, across the line
        (mia, None, "Gordon Pike", None),  # a former member, outside Slipstream
        (None, mia, "", None),  # an unknown writer
    }
    assert across["one_to_ones"] == [(mia, hugo, "done")]  # Mia's seat is the older one

    call_command("seed_demo")
    assert slips_across() == across
