"""The demo's BNI Connect history: last month's PALMS Summary as BNI Connect would have
exported it, imported through the real importer, so the demo shows "PALMS from BNI Connect"
and where it differs from Slipstream's own count."""

import csv
import datetime as dt
import io

from members.models import Chapter
from reports.models import BniSnapshot
from reports.palms import COLUMNS, palms_rows

from .services import Upload, import_bni

#: BNI Connect's header, with the last column as some regions name it.
HEADER = ["First Name", "Last Name", *COLUMNS[:-4], "1-2-1", "TYFCB", "CEU", "Custom"]


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def summary_csv(chapter: Chapter, start: dt.date, end: dt.date) -> bytes:
    """Slipstream's PALMS for the window in BNI Connect's layout, a few cells off as they are
    when slips were passed on paper and never typed in (so the comparison has something to
    show), then the pseudo-rows BNI Connect adds."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    rows = palms_rows(chapter, start, end)
    for i, row in enumerate(rows):
        values = dict(row.values)
        if i % 7 == 0:
            values["RGI"] += 1
        if i % 11 == 3:
            values["TYFCB"] += 500
        first, _, last = row.name.partition(" ")
        writer.writerow([first, last, *(values[c] for c in COLUMNS)])
    writer.writerow(["Visitors", "", *[0] * len(COLUMNS)])
    writer.writerow(["BNI", "", *[0] * len(COLUMNS)])
    writer.writerow(["Total", "", *[0] * len(COLUMNS)])
    return out.getvalue().encode()


def seed(chapter: Chapter) -> None:
    """Import last month's summary once; a later run leaves the snapshot as it is."""
    start, end = last_month(chapter.today())
    if BniSnapshot.objects.filter(chapter=chapter, start=start, end=end).exists():
        return
    upload = Upload("palms_summary_demo.csv", summary_csv(chapter, start, end))
    report = import_bni(chapter, [upload], start=start, end=end)
    if not report.ok:
        raise RuntimeError("the demo's BNI Connect summary did not import: " + report.problems[0])
