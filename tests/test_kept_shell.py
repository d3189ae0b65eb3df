"""The shell of the dashboard, the inbox and the slip form, drawn once per process for anyone
(``members.shell``): each person still gets their own navigation, outbox, token, nonce and
messages, and nothing of one person's reaches another's page."""

import re

import pytest
from django.urls import reverse

from members import shell

pytestmark = pytest.mark.django_db

PAGES = ("home", "referrals:inbox", "referrals:log_slip")
SLOTS = ("<!--page-body-->", "<!--csp-nonce-->", "<!--messages-->", "<!--signed-in-->")


def _own_parts(response) -> dict:
    html = response.content.decode()
    header = response.headers["Content-Security-Policy"]
    return {
        "owner": re.search(r'data-owner="([^"]*)"', html).group(1),
        "nonce": re.search(r'<script src="[^"]*htmx[^"]*" nonce="([^"]*)"', html).group(1),
        "header_nonce": re.search(r"'nonce-([^']+)'", header).group(1),
        "hx_token": re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1),
        "form_tokens": set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)),
        "html": html,
    }


def test_each_person_gets_their_own_parts_in_one_shell_a_page(login, member, other_member):
    seen = {}
    for person in (member, other_member):
        client = login(person)
        for page in PAGES:
            seen[person, page] = _own_parts(client.get(reverse(page)))
    assert len(shell._KEPT) == len(PAGES)  # one shell a page, for both of them
    for (person, page), parts in seen.items():
        assert parts["owner"] == str(person.user.pk), page
        assert parts["nonce"] == parts["header_nonce"], page
        # The page's one masked token: htmx's header and every form carry the same.
        assert parts["form_tokens"] == {parts["hx_token"]}, page
        profile = reverse("members:profile", args=[person.pk])
        assert f'href="{profile}"' in parts["html"], page
        assert not any(slot in parts["html"] for slot in SLOTS), page
        assert "<!--navigation-->" not in parts["html"] and "<!--csrf" not in parts["html"]
    # Nonces are the request's own.
    assert len({parts["nonce"] for parts in seen.values()}) == len(seen)


def test_a_saved_slip_says_so_once_on_the_next_dashboard(login, member, other_member):
    client = login(member)
    response = client.post(
        f"{reverse('referrals:log_slip')}?kind=referral",
        {
            "kind": "inside",
            "token": "shell-1",
            "receiver": other_member.pk,
            "date": member.chapter.today().isoformat(),
            "contact_name": "Hannah Price",
            "temperature": "3",
        },
        follow=True,
    )
    html = response.content.decode()
    start = html.index('<ul class="messages"')
    messages = html[start : html.index("</ul>", start)]
    assert "Saved: your referral" in messages
    assert html.index('<ul class="messages"') < html.index("<h1>")
    again = client.get(reverse("home")).content.decode()
    assert "Saved: your referral" not in again and 'class="messages"' not in again
