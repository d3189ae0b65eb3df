"""Pages kept in the cache under the chapter's revision (pages.kept): a second visit
reads nothing of the chapter, and any write (through a page, the admin or the ORM) shows at once.
"""

import datetime as dt
import re
import threading
import time
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Chapter
from pages.kept import drawn_each, drawn_from, forget_recent, fragment
from tests.factories import AttendanceFactory, MeetingFactory, MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def main(html: str) -> str:
    """The page's own content (the head holds a per-request CSP nonce)."""
    return html[html.index("<main") : html.index("</main>")]


def week_referrals(html: str) -> int:
    found = re.search(r'<th scope="row">Referrals</th><td class="num">(\d+)</td>', html)
    return int(found.group(1))


def test_the_chapter_page_shows_a_referral_logged_after_it_was_cached(
    login, vice_president, member
):
    client = login(vice_president)
    first = client.get(reverse("reports:chapter")).text
    assert main(client.get(reverse("reports:chapter")).text) == main(first)  # cached, the same
    ReferralFactory(giver=member, receiver=vice_president, date=member.chapter.today())
    assert week_referrals(client.get(reverse("reports:chapter")).text) == week_referrals(first) + 1


def test_each_window_has_its_own_matrix(login, vice_president, member):
    today = member.chapter.today()
    ReferralFactory(giver=member, receiver=vice_president, date=today - dt.timedelta(days=20))
    client = login(vice_president)
    four_weeks = client.get(reverse("reports:chapter"), {"range": "4w"}).text
    one_week = client.get(reverse("reports:chapter"), {"range": "week"}).text
    assert '<td class="num heat-5">1</td>' in four_weeks
    assert '<td class="num heat-5">1</td>' not in one_week


def test_the_lights_show_a_new_member_and_a_renamed_one(login, vice_president, member):
    client = login(vice_president)
    assert "Newcomer" not in client.get(reverse("reports:lights")).text
    MemberFactory(chapter=member.chapter, user__first_name="Newcomer")
    member.user.first_name = "Alicia"
    member.user.save()
    page = client.get(reverse("reports:lights")).text
    assert "Newcomer" in page
    assert "Alicia" in page


def test_the_review_shows_a_mark_taken_through_the_take_attendance_page(
    login, vice_president, member
):
    chapter = member.chapter
    meeting = MeetingFactory(chapter=chapter, date=chapter.today() - dt.timedelta(days=1))
    AttendanceFactory(meeting=meeting, member=vice_president)
    client = login(vice_president)
    assert '<td class="cell mark-A">' not in client.get(reverse("meetings:review")).text
    response = client.post(reverse("meetings:mark", args=[meeting.pk, member.pk]), {"mark": "A"})
    assert response.status_code == 302
    assert '<td class="cell mark-A">' in client.get(reverse("meetings:review")).text


def test_the_review_follows_the_chapters_policy_settings(login, vice_president):
    client = login(vice_president)
    assert "at most 3 absences" in client.get(reverse("meetings:review")).text
    chapter = Chapter.objects.get(pk=vice_president.chapter_id)
    chapter.absence_limit = 2
    chapter.save()
    assert "at most 2 absences" in client.get(reverse("meetings:review")).text


def test_a_new_day_draws_the_lights_again(login, vice_president):
    """The 26-week window ends today: the fragment of yesterday is not today's."""
    client = login(vice_president)
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False):
        monday = client.get(reverse("reports:lights")).text
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC), tick=False):
        tuesday = client.get(reverse("reports:lights")).text
    assert "since 26 May 2026" in monday
    assert "since 27 May 2026" in tuesday


def test_a_fragment_never_crosses_chapters(login, vice_president, other_chapter):
    """Two chapters' pages are kept apart even when their revisions happen to be equal."""
    from tests.conftest import _member

    theirs = _member(other_chapter, "otto@example.test", "Otto", roles=["vice_president"])
    Chapter.objects.update(revision=0)  # both move on to "now": possibly the same number
    ours = login(vice_president).get(reverse("reports:lights")).text
    their_page = login(theirs).get(reverse("reports:lights")).text
    assert "Victor" in ours and "Victor" not in their_page
    assert "Otto" in their_page and "Otto" not in ours


def test_the_directory_shows_a_renamed_trade_and_a_search_is_drawn_fresh(login, member):
    client = login(member)
    assert "Chimney sweep" not in client.get(reverse("members:directory")).text
    trade = member.classification
    trade.name = "Chimney sweep"
    trade.save()
    assert "Chimney sweep" in client.get(reverse("members:directory")).text
    found = client.get(reverse("members:directory"), {"q": "chimney"}, headers={
        "HX-Request": "true", "HX-Target": "member-list"}).text  # fmt: skip
    assert "Chimney sweep" in found and "<html" not in found


def test_the_inbox_shows_a_status_tap_at_once(login, member, other_member):
    referral = ReferralFactory(giver=other_member, receiver=member, contact_name="Tapped")
    client = login(member)
    assert 'class="badge status-new">New' in client.get(reverse("referrals:inbox")).text
    client.post(reverse("referrals:set_status", args=[referral.pk]), {"to_status": "contacted"})
    page = client.get(reverse("referrals:inbox")).text
    assert 'class="badge status-contacted">Contacted' in page
    assert "<!--csrf-->" not in page


def test_palms_shows_a_referral_at_once_and_keeps_each_window_and_order_apart(
    login, vice_president, member
):
    client = login(vice_president)
    url = reverse("reports:palms")

    def given(html: str) -> int:
        """The member's RGI + RGO cells, from their row."""
        row = re.search(rf'<th scope="row">{member.user.first_name} [^<]*</th>(.*?)</tr>', html)
        cells = [int(float(v)) for v in re.findall(r'<td class="num">([\d.]+)</td>', row.group(1))]
        return cells[5] + cells[6]

    first = client.get(url).text
    assert main(client.get(url).text) == main(first)  # kept, the same
    ReferralFactory(giver=member, receiver=vice_president, date=member.chapter.today())
    assert given(client.get(url).text) == given(first) + 1
    by_name = client.get(url, {"sort": "name"}).text
    backwards = client.get(url, {"sort": "name", "dir": "desc"}).text
    assert by_name.index(member.user.first_name) != backwards.index(member.user.first_name)
    assert given(client.get(url, {"range": "week"}).text) == given(first) + 1
    assert client.get(url, {"sort": "<script>"}).status_code == 200  # unknown: by name


def test_the_blank_slip_form_stays_kept_through_slips_and_shows_a_new_member(
    login, member, other_member
):
    """The form lists the roster and no slip: a slip leaves it kept, a new member redraws it."""
    client = login(member)
    url = reverse("referrals:log_slip")
    client.get(url)
    ReferralFactory(giver=other_member, receiver=member, date=member.chapter.today())
    with CaptureQueriesContext(connection) as kept:
        assert client.get(url).status_code == 200
    MemberFactory(chapter=member.chapter, user__first_name="Newcomer")
    with CaptureQueriesContext(connection) as drawn:
        page = client.get(url).text
    assert "Newcomer" in page
    assert len(kept) < len(drawn)


def test_the_blank_slip_form_is_drawn_once_for_the_chapter_and_never_lists_its_viewer(
    login, member, other_member
):
    url = reverse("referrals:log_slip")
    client = login(member)
    with CaptureQueriesContext(connection) as drawn:
        first = client.get(url).text
    client = login(other_member)
    with CaptureQueriesContext(connection) as kept:
        second = client.get(url).text
    assert len(kept) < len(drawn)
    assert f'value="{member.pk}" data-member' not in first
    assert f'value="{other_member.pk}" data-member' in first
    assert f'value="{other_member.pk}" data-member' not in second
    assert f'value="{member.pk}" data-member' in second


def rendered(response) -> list[str]:
    return [t.name for t in response.templates]


def test_the_inbox_is_read_again_after_a_colleagues_slip_but_drawn_only_when_its_own_rows_change(
    login, member, other_member
):
    newcomer = MemberFactory(chapter=member.chapter)
    today = member.chapter.today()
    ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="First Contact")
    client = login(member)
    url = reverse("referrals:inbox")
    first = client.get(url)
    assert "inbox_body" in rendered(first)
    # A slip between two colleagues moves the chapter's revision: read again, not drawn again.
    ReferralFactory(giver=other_member, receiver=newcomer, date=today)
    again = client.get(url)
    assert "inbox_body" not in rendered(again)
    assert "First Contact" in again.text
    # A referral for the member changes its rows: drawn again, and it shows.
    ReferralFactory(giver=newcomer, receiver=member, date=today, contact_name="Second Contact")
    changed = client.get(url)
    assert "inbox_body" in rendered(changed)
    assert "Second Contact" in changed.text
    # So does a status the member set, and a giver's new name.
    other_member.user.first_name = "Renamed"
    other_member.user.save()
    assert "Renamed" in client.get(url).text


def test_a_fragment_many_ask_for_at_once_is_drawn_once():
    """Thirty phones open the slip form as the meeting starts: one draws it, the rest wait."""
    drawn, found = [], []

    def draw():
        drawn.append(1)
        time.sleep(0.2)
        return "<form>"

    data = uuid.uuid4().hex
    askers = [
        threading.Thread(target=lambda: found.append(drawn_from("herd", data, draw)))
        for _ in range(5)
    ]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert found == ["<form>"] * 5
    assert len(drawn) == 1


def test_when_the_one_drawing_fails_the_others_draw_it_themselves():
    first_started = threading.Event()
    calls = []

    def failing():
        calls.append("failed")
        first_started.set()
        raise RuntimeError("the database went away")

    def working():
        calls.append("drawn")
        return "<form>"

    data = uuid.uuid4().hex
    errors = []

    def first():
        try:
            drawn_from("fails", data, failing)
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    first_started.wait(5)
    assert drawn_from("fails", data, working) == "<form>"
    thread.join()
    assert errors and "drawn" in calls


def test_a_fragment_for_one_viewer_is_drawn_without_waiting_and_kept(chapter):
    """A member's own dashboard: nobody else asks for it, so a second asker arriving while it
    is drawn (the same member on two tabs) draws it too rather than wait; once drawn it is
    kept like any other."""
    drawing, drawn = threading.Event(), []

    def slow():
        drawn.append("slow")
        drawing.set()
        time.sleep(0.3)
        return "<p>mine</p>"

    def quick():
        drawn.append("quick")
        return "<p>mine</p>"

    parts = (uuid.uuid4().hex,)
    thread = threading.Thread(target=lambda: fragment(chapter, "own", parts, slow, one_viewer=True))
    thread.start()
    drawing.wait(5)
    assert fragment(chapter, "own", parts, quick, one_viewer=True) == "<p>mine</p>"
    thread.join()
    assert drawn == ["slow", "quick"]  # with others asked to wait, "quick" would not run
    forget_recent()
    assert fragment(chapter, "own", parts, quick, one_viewer=True) == "<p>mine</p>"
    assert drawn == ["slow", "quick"]  # kept: not drawn a third time


def test_an_inbox_drawn_again_draws_only_the_cards_whose_rows_changed(login, member, other_member):
    today = member.chapter.today()
    for n in range(3):
        ReferralFactory(giver=other_member, receiver=member, date=today, contact_name=f"Old {n}")
    client = login(member)
    url = reverse("referrals:inbox")
    first = client.get(url)
    assert rendered(first).count("referral_row") == 3
    # A new referral for the member: the list is drawn again, but of its cards only the new one.
    newest = ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="New")
    changed = client.get(url)
    assert rendered(changed).count("referral_row") == 1
    assert all(f"Old {n}" in changed.text for n in range(3)) and "New" in changed.text
    assert main(changed.text).count('name="csrfmiddlewaretoken"') == 4  # a form a card
    # A step on one card draws that card again, showing the step, and no other.
    newest.status = "contacted"
    newest.save()
    stepped = client.get(url)
    assert rendered(stepped).count("referral_row") == 1
    assert f'id="referral-{newest.pk}" class="card referral-row status-contacted' in stepped.text


def test_pieces_are_drawn_only_for_data_not_drawn_before_and_come_back_in_order():
    drawn = []

    def draw_from(data):
        def draw(i):
            drawn.append(data[i])
            return f"<li>{data[i]}</li>"

        return draw

    first = [uuid.uuid4().hex for _ in range(3)]
    assert drawn_each("piece", first, draw_from(first)) == [f"<li>{d}</li>" for d in first]
    assert drawn == first
    drawn.clear()
    again = [first[2], "new", first[0]]
    assert drawn_each("piece", again, draw_from(again)) == [f"<li>{d}</li>" for d in again]
    assert drawn == ["new"]
    assert drawn_each("piece", [], draw_from([])) == []


def test_the_forms_of_one_page_share_one_csrf_token_and_each_page_gets_its_own(
    login, member, other_member
):
    ReferralFactory(giver=other_member, receiver=member, date=member.chapter.today())
    client = login(member)

    def tokens() -> list[str]:
        html = client.get(reverse("referrals:inbox")).text
        return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)

    first, second = tokens(), tokens()
    assert len(first) == 2 and len(set(first)) == 1  # the card's form and the log-out form
    assert set(first) != set(second)  # masked afresh for each response


def test_the_dashboard_after_a_members_own_slip_keeps_what_waits_for_them(
    login, member, other_member
):
    today = member.chapter.today()
    ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="Waiting One")
    client = login(member)
    first = client.get(reverse("home"))
    assert "waiting" in rendered(first) and "Waiting One" in first.text
    # The member's own slip: the board is drawn again, with it, but what waits is kept.
    ReferralFactory(giver=member, receiver=other_member, date=today, contact_name="Given One")
    again = client.get(reverse("home"))
    assert "board" in rendered(again) and "waiting" not in rendered(again)
    assert "Waiting One" in again.text and "Given One" in again.text
    # A referral for the member: what waits is drawn again, and shows it.
    ReferralFactory(giver=other_member, receiver=member, date=today, contact_name="Waiting Two")
    changed = client.get(reverse("home"))
    assert "waiting" in rendered(changed) and "Waiting Two" in changed.text


def test_the_dashboard_after_a_members_own_slip_draws_that_line_and_takes_the_others(
    login, member, other_member
):
    today = member.chapter.today()
    for n in range(3):
        ReferralFactory(giver=member, receiver=other_member, date=today, contact_name=f"Old {n}")
    client = login(member)
    first = client.get(reverse("home"))
    assert rendered(first).count("week_line") == 3
    assert {"head", "next", "six", "waiting"} <= set(rendered(first))
    # The member's own slip: its line is drawn, and the figures it moved; nothing else.
    ReferralFactory(giver=member, receiver=other_member, date=today, contact_name="Given New")
    again = client.get(reverse("home"))
    assert rendered(again).count("week_line") == 1
    assert not {"head", "next", "waiting"} & set(rendered(again))
    assert "six" in rendered(again)  # the referrals given went from 3 to 4
    shown = main(again.text)
    assert all(f"Old {n}" in shown for n in range(3)) and "Given New" in shown
    assert shown.index("Given New") < shown.index("Old 2")  # newest first, as read
    # A name a line shows changes: that line is drawn again with it.
    other_member.user.first_name = "Renamed"
    other_member.user.save()
    renamed = client.get(reverse("home"))
    assert rendered(renamed).count("week_line") == 4
    assert main(renamed.text).count("Referral to Renamed") == 4


def test_a_board_drawn_again_is_kept_with_its_pieces_in_one_write(
    login, member, other_member, monkeypatch
):
    """What is drawn within a drawing (the board's pieces) goes to the cache with it, in one
    round trip; and a second worker finds all of it there."""
    from django.core.cache import cache

    today = member.chapter.today()
    client = login(member)
    client.get(reverse("home"))
    ReferralFactory(giver=member, receiver=other_member, date=today, contact_name="Given New")
    writes, inside = [], []

    def spy(name, real):
        def call(data, *args, **kwargs):
            if not inside:  # a backend's set_many may call its own set: one write
                writes.append((name, sorted(data) if name == "set_many" else [data]))
            inside.append(name)
            try:
                return real(data, *args, **kwargs)
            finally:
                inside.pop()

        return call

    for name in ("set", "set_many"):
        monkeypatch.setattr(cache, name, spy(name, getattr(cache, name)))
    again = client.get(reverse("home"))
    assert "Given New" in again.text
    [(name, keys)] = writes  # one write: the board, the slip's line and the six months
    assert name == "set_many" and len(keys) == 3
    assert sum(":dashboard:" in key for key in keys) == 1
    # Another process (nothing of its own kept) draws none of it: all of it is in the cache.
    forget_recent()
    monkeypatch.undo()
    other = client.get(reverse("home"))
    assert main(other.text) == main(again.text)
    assert not {"board", "six", "week_line", "head", "waiting"} & set(rendered(other))
