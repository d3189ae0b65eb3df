"""The main navigation: which entries each person sees comes from ``members.access.nav_items``
alone, every entry opens for the person it is offered to, at most four stay on the phone's bar
(with "More" as the fifth), and the page a person is on is marked."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from members.access import nav_items, viewer_of
from pages.links import url_for
from tests.factories import MeetingFactory, RoleFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["member", "vice_president", "president", "membership_committee", "secretary", "staff"]


def _nav(html: str) -> str:
    start = html.index('<nav class="nav"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_entry_offered_opens_for_the_person_it_is_offered_to(persona, request, login):
    who = request.getfixturevalue(persona)
    client = login(who)
    items = nav_items(viewer_of(who))
    assert items[0].name == "home"
    for item in items:
        response = client.get(url_for(item.name, *item.args))
        assert response.status_code == 200, (persona, item.name, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_bar_keeps_at_most_four_entries_and_the_page_draws_them_all(persona, request, login):
    who = request.getfixturevalue(persona)
    items = nav_items(viewer_of(who))
    primary = [item for item in items if item.primary]
    assert 2 <= len(primary) <= 4
    html = _nav(login(who).get(reverse("home")).text)
    for item in items:
        assert f'href="{url_for(item.name, *item.args)}"' in html, item.name
    assert html.count("<summary") == 1 and ">More</span></summary>" in html
    assert ">Log out</button>" in html


def test_each_role_is_offered_what_it_does_most(
    member, vice_president, membership_committee, staff
):
    def names(who, primary):
        return [i.name for i in nav_items(viewer_of(who)) if i.primary is primary]

    assert names(member, True) == [
        "home", "referrals:log_slip", "referrals:inbox", "meetings:list",
    ]  # fmt: skip
    assert names(vice_president, True) == [
        "home", "referrals:log_slip", "meetings:list", "reports:chapter",
    ]  # fmt: skip
    assert {"meetings:review", "referrals:submit_week", "referrals:inbox"} <= set(
        names(vice_president, False)
    )
    assert "meetings:review" not in names(member, False)
    assert "members:invite" in names(membership_committee, False)
    assert "members:invite" not in names(member, False)
    assert names(staff, True) == ["home", "reports:region", "admin:index"]


def test_the_page_one_is_on_is_marked_and_a_page_within_a_section_marks_the_section(
    login, member, chapter
):
    client = login(member)
    nav = _nav(client.get(reverse("meetings:list")).text)
    assert f'<a href="{reverse("meetings:list")}" aria-current="page">' in nav
    assert nav.count("aria-current") == 1
    meeting = MeetingFactory(chapter=chapter, date=chapter.today())
    nav = _nav(client.get(reverse("meetings:detail", args=[meeting.pk])).text)
    assert f'<a href="{reverse("meetings:list")}" aria-current="true">' in nav
    nav = _nav(client.get(reverse("meetings:my_attendance")).text)
    assert f'<a href="{reverse("meetings:my_attendance")}" aria-current="page">' in nav
    assert '<summary class="is-current">' in nav  # the entry is behind "More"


def test_the_navigation_template_asks_no_role_questions_of_its_own():
    """Who sees which entry is decided in members/access.py, never in the template."""
    template = Path(settings.BASE_DIR, "templates/partials/nav.html").read_text()
    for question in ("is_leader", "is_staff", "is_member", "has_role", "viewer."):
        assert question not in template


def test_each_persons_log_out_form_carries_their_own_token(member, other_member):
    """The navigation is drawn once per process for everyone with the same entries on the
    same page, with the CSRF input filled in per request: each person logs out with their own
    token, and another's is refused."""
    from django.test import Client

    tokens = {}
    clients = {}
    for who in (member, other_member):
        client = Client(enforce_csrf_checks=True)
        client.force_login(who.user)
        nav = _nav(client.get(reverse("meetings:list")).text)
        form = nav[nav.index('<form method="post"') :]
        tokens[who.pk] = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        clients[who.pk] = client
    assert tokens[member.pk] != tokens[other_member.pk]
    theirs = clients[other_member.pk].post(
        reverse("account_logout"), {"csrfmiddlewaretoken": tokens[member.pk]}
    )
    assert theirs.status_code == 403
    mine = clients[member.pk].post(
        reverse("account_logout"), {"csrfmiddlewaretoken": tokens[member.pk]}
    )
    assert mine.status_code == 302


def test_members_alike_share_one_drawing_each_with_their_own_profile_link(
    login, member, other_member
):
    from members.templatetags.navigation import _KEPT, _drawn

    _drawn.cache_clear()
    _KEPT.clear()
    pages = {who: login(who).get(reverse("home")).text for who in (member, other_member)}
    assert _drawn.cache_info().misses == 1 and _drawn.cache_info().hits == 1
    for who, html in pages.items():
        mine = reverse("members:profile", args=[who.pk])
        assert f'href="{mine}"' in _nav(html) and "nav-url" not in html
    # On their own profile the entry is the page; on another's it is not.
    own = login(member).get(reverse("members:profile", args=[member.pk])).text
    theirs = login(member).get(reverse("members:profile", args=[other_member.pk])).text
    mine = reverse("members:profile", args=[member.pk])
    assert f'href="{mine}" aria-current="page"' in _nav(own)
    assert 'aria-current="page"' not in _nav(theirs)


def test_a_role_given_shows_in_the_navigation_on_the_next_page(login, member):
    """A person's navigation is kept under what the access module reads of them: a role
    given between two pages changes it at once."""
    client = login(member)
    assert f'href="{reverse("reports:chapter")}"' not in _nav(client.get(reverse("home")).text)
    RoleFactory(member=member, name="president", started_on=member.chapter.today())
    assert f'href="{reverse("reports:chapter")}"' in _nav(client.get(reverse("home")).text)
