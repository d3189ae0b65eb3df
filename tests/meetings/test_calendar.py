"""Meetings generated ahead, the presenter rota, cancelling, and the meeting pages."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Meeting, RotaPlace
from meetings.tasks import ensure_upcoming_meetings
from tests.factories import AttendanceFactory, ChapterFactory, MeetingFactory, VisitFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 16)  # the week before British Summer Time starts (29 March 2026)


def test_the_next_eight_weekly_meetings_are_created_once(chapter):
    assert services.ensure_upcoming_meetings(chapter=chapter, today=MONDAY) == 8
    assert services.ensure_upcoming_meetings(chapter=chapter, today=MONDAY) == 0
    dates = list(Meeting.objects.filter(chapter=chapter).values_list("date", flat=True))
    assert dates == [dt.date(2026, 3, 17) + dt.timedelta(weeks=n) for n in range(8)]
    assert {d.weekday() for d in dates} == {chapter.meeting_weekday}


def test_a_meeting_today_is_among_the_upcoming(chapter):
    services.ensure_upcoming_meetings(chapter=chapter, weeks=1, today=dt.date(2026, 3, 17))
    assert Meeting.objects.get().date == dt.date(2026, 3, 17)


def test_start_times_follow_the_chapters_clock_across_daylight_saving(chapter):
    services.ensure_upcoming_meetings(chapter=chapter, weeks=3, today=MONDAY)
    starts = {m.date: m.starts_at for m in Meeting.objects.all()}
    utc = dt.UTC
    # 07:00 in London is 07:00 UTC before the clocks go forward and 06:00 UTC after.
    assert starts[dt.date(2026, 3, 24)].astimezone(utc).hour == 7
    assert starts[dt.date(2026, 3, 31)].astimezone(utc).hour == 6
    assert {s.astimezone(chapter.tz).hour for s in starts.values()} == {7}


def test_a_chapter_in_another_zone_gets_its_own_clock():
    chapter = ChapterFactory(time_zone="America/New_York", meeting_weekday=3)
    services.ensure_upcoming_meetings(chapter=chapter, weeks=1, today=MONDAY)
    meeting = Meeting.objects.get(chapter=chapter)
    assert meeting.date == dt.date(2026, 3, 19)
    assert meeting.starts_at.astimezone(dt.UTC).hour == 11  # 07:00 EDT


def test_the_beat_task_keeps_every_chapter_eight_weeks_ahead(chapter, other_chapter, settings):
    assert "meetings.tasks.ensure_upcoming_meetings" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    ensure_upcoming_meetings.apply().get()
    ensure_upcoming_meetings.apply().get()
    assert Meeting.objects.filter(chapter=chapter).count() == 8
    assert Meeting.objects.filter(chapter=other_chapter).count() == 8


# --- The rota -------------------------------------------------------------------------------------


@pytest.fixture
def rota(chapter, member, other_member, president):
    for person in (member, other_member, president):
        services.add_to_rota(chapter=chapter, member=person)
    return [member, other_member, president]


def presenters(chapter):
    return list(
        Meeting.objects.filter(chapter=chapter, date__gte=chapter.today())
        .order_by("date")
        .values_list("presenter_id", flat=True)
    )


def test_upcoming_meetings_get_presenters_in_rota_order(chapter, rota):
    services.ensure_upcoming_meetings(chapter=chapter, weeks=4)
    ids = [m.pk for m in rota]
    assert presenters(chapter) == [ids[0], ids[1], ids[2], ids[0]]


def test_the_rota_continues_after_the_last_presenter(chapter, rota):
    last_week = chapter.today() - dt.timedelta(days=7)
    MeetingFactory(chapter=chapter, date=last_week, presenter=rota[0])
    services.ensure_upcoming_meetings(chapter=chapter, weeks=3)
    assert presenters(chapter) == [rota[1].pk, rota[2].pk, rota[0].pk]


def test_president_moves_a_member_up_and_the_presenters_follow(login, president, chapter, rota):
    services.ensure_upcoming_meetings(chapter=chapter, weeks=3)
    client = login(president)
    response = client.post(reverse("meetings:rota"), {"member": rota[2].pk, "action": "up"})
    assert response.status_code == 302
    order = list(RotaPlace.objects.filter(chapter=chapter).values_list("member_id", flat=True))
    assert order == [rota[0].pk, rota[2].pk, rota[1].pk]
    assert presenters(chapter) == order
    client.post(reverse("meetings:rota"), {"member": rota[0].pk, "action": "down"})
    assert presenters(chapter) == [rota[2].pk, rota[0].pk, rota[1].pk]
    page = client.get(reverse("meetings:rota"))
    assert page.status_code == 200
    assert f"Move {rota[2]} up" in page.content.decode()


def test_moving_the_first_member_up_changes_nothing(login, president, chapter, rota):
    login(president).post(reverse("meetings:rota"), {"member": rota[0].pk, "action": "up"})
    order = list(RotaPlace.objects.filter(chapter=chapter).values_list("member_id", flat=True))
    assert order == [m.pk for m in rota]


def test_members_cannot_change_the_rota(login, member, rota):
    client = login(member)
    assert client.get(reverse("meetings:rota")).status_code == 403
    assert (
        client.post(reverse("meetings:rota"), {"member": rota[1].pk, "action": "up"}).status_code
        == 403
    )


def test_another_chapters_member_cannot_be_put_on_our_rota(login, president, outsider):
    response = login(president).post(
        reverse("meetings:rota"), {"member": outsider.pk, "action": "add"}
    )
    assert response.status_code == 404
    assert not RotaPlace.objects.exists()


# --- Cancelling -----------------------------------------------------------------------------------


def test_leadership_cancels_a_meeting_with_a_reason_and_the_rota_moves_on(
    login, president, chapter, rota
):
    services.ensure_upcoming_meetings(chapter=chapter, weeks=3)
    first = Meeting.objects.filter(chapter=chapter).order_by("date").first()
    response = login(president).post(
        reverse("meetings:cancel", args=[first.pk]), {"reason": "Bank holiday"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.cancelled, first.cancel_reason, first.presenter) == (True, "Bank holiday", None)
    assert presenters(chapter) == [None, rota[0].pk, rota[1].pk]


def test_cancelling_needs_a_reason(login, president, chapter):
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() + dt.timedelta(days=7))
    response = login(president).post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    meeting.refresh_from_db()
    assert not meeting.cancelled


def test_a_meeting_with_marks_cannot_be_cancelled(login, president, member, chapter):
    meeting = MeetingFactory(chapter=chapter, date=dt.date(2026, 11, 17))
    AttendanceFactory(meeting=meeting, member=member)
    response = login(president).post(
        reverse("meetings:cancel", args=[meeting.pk]), {"reason": "Snow"}
    )
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert not meeting.cancelled


def test_members_cannot_cancel(login, member, chapter):
    meeting = MeetingFactory(chapter=chapter, date=dt.date(2026, 11, 17))
    assert (
        login(member)
        .post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "x"})
        .status_code
        == 403
    )


# --- Pages ----------------------------------------------------------------------------------------


def test_meeting_page_shows_presenter_visitors_and_who_is_on_leave(
    login, member, chapter, president
):
    from tests.factories import MemberFactory

    day = chapter.today() + dt.timedelta(days=7)
    meeting = MeetingFactory(chapter=chapter, date=day, presenter=president)
    VisitFactory(
        meeting=meeting, visitor__chapter=chapter, visitor__name="Grace Hopper", attended=False
    )
    MemberFactory(chapter=chapter, status="on_leave", user__first_name="Resting", leave_from=day)
    html = login(member).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Feature presentation: <strong>Priya" in html
    assert "Grace Hopper" in html
    assert "Resting" in html
    assert "Take attendance" not in html


def test_another_chapters_meeting_is_404(login, member, other_chapter):
    meeting = MeetingFactory(chapter=other_chapter)
    assert login(member).get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404


@pytest.mark.parametrize("size", [2, 10])
def test_meeting_list_shows_upcoming_and_recent_in_fixed_queries(
    login, member, chapter, size, django_assert_max_num_queries
):
    today = chapter.today()
    for n in range(size):
        MeetingFactory(chapter=chapter, date=today + dt.timedelta(weeks=n))
        MeetingFactory(chapter=chapter, date=today - dt.timedelta(weeks=n + 1))
    client = login(member)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("meetings:list"))
    assert response.status_code == 200
    assert reverse("meetings:list") in response.content.decode()  # the nav link
