"""The president on a phone: chapter page, a 12-month window, PALMS, and its CSV download
holds the same rows as the table on the page."""

import csv
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    MemberFactory,
    ReferralFactory,
    TyfcbFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(phone, email):
    phone.goto("/accounts/login/")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("heading", name=re.compile(r"^Hello, ")).wait_for()


def fits_the_screen(phone):
    return phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def table_rows(phone) -> dict[str, list[str]]:
    """The PALMS table's cells as the CSV writes them: the page groups TYFCB by thousands
    (1,500.00), the file does not (1500.00)."""
    rows = {}
    for tr in phone.locator("table.palms tbody tr").all():
        name = tr.locator("th").inner_text().strip()
        rows[name] = [td.inner_text().strip().replace(",", "") for td in tr.locator("td").all()]
    return rows


def test_president_downloads_the_12_month_palms_and_it_matches_the_table(phone, president):
    chapter = president.chapter
    today = chapter.today()
    ann = MemberFactory(
        chapter=chapter, user=UserFactory(email="ann@example.test", first_name="Ann",
                                          last_name="Archer"),
    )  # fmt: skip
    ben = MemberFactory(
        chapter=chapter, user=UserFactory(email="ben@example.test", first_name="Ben",
                                          last_name="Baker"),
    )  # fmt: skip
    # Dora left eight months ago: a PALMS row in the 12-month window, none in 6 months.
    MemberFactory(
        chapter=chapter,
        user=UserFactory(email="dora@example.test", first_name="Dora", last_name="Dunn"),
        left_on=today - dt.timedelta(days=240),
        status="dropped",
    )
    ReferralFactory(giver=ann, receiver=ben, kind="outside", date=today - dt.timedelta(days=250))
    ReferralFactory(giver=ann, receiver=ben, kind="inside", date=today - dt.timedelta(days=10))
    TyfcbFactory(writer=ben, thanked=ann, amount=Decimal("1234.50"),
                 date=today - dt.timedelta(days=200))  # fmt: skip

    log_in(phone, president.email)
    phone.goto(reverse("reports:chapter"))
    phone.get_by_role("heading", name="Riverside", level=1).wait_for()
    assert fits_the_screen(phone)

    phone.get_by_role("link", name="12 months").click()
    expect(phone.get_by_role("link", name="12 months")).to_have_attribute("aria-current", "true")
    assert fits_the_screen(phone)

    phone.get_by_role("navigation", name="Reports").get_by_role("link", name="PALMS").click()
    phone.get_by_role("heading", name=re.compile(r"^PALMS")).wait_for()
    # The window picked on the chapter page came along.
    expect(phone.get_by_role("link", name="12 months")).to_have_attribute("aria-current", "true")
    assert fits_the_screen(phone)
    shown = table_rows(phone)
    assert "1,234.50" in phone.locator("table.palms").inner_text()  # grouped on the page
    assert set(shown) == {"Priya " + president.user.last_name, "Ann Archer", "Ben Baker",
                          "Dora Dunn"}  # fmt: skip

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("palms-riverside-")
    with open(download.path(), encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))

    header, body = lines[0], lines[1:]
    assert header == ["member_email", "member_name", "P", "A", "L", "M", "S", "RGI", "RGO",
                      "RRI", "RRO", "V", "121", "TYFCB", "CEU", "T"]  # fmt: skip
    assert [row[0] for row in body] == sorted(row[0] for row in body)  # sorted by email
    downloaded = {row[1]: row[2:] for row in body}
    assert downloaded == shown  # same names, every column, cell for cell
    ann_row = dict(zip(header[2:], downloaded["Ann Archer"], strict=True))
    assert (ann_row["RGI"], ann_row["RGO"], ann_row["TYFCB"]) == ("1", "1", "1234.50")
    ben_row = dict(zip(header[2:], downloaded["Ben Baker"], strict=True))
    assert (ben_row["RRI"], ben_row["RRO"], ben_row["TYFCB"]) == ("1", "1", "0.00")
