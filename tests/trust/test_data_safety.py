"""A member downloads their own data; the membership committee anonymises a dropped member
for good without changing any report's history."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.models import AuditEvent, Member
from members.services import member_drop
from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    MeetingFactory,
    MemberFactory,
    ReferralFactory,
    TyfcbFactory,
)

pytestmark = pytest.mark.django_db


def test_my_data_is_a_json_download_of_what_names_me(login, chapter, member, other_member):
    carol = MemberFactory(chapter=chapter)
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=7))
    AttendanceFactory(meeting=meeting, member=member, mark="L")
    ReferralFactory(giver=other_member, receiver=member, contact_name="Dana Client")
    TyfcbFactory(writer=member, thanked=other_member, amount=Decimal("1200.00"))
    TyfcbFactory(writer=other_member, thanked=carol, amount=Decimal("777.77"))  # not mine
    CeuFactory(member=member, topic="Givers Gain")

    response = login(member).get(reverse("members:my_data"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == member.user.email
    assert data["attendance"] == [
        {"meeting__date": meeting.date.isoformat(), "mark": "L", "substitute_name": ""}
    ]
    assert [r["contact_name"] for r in data["referrals"]] == ["Dana Client"]
    assert [t["amount"] for t in data["tyfcbs"]] == ["1200.00"]
    assert "777.77" not in response.content.decode()
    assert [c["topic"] for c in data["ceus"]] == ["Givers Gain"]


def test_profile_links_my_data_only_on_my_own_card(login, member, other_member):
    client = login(member)
    mine = client.get(reverse("members:profile", args=[member.pk])).content.decode()
    theirs = client.get(reverse("members:profile", args=[other_member.pk])).content.decode()
    assert reverse("members:my_data") in mine
    assert reverse("members:my_data") not in theirs


def palms_csv(chapter, start, end) -> list[dict]:
    out = io.StringIO()
    call_command("palms", chapter.slug, "--from", start.isoformat(), "--to", end.isoformat(),
                 stdout=out)  # fmt: skip
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.fixture
def dropped(chapter, other_member, membership_committee):
    """Dora: a year of history, then dropped."""
    dora = MemberFactory(chapter=chapter, company="Dora's Doors", phone="+44 1234 567890",
                         website="https://dora.example", ideal_referral="Builders")  # fmt: skip
    for weeks in (2, 3, 4):
        day = chapter.today() - dt.timedelta(weeks=weeks)
        AttendanceFactory(meeting=MeetingFactory(chapter=chapter, date=day), member=dora, mark="A")
        ReferralFactory(giver=dora, receiver=other_member, date=day)
        TyfcbFactory(writer=other_member, thanked=dora, date=day, amount=Decimal("99.50"))
    return member_drop(member=dora, by=membership_committee.user, left_on=chapter.today())


def test_committee_anonymises_a_dropped_member_and_palms_counts_stay(
    login, chapter, dropped, membership_committee
):
    start, end = chapter.today() - dt.timedelta(weeks=8), chapter.today()
    before = palms_csv(chapter, start, end)
    email = Member.objects.get(pk=dropped.pk).user.email
    client = login(membership_committee)
    confirm = client.get(reverse("members:anonymise", args=[dropped.pk]))
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()

    response = client.post(reverse("members:anonymise", args=[dropped.pk]))

    assert response.status_code == 302
    dora = Member.objects.select_related("user").get(pk=dropped.pk)
    assert dora.full_name == f"Former member #{dora.pk}"
    assert dora.user.email == f"former-{dora.pk}@invalid"
    assert not dora.user.is_active and not dora.user.has_usable_password()
    assert (dora.phone, dora.website, dora.company, dora.ideal_referral) == ("", "", "", "")
    event = AuditEvent.objects.get(action="anonymised")
    assert (event.member, event.by) == (dora, membership_committee.user)
    after = palms_csv(chapter, start, end)
    identity = ("member_email", "member_name")
    strip = lambda rows: sorted(  # noqa: E731
        tuple(v for k, v in r.items() if k not in identity) for r in rows
    )
    assert strip(after) == strip(before)  # every count and amount unchanged
    others = [r for r in before if r["member_email"] != email]
    assert [r for r in after if not r["member_email"].startswith("former-")] == others
    assert next(r for r in after if r["member_email"].startswith("former-"))["A"] == "3"


def test_anonymising_is_irreversible_and_only_for_dropped_members(
    login, dropped, member, membership_committee
):
    client = login(membership_committee)
    client.post(reverse("members:anonymise", args=[dropped.pk]))
    again = client.post(reverse("members:anonymise", args=[dropped.pk]), follow=True)
    assert "already been anonymised" in again.content.decode()
    active = client.post(reverse("members:anonymise", args=[member.pk]), follow=True)
    assert "only a dropped member can be anonymised" in active.content.decode()
    member.refresh_from_db()
    assert member.user.email == "alice@example.test"
    assert AuditEvent.objects.filter(action="anonymised").count() == 1


def test_president_may_not_anonymise(login, dropped, president):
    response = login(president).post(reverse("members:anonymise", args=[dropped.pk]))
    assert response.status_code == 403
    assert Member.objects.get(pk=dropped.pk).user.is_active


def test_an_anonymised_member_cannot_log_in(client, dropped, membership_committee):
    from tests.factories import PASSWORD

    email = dropped.user.email
    client.force_login(membership_committee.user)
    client.post(reverse("members:anonymise", args=[dropped.pk]))
    client.logout()
    for login_as in (email, f"former-{dropped.pk}@invalid"):
        response = client.post(reverse("account_login"), {"login": login_as, "password": PASSWORD})
        assert response.status_code == 200  # the form again, with its error
        assert "_auth_user_id" not in client.session
