"""Login is by email through allauth; sign-up is closed; password reset works by email."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_then_logout(client):
    user = UserFactory(email="ruth@example.test")
    response = client.post(
        reverse("account_login"), {"login": "RUTH@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert f"Hello, {user.first_name}" in home.text

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("home")).text


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="ruth@example.test")
    response = client.post(
        reverse("account_login"), {"login": "ruth@example.test", "password": "nope-nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.text
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_are_rate_limited(client):
    UserFactory(email="ruth@example.test")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ruth@example.test", "password": "bad"})
    response = client.post(
        reverse("account_login"), {"login": "ruth@example.test", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.text


def test_public_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Sign-up is by invitation" in response.text
    client.post(
        reverse("account_signup"),
        {"email": "new@example.test", "password1": "A-long-pass-1", "password2": "A-long-pass-1"},
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="new@example.test").exists()


def test_password_reset_email_link_sets_a_new_password(client):
    UserFactory(email="ruth@example.test")
    response = client.post(reverse("account_reset_password"), {"email": "ruth@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ruth@example.test"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        set_url, {"password1": "Brand-new-secret-42", "password2": "Brand-new-secret-42"}
    )
    assert response.status_code == 302

    client.logout()
    assert client.login(username="ruth@example.test", password="Brand-new-secret-42")


def test_emails_are_stored_lowercase_and_unique_whatever_the_case():
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError

    User = get_user_model()
    user = User.objects.create_user("Mixed.Case@Example.test", "pw")
    assert user.email == "mixed.case@example.test"
    with pytest.raises(IntegrityError):
        User.objects.create_user("MIXED.case@example.TEST", "pw")


# --- The session's user and their seat, read together (members.access.SeatBackend) ---------


def test_a_signed_in_request_reads_the_user_with_their_seat_and_current_roles_at_once(
    django_assert_num_queries,
):
    from django.contrib.auth import get_backends

    from members.access import _build_viewer
    from members.models import Role
    from tests.factories import MemberFactory, RoleFactory

    member = MemberFactory()
    today = member.chapter.today()
    RoleFactory(member=member, name=Role.Name.PRESIDENT, started_on=today)
    RoleFactory(  # ended yesterday: no longer theirs
        member=member, name=Role.Name.SECRETARY_TREASURER,
        started_on=today - dt.timedelta(days=30), ended_on=today - dt.timedelta(days=1),
    )  # fmt: skip
    (backend,) = get_backends()
    with django_assert_num_queries(1):
        user = backend.get_user(member.user.pk)
        viewer = _build_viewer(user)
        assert viewer.member == member
        assert viewer.member.chapter.slug == member.chapter.slug
        assert viewer.roles == {Role.Name.PRESIDENT}


def test_staff_without_a_seat_and_an_inactive_user_load_as_they_should():
    from django.contrib.auth import get_backends

    from members.access import _build_viewer

    (backend,) = get_backends()
    staff = UserFactory(is_staff=True)
    viewer = _build_viewer(backend.get_user(staff.pk))
    assert viewer.is_staff and viewer.member is None
    gone = UserFactory(is_active=False)
    assert backend.get_user(gone.pk) is None
    assert backend.get_user(10**9) is None


def test_the_admin_login_by_email_goes_through_the_same_backend(client):
    staff = UserFactory(email="sec@example.test", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": "sec@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "members.access.SeatBackend"
    assert client.get(reverse("admin:index")).status_code == 200
    assert int(client.session["_auth_user_id"]) == staff.pk
