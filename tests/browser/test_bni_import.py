"""The vice-president moves the chapter's history in from BNI Connect, on a phone."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from referrals.models import SLIP_KINDS, Slip
from tests.browser.test_referrals_loop import fits_the_screen, log_in
from tests.factories import MemberFactory, RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "bni"
AUDIT = SAMPLES / "slips_audit_with_headers_feb2025_anon.xlsx"


def test_the_vice_president_previews_names_someone_and_imports_an_audit(phone):
    from bniconnect.reader import read_bni_path

    audit = read_bni_path(AUDIT)
    names = sorted(
        {
            name.text
            for line in audit.lines
            for name in (line.giver, line.receiver)
            if name
            and name.text
            and not name.bold
            and name.text != "BNI"
            and not (line.slip_type == "visitor" and name is line.receiver)
        }
    )
    victor = MemberFactory(user=UserFactory(email="vp@example.test", first_name="Victor"))
    RoleFactory(member=victor, name="vice_president")
    for name in names[1:]:
        first, _, last = name.partition(" ")
        MemberFactory(
            chapter=victor.chapter,
            user=UserFactory(first_name=first, last_name=last),
            joined_on=dt.date(2010, 1, 1),
        )
    spelt_otherwise = MemberFactory(
        chapter=victor.chapter,
        user=UserFactory(first_name="Renamed", last_name="Member"),
        joined_on=dt.date(2010, 1, 1),
    )

    log_in(phone, "vp@example.test")
    phone.goto("/bni-import/")
    phone.get_by_label("Files from BNI Connect").set_input_files(str(AUDIT))
    phone.get_by_role("button", name="Show what would be imported").click()
    expect(phone.get_by_role("heading", name="What would be imported")).to_be_visible()
    expect(phone.get_by_role("heading", name="Names that match no member")).to_be_visible()
    assert fits_the_screen(phone)

    # The one name no member carries: Victor says who it is, and the preview is clean.
    phone.get_by_label(names[0]).select_option(value=str(spelt_otherwise.pk))
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("The next import of this chapter uses it too")).to_be_visible()
    expect(phone.get_by_text("slips dated 2025-02-13")).to_be_visible()
    assert sum(model.objects.count() for model in SLIP_KINDS.values()) == 0
    phone.get_by_role("button", name="Import these files").click()
    expect(phone.get_by_text("Imported:")).to_be_visible()
    assert fits_the_screen(phone)
    stored = sum(
        model.objects.filter(source=Slip.Source.BNI_CONNECT).count()
        for model in SLIP_KINDS.values()
    )
    # Every row a slip but the visits, and a TYFCB whose writer is unknown and whose thanked
    # is outside the chapter (it counts for no member, so it is left out).
    counted_for_nobody = [
        line
        for line in audit.lines
        if line.slip_type == "tyfcb" and (line.receiver.bold or line.receiver.text == "BNI")
    ]
    visits = [line for line in audit.lines if line.slip_type == "visitor"]
    assert stored == len(audit.lines) - len(visits) - len(counted_for_nobody)
