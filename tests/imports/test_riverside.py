"""The example directory ``tests/data/riverside`` imports, and PALMS over it is exactly the
hand-computed ``expected_palms.csv``, byte for byte, the first time and after a second import.

The window is 2025-03-04 to 2025-04-29, Tuesdays: nine Tuesdays, of which 2025-04-15 (Easter)
was cancelled — ``attendance.csv`` has no marks that day, so no meeting is held — leaving
eight held meetings. 2025-02-25 is the week before the window; rows dated 2025-03-03 and
2025-04-30/2025-05-06 sit one day outside each edge and must not count; rows dated exactly
2025-03-04 and 2025-04-29 sit on the edges and must count.

How the trickiest cells were computed by hand from the files:

* Rows: seven. Hal is an ``applicant`` (never a PALMS row); Ivy left on 2025-03-03, the day
  before the window opens (``left_on`` < from: no row). Dan left on 2025-03-31 (mid-window)
  and Eve joined on 2025-04-01: both belonged on some day of the window, so both have rows.
* Dan ``P,A,…`` = 3,1: marks only on the four meetings he belonged for (03-04 P, 03-11 P,
  03-18 A, 03-25 P); his 02-25 P is before the window.
* Cat ``A`` = 2 (03-11, 03-18): her 02-25 A is outside the window. ``M`` = 1 (04-08).
* Fay ``M`` = 8: on leave, one ``M`` per held meeting (the cancelled 04-15 gets none).
* Ann ``RGI`` = 1: "Before Window" (03-03) is a day early; "Edge Start" (03-04) counts.
  Ann ``RRO`` = 2: Pete Park (Ben) and Sam Smith (Eve); "After Window" (04-30) does not.
* Dan ``RRO`` = 1: "Last Day" is dated 2025-03-31, his last day (``left_on`` is inclusive).
* Gus ``RRO`` = 2: Quinn Quade, and "Holiday Lead" dated on the cancelled Tuesday — a slip
  counts by its date whether or not a meeting was held that day.
* ``121``: the Ann–Ben 1-2-1 of 03-05 is in the file twice, once in each order: it is ONE
  1-2-1 (the second row is "unchanged"), so Ann 1 and Ben 1, not 2. Cat 2 (Gus 03-12, Eve
  04-02), Gus 2 (Cat, Dan), Dan 1, Eve 1. The planned (04-16), cancelled (04-17) and
  after-window (04-30) ones count for nobody.
* ``TYFCB`` goes to the member THANKED (``to_email``): Ann 1250.50 (from Ben) + 99.99 (from
  Cat) = 1350.49; Dan 2000.00 (from Cat, while he still belonged); Cat 10.10 (from Ann);
  Gus 0.01 on the last day of the window. Ben's 500.00 is dated 03-03: 0.00. The writers
  (Ben, Cat, Ann) are not credited for what they wrote.
* ``V``: visits, not people — Vera came twice, invited by Ann both times: Ann 2. Walt came
  on 02-25 (before the window): Cat 0. Zoe was a walk-in: nobody. Xena (no email, keyed by
  name) for Eve, Yuri on the last day for Gus.
* ``CEU`` sums credits: Ann 1 + 2 = 3; Ben 3 (his 5 credits of 03-03 are a day early).
* ``T`` counts testimonials GIVEN: Gus 2, Ann 1, Cat 1; Ann's of 05-06 is after the window.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from meetings.models import Attendance, Meeting, Visit, Visitor
from members.models import Chapter, Member
from referrals import models as slips
from referrals.models import Ceu, OneToOne, Referral, ReferralStatusChange, Tyfcb

pytestmark = pytest.mark.django_db

RIVERSIDE = Path(__file__).resolve().parent.parent / "data" / "riverside"
WINDOW = ("--from", "2025-03-04", "--to", "2025-04-29")


def palms_output() -> bytes:
    out = io.StringIO()
    call_command("palms", "riverside", *WINDOW, stdout=out)
    return out.getvalue().encode("utf-8")


def import_riverside() -> str:
    out = io.StringIO()
    call_command("import_chapter", "riverside", str(RIVERSIDE), stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    models = (Member, Meeting, Attendance, Visitor, Visit, Referral, ReferralStatusChange,
              Tyfcb, OneToOne, Ceu, slips.Testimonial)  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_palms_of_the_imported_example_matches_the_hand_computed_file_byte_for_byte():
    import_riverside()
    assert palms_output() == (RIVERSIDE / "expected_palms.csv").read_bytes()


def test_the_example_directory_creates_what_its_files_hold():
    summary = import_riverside()
    assert Chapter.objects.get(slug="riverside").name == "Riverside"
    assert snapshot() == {
        "Member": 9,  # every roster row, the applicant and the two who left included
        "Meeting": 9,  # 02-25 and eight held in the window; none on the cancelled 04-15
        "Attendance": 55,
        "Visitor": 5,  # Vera visited twice: one visitor, two visits
        "Visit": 6,
        "Referral": 11,
        "ReferralStatusChange": 8,  # one "Imported" step for each referral that is not new
        "Tyfcb": 6,
        "OneToOne": 7,  # eight rows, one of them the same 1-2-1 in the other order
        "Ceu": 7,
        "Testimonial": 5,
    }
    assert "one_to_ones.csv: 7 created, 0 updated, 1 unchanged" in summary
    assert "total: 106 created, 0 updated, 1 unchanged" in summary


def test_importing_the_example_twice_changes_nothing():
    import_riverside()
    before = snapshot()
    summary = import_riverside()
    assert snapshot() == before
    assert "Updated chapter riverside." in summary
    assert "total: 0 created, 0 updated, 107 unchanged" in summary
    assert palms_output() == (RIVERSIDE / "expected_palms.csv").read_bytes()
