"""HTML typed into any field a member can write is shown as text on every page that shows it,
and a cell that would run as a spreadsheet formula is neutralised in every CSV export."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Attendance
from tests import factories
from tests.factories import (
    AttendanceFactory,
    CeuFactory,
    MeetingFactory,
    OneToOneFactory,
    ReferralFactory,
    TyfcbFactory,
    VisitFactory,
    VisitorFactory,
)

pytestmark = pytest.mark.django_db

RAW_TAGS = ("<script>alert", "<img src=x")


def payload(field: str) -> str:
    """Both classic injections, tagged with the field so each page proves which it shows."""
    return f'<script>alert("{field}")</script>"><img src=x onerror=alert(1)>'


def escaped(field: str) -> str:
    return f"&lt;script&gt;alert(&quot;{field}&quot;)&lt;/script&gt;&quot;&gt;&lt;img src=x"


@pytest.fixture
def hostile(chapter, member, other_member, president, client):
    """Alice (member) writes her card through the real form; everything else holds payloads."""
    client.force_login(member.user)
    response = client.post(
        reverse("members:edit_profile"),
        {
            "first_name": payload("first"),
            "last_name": payload("last"),
            "company": payload("company"),
            "phone": "+44 20 7946 0001",
            "website": "",
            "ideal_referral": payload("ideal"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    client.logout()
    bob = other_member
    bob.user.first_name = payload("bob")
    bob.user.save()
    today = chapter.today()
    meeting = MeetingFactory(chapter=chapter, date=today - dt.timedelta(days=7))
    MeetingFactory(chapter=chapter, date=today + dt.timedelta(days=7))  # the public form's
    cancelled = MeetingFactory(
        chapter=chapter, date=today - dt.timedelta(days=14), cancelled=True,
        cancel_reason=payload("cancel"),
    )  # fmt: skip
    AttendanceFactory(meeting=meeting, member=member, mark=Attendance.Mark.PRESENT)
    AttendanceFactory(
        meeting=meeting, member=bob, mark=Attendance.Mark.SUBSTITUTE,
        substitute_name=payload("substitute"),
    )  # fmt: skip
    referral = ReferralFactory(
        giver=bob, receiver=member, date=today,
        contact_name=payload("contact"), contact_company=payload("contact_company"),
        need=payload("need"),
    )  # fmt: skip
    given = ReferralFactory(giver=member, receiver=bob, date=today, contact_name=payload("given"))
    referral.history.create(
        changed_by=member.user, from_status="new", to_status="contacted", note=payload("note")
    )
    tyfcb = TyfcbFactory(writer=bob, thanked=member, date=today, amount=Decimal("100.00"))
    OneToOneFactory(
        member_a=member, member_b=bob, date=today, status="planned", place=payload("place")
    )
    CeuFactory(member=member, date=today, topic=payload("ceu"))
    testimonial = factories.TestimonialFactory(
        giver=member, receiver=bob, date=today, text=payload("text")
    )
    visitor = VisitorFactory(chapter=chapter, name=payload("visitor"), company=payload("vcompany"))
    VisitFactory(visitor=visitor, meeting=meeting, invited_by=member, attended=True)
    return {
        "meeting": meeting, "cancelled": cancelled, "referral": referral, "given": given,
        "tyfcb": tyfcb, "testimonial": testimonial, "visitor": visitor,
    }  # fmt: skip


# (persona, url name, args from the world, fields each page must show escaped)
PAGES = [
    ("member", "members:directory", None, ["first", "last", "company", "ideal"]),
    ("member", "members:profile", lambda w, m: [m.pk], ["first", "last", "company", "ideal"]),
    ("member", "members:edit_profile", None, ["first", "company", "ideal"]),
    ("member", "home", None, ["contact", "bob", "ceu", "place"]),
    ("member", "referrals:inbox", None, ["contact", "need", "bob"]),
    ("member", "referrals:given", None, ["given", "bob"]),
    (
        "member", "referrals:detail", lambda w, m: [w["referral"].pk],
        ["contact", "contact_company", "need", "note", "bob"],
    ),
    ("member", "referrals:tyfcb_detail", lambda w, m: [w["tyfcb"].pk], ["first", "bob"]),
    (
        "member", "referrals:slip_edit", lambda w, m: ["testimonial", w["testimonial"].pk],
        ["text"],
    ),
    ("member", "meetings:list", None, ["cancel"]),
    ("member", "meetings:detail", lambda w, m: [w["cancelled"].pk], ["cancel"]),
    ("president", "meetings:detail", lambda w, m: [w["meeting"].pk], ["visitor", "vcompany"]),
    ("president", "meetings:visitors", None, ["visitor", "vcompany"]),
    ("president", "meetings:visitor_detail", lambda w, m: [w["visitor"].pk], ["visitor"]),
    ("president", "meetings:take_attendance", lambda w, m: [w["meeting"].pk], ["substitute"]),
    ("president", "meetings:review", None, ["first", "bob"]),
    ("president", "referrals:submit_week", None, ["first", "bob"]),
    ("president", "reports:palms", None, ["first", "last", "bob"]),
    ("president", "reports:chapter", None, []),
    ("president", "reports:lights", None, ["first", "bob"]),
    ("anonymous", "meetings:public", lambda w, m: ["riverside"], ["first"]),
]  # fmt: skip


@pytest.mark.parametrize(("persona", "name", "args", "fields"), PAGES, ids=[p[1] for p in PAGES])
def test_html_in_text_fields_is_shown_as_text(
    persona, name, args, fields, hostile, member, president, client
):
    if persona != "anonymous":
        client.force_login({"member": member, "president": president}[persona].user)
    response = client.get(reverse(name, args=args(hostile, member) if args else None))
    assert response.status_code == 200
    html = response.content.decode()
    for tag in RAW_TAGS:
        assert tag not in html, f"{name} shows a raw {tag!r}"
    for field in fields:
        assert escaped(field) in html, f"{name} does not show {field} escaped"


FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def formula_names(chapter, member, other_member, president):
    member.user.first_name = FORMULA
    member.user.last_name = "+cmd"
    member.user.save()
    member.company = "@SUM(1+1)"
    member.save()
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=7))
    AttendanceFactory(meeting=meeting, member=member, mark=Attendance.Mark.ABSENT)
    ReferralFactory(giver=member, receiver=other_member, date=chapter.today())
    return member


def _cells(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode())) for cell in row]


def _assert_neutralised(cells: list[str]) -> None:
    assert any(c.startswith("'=HYPERLINK") for c in cells), cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells), cells


def test_palms_csv_neutralises_formulas(formula_names, president, client):
    client.force_login(president.user)
    response = client.get(reverse("reports:palms_csv"))
    assert response.status_code == 200
    _assert_neutralised(_cells(response.content))


def test_attendance_review_csv_neutralises_formulas(formula_names, president, client):
    client.force_login(president.user)
    response = client.get(reverse("meetings:review_csv"))
    assert response.status_code == 200
    _assert_neutralised(_cells(response.content))


def test_region_csv_neutralises_formulas(formula_names, chapter, president, client):
    from members.models import Region

    chapter.region = Region.objects.create(name='=HYPERLINK("x")', slug="north")
    chapter.name = FORMULA
    chapter.save()
    client.force_login(president.user)
    response = client.get(reverse("reports:region"), {"format": "csv"})
    assert response.status_code == 200
    _assert_neutralised(_cells(b"".join(response.streaming_content)
                               if response.streaming else response.content))  # fmt: skip


def test_roster_export_neutralises_formulas(formula_names, staff, client):
    from members.models import Member

    client.force_login(staff)
    response = client.post(
        reverse("admin:members_member_changelist"),
        {"action": "export_roster", "_selected_action": [formula_names.pk]},
    )
    assert response.status_code == 200
    cells = _cells(response.content)
    _assert_neutralised(cells)
    assert "'+cmd" in cells and "'@SUM(1+1)" in cells
    assert Member.objects.filter(pk=formula_names.pk).exists()
