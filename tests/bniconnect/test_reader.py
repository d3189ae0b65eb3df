"""The BNI Connect reader: the four real samples, both layouts of each kind in every format,
the quirks of BNI Connect's SpreadsheetML, and every file it refuses, saying what it is.

The samples' facts are checked against an independent look at the files (regular expressions
over the raw XML, openpyxl's full, not read-only, mode), never by reading them twice.
"""

import io
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bniconnect import reader
from bniconnect.reader import (
    MAX_BYTES,
    BniReadError,
    Name,
    PalmsSummary,
    Problem,
    Roster,
    SlipsAudit,
    read_bni,
    read_bni_path,
)
from tests.bniconnect import files
from tests.bniconnect.files import C, Slip

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "bni"
PALMS_SAMPLE = SAMPLES / "palms_summary_headerless_anon.xls"
AUDIT_SAMPLE = SAMPLES / "slips_audit_headerless_anon.xls"
OLD_AUDIT_SAMPLE = SAMPLES / "slips_audit_with_headers_feb2025_anon.xlsx"
ROSTER_SAMPLE = SAMPLES / "chapter_roster_mar2025_anon.xlsx"
FORMATS = ("spreadsheetml", "xlsx", "csv")


def refused(data: bytes, name: str = "report.xls") -> list[str]:
    with pytest.raises(BniReadError) as caught:
        read_bni(data, name)
    return [str(p) for p in caught.value.problems]


# --- The samples, against an independent look at them ----------------------------------------

_XML_ROW = re.compile(r"<Row\b.*?</Row>", re.S)
_XML_CELL = re.compile(
    r'<Cell ss:Index="(\d+)" ss:StyleID="(\w+)">\s*<Data ss:Type="\w+"(?:/>|>([^<]*)</Data>)'
)


def _raw_rows(path: Path) -> list[dict[int, tuple[str, str]]]:
    """The sample's rows as ``{column: (style, text)}``, by regular expression."""
    text = path.read_text()
    return [
        {int(col): (style, value) for col, style, value in _XML_CELL.findall(row)}
        for row in _XML_ROW.findall(text)
    ]


def test_the_palms_sample_has_its_members_and_the_three_pseudo_rows_apart():
    raw = _raw_rows(PALMS_SAMPLE)
    summary = read_bni_path(PALMS_SAMPLE)

    assert isinstance(summary, PalmsSummary)
    assert summary.file == PALMS_SAMPLE.name
    assert (summary.chapter, summary.start, summary.end) == (None, None, None)  # headerless
    member_rows = [r for r in raw[1:] if r[2][1]]
    assert len(summary.members) == len(member_rows) == 43
    assert [(m.first_name, m.last_name) for m in summary.members] == [
        (r[1][1], r[2][1]) for r in member_rows
    ]
    assert list(summary.pseudo) == ["Visitors", "BNI", "Total"]
    assert [p.row for p in summary.pseudo.values()] == [45, 46, 47]
    first = summary.members[0]
    assert first.row == 2
    assert first.values == {
        "P": 23, "A": 0, "L": 0, "M": 0, "S": 0, "RGI": 72, "RGO": 0, "RRI": 104, "RRO": 104,
        "V": 4, "121": 53, "TYFCB": Decimal("235036.00"), "CEU": 44, "T": 1,
    }  # fmt: skip
    assert raw[1][13][1] == "53.0"  # 1-2-1 written as a float...
    assert raw[0][16][1] == "Custom"  # ... and the last column named Custom, read as T
    assert summary.pseudo["BNI"].values["TYFCB"] == Decimal("215316.00")
    total = summary.pseudo["Total"].values
    assert (total["121"], total["TYFCB"], total["T"]) == (1954, Decimal("9531265.00"), 38)
    for column, key in ((3, "P"), (13, "121"), (15, "CEU")):
        expected = sum(int(float(r[column][1])) for r in member_rows)
        assert sum(m.values[key] for m in summary.members) == expected


def test_the_headerless_audit_sample_has_513_slips_of_every_type():
    raw = _raw_rows(AUDIT_SAMPLE)[1:]
    bold_style = re.search(
        r'<Style ss:ID="(\w+)">(?:(?!</Style>).)*ss:Bold="1"', AUDIT_SAMPLE.read_text(), re.S
    )[1]
    audit = read_bni_path(AUDIT_SAMPLE)

    assert isinstance(audit, SlipsAudit)
    assert audit.date is None
    assert len(audit.lines) == len(raw) == 513
    assert [line.row for line in audit.lines] == list(range(2, 515))
    types = Counter(line.slip_type for line in audit.lines)
    assert types == {"referral": 232, "one_to_one": 135, "tyfcb": 73, "ceu": 71, "visitor": 2}
    assert types["one_to_one"] == Counter(r[3][1] for r in raw)["One-to-One"]
    assert Counter(line.inside for line in audit.lines) == {None: 281, False: 121, True: 111}
    for column, side in ((1, "giver"), (2, "receiver")):
        bold = sum(1 for r in raw if r[column][0] == bold_style and r[column][1])
        assert sum(1 for line in audit.lines if (n := getattr(line, side)) and n.bold) == bold
    bold_names = tuple(
        sum(1 for line in audit.lines if (n := getattr(line, s)) and n.bold)
        for s in ("giver", "receiver")
    )
    assert bold_names == (88, 70)
    first = audit.lines[0]
    assert first.giver == Name("Given082 Family082", bold=True)  # "Given082  Family082"
    assert raw[0][1][1] == "Given082  Family082"
    assert first.detail == "BNI Energy, Deira Dubai, United Arab Emirates"
    bni = [line for line in audit.lines if line.receiver == Name("BNI", bold=True)]
    assert [(line.row, line.slip_type) for line in bni] == [(488, "tyfcb")]
    tyfcbs = [line for line in audit.lines if line.slip_type == "tyfcb"]
    assert all(line.giver is None and line.amount > 0 for line in tyfcbs)
    assert sum(line.amount for line in tyfcbs) == sum(
        Decimal(r[5][1]) for r in raw if r[3][1] == "TYFCB"
    )
    ceus = [line for line in audit.lines if line.slip_type == "ceu"]
    assert all(line.receiver is None for line in ceus)
    assert sum(line.credits for line in ceus) == sum(int(r[6][1]) for r in raw if r[3][1] == "CEU")


def test_the_older_audit_sample_gives_its_date_and_reads_spacer_columns():
    sheet = openpyxl.load_workbook(OLD_AUDIT_SAMPLE).active  # full mode: merges, fonts
    raw = [row for row in sheet.iter_rows(min_row=5) if row[3].value]
    audit = read_bni_path(OLD_AUDIT_SAMPLE)

    assert isinstance(audit, SlipsAudit)
    assert sheet["A1"].value == "Slips Audit Report for 13/02/2025"
    assert audit.date == date(2025, 2, 13)
    assert len(audit.lines) == len(raw) == 205
    assert audit.lines[0].row == 5
    words = {"Referral": "referral", "One to One": "one_to_one", "TYFCB": "tyfcb", "CEU": "ceu",
             "Visitor": "visitor"}  # fmt: skip
    assert Counter(line.slip_type for line in audit.lines) == Counter(
        words[r[3].value] for r in raw
    )
    assert Counter(line.slip_type for line in audit.lines) == {
        "referral": 86, "one_to_one": 64, "ceu": 27, "tyfcb": 26, "visitor": 2,
    }  # fmt: skip
    assert Counter(line.inside for line in audit.lines) == {None: 119, True: 56, False: 30}
    assert sum(1 for line in audit.lines if line.giver and line.giver.bold) == 33
    assert sum(1 for line in audit.lines if line.receiver and line.receiver.bold) == 18
    assert sum(1 for r in raw if r[0].font.b) == 33
    assert sum(1 for r in raw if r[1].font.b) == 18
    assert sum(line.amount for line in audit.lines if line.amount) == sum(
        Decimal(r[6].value) for r in raw if r[6].value
    )
    assert sum(line.credits for line in audit.lines if line.credits) == sum(
        int(r[8].value) for r in raw if r[8].value
    )
    ceu = next(line for line in audit.lines if line.slip_type == "ceu")
    assert ceu.giver == Name("Given323 Family323", bold=False)  # "Given323  Family323"
    bni = next(line for line in audit.lines if line.receiver and line.receiver.text == "BNI")
    assert (bni.row, bni.amount, bni.receiver.bold) == (196, Decimal("8500.00"), True)


def test_the_roster_sample_splits_professions_and_reads_dates_day_first():
    sheet = openpyxl.load_workbook(ROSTER_SAMPLE).active
    raw = [row for row in sheet.iter_rows(min_row=2) if row[3].value]
    roster = read_bni_path(ROSTER_SAMPLE)

    assert isinstance(roster, Roster)
    assert len(roster.lines) == len(raw) == 43
    first = roster.lines[0]
    assert first.row == 2
    assert (first.first_name, first.last_name, first.email) == (
        "Given019", "Family019", "member019@example.com",
    )  # fmt: skip
    assert (first.category, first.speciality) == (
        "Computer & Programming", "Computer Networks & AMC",
    )  # fmt: skip
    assert (first.joined_on, first.renewal_due) == (date(2015, 2, 1), date(2025, 8, 1))
    assert (first.chapter, first.status, first.sponsor) == (
        "BNI Continental", "Active", "Outsider084 Person084",
    )  # fmt: skip
    assert (first.company, first.phone, first.cell) == (
        "Company 019 LLC", "+971 4 000 0019", "+971 50 000 0019",
    )  # fmt: skip
    assert {line.status for line in roster.lines} == {"Active"}
    assert [line.email for line in roster.lines] == [r[8].value for r in raw]
    assert [line.joined_on.strftime("%d/%m/%Y") for line in roster.lines] == [
        r[10].value for r in raw
    ]
    assert roster.lines[40].sponsor == "Given006 Family006"  # "Given006  Family006"


# --- Both layouts of each kind, in every format -----------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("with_headers", [False, True])
def test_a_palms_summary_reads_in_either_layout(fmt, with_headers):
    members = files.palms_members(30)
    data = files.WRITERS[fmt](files.palms_rows(members, with_headers=with_headers))
    summary = read_bni(data, "palms")

    assert [(m.first_name, m.last_name) for m in summary.members] == [
        (m.first, m.last) for m in members
    ]
    for line, member in zip(summary.members, members, strict=True):
        assert tuple(line.values.values()) == member.values
        assert list(line.values) == list(files.PALMS_KEYS)
    assert isinstance(summary.members[0].values["TYFCB"], Decimal)
    assert list(summary.pseudo) == ["Visitors", "BNI", "Total"]
    assert summary.pseudo["Total"].values["T"] == 12
    first_row = files.PALMS_HEADERS_DATA_ROW if with_headers else 2
    assert [m.row for m in summary.members] == list(range(first_row, first_row + 30))
    if with_headers:
        assert (summary.chapter, summary.start, summary.end) == (
            "BNI Riverside", date(2025, 1, 1), date(2025, 3, 31),
        )  # fmt: skip
    else:
        assert (summary.chapter, summary.start, summary.end) == (None, None, None)


@pytest.mark.parametrize("fmt", ["spreadsheetml", "xlsx"])
def test_palms_dates_may_be_real_date_cells(fmt):
    rows = files.palms_rows(
        files.palms_members(3), with_headers=True, start=date(2025, 1, 6), end=date(2025, 2, 3)
    )
    summary = read_bni(files.WRITERS[fmt](rows), "palms")
    assert (summary.start, summary.end) == (date(2025, 1, 6), date(2025, 2, 3))


@pytest.mark.parametrize(
    ("start", "end", "window"),
    [
        ("06/01/2025", "03/02/2025", (date(2025, 1, 6), date(2025, 2, 3))),  # day first
        ("01/13/2025", "02/10/2025", (date(2025, 1, 13), date(2025, 2, 10))),  # month first
        ("12/01/2025", "02/03/2025", (date(2025, 1, 12), date(2025, 3, 2))),  # either: day
        ("01/12/2025", "02/01/2025", (date(2025, 1, 12), date(2025, 2, 1))),  # only in order
        ("2025-01-06", "2025-02-03", (date(2025, 1, 6), date(2025, 2, 3))),
        ("6 Jan 2025", "February 3, 2025", (date(2025, 1, 6), date(2025, 2, 3))),
    ],
)
def test_palms_parameter_dates_are_read_in_the_format_they_are_written(start, end, window):
    rows = files.palms_rows(files.palms_members(2), with_headers=True, start=start, end=end)
    summary = read_bni(files.csv_file(rows), "palms.csv")
    assert (summary.start, summary.end) == window


def test_palms_parameters_may_sit_in_one_cell_each():
    rows: list = [
        ["PALMS Summary Report"],
        ["Chapter: BNI Riverside"],
        ["From: 01/04/2025", "To: 30/06/2025"],
        files.palms_rows(files.palms_members(1), pseudo=False)[0],
        files.palms_rows(files.palms_members(1), pseudo=False)[1],
    ]
    summary = read_bni(files.xlsx(rows), "palms.xlsx")
    assert (summary.chapter, summary.start, summary.end) == (
        "BNI Riverside", date(2025, 4, 1), date(2025, 6, 30),
    )  # fmt: skip
    assert summary.members[0].row == 5


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("with_headers", [False, True])
def test_a_slips_audit_reads_in_either_layout(fmt, with_headers):
    slips = files.audit_slips(45)
    audit = read_bni(files.WRITERS[fmt](files.audit_rows(slips, with_headers=with_headers)), "a")

    assert audit.date == (date(2025, 2, 13) if with_headers else None)
    assert len(audit.lines) == 45
    first_row = files.AUDIT_HEADERS_DATA_ROW if with_headers else 2
    assert [line.row for line in audit.lines] == list(range(first_row, first_row + 45))
    assert Counter(line.slip_type for line in audit.lines) == {
        "referral": 15, "one_to_one": 10, "tyfcb": 10, "ceu": 5, "visitor": 5,
    }  # fmt: skip
    by_kind = {line.slip_type: line for line in audit.lines}
    referral, one_to_one = audit.lines[0], audit.lines[3]
    assert referral.giver == Name("Given001 Family001", bold=False)  # double space collapsed
    assert referral.inside is True and audit.lines[1].inside is False
    assert one_to_one.receiver.bold is (fmt != "csv")  # CSV holds no bold
    assert one_to_one.detail == "BNI Gladiators, Deira Dubai, United Arab Emirates"
    tyfcb = audit.lines[5]
    assert (tyfcb.giver, tyfcb.amount, tyfcb.inside) == (None, Decimal("1250.00"), None)
    assert audit.lines[6].receiver.text == "BNI"
    assert by_kind["ceu"].credits == 2 and by_kind["ceu"].receiver is None
    assert by_kind["visitor"].receiver.text.startswith("Outsider")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("with_title", [False, True])
def test_a_roster_reads_with_or_without_a_title_above_it(fmt, with_title):
    roster = read_bni(files.WRITERS[fmt](files.roster_rows(12, with_title=with_title)), "r")
    assert len(roster.lines) == 12
    line = roster.lines[2]
    assert line.row == (6 if with_title else 4)
    assert (line.first_name, line.last_name) == ("Given003", "Family003")
    assert (line.category, line.speciality) == ("Trade 3", "Speciality 3, with a comma")
    assert (line.joined_on, line.renewal_due) == (date(2023, 4, 13), date(2026, 4, 13))
    assert line.sponsor == "Given004 Family004"


def test_roster_dates_may_be_real_date_cells():
    roster = read_bni(files.xlsx(files.roster_rows(3, dates_as_cells=True)), "r.xlsx")
    assert [line.joined_on for line in roster.lines] == [
        date(2021, 2, 13), date(2022, 3, 13), date(2023, 4, 13),
    ]  # fmt: skip


def test_a_bad_roster_date_is_a_problem_of_its_row():
    rows = files.roster_rows(3)
    rows[2] = [*rows[2][:10], "31/02/2024", *rows[2][11:]]
    assert refused(files.csv_file(rows), "r.csv") == [
        "r.csv:3: Join Date '31/02/2024' is not a date (DD/MM/YYYY)"
    ]


def test_a_roster_written_month_first_is_read_month_first():
    rows = files.roster_rows(2)
    rows[1] = [*rows[1][:10], "02/13/2021", "02/13/2026", *rows[1][12:]]
    rows[2] = [*rows[2][:10], "03/13/2022", "03/13/2026", *rows[2][12:]]
    roster = read_bni(files.csv_file(rows), "r.csv")
    assert [line.joined_on for line in roster.lines] == [date(2021, 2, 13), date(2022, 3, 13)]


# --- BNI Connect's SpreadsheetML and its quirks -----------------------------------------------


def test_cells_are_placed_by_index_and_after_a_merge():
    # From in A, a spacer in B, To in C, Slip Type merged across D:E, the rest from F on.
    rows: list = [
        ["From", None, "To", C("Slip Type", merge=1), "Inside/Outside", "TYFCB Amount",
         "CEU Credits", "Detail"],
        ["Given001 Family001", C("Given002 Family002", index=3), C("Referral", merge=1),
         "Inside", "", "", "after the merge"],
    ]  # fmt: skip
    data = files.spreadsheetml(rows, every_index=False)
    text = data.decode()
    assert text.count("ss:Index=") == 2  # only where a cell skips a column
    assert text.count('ss:MergeAcross="1"') == 2
    line = read_bni(data, "a.xls").lines[0]
    assert (line.giver.text, line.receiver.text) == ("Given001 Family001", "Given002 Family002")
    assert (line.slip_type, line.inside, line.detail) == ("referral", True, "after the merge")


def test_sparse_cells_leave_their_gaps_empty():
    rows: list = [
        files.AUDIT_HEADER,
        [C("Given001 Family001", index=1), C("CEU", index=3), C("4", index=6)],
        [
            C("Given002 Family002", index=1),
            C("Given003 Family003", index=2),
            C("One to One", index=3),
            C("met at the café", index=7),
        ],
    ]
    ceu, one_to_one = read_bni(files.spreadsheetml(rows, every_index=False), "a.xls").lines
    assert (ceu.receiver, ceu.credits, ceu.detail) == (None, 4, "")
    assert (one_to_one.slip_type, one_to_one.detail) == ("one_to_one", "met at the café")


def test_row_numbers_follow_the_rows_own_index():
    rows: list = [files.AUDIT_HEADER, None, None, *files.audit_rows(files.audit_slips(2))[1:]]
    data = files.spreadsheetml(rows)
    assert b'<Row ss:AutoFitHeight="0" ss:Height="15.0" ss:Index="4">' in data
    audit = read_bni(data, "a.xls")
    assert [line.row for line in audit.lines] == [4, 5]


def test_cr_line_endings_are_read_like_any_other():
    rows = files.audit_rows(files.audit_slips(9))
    for newline in ("\r", "\n", "\r\n"):
        data = files.spreadsheetml(rows, newline=newline)
        assert (b"\n" in data) is (newline != "\r")
        assert len(read_bni(data, "a.xls").lines) == 9
        csv_data = files.csv_file(rows, newline=newline)
        audit = read_bni(csv_data, "a.csv")
        assert [line.row for line in audit.lines] == list(range(2, 11))


def test_bold_comes_from_a_style_its_parent_or_rich_text():
    rows: list = [
        files.AUDIT_HEADER,
        [C("Outsider001 Person001", bold=True), "Given001 Family001", "Referral", "Outside"],
        [C("Outsider002 Person002", bold=True, rich=True), "Given001 Family001", "Referral"],
        ["Given002 Family002", "Given001 Family001", "Referral"],
    ]
    for style in files.BOLD_STYLES:
        data = files.spreadsheetml(rows, bold_style=style)
        assert b"<B>Outsider002 Person002</B>" in data
        lines = read_bni(data, "a.xls").lines
        assert [line.giver.bold for line in lines] == [True, True, False]
        assert [line.receiver.bold for line in lines] == [False, False, False]


def test_the_report_may_follow_other_sheets():
    rows = files.audit_rows(files.audit_slips(3))
    for data in (files.spreadsheetml(rows, sheets_before=2), files.xlsx(rows, sheets_before=2)):
        assert len(read_bni(data, "a").lines) == 3


def _with_sheet_xml(data: bytes, change) -> bytes:
    """The .xlsx ``data`` with its first sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.infolist():
            body = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            target.writestr(part, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "change",
    [
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G3"', xml),
        lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml),
        lambda xml: re.sub(rb'(<row[^>]*?) r="[0-9]+"', rb"\1", xml),
    ],
    ids=["too small", "missing", "rows unnumbered"],
)
def test_an_xlsx_with_a_wrong_dimension_is_still_read_to_its_last_row(change):
    data = files.audit_file(30, "xlsx", with_headers=True)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<dimension " in xml and b"<mergeCell " in xml
    audit = read_bni(_with_sheet_xml(data, change), "a.xlsx")
    assert len(audit.lines) == 30 and audit.lines[-1].row == 34


def test_a_header_repeated_down_the_table_is_not_a_slip():
    rows = files.audit_rows(files.audit_slips(4))
    rows.insert(3, files.AUDIT_HEADER)
    audit = read_bni(files.xlsx(rows), "a.xlsx")
    assert [line.row for line in audit.lines] == [2, 3, 5, 6]


def test_headers_are_found_whatever_their_case_and_spacing():
    header = ["  FROM", "to ", "slip  type", "Inside / Outside", "AED if TYFCB", "qty if ceu",
              "DETAILS"]  # fmt: skip
    rows = [header, ["", "Given001 Family001", "TYFCB", "", "AED 1,250.00", "", ""]]
    line = read_bni(files.csv_file(rows), "a.csv").lines[0]
    assert (line.slip_type, line.amount) == ("tyfcb", Decimal("1250.00"))


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_with_a_bom_and_another_delimiter(delimiter):
    data = files.csv_file(files.palms_rows(files.palms_members(4)), delimiter=delimiter, bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    summary = read_bni(data, "palms.csv")
    assert [m.first_name for m in summary.members] == ["Given001", "Given002", "Given003",
                                                      "Given004"]  # fmt: skip


# --- Values --------------------------------------------------------------------------------


def _palms_with(**cells: object) -> bytes:
    """A headerless PALMS Summary of one member whose figures are ``cells`` (P=..., ...)."""
    header = [*files.PALMS_HEADER, "T"]
    figures = dict.fromkeys(header[2:], "0")
    figures.update({("1-2-1" if k == "one_two_one" else k): v for k, v in cells.items()})
    return files.csv_file([header, ["Given001", "Family001", *figures.values()]])


def test_counts_written_as_floats_are_whole_numbers():
    line = read_bni(_palms_with(RGI="53.0", one_two_one="12.00", TYFCB="1,250"), "p").members[0]
    assert (line.values["RGI"], line.values["121"]) == (53, 12)
    assert line.values["TYFCB"] == Decimal("1250.00")


def test_every_bad_count_and_amount_is_a_problem_of_its_row():
    assert refused(_palms_with(RGI="53.5", A="-1", CEU="x", TYFCB="abc"), "p.csv") == [
        "p.csv:2: A must be a whole number ≥ 0, not '-1'",
        "p.csv:2: RGI must be a whole number ≥ 0, not '53.5'",
        "p.csv:2: TYFCB must be an amount such as 1,250.00, not 'abc'",
        "p.csv:2: CEU must be a whole number ≥ 0, not 'x'",
    ]


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1250", "1250.00"),
        ("1,250.00", "1250.00"),
        ("1,234,567.5", "1234567.50"),
        ("$1,250.00", "1250.00"),
        ("AED 1,250.00", "1250.00"),
        ("1.250,00 €", "1250.00"),
        ("1 250,00", "1250.00"),
        ("12,5", "12.50"),
        ("0.005", "0.01"),
    ],
)
def test_amounts_may_carry_thousands_separators_and_a_currency(written, amount):
    line = read_bni(_palms_with(TYFCB=written), "p").members[0]
    assert line.values["TYFCB"] == Decimal(amount)


@pytest.mark.parametrize("written", ["abc", "1,2,3", "12 34", "$ 5 $", "1..2", "--5"])
def test_what_is_not_an_amount_is_a_problem(written):
    assert refused(_palms_with(TYFCB=written), "p.csv") == [
        f"p.csv:2: TYFCB must be an amount such as 1,250.00, not {written!r}"
    ]


def test_an_empty_figure_beside_others_is_zero_and_a_row_without_any_is_a_problem():
    header = [*files.PALMS_HEADER, "T"]
    rows = [
        header,
        ["Given001", "Family001", "3", "", *["0"] * 12],
        ["Given002", "Family002"],
    ]
    assert refused(files.csv_file(rows), "p.csv") == [
        "p.csv:3: 'Given002 Family002' has no figures in any PALMS column"
    ]
    summary = read_bni(files.csv_file(rows[:2]), "p.csv")
    assert (summary.members[0].values["P"], summary.members[0].values["A"]) == (3, 0)


def test_a_note_below_the_total_row_is_not_a_member():
    rows = [*files.palms_rows(files.palms_members(2)), ["Printed from BNI Connect"]]
    summary = read_bni(files.spreadsheetml(rows), "p.xls")
    assert len(summary.members) == 2 and "Total" in summary.pseudo


@pytest.mark.parametrize(
    ("written", "slip_type"),
    [("Referral", "referral"), ("One-to-One", "one_to_one"), ("One to One", "one_to_one"),
     (" one  to-ONE ", "one_to_one"), ("TYFCB", "tyfcb"), ("ceu", "ceu"),
     ("Visitor", "visitor")],
)  # fmt: skip
def test_slip_types_are_read_in_any_case_and_spelling(written, slip_type):
    slip = {
        "referral": Slip("A A", "B B", written),
        "one_to_one": Slip("A A", "B B", written),
        "tyfcb": Slip("", "B B", written, amount="10"),
        "ceu": Slip("A A", "", written, credits="1"),
        "visitor": Slip("A A", "V V", written),
    }[slip_type]
    audit = read_bni(files.csv_file(files.audit_rows([slip])), "a.csv")
    assert audit.lines[0].slip_type == slip_type


@pytest.mark.parametrize(
    ("written", "inside"),
    [("Tier 1 (inside)", True), ("Inside", True), ("tier 2 (OUTSIDE)", False),
     ("Outside", False), ("", None)],
)  # fmt: skip
def test_inside_or_outside(written, inside):
    audit = read_bni(files.xlsx(files.audit_rows([Slip("A A", "B B", inside=written)])), "a")
    assert audit.lines[0].inside is inside


def test_every_bad_slip_is_a_problem_naming_its_value():
    slips = [
        Slip("A A", "B B", "Gift"),
        Slip("A A", "B B", "Referral", inside="Tier 1 (outside)"),
        Slip("", "B B", "TYFCB"),
        Slip("A A", "", "CEU", credits="1.5"),
        Slip("", "B B", "Referral"),
    ]
    assert refused(files.csv_file(files.audit_rows(slips)), "a.csv") == [
        "a.csv:2: Slip Type 'Gift' is not one of Referral, One-to-One, TYFCB, CEU, Visitor",
        "a.csv:3: Inside/Outside 'Tier 1 (outside)' is not one of Tier 1 (inside), "
        "Tier 2 (outside), Inside, Outside",
        "a.csv:4: a TYFCB slip needs the amount in TYFCB Amount",
        "a.csv:5: CEU Credits must be a whole number ≥ 0, not '1.5'",
        "a.csv:6: a Referral slip needs the member giving it in From",
    ]


def test_bni_is_the_organisation_by_name():
    slip = Slip("", "  bni ", "TYFCB", amount="100", receiver_bold=True)
    line = read_bni(files.xlsx(files.audit_rows([slip])), "a.xlsx").lines[0]
    assert line.receiver == Name("BNI", bold=True)


# --- Refusals ------------------------------------------------------------------------------


def test_a_problem_reads_file_row_message():
    assert str(Problem("a.xls", 14, "RGI is wrong")) == "a.xls:14: RGI is wrong"
    assert str(Problem("a.xls", None, "the file is empty")) == "a.xls: the file is empty"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "a.xls: the file is empty"),
        (b"\xef\xbb\xbf\r\n  ", "a.xls: the file is empty"),
        (b"<!DOCTYPE html><html><head><title>BNI Connect</title>", "a web page (HTML)"),
        (b"<html><body><table><tr><td>From</td></tr></table>", "a web page (HTML)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "save it as .xlsx"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a binary file of an unknown kind"),
        ("From,To\r\n".encode("utf-16"), "UTF-16 text"),
        ("Prénom,Nom\nJosé,Müller\n".encode("latin-1"), "not UTF-8 text (byte 0xE9"),
        (b'<?xml version="1.0"?><feed><entry/></feed>', "an XML document (<feed>)"),
    ],
)
def test_what_is_not_a_bni_export_is_refused_saying_what_it_is(data, says):
    (problem,) = refused(data, "a.xls")
    assert says in problem and problem.startswith("a.xls: ")


def test_a_csv_with_other_columns_is_refused_listing_them():
    assert refused(b"email,first_name,phone\nx@example.test,X,1\n", "people.csv") == [
        "people.csv: this is not a BNI Connect export: no row holds the header of a PALMS "
        "Summary (First Name, Last Name, P, A, L, ...), a Slips Audit (From, To, Slip Type, "
        "...) or a chapter roster (S no, Chapter Name, Profession, ...); its first row (row 1) "
        "has 'email', 'first_name', 'phone'"
    ]


def test_a_sheet_with_other_columns_is_refused_listing_them():
    (problem,) = refused(files.xlsx([None, ["Name", None, "Amount"], ["Amy", None, 5]]), "x.xlsx")
    assert problem.endswith("its first row (row 2) has 'Name', 'Amount'")


def test_a_header_missing_columns_is_refused_naming_them():
    header = ["From", "To", "Slip Type", "Inside/Outside"]
    assert refused(files.csv_file([header, ["A A", "B B", "Referral", "Inside"]]), "a.csv") == [
        "a.csv:1: the Slips Audit header has no column 'TYFCB Amount', 'CEU Credits', 'Detail'"
    ]


def test_a_truncated_spreadsheetml_is_a_problem_not_a_traceback():
    data = files.spreadsheetml(files.audit_rows(files.audit_slips(40)))
    for cut in (len(data) // 2, len(data) - 20, 300):
        (problem,) = refused(data[:cut], "a.xls")
        assert "the XML is damaged or cut short" in problem and "download" in problem
    (problem,) = refused(data[: len(data) // 2], "a.xls")
    assert re.match(r"a\.xls:\d+: ", problem)  # the row it broke in


def test_a_truncated_or_damaged_xlsx_is_a_problem_not_a_traceback():
    data = files.xlsx(files.audit_rows(files.audit_slips(40)))
    (problem,) = refused(data[: len(data) // 2], "a.xlsx")
    assert "damaged or cut short" in problem
    (problem,) = refused(_with_sheet_xml(data, lambda xml: xml[: len(xml) // 2]), "a.xlsx")
    assert "could not be read" in problem


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(buffer.getvalue()) == ["report.xls: this is a Word document, not a spreadsheet"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(reader.MAX_UNPACKED_BYTES // len(zeros) + 1):
                part.write(zeros)
    assert len(buffer.getvalue()) < 1024 * 1024
    (problem,) = refused(buffer.getvalue(), "bomb.xlsx")
    assert "would unpack to 101 MB" in problem and "refused without unpacking" in problem


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Workbook [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table>
<Row><Cell><Data>&lol3;</Data></Cell></Row></Table></Worksheet></Workbook>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Workbook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table>
<Row><Cell><Data>&secret;</Data></Cell></Row></Table></Worksheet></Workbook>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_xml_with_a_dtd_is_refused_without_expanding_it(data):
    (problem,) = refused(data, "a.xls")
    assert "declares a document type" in problem and "without expanding" in problem
    assert "lol" not in problem and "root:" not in problem


def test_an_xlsx_with_entities_is_refused_without_expanding_them():
    data = files.xlsx(files.audit_rows(files.audit_slips(2)))
    laced = _with_sheet_xml(data, lambda xml: b'<!DOCTYPE worksheet [<!ENTITY lol "lol">]>' + xml)
    (problem,) = refused(laced, "a.xlsx")
    assert "EntitiesForbidden" in problem and "without expanding" in problem


def test_a_file_over_the_size_limit_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.xls"
    with open(path, "wb") as big:
        big.truncate(50 * 1024 * 1024)  # sparse: 50 MB that take no disk

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr("builtins.open", no_reading)
    with pytest.raises(BniReadError) as caught:
        read_bni_path(path)
    monkeypatch.undo()
    assert [str(p) for p in caught.value.problems] == [
        "huge.xls: the file is 50.0 MB; a BNI Connect export is at most 20 MB, so it was not read"
    ]


def test_bytes_over_the_size_limit_are_refused():
    (problem,) = refused(b"x" * (MAX_BYTES + 1), "big.csv")
    assert "at most 20 MB" in problem


def test_a_missing_file_is_a_problem(tmp_path):
    with pytest.raises(BniReadError) as caught:
        read_bni_path(tmp_path / "gone.xls")
    assert str(caught.value.problems[0]).startswith("gone.xls: cannot be read")


# --- Size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["spreadsheetml", "xlsx"])
def test_a_5000_slip_audit_reads_whole(fmt):
    audit = read_bni(files.audit_file(5000, fmt), f"audit.{fmt}")
    assert len(audit.lines) == 5000
    assert audit.lines[-1].row == 5001
    assert Counter(line.slip_type for line in audit.lines)["visitor"] == 5000 // 9


@pytest.mark.parametrize(
    ("title_date", "day"),
    [
        ("13/02/2025", date(2025, 2, 13)),
        ("2/13/2025", date(2025, 2, 13)),
        ("13 Feb 2025", date(2025, 2, 13)),
        ("06/02/2025 (Thursday)", date(2025, 2, 6)),
    ],
)
def test_the_older_audit_takes_its_date_from_the_title(title_date, day):
    rows = files.audit_rows(files.audit_slips(1), with_headers=True, title_date=title_date)
    assert read_bni(files.spreadsheetml(rows), "a.xls").date == day


def test_a_title_date_that_is_no_date_is_a_problem():
    rows = files.audit_rows(files.audit_slips(1), with_headers=True, title_date="last week")
    assert refused(files.csv_file(rows), "a.csv") == [
        "a.csv:1: the title's date 'last week' is not a date"
    ]


def test_the_time_of_a_slip_audit_is_not_taken_from_its_run_at():
    rows = files.audit_rows(files.audit_slips(1), with_headers=True)
    assert any(isinstance(c.value, datetime) for c in rows[2] if isinstance(c, C))
    assert read_bni(files.xlsx(rows), "a.xlsx").date == date(2025, 2, 13)
