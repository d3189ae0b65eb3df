"""The pages that show slips, with slips across the chapter line and people outside Slipstream
(DOMAIN.md "Beyond the chapter"): nothing breaks where a side names no member, the outside
party is named as the slip holds it, and a member of another chapter carries their chapter's
name ("Pat Lee · Hilltop"). Money follows DOMAIN.md: a thank-you counts for the member thanked
(PALMS, "business generated") and in its writer's "business received"; an unknown writer's in
nobody's, and one thanking someone outside Slipstream in nobody's PALMS."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import models as slip_models
from referrals.models import OneToOne, Referral, Tyfcb
from reports.palms import palms_rows
from tests.conftest import _member
from tests.factories import MeetingFactory, MemberFactory, UserFactory, grant_tyfcb_slips
from tests.html import shown
from triggers.revision import touch

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(chapter):
    return chapter.today()


@pytest.fixture
def pat(other_chapter):
    """A member of Hilltop, the chapter next door."""
    return MemberFactory(
        chapter=other_chapter,
        user=UserFactory(email="pat@example.test", first_name="Pat", last_name="Lee"),
    )


@pytest.fixture
def alice(chapter):
    return MemberFactory(
        chapter=chapter,
        user=UserFactory(email="alice@example.test", first_name="Alice", last_name="Ash"),
    )


def referral(giver, receiver, day, name, *, chapter=None, **outside):
    return Referral.objects.create(
        chapter=chapter or giver.chapter,
        giver=giver,
        receiver=receiver,
        date=day,
        contact_name=name,
        **outside,
    )


def tyfcb(day, amount, *, chapter, writer=None, thanked=None, **outside):
    return Tyfcb.objects.create(
        chapter=chapter,
        writer=writer,
        thanked=thanked,
        date=day,
        amount=Decimal(amount),
        **outside,
    )


@pytest.fixture
def slips(chapter, other_chapter, alice, pat, today):
    """Alice's week with Pat of Hilltop and with people outside Slipstream."""
    from_pat = referral(pat, alice, today, "From Pat Lead")
    from_outside = Referral.objects.create(
        chapter=chapter,
        giver=None,
        other_name="Ann Lee",
        other_chapter_name="BNI Givers, Deira",
        receiver=alice,
        date=today,
        contact_name="From Ann Lead",
    )
    to_pat = referral(alice, pat, today, "To Pat Lead")
    unknown = tyfcb(today, "40.00", chapter=chapter, thanked=alice)
    former = tyfcb(today, "75.00", chapter=chapter, writer=alice, other_name="Old Member")
    across = tyfcb(today, "300.00", chapter=other_chapter, writer=pat, thanked=alice)
    to_hilltop = tyfcb(today, "1234.00", chapter=chapter, writer=alice, thanked=pat)
    visitor = OneToOne.objects.create(
        chapter=chapter,
        member_a=alice,
        other_name="Visitor Vee",
        date=today,
        time=dt.time(9, 0),
        place="Café Nero",
        status="planned",
    )
    with_pat = OneToOne.objects.create(
        chapter=chapter,
        member_a=min(alice, pat, key=lambda m: m.pk),
        member_b=max(alice, pat, key=lambda m: m.pk),
        date=today,
        status="done",
    )
    praise = slip_models.Testimonial.objects.create(
        chapter=other_chapter, giver=pat, receiver=alice, date=today, text="Great work"
    )
    return {
        "from_pat": from_pat,
        "from_outside": from_outside,
        "to_pat": to_pat,
        "unknown": unknown,
        "former": former,
        "across": across,
        "to_hilltop": to_hilltop,
        "visitor": visitor,
        "with_pat": with_pat,
        "praise": praise,
    }


# --- The member's own pages ---------------------------------------------------------------


def test_the_dashboard_names_the_other_chapter_and_the_people_outside(login, alice, slips):
    html = login(alice).get(reverse("home")).text
    assert "Referral from Pat Lee · Hilltop" in html
    assert "Referral from Ann Lee (BNI Givers, Deira)" in html
    assert "Referral to Pat Lee · Hilltop" in html
    assert "Thank-you from Unknown writer" in html
    assert "Thank-you to Old Member" in html
    assert "Thank-you from Pat Lee · Hilltop" in html
    assert "1-2-1 with Visitor Vee" in html
    assert "1-2-1 with Pat Lee · Hilltop" in html
    assert "Testimonial from Pat Lee · Hilltop" in html
    waiting = html[html.index('id="waiting-heading"') : html.index('id="next-heading"')]
    assert "from Pat Lee · Hilltop" in waiting and "from Ann Lee (BNI Givers, Deira)" in waiting
    upcoming = html[html.index('id="next-heading"') : html.index('id="week-heading"')]
    assert "Visitor Vee" in upcoming


def test_business_generated_and_received_count_every_chapters_thank_yous(login, alice, slips):
    """Generated: every thank-you to Alice, whichever chapter logged it (the unknown writer's
    too). Received: what she wrote, the one to a former member included."""
    board = login(alice).get(reverse("home")).context["board"]
    assert board.business_generated == Decimal("340.00")  # 40 unknown + 300 from Pat
    assert board.business_received == Decimal("1309.00")  # 75 to Old Member + 1234 to Pat
    assert board.counts == {"tyfcbs_written": 2, "tyfcbs_thanked": 2}


def test_an_unknown_writer_counts_for_the_thanked_and_in_nobodys_business_received(
    login, chapter, alice, other_member, today
):
    tyfcb(today, "40.00", chapter=chapter, thanked=alice)
    for who in (alice, other_member):
        touch(chapter.pk)
        board = login(who).get(reverse("home")).context["board"]
        assert board.business_received == Decimal("0.00"), who
    assert login(alice).get(reverse("home")).context["board"].business_generated == Decimal("40.00")
    rows = {r.member_id: r for r in palms_rows(chapter, today, today)}
    assert rows[alice.pk]["TYFCB"] == Decimal("40.00")
    assert rows[other_member.pk]["TYFCB"] == Decimal("0.00")


def test_a_thank_you_to_a_former_member_counts_in_no_palms_but_in_the_writers_business_received(
    login, chapter, alice, other_member, today
):
    """The former member is outside (no row); the writer's business received includes it."""
    tyfcb(today, "75.00", chapter=chapter, writer=alice, other_name="Old Member")
    rows = palms_rows(chapter, today, today)
    assert {r.member_id for r in rows} == {alice.pk, other_member.pk}
    assert all(r["TYFCB"] == Decimal("0.00") for r in rows)
    board = login(alice).get(reverse("home")).context["board"]
    assert board.business_received == Decimal("75.00")
    assert board.business_generated == Decimal("0.00")


def test_the_inbox_of_a_receiver_in_another_chapter_lists_the_referral(login, alice, pat, slips):
    html = login(pat).get(reverse("referrals:inbox")).text
    assert "To Pat Lead" in html
    assert "From Alice Ash · Riverside" in html
    mine = login(alice).get(reverse("referrals:inbox"))
    html = mine.text
    assert "From Pat Lee · Hilltop" in html
    assert "From Ann Lee (BNI Givers, Deira)" in html
    assert mine.context["inbox"].open_total == 2


def test_a_status_tap_redraws_the_card_with_the_outside_giver(login, alice, slips):
    from_outside = slips["from_outside"]
    response = login(alice).post(
        reverse("referrals:set_status", args=[from_outside.pk]),
        {"to_status": "won", "confirmed": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "From Ann Lee (BNI Givers, Deira)" in response.text
    assert "thank Ann Lee (BNI Givers, Deira) for the business" in response.text


def test_every_inbox_card_names_the_giver_across_the_line(login, alice, slips):
    """A won card's thank-you line and an open card's "From" name the giver as Alice reads
    them: a member of another chapter with its name, someone outside as the slip holds them."""
    Referral.objects.filter(pk=slips["from_pat"].pk).update(status="won")
    html = shown(login(alice).get(reverse("referrals:inbox")).text)
    won = _card(html, slips["from_pat"])
    assert "From Pat Lee · Hilltop" in won
    assert "thank Pat Lee · Hilltop for the business" in won
    assert "From Ann Lee (BNI Givers, Deira)" in _card(html, slips["from_outside"])


def _card(html: str, slip) -> str:
    start = html.index(f'<li id="referral-{slip.pk}"')
    return html[start : html.index("</li>", start)]


def test_the_giver_sees_the_outcome_across_the_line(login, alice, pat, slips):
    to_pat = slips["to_pat"]
    login(pat).post(
        reverse("referrals:set_status", args=[to_pat.pk]), {"to_status": "won", "confirmed": "1"}
    )
    html = login(alice).get(reverse("referrals:given")).text
    assert "To Pat Lee · Hilltop" in html
    assert "Passed to Pat Lee · Hilltop" in html
    assert "status-won" in html
    detail = login(alice).get(reverse("referrals:detail", args=[to_pat.pk])).text
    assert "Pat Lee · Hilltop" in detail and "Won" in detail


def test_referral_detail_names_the_outside_giver_and_the_other_chapters(login, alice, pat, slips):
    html = login(alice).get(reverse("referrals:detail", args=[slips["from_outside"].pk])).text
    assert "<dt>From</dt><dd>Ann Lee (BNI Givers, Deira)</dd>" in html
    assert "<dt>To</dt><dd>Alice Ash</dd>" in html
    html = login(pat).get(reverse("referrals:detail", args=[slips["to_pat"].pk])).text
    assert "<dt>From</dt><dd>Alice Ash · Riverside</dd>" in html
    assert "<dt>To</dt><dd>Pat Lee</dd>" in html


@pytest.mark.parametrize(
    ("slip", "writer", "thanked", "leaders"),
    [
        ("unknown", "Unknown writer", "Alice Ash", "Riverside"),
        ("former", "Alice Ash", "Old Member", "Riverside"),
        ("across", "Pat Lee · Hilltop", "Alice Ash", "Riverside"),
    ],
)
def test_a_thank_you_page_names_both_sides_and_whose_leaders_read_it(
    login, alice, slips, slip, writer, thanked, leaders
):
    html = login(alice).get(reverse("referrals:tyfcb_detail", args=[slips[slip].pk])).text
    assert f"<dt>Written by</dt><dd>{writer}</dd>" in html
    assert f"<dt>Thanks</dt><dd>{thanked}</dd>" in html
    assert f"the president and vice-president of {leaders} see this slip" in html


def test_a_thank_you_across_the_line_stays_closed_to_the_writers_leaders(
    login, chapter, alice, pat, slips
):
    """Alice's thank-you to Pat is Hilltop's leaders' to read, not Riverside's."""
    their_vp = _member(pat.chapter, "hugo@example.test", "Hugo", roles=["vice_president"])
    our_vp = _member(chapter, "vera@example.test", "Vera", roles=["vice_president"])
    url = reverse("referrals:tyfcb_detail", args=[slips["to_hilltop"].pk])
    assert login(our_vp).get(url).status_code == 404
    html = login(their_vp).get(url).text
    assert "<dt>Written by</dt><dd>Alice Ash · Riverside</dd>" in html
    assert "1,234.00" in html


# --- The vice-president's week ------------------------------------------------------------


def test_the_week_lists_the_slips_logged_in_the_chapter_and_hides_thank_yous_to_others(
    login, chapter, alice, pat, slips, today
):
    vice_president = _member(chapter, "vera@example.test", "Vera", roles=["vice_president"])
    meeting = MeetingFactory(chapter=chapter, date=today)
    response = login(vice_president).get(reverse("referrals:submit_week"), {"meeting": meeting.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert {r.contact_name for r in report.referrals} == {"From Ann Lead", "To Pat Lead"}
    assert {t.pk for t in report.tyfcbs} == {slips["unknown"].pk, slips["former"].pk}
    assert report.tyfcbs_elsewhere == 1
    assert report.tyfcb_total == Decimal("115.00")  # not Alice's 1234.00 to Pat
    html = response.text
    assert "1234" not in html
    assert "<td>Ann Lee (BNI Givers, Deira)</td><td>Alice Ash</td>" in html
    assert "<td>Alice Ash</td><td>Pat Lee · Hilltop</td>" in html
    assert "<td>Unknown writer</td><td>Alice Ash</td>" in html
    assert "<td>Alice Ash</td><td>Old Member</td>" in html
    assert "Alice Ash &amp; Visitor Vee" in html
    assert "1 thank-you logged this week thanks a member of another chapter" in html


def test_the_other_chapters_week_shows_its_slips_to_our_member_but_not_our_money(
    login, other_chapter, alice, pat, slips, today
):
    vice_president = _member(other_chapter, "hugo@example.test", "Hugo", roles=["vice_president"])
    meeting = MeetingFactory(chapter=other_chapter, date=today)
    response = login(vice_president).get(reverse("referrals:submit_week"), {"meeting": meeting.pk})
    report = response.context["report"]
    assert [r.contact_name for r in report.referrals] == ["From Pat Lead"]
    # Pat's thank-you to Alice is logged in Hilltop's week, but it is Riverside's to read.
    assert (report.tyfcbs, report.tyfcbs_elsewhere) == ([], 1)
    assert report.tyfcb_total == Decimal("0.00")
    assert "300.00" not in response.text
    html = response.text
    assert "<td>Pat Lee</td><td>Alice Ash · Riverside</td><td><a" in html  # the referral


# --- What they cost ---------------------------------------------------------------------------


def _more(alice, pat, today, n):
    """``n`` more of each shape across the line or beyond Slipstream."""
    for i in range(n):
        referral(pat, alice, today, f"Pat {i}")
        Referral.objects.create(
            chapter=alice.chapter,
            other_name=f"Outsider {i}",
            receiver=alice,
            date=today,
            contact_name=f"Out {i}",
        )
        referral(alice, pat, today - dt.timedelta(days=i), f"Gave {i}")
        tyfcb(today, "5.00", chapter=alice.chapter, thanked=alice)
        tyfcb(today, "6.00", chapter=alice.chapter, writer=alice, other_name=f"Former {i}")
        OneToOne.objects.create(
            chapter=alice.chapter,
            member_a=alice,
            other_name=f"Guest {i}",
            status="planned",
            date=today + dt.timedelta(days=i + 1),
        )


@pytest.mark.parametrize(
    ("page", "expected"),
    [("home", 6), ("referrals:inbox", 2), ("referrals:given", 4)],
)
def test_pages_cost_the_pinned_queries_with_slips_beyond_the_chapter(
    login, chapter, alice, pat, slips, today, page, expected
):
    """The same counts as tests/referrals/test_dashboard.py pins for slips in the chapter:
    a missing member is a LEFT JOIN, the other chapter's name comes with the member."""
    client = login(alice)
    for n in (0, 12):
        _more(alice, pat, today, n)
        touch(chapter.pk)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page)).status_code == 200
        assert len(queries) == expected, "\n\n".join(q["sql"] for q in queries.captured_queries)


def test_the_week_costs_the_same_queries_however_many_slips_cross_the_line(
    login, chapter, alice, pat, slips, today
):
    vice_president = _member(chapter, "vera@example.test", "Vera", roles=["vice_president"])
    meeting = MeetingFactory(chapter=chapter, date=today)
    client = login(vice_president)
    counts = []
    for n in (0, 10):
        _more(alice, pat, today, n)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("referrals:submit_week"), {"meeting": meeting.pk})
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The admin and "download my data" ------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "shown_labels"),
    [
        ("referral", ["Ann Lee (BNI Givers, Deira)", "Pat Lee · Hilltop"]),
        ("tyfcb", ["Unknown writer", "Old Member", "Pat Lee · Hilltop"]),
        ("onetoone", ["Visitor Vee"]),
        ("testimonial", ["Pat Lee"]),
    ],
)
def test_the_admin_lists_slips_with_a_missing_member_and_names_the_party(
    login, staff, slips, model, shown_labels
):
    grant_tyfcb_slips(staff)  # staff read single thank-you slips only with the grant
    response = login(staff).get(reverse(f"admin:referrals_{model}_changelist"))
    assert response.status_code == 200
    for label in shown_labels:
        assert label in response.text, label


@pytest.mark.parametrize(
    ("model", "query", "count"),
    [("referral", "BNI Givers", 1), ("tyfcb", "old member", 1), ("onetoone", "vee", 1)],
)
def test_the_admin_finds_a_slip_by_its_outside_party(login, staff, slips, model, query, count):
    grant_tyfcb_slips(staff)
    response = login(staff).get(reverse(f"admin:referrals_{model}_changelist"), {"q": query})
    assert response.context["cl"].result_count == count


def test_my_data_carries_the_outside_parties(login, alice, slips):
    data = json.loads(login(alice).get(reverse("members:my_data")).content)
    referrals = {r["contact_name"]: r for r in data["referrals"]}
    assert referrals["From Ann Lead"]["giver__user__email"] is None
    assert referrals["From Ann Lead"]["other_name"] == "Ann Lee"
    assert referrals["From Ann Lead"]["other_chapter_name"] == "BNI Givers, Deira"
    assert referrals["From Pat Lead"]["giver__user__email"] == "pat@example.test"
    thanks = {t["amount"]: t for t in data["tyfcbs"]}
    assert thanks["40.00"]["writer__user__email"] is None and thanks["40.00"]["other_name"] == ""
    assert thanks["75.00"]["thanked__user__email"] is None
    assert thanks["75.00"]["other_name"] == "Old Member"
    assert thanks["300.00"]["writer__user__email"] == "pat@example.test"
    ones = {o["other_name"]: o for o in data["one_to_ones"]}
    assert ones["Visitor Vee"]["member_b__user__email"] is None


def test_a_kept_inbox_and_dashboard_show_a_referral_logged_in_another_chapter_since(
    login, alice, pat, today
):
    """Both chapters' revisions move when a slip crosses the line: the receiver's kept pages
    are drawn again."""
    client = login(pat)
    assert "Fresh Lead" not in client.get(reverse("referrals:inbox")).text
    assert "Fresh Lead" not in client.get(reverse("home")).text
    referral(alice, pat, today, "Fresh Lead")
    assert "Fresh Lead" in client.get(reverse("referrals:inbox")).text
    assert "Fresh Lead" in client.get(reverse("home")).text


def test_a_thank_you_to_someone_outside_is_edited_and_its_outside_side_stays(member, login, today):
    from referrals import services

    tyfcb = services.tyfcb_create(
        writer=member, other_name="Former Member", date=today, amount="100"
    )
    client = login(member)
    url = reverse("referrals:slip_edit", args=["tyfcb", tyfcb.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="thanked"' not in page.content.decode()
    response = client.post(url, {"date": today.isoformat(), "amount": "250", "business": "new"})
    assert response.status_code == 302, response.content.decode()[:2000]
    tyfcb.refresh_from_db()
    assert tyfcb.amount == Decimal("250.00") and tyfcb.other_name == "Former Member"
    assert tyfcb.thanked_id is None


def test_the_vice_president_corrects_an_imported_thank_you_from_an_unknown_writer(
    member, vice_president, login, today
):
    tyfcb = Tyfcb.objects.create(
        chapter=member.chapter,
        thanked=member,
        date=today,
        amount=Decimal("10.00"),
        source="bni_connect",
    )
    client = login(vice_president)
    url = reverse("referrals:slip_edit", args=["tyfcb", tyfcb.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"date": today.isoformat(), "amount": "12", "business": "new", "thanked": member.pk},
    )
    assert response.status_code == 302
    tyfcb.refresh_from_db()
    assert tyfcb.amount == Decimal("12.00") and tyfcb.writer_id is None
