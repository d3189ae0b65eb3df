"""Every factory builds a valid row: the shared test vocabulary stays trustworthy."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

ALL = [
    factories.RoleFactory,
    factories.AttendanceFactory,
    factories.VisitFactory,
    factories.ReferralFactory,
    factories.TyfcbFactory,
    factories.OneToOneFactory,
    factories.CeuFactory,
    factories.TestimonialFactory,
]


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_factory_builds_a_row_that_passes_full_clean(factory):
    obj = factory()
    obj.full_clean()
    assert obj.pk


def test_one_to_one_pair_is_stored_in_id_order(member, other_member):
    one_to_one = factories.OneToOneFactory(member_a=other_member, member_b=member)
    assert one_to_one.member_a_id < one_to_one.member_b_id
