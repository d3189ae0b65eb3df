import pytest

from members.models import Member
from tests.factories import ClassificationFactory, ContactSphereFactory, MemberFactory, UserFactory


@pytest.fixture
def plumber_trade(db):
    return ClassificationFactory(name="Plumber", sphere=ContactSphereFactory(name="Home"))


@pytest.fixture
def applicant(chapter):
    return MemberFactory(
        chapter=chapter,
        user=UserFactory(email="ann@example.test", first_name="Ann", last_name="Applicant"),
        status=Member.Status.APPLICANT,
        renewal_due=None,
    )
