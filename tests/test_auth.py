"""Login is by email through allauth; sign-up is closed; password reset works by email."""

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
