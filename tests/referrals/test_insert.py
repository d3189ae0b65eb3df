"""A logged slip is stored by one hand-written INSERT (``services._insert_row``): the row is
the one ``Model.save()`` stores for the same slip, and nothing listens for ``save()``'s signals."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import signals

from referrals import services
from referrals.models import Ceu, Referral, Tyfcb
from referrals.models import Testimonial as GivenTestimonial

pytestmark = pytest.mark.django_db

LOGGED = (Referral, Tyfcb, Ceu, GivenTestimonial)
#: Columns that differ between two rows stored a moment apart.
OWN = {"id", "token", "created_at", "updated_at"}


def _logged(member, other_member, today) -> list:
    return [
        services.referral_create(
            giver=member,
            receiver=other_member,
            date=today,
            contact_name="Ann",
            token="r",
            created_by=member,
        ),
        services.tyfcb_create(
            writer=member,
            thanked=other_member,
            date=today,
            amount="1250.50",
            token="t",
            created_by=member,
        ),
        services.ceu_create(
            member=member, date=today, topic="A podcast", token="c", created_by=member
        ),
        services.testimonial_create(
            giver=member,
            receiver=other_member,
            date=today,
            text="Great work",
            token="s",
            created_by=member,
        ),
    ]


def _row(slip) -> dict:
    return type(slip).objects.filter(pk=slip.pk).values().get()


def test_a_logged_slip_is_the_row_save_stores(member, other_member, today):
    for slip in _logged(member, other_member, today):
        model = type(slip)
        stored = _row(slip)
        # What the slip holds in memory is what was stored.
        assert {f.attname: getattr(slip, f.attname) for f in model._meta.concrete_fields} == stored
        # The same slip stored by the ORM gives the same row.
        twin = model(**{k: v for k, v in stored.items() if k not in OWN}, token="twin")
        twin.save()
        assert {k: v for k, v in _row(twin).items() if k not in OWN} == {
            k: v for k, v in stored.items() if k not in OWN
        }
        assert stored["created_at"] is not None and stored["updated_at"] is not None
    assert Tyfcb.objects.get(token="t").amount == Decimal("1250.50")


def test_a_form_sent_twice_is_refused_and_the_callers_transaction_goes_on(
    member, other_member, today
):
    services.ceu_create(member=member, date=today, topic="Once", token="same", created_by=member)
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            services.ceu_create(
                member=member, date=today, topic="Twice", token="same", created_by=member
            )
        assert Ceu.objects.filter(token="same").count() == 1  # the transaction still works


def test_nothing_listens_for_a_slips_save_signals():
    """``_insert_row`` sends no ``pre_save``/``post_save``: a receiver added for a slip model
    must come with ``slip.save()`` back in ``services._insert``."""
    for model in LOGGED:
        assert not signals.pre_save.has_listeners(model), model
        assert not signals.post_save.has_listeners(model), model
