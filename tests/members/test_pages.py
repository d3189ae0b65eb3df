"""The member pages: directory, profile, edit my profile, my contact sphere."""

import datetime as dt

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import (
    ClassificationFactory,
    ContactSphereFactory,
    MemberFactory,
    RoleFactory,
    UserFactory,
)
from tests.html import shown

pytestmark = pytest.mark.django_db


def _fill(chapter, n):
    sphere = ContactSphereFactory(name="Business services")
    for i in range(n):
        member = MemberFactory(
            chapter=chapter,
            classification=ClassificationFactory(name=f"Listed trade {i}", sphere=sphere),
        )
        RoleFactory(member=member, name="mentor")


def test_directory_shows_the_chapters_seated_members_with_contact_links(
    login, member, other_member, chapter, outsider
):
    member.ideal_referral = "Owners of growing cafés"
    member.save()
    on_leave = MemberFactory(
        chapter=chapter, status=Member.Status.ON_LEAVE, user=UserFactory(first_name="Lena")
    )
    MemberFactory(chapter=chapter, status=Member.Status.APPLICANT, renewal_due=None,
                  user=UserFactory(first_name="Appy"))  # fmt: skip
    MemberFactory(chapter=chapter, status=Member.Status.DROPPED, left_on=dt.date(2025, 1, 1),
                  user=UserFactory(first_name="Dropsy"))  # fmt: skip

    response = login(member).get(reverse("members:directory"))

    assert response.status_code == 200
    text = response.text
    assert "Alice" in text and "Bob" in text and on_leave.full_name in text
    assert "On leave" in text
    assert "Appy" not in text and "Dropsy" not in text and "Charlie" not in text
    assert 'href="tel:+442079460000"' in text
    assert 'href="mailto:alice@example.test"' in text
    assert member.classification.name in text and member.classification.sphere.name in text
    assert "Owners of growing cafés" in text


def test_only_inviters_see_the_invite_link(login, member, secretary):
    assert "Invite a member" not in login(member).get(reverse("members:directory")).text
    assert "Invite a member" in login(secretary).get(reverse("members:directory")).text


def test_directory_search_narrows_and_htmx_gets_only_the_list(login, member, other_member):
    client = login(member)
    full = client.get(reverse("members:directory"), {"q": "alice"})
    assert "Alice" in full.text and "Bob" not in full.text

    fragment = client.get(
        reverse("members:directory"), {"q": "bob"},
        headers={"HX-Request": "true", "HX-Target": "member-list"},
    )  # fmt: skip
    assert "Bob" in fragment.text and "Alice" not in fragment.text
    assert "<html" not in fragment.text and "Find a member" not in fragment.text


@pytest.mark.parametrize("size", [5, 40])
def test_directory_query_count_does_not_grow_with_the_chapter(
    size, login, member, chapter, django_assert_num_queries
):
    _fill(chapter, size)
    client = login(member)
    # the user with their seat (the session comes from the cache), members, roles
    with django_assert_num_queries(3):
        response = client.get(reverse("members:directory"))
    assert response.text.count('class="card member-card"') == size + 1


def test_outsider_cannot_see_our_directory(login, outsider, member):
    client = login(outsider)
    response = client.get(reverse("members:directory"), {"chapter": "riverside"})
    assert response.status_code == 404
    own = client.get(reverse("members:directory"))
    assert "Charlie" in own.text and "Alice" not in own.text


def test_staff_may_open_any_chapters_directory(login, staff, member):
    response = login(staff).get(reverse("members:directory"), {"chapter": "riverside"})
    assert response.status_code == 200
    assert "Alice" in response.text


def test_anonymous_visitors_are_sent_to_log_in(client, member):
    response = client.get(reverse("members:directory"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_profile_shows_the_member_and_roles(login, member, president):
    response = login(member).get(reverse("members:profile", args=[president.pk]))
    assert response.status_code == 200
    assert "Priya" in response.text and "President" in response.text
    assert "Edit my profile" not in response.text
    assert "Status history" not in response.text


def test_outsider_gets_404_on_our_profile(login, outsider, member):
    assert login(outsider).get(reverse("members:profile", args=[member.pk])).status_code == 404


def test_member_edits_their_own_profile(login, member):
    response = login(member).post(
        reverse("members:edit_profile"),
        {
            "first_name": "Alicia",
            "last_name": "Smith",
            "company": "Smith Web",
            "phone": "+44 7700 900123",
            "website": "https://smith.example",
            "ideal_referral": "Shops needing online sales",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.user.first_name == "Alicia"
    assert (member.company, member.phone) == ("Smith Web", "+44 7700 900123")
    assert member.ideal_referral == "Shops needing online sales"


def test_member_cannot_edit_another_members_profile(login, member, other_member):
    """The page edits only the viewer's own card, whatever ids the form is sent."""
    login(member).post(
        reverse("members:edit_profile"),
        {"first_name": "Hacked", "last_name": "X", "company": "Evil", "id": other_member.pk,
         "pk": other_member.pk, "user": other_member.user.pk},
    )  # fmt: skip
    other_member.refresh_from_db()
    other_member.user.refresh_from_db()
    assert other_member.user.first_name == "Bob"
    assert other_member.company != "Evil"
    member.refresh_from_db()
    assert member.company == "Evil"


def test_profile_form_shows_each_problem_next_to_its_field(login, member):
    response = login(member).post(
        reverse("members:edit_profile"),
        {"first_name": "", "last_name": "S", "phone": "call me", "website": "not a url"},
    )
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert "Enter a phone number" in response.text
    assert "Enter a valid URL" in response.text
    member.user.refresh_from_db()
    assert member.user.first_name == "Alice"


def test_contact_sphere_lists_only_my_spheres_seated_members(login, chapter, member):
    home = ContactSphereFactory(name="Home")

    def seat(first, trade, **kwargs):
        trade = ClassificationFactory(name=trade, sphere=home)
        user = UserFactory(first_name=first)
        return MemberFactory(chapter=chapter, classification=trade, user=user, **kwargs)

    me = seat("Rory", "Roofer")
    seat("Ella", "Electrician")
    seat("Gone", "Plasterer", status=Member.Status.DROPPED, left_on=dt.date(2025, 1, 1))

    response = login(me).get(reverse("members:sphere"))

    assert "My contact sphere: Home" in response.text
    assert "Ella" in response.text and "Electrician" in response.text
    assert "Gone" not in response.text and "Alice" not in response.text
    assert response.text.count('class="card member-card"') == 1  # not Rory themself


def test_directory_cards_show_each_part_escaped(login, chapter, member):
    """Every part a card may have or lack: leave, sphere, company, roles, phone, ideal."""
    full = MemberFactory(
        chapter=chapter, status="on_leave", company="<b>Acme</b> & Co", phone="+44 20 1",
        ideal_referral="<i>Landlords</i> " * 30, user__first_name='"Zed"',
        leave_from=dt.date(2026, 1, 1), leave_until=dt.date(2027, 1, 1),
    )  # fmt: skip
    RoleFactory(member=full, name="president")
    RoleFactory(member=full, name="secretary_treasurer")
    bare = MemberFactory(
        chapter=chapter, company="", phone="", ideal_referral="",
        classification=ClassificationFactory(name="No sphere", sphere=None),
    )  # fmt: skip
    html = shown(login(member).get(reverse("members:directory")).text)
    assert "<b>" not in html and "<i>" not in html
    card = _card(html, full)
    assert f"&quot;Zed&quot; {full.user.last_name}</a>" in card
    assert '<span class="badge">On leave</span></h2>' in card
    sphere = full.classification.sphere.name
    assert f'<span class="muted">{sphere}</span></p>' in card
    assert '<p class="member-company">&lt;b&gt;Acme&lt;/b&gt; &amp; Co</p>' in card
    assert '<span class="badge">President</span> <span class="badge">Secretary-treasurer' in card
    assert '<a class="button" href="tel:+44201">Call +44 20 1</a>' in card
    assert f'<a class="button" href="mailto:{full.user.email}">Email</a>' in card
    assert "Ideal referral:</span> &lt;i&gt;Landlords&lt;/i&gt; " in card and "…</p>" in card
    card = _card(html, bare)
    assert '<p class="member-trade"><strong>No sphere</strong></p>' in card
    for part in ("member-company", "member-roles", "tel:", "member-ideal", "On leave"):
        assert part not in card
    assert html.count('<li class="card member-card">') == 3


def _card(html: str, m) -> str:
    """The directory card of ``m``: from its profile link to the end of the card."""
    link = html.index(f'<a href="{reverse("members:profile", args=[m.pk])}">')
    start = html.rindex('<li class="card member-card">', 0, link)
    return html[start : html.index("</li>", start)]
