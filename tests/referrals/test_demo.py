"""seed_demo adds believable slips once."""

import datetime as dt

import pytest
from django.core.management import call_command

from members.models import Chapter
from referrals.models import Ceu, OneToOne, Referral, Tyfcb

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_slips_once_and_only_for_members_on_their_dates():
    call_command("seed_demo")
    chapter = Chapter.objects.get(slug="riverside-demo")
    counts = [m.objects.count() for m in (Referral, Tyfcb, OneToOne, Ceu)]
    assert all(counts)
    call_command("seed_demo")
    assert [m.objects.count() for m in (Referral, Tyfcb, OneToOne, Ceu)] == counts

    today = chapter.today()
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in Referral.Status}
    assert Referral.objects.filter(status="new", date__lt=today - dt.timedelta(days=7)).exists()
    assert OneToOne.objects.filter(status="planned", date=today + dt.timedelta(days=1)).exists()
    assert set(Tyfcb.objects.values_list("business", flat=True)) == {"new", "repeat"}
    assert Tyfcb.objects.filter(referral__status="won").exists()
    for referral in Referral.objects.select_related("giver", "receiver"):
        assert referral.giver.belongs_on(referral.date)
        assert referral.receiver.belongs_on(referral.date)
        assert referral.giver_id != referral.receiver_id
    assert not Referral.objects.filter(date__gt=today).exists()
