"""Errors answer with a friendly page of our own: no stack trace, nothing that needs the
database, and a database that is down is a 503 the client may retry."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from members.models import Member

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "sk_live_123", "Connection refused", "DEBUG", "settings")


def assert_friendly(response, status: int, heading: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert heading in html
    for leak in LEAKS:
        assert leak not in html
    assert "<script" not in html
    return html


def test_unknown_page_is_the_friendly_404(login, member):
    response = login(member).get("/no/such/page/")
    assert_friendly(response, 404, "Page not found")


def test_object_of_another_chapter_is_the_same_404(login, member, outsider):
    response = login(member).get(reverse("members:profile", args=[outsider.pk]))
    html = assert_friendly(response, 404, "Page not found")
    assert outsider.user.first_name not in html


def test_role_refused_is_the_friendly_403_saying_why(login, member):
    response = login(member).get(reverse("reports:palms"))
    html = assert_friendly(response, 403, "You may not open this page")
    assert "Your role in the chapter does not allow this." in html


@pytest.mark.urls("tests.trust.urls_broken")
def test_database_down_is_a_503_with_retry_after(member):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/db/")
    assert_friendly(response, 503, "briefly unavailable")
    assert response["Retry-After"] == "30"
    assert "not</strong> saved" in response.content.decode()


@pytest.mark.urls("tests.trust.urls_broken")
def test_a_bug_is_the_static_500_page_without_the_message():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/bug/")
    assert_friendly(response, 500, "Something went wrong")
    assert "Retry-After" not in response


def test_a_post_bigger_than_the_upload_limit_is_the_friendly_400(login, member, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = login(member)
    response = client.post(
        reverse("referrals:log_slip") + "?kind=referral",
        {"contact_name": "x" * 20_000, "need": "y"},
    )
    assert_friendly(response, 400, "too large")


def test_too_many_fields_is_the_friendly_400(login, member, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client = login(member)
    response = client.post(reverse("members:edit_profile"), {f"f{i}": "1" for i in range(100)})
    assert_friendly(response, 400, "That request could not be used")


def test_oversized_roster_upload_gets_a_message_and_stores_nothing(client, staff, chapter):
    client.force_login(staff)
    header = b"email,first_name,last_name,classification,joined_on,status\n"
    row = b"big@example.test,Big,File,Baker,2025-01-01,active\n"
    big = SimpleUploadedFile("roster.csv", header + row * (1_100_000 // len(row)), "text/csv")
    response = client.post(
        reverse("admin:members_member_import_roster"), {"chapter": chapter.pk, "file": big}
    )
    assert response.status_code == 200
    assert "the limit is 1024 KB" in response.content.decode()
    assert not Member.objects.exists()
