"""The web import from BNI Connect: upload, preview, aliases, confirm — through real HTTP."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bniconnect.models import Alias, PendingImport
from bniconnect.reader import read_bni_path
from bniconnect.services import PENDING_FOR, UPLOADS_PER_HOUR
from referrals.models import SLIP_KINDS
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "bni"
AUDIT = "slips_audit_with_headers_feb2025_anon.xlsx"


def _slips() -> int:
    return sum(model.objects.count() for model in SLIP_KINDS.values())


@pytest.fixture
def audit_chapter(chapter, vice_president):
    """The vice-president's chapter holds every member the sample audit names but one."""
    audit = read_bni_path(SAMPLES / AUDIT)
    names = set()
    for line in audit.lines:
        for name in (line.giver, line.receiver):
            visitor = line.slip_type == "visitor" and name is line.receiver
            if name and name.text and not name.bold and name.text != "BNI" and not visitor:
                names.add(name.text)
    missing = sorted(names)[0]
    for name in sorted(names - {missing}):
        first, _, last = name.partition(" ")
        f.MemberFactory(
            chapter=chapter,
            user=f.UserFactory(first_name=first, last_name=last),
            joined_on=dt.date(2010, 1, 1),
        )
    return missing


def _upload(client, *files, **fields):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(reverse("bniconnect:upload"), {"files": uploads, **fields})


def test_the_vice_president_previews_saves_an_alias_and_imports(
    audit_chapter, vice_president, chapter, login
):
    client = login(vice_president)
    response = _upload(client, (AUDIT, (SAMPLES / AUDIT).read_bytes()))
    pending = PendingImport.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("bniconnect:preview", args=[pending.pk])

    preview = client.get(response.headers["Location"])
    page = preview.content.decode()
    assert "Names that match no member" in page and audit_chapter in page
    assert "problem" in page and "Import these files" not in page
    assert _slips() == 0

    meant = f.MemberFactory(chapter=chapter, user=f.UserFactory(first_name="Someone"))
    saved = client.post(
        reverse("bniconnect:alias", args=[pending.pk]),
        {"bni_name": audit_chapter, "who": str(meant.pk)},
    )
    assert saved.status_code == 302
    assert Alias.objects.get(chapter=chapter).member == meant

    again = client.get(reverse("bniconnect:preview", args=[pending.pk])).content.decode()
    assert "Import these files" in again and "slips dated 2025-02-13" in again
    assert _slips() == 0  # a preview stores nothing

    done = client.post(reverse("bniconnect:confirm", args=[pending.pk]))
    assert done.status_code == 302
    assert _slips() > 150
    assert not PendingImport.objects.exists()  # the kept files are forgotten once imported


def test_a_preview_is_its_uploaders_alone_and_expires(vice_president, president, login):
    pending = PendingImport.objects.create(
        chapter=vice_president.chapter, uploaded_by=vice_president.user
    )
    url = reverse("bniconnect:preview", args=[pending.pk])
    assert login(president).get(url).status_code == 404
    PendingImport.objects.filter(pk=pending.pk).update(
        created_at=pending.created_at - PENDING_FOR - dt.timedelta(minutes=1)
    )
    assert login(vice_president).get(url).status_code == 404


def test_a_file_that_is_no_bni_report_is_shown_as_a_problem(vice_president, login):
    client = login(vice_president)
    response = _upload(client, ("page.xls", b"<html><body>Sign in</body></html>"))
    page = client.get(response.headers["Location"]).content.decode()
    assert "page.xls" in page and "HTML" in page


def test_an_oversized_file_is_refused_before_it_is_kept(vice_president, login, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = login(vice_president)
    big = b"x" * (21 * 1024 * 1024)
    response = _upload(client, ("big.xls", big))
    assert response.status_code == 200
    assert "big.xls is 21 MB" in response.content.decode()
    assert not PendingImport.objects.exists()


def test_uploads_are_limited_per_hour(vice_president, login):
    client = login(vice_president)
    for _ in range(UPLOADS_PER_HOUR):
        assert _upload(client, ("a.csv", b"x")).status_code == 302
    refused = _upload(client, ("a.csv", b"x"))
    assert refused.status_code == 200
    assert "please wait a while" in refused.content.decode()


def test_a_member_without_a_leaders_role_cannot_upload(member, login):
    response = _upload(login(member), ("a.csv", b"x"))
    assert response.status_code == 403
    assert not PendingImport.objects.exists()


def test_the_upload_page_is_pinned_at_its_queries(vice_president, login, django_assert_num_queries):
    client = login(vice_president)
    client.get(reverse("bniconnect:upload"))
    with django_assert_num_queries(1):  # the user with their seat
        assert client.get(reverse("bniconnect:upload")).status_code == 200


def test_the_palms_page_shows_bni_connects_numbers_and_marks_each_cell_that_differs(
    vice_president, chapter, login, django_assert_max_num_queries
):
    from reports.models import BniSnapshot, BniSnapshotRow
    from tests.factories import ReferralFactory

    start, end = dt.date(2025, 2, 1), dt.date(2025, 2, 28)
    snapshot = BniSnapshot.objects.create(chapter=chapter, start=start, end=end, file_name="p.xls")
    BniSnapshotRow.objects.create(snapshot=snapshot, member=vice_president, bni_name="V", rgi=2)
    ReferralFactory(giver=vice_president, date=dt.date(2025, 2, 10))  # ours: 1 given inside
    client = login(vice_president)
    url = reverse("bniconnect:palms") + "?range=custom&start=2025-02-01&end=2025-02-28"
    with django_assert_max_num_queries(8):
        page = client.get(url).content.decode()
    assert "cells differ" in page
    assert '2 <span aria-hidden="true">≠</span>' in page
    only = client.get(url + "&only=bni").content.decode()
    assert "differs" not in only and "numbers as imported from" in only
    march = "?range=custom&start=2025-03-01&end=2025-03-31"
    elsewhere = client.get(reverse("bniconnect:palms") + march).content.decode()
    assert "No PALMS Summary from BNI Connect covers exactly" in elsewhere
    assert "2025-02-01" in elsewhere


def test_the_admin_lists_aliases_and_snapshots_in_a_fixed_number_of_queries(
    staff, chapter, login, django_assert_max_num_queries
):
    from reports.models import BniSnapshot

    client = login(staff)
    pages = [
        reverse("admin:bniconnect_alias_changelist"),
        reverse("admin:reports_bnisnapshot_changelist"),
    ]

    def grow(n):
        for i in range(n):
            member = f.MemberFactory(chapter=chapter)
            Alias(chapter=chapter, bni_name=f"Name {i} {member.pk}", member=member).save()
            day = dt.date(2020, 1, 1) + dt.timedelta(days=BniSnapshot.objects.count())
            BniSnapshot.objects.create(chapter=chapter, start=day, end=day, imported_by=staff)

    grow(2)
    for page in pages:
        with django_assert_max_num_queries(10) as small:
            assert client.get(page).status_code == 200
        grow(10)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(page).status_code == 200
