"""Two requests racing for one trade: the database lets one win, the other gets a message."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from members import services
from members.models import Member
from tests.factories import ChapterFactory, ClassificationFactory, MemberFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _someone_waits_for_a_lock(timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_approving_two_applicants_for_one_trade_at_once_seats_only_one():
    chapter = ChapterFactory(slug="race")
    trade = ClassificationFactory(name="Electrician")
    rita, rob = (
        MemberFactory(
            chapter=chapter,
            classification=trade,
            status=Member.Status.APPLICANT,
            renewal_due=None,
            user=UserFactory(first_name=name, last_name="Racer"),
        )
        for name in ("Rita", "Rob")
    )
    approver = UserFactory()
    rita_written = threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                services.member_approve(member=rita, by=approver)
                rita_written.set()
                # Commit only once Rob's transaction is stuck on the trade's unique index:
                # it has passed the friendly check, so only the database can stop it.
                outcomes["rob_blocked"] = _someone_waits_for_a_lock()
            outcomes["Rita"] = "seated"
        finally:
            rita_written.set()
            connection.close()

    def second():
        try:
            rita_written.wait(timeout=10)
            services.member_approve(member=rob, by=approver)
            outcomes["Rob"] = "seated"
        except ValidationError as error:
            outcomes["Rob"] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["rob_blocked"] is True, outcomes
    assert outcomes["Rita"] == "seated"
    assert outcomes["Rob"] == f"Electrician is already held in {chapter} by Rita Racer."
    seated = Member.objects.seated_in(chapter).filter(classification=trade)
    assert list(seated.values_list("user__first_name", flat=True)) == ["Rita"]
    rob.refresh_from_db()
    assert rob.status == Member.Status.APPLICANT
    assert not rob.status_changes.exists()
