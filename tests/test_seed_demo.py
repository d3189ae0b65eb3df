import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from members.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    count = get_user_model().objects.count()
    call_command("seed_demo")
    assert get_user_model().objects.count() == count
    out = capsys.readouterr().out
    assert "president@demo.slipstream.test" in out
    assert DEMO_PASSWORD in out
    president = get_user_model().objects.get(email="president@demo.slipstream.test")
    assert president.check_password(DEMO_PASSWORD)
