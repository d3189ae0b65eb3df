"""Visitors: members register them, the visitor host marks who came, follow-up, the list."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Visit, Visitor
from tests.factories import ClassificationFactory, MeetingFactory, VisitFactory, VisitorFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def form_data(meeting, **overrides):
    data = {
        "name": "Grace Hopper",
        "email": "Grace@Example.test",
        "phone": "+44 20 7946 0999",
        "company": "Hopper Print",
        "trade": "Printer",
        "meeting": meeting.pk,
    }
    data.update(overrides)
    return data


def test_member_registers_a_visitor_they_invited(login, member, next_meeting):
    response = login(member).post(reverse("meetings:visitor_add"), form_data(next_meeting))
    assert response.status_code == 302
    visit = Visit.objects.select_related("visitor").get()
    assert (visit.meeting, visit.invited_by, visit.attended) == (next_meeting, member, False)
    assert visit.visitor.email == "grace@example.test"
    assert visit.visitor.status == Visitor.Status.INVITED


def test_the_same_email_finds_the_visitor_again(login, member, chapter, next_meeting):
    later = MeetingFactory(chapter=chapter, date=next_meeting.date + dt.timedelta(weeks=1))
    client = login(member)
    client.post(reverse("meetings:visitor_add"), form_data(next_meeting))
    client.post(reverse("meetings:visitor_add"), form_data(later, email="grace@example.TEST"))
    assert Visitor.objects.count() == 1
    assert Visit.objects.count() == 2


def test_a_visitor_of_another_chapter_with_the_same_email_is_another_visitor(
    login, member, outsider, next_meeting
):
    VisitorFactory(chapter=outsider.chapter, email="grace@example.test")
    login(member).post(reverse("meetings:visitor_add"), form_data(next_meeting))
    assert Visitor.objects.filter(chapter=next_meeting.chapter).count() == 1


def test_trade_taken_is_flagged_when_a_seated_member_holds_it(login, member, next_meeting):
    response = login(member).post(
        reverse("meetings:visitor_add"),
        form_data(next_meeting, classification=member.classification_id, trade=""),
        follow=True,
    )
    assert "trade taken" in response.content.decode()


def test_a_third_visit_without_applying_is_refused_with_a_warning(
    login, member, chapter, next_meeting
):
    visitor = VisitorFactory(chapter=chapter, email="grace@example.test", status="attended")
    for weeks in (2, 1):
        VisitFactory(
            visitor=visitor,
            meeting=MeetingFactory(
                chapter=chapter, date=next_meeting.date - dt.timedelta(weeks=weeks)
            ),
            attended=True,
        )
    response = login(member).post(reverse("meetings:visitor_add"), form_data(next_meeting))
    assert response.status_code == 400
    assert "at most twice before applying" in response.content.decode()
    assert not Visit.objects.filter(meeting=next_meeting).exists()
    visitor.status = Visitor.Status.APPLIED
    visitor.save()
    response = login(member).post(reverse("meetings:visitor_add"), form_data(next_meeting))
    assert response.status_code == 302
    assert Visit.objects.filter(meeting=next_meeting).exists()


def test_a_visitor_is_registered_once_per_meeting(login, member, next_meeting):
    client = login(member)
    client.post(reverse("meetings:visitor_add"), form_data(next_meeting))
    response = client.post(reverse("meetings:visitor_add"), form_data(next_meeting))
    assert response.status_code == 400
    assert "already expected" in response.content.decode()
    assert Visit.objects.count() == 1


def test_the_form_needs_a_name_a_trade_and_an_upcoming_meeting(login, member, chapter):
    past = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=7))
    response = login(member).post(
        reverse("meetings:visitor_add"), form_data(past, name="", trade="", email="not-an-email")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "email", "meeting", "trade"}
    assert not Visitor.objects.exists()


# --- The visitor host at the meeting --------------------------------------------------------------


@pytest.fixture
def visit(chapter, member, next_meeting):
    return VisitFactory(
        meeting=next_meeting,
        visitor=VisitorFactory(chapter=chapter, name="Grace Hopper"),
        invited_by=member,
        attended=False,
    )


def test_visitor_host_marks_a_visitor_came_with_one_tap(login, visitor_host, visit, member):
    client = login(visitor_host)
    page = client.get(reverse("meetings:visitors_at", args=[visit.meeting_id]))
    assert "Grace Hopper came" in page.content.decode()
    response = client.post(
        reverse("meetings:visit_attended", args=[visit.pk]), {"attended": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<li")
    visit.refresh_from_db()
    visit.visitor.refresh_from_db()
    assert visit.attended and visit.visitor.status == Visitor.Status.ATTENDED
    assert member.invited_visits.filter(attended=True).count() == 1


def test_without_javascript_the_tap_redirects_back(login, president, visit):
    response = login(president).post(
        reverse("meetings:visit_attended", args=[visit.pk]), {"attended": "1"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#visit-{visit.pk}")


def test_undoing_came_sends_the_visitor_back_to_invited(login, visitor_host, visit):
    client = login(visitor_host)
    url = reverse("meetings:visit_attended", args=[visit.pk])
    client.post(url, {"attended": "1"})
    client.post(url, {"attended": "0"})
    visit.visitor.refresh_from_db()
    assert visit.visitor.status == Visitor.Status.INVITED


def test_members_cannot_mark_visitors(login, member, visit):
    client = login(member)
    assert client.get(reverse("meetings:visitors_at", args=[visit.meeting_id])).status_code == 403
    url = reverse("meetings:visit_attended", args=[visit.pk])
    assert client.post(url, {"attended": "1"}).status_code == 403
    visit.refresh_from_db()
    assert not visit.attended


def test_another_chapters_host_gets_404(login, other_chapter, visit):
    from tests.conftest import _member

    host = _member(other_chapter, "oz@example.test", "Oz", roles=["visitor_host"])
    client = login(host)
    assert (
        client.post(
            reverse("meetings:visit_attended", args=[visit.pk]), {"attended": "1"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("meetings:visitor_detail", args=[visit.visitor_id])).status_code == 404
    )


def test_follow_up_moves_attended_to_applied_to_joined(login, visitor_host, visit):
    client = login(visitor_host)
    visitor = visit.visitor
    url = reverse("meetings:visitor_detail", args=[visitor.pk])
    client.post(reverse("meetings:visit_attended", args=[visit.pk]), {"attended": "1"})
    assert client.post(url, {"status": "applied"}).status_code == 302
    assert client.post(url, {"status": "joined"}).status_code == 302
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.JOINED


def test_follow_up_refuses_a_jump(login, visitor_host, visit):
    response = login(visitor_host).post(
        reverse("meetings:visitor_detail", args=[visit.visitor_id]), {"status": "joined"}
    )
    assert response.status_code == 400
    assert "cannot move to joined" in response.content.decode()
    visit.visitor.refresh_from_db()
    assert visit.visitor.status == Visitor.Status.INVITED


def test_an_applicant_may_say_not_interested(login, president, chapter):
    visitor = VisitorFactory(chapter=chapter, status="applied")
    login(president).post(
        reverse("meetings:visitor_detail", args=[visitor.pk]), {"status": "not_interested"}
    )
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.NOT_INTERESTED


# --- The list -------------------------------------------------------------------------------------


def test_visitor_list_filters_by_status_meeting_and_inviter(
    login, president, chapter, member, other_member, next_meeting
):
    other_day = MeetingFactory(chapter=chapter, date=next_meeting.date + dt.timedelta(weeks=1))
    VisitFactory(
        meeting=next_meeting,
        visitor=VisitorFactory(chapter=chapter, name="Ann Alpha"),
        invited_by=member,
        attended=False,
    )
    VisitFactory(
        meeting=other_day,
        visitor=VisitorFactory(chapter=chapter, name="Ben Beta", status="applied"),
        invited_by=other_member,
        attended=False,
    )
    client = login(president)
    url = reverse("meetings:visitors")

    def names(**params):
        html = client.get(url, params).content.decode()
        return {n for n in ("Ann Alpha", "Ben Beta") if n in html}

    assert names() == {"Ann Alpha", "Ben Beta"}
    assert names(status="applied") == {"Ben Beta"}
    assert names(meeting=next_meeting.pk) == {"Ann Alpha"}
    assert names(invited_by=other_member.pk) == {"Ben Beta"}


def test_visitor_list_shows_trade_taken(login, president, chapter, member):
    VisitorFactory(chapter=chapter, name="Clash Person", classification=member.classification)
    VisitorFactory(chapter=chapter, name="Fresh Person", classification=ClassificationFactory())
    html = login(president).get(reverse("meetings:visitors")).content.decode()
    assert html.split("Clash Person")[1].split("</li>")[0].count("Trade taken") == 1
    assert "Trade taken" not in html.split("Fresh Person")[1].split("</li>")[0]


def test_visitor_list_is_for_hosts_and_leaders(login, member, visitor_host, vice_president):
    assert login(member).get(reverse("meetings:visitors")).status_code == 403
    assert login(visitor_host).get(reverse("meetings:visitors")).status_code == 200
    assert login(vice_president).get(reverse("meetings:visitors")).status_code == 200


def test_visitor_list_hides_other_chapters(login, president, outsider):
    VisitorFactory(chapter=outsider.chapter, name="Hidden Guest")
    assert "Hidden Guest" not in login(president).get(reverse("meetings:visitors")).content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_visitor_list_query_count_is_fixed(
    login, president, chapter, member, next_meeting, size, django_assert_num_queries
):
    for _ in range(size):
        VisitFactory(
            meeting=next_meeting, visitor=VisitorFactory(chapter=chapter), invited_by=member
        )
    client = login(president)
    with django_assert_num_queries(5):
        assert client.get(reverse("meetings:visitors")).status_code == 200
