"""Two updates at the same moment: the row lock applies them one after the other."""

import threading

import pytest
from django.db import connection

from referrals.models import OneToOne, Referral
from referrals.services import one_to_one_log, referral_set_status
from tests.factories import ReferralFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start every call at once in its own thread (own connection); collect their errors."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # reported below, so a failure is never silent
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_two_status_updates_at_once_keep_both_history_rows(member, other_member, vice_president):
    referral = ReferralFactory(giver=member, receiver=other_member)
    errors = run_together(
        lambda: referral_set_status(
            referral=Referral.objects.get(pk=referral.pk),
            by=other_member,
            to_status="contacted",
            note="Called them",
        ),
        lambda: referral_set_status(
            referral=Referral.objects.get(pk=referral.pk),
            by=vice_president,
            to_status="contacted",
            note="Receiver told me they called",
        ),
    )
    assert errors == []
    history = list(referral.history.order_by("id"))
    assert len(history) == 2
    # Each change was checked against, and recorded from, the status the other one left.
    assert [(h.from_status, h.to_status) for h in history] == [
        ("new", "contacted"),
        ("contacted", "contacted"),
    ]
    referral.refresh_from_db()
    assert referral.status == "contacted"


def test_both_members_logging_the_same_one_to_one_at_once_store_one(member, other_member, chapter):
    day = chapter.today()
    errors = run_together(
        lambda: one_to_one_log(member=member, other=other_member, date=day, status="done"),
        lambda: one_to_one_log(member=other_member, other=member, date=day, status="done"),
    )
    assert errors == []
    assert OneToOne.objects.count() == 1
