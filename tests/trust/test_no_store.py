"""No browser or proxy keeps a page shown to someone signed in (``chapter.middleware``): a
TYFCB, PALMS and its CSV, the dashboard stay off a shared computer's disk after sign-out.
Static files stay cacheable."""

import pytest
from django.urls import reverse

from tests.factories import TyfcbFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_dashboard_is_not_kept(login, member):
    response = login(member).get(reverse("home"))
    assert response.status_code == 200
    assert no_store(response)
    assert "private" in response["Cache-Control"]


def test_a_tyfcb_is_not_kept(login, member, other_member):
    tyfcb = TyfcbFactory(writer=other_member, thanked=member)
    response = login(member).get(reverse("referrals:tyfcb_detail", args=[tyfcb.pk]))
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.parametrize("name", ["reports:palms", "reports:palms_csv"])
def test_palms_and_its_csv_are_not_kept(login, president, name):
    response = login(president).get(reverse(name))
    assert response.status_code == 200
    assert no_store(response)


def test_a_refusal_to_someone_signed_in_is_not_kept_either(login, member):
    response = login(member).get(reverse("reports:palms"))
    assert response.status_code == 403
    assert no_store(response)


def test_the_home_page_is_not_kept_whoever_asks(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert no_store(response)


def test_the_public_chapter_page_may_be_kept(client, chapter):
    response = client.get(reverse("meetings:public", args=[chapter.slug]))
    assert response.status_code == 200
    assert not no_store(response)


def test_static_files_stay_cacheable_for_someone_signed_in(settings, login, member):
    # WhiteNoise answers before the middleware; in tests it finds files as runserver does.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    response = login(member).get("/static/css/slipstream.css")
    assert response.status_code == 200
    assert not no_store(response)
