"""Writes BNI Connect files for the tests, in any size and both layouts of each kind.

Three writers take the same rows: ``spreadsheetml()`` writes SpreadsheetML 2003 as BNI Connect
does (cells placed by ``ss:Index``, ``ss:MergeAcross``, a bold style, tabs and CR line
endings), ``xlsx()`` what Excel saves (bold fonts, merged cells, real date cells) and
``csv_file()`` what someone exports by hand. A row is a list of cells: a plain value, a ``C``
for bold, a merge or an explicit column, or ``None`` for a blank spacer column; ``None`` in
place of a row is a blank row.

The builders (``palms_rows``, ``audit_rows``, ``roster_rows``) lay out the reports as
DOMAIN.md describes them; ``audit_file(n)`` is a whole N-slip audit, for the tests and a
benchmark alike.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.styles import Font


@dataclass(frozen=True)
class C:
    """One cell: ``bold`` marks someone outside the chapter; ``merge`` more columns covered to
    the right; ``index`` its 1-based column when it does not follow the previous cell;
    ``rich`` writes bold as inline ``<B>`` rich text instead of a bold style."""

    value: object
    bold: bool = False
    merge: int = 0
    index: int | None = None
    rich: bool = False


Row = Sequence[object] | None


def _placed(row: Sequence[object]) -> list[tuple[int, C]]:
    """Each cell of a row with its column (spacers skipped, merges stepped over)."""
    placed, column = [], 1
    for item in row:
        if item is None:
            column += 1
            continue
        cell = item if isinstance(item, C) else C(item)
        column = cell.index or column
        placed.append((column, cell))
        column += 1 + cell.merge
    return placed


# --- Writers ---------------------------------------------------------------------------------

_WORKBOOK_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n\n'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:html="http://www.w3.org/TR/REC-html40">\n'
)
_STYLES = """\t<Styles>
\t\t<Style ss:ID="Default" ss:Name="Normal">
\t\t\t<Font ss:FontName="sans-serif" ss:Size="10"/>
\t\t</Style>
\t\t<Style ss:ID="20">
\t\t\t<Alignment ss:Horizontal="Left" ss:Vertical="Top" ss:WrapText="1"/>
\t\t\t<Font ss:FontName="sans-serif" ss:Size="10" ss:Color="#000000"/>
\t\t</Style>
\t\t<Style ss:ID="21">
\t\t\t<Alignment ss:Horizontal="Left" ss:Vertical="Top" ss:WrapText="1"/>
\t\t\t<Font ss:FontName="sans-serif" ss:Size="10" ss:Bold="1" ss:Color="#000000"/>
\t\t</Style>
\t\t<Style ss:ID="22" ss:Parent="21">
\t\t\t<NumberFormat ss:Format="###0.00"/>
\t\t</Style>
\t</Styles>
"""
#: Style 22 is bold only through its parent, 21.
BOLD_STYLES = ("21", "22")


def spreadsheetml(
    rows: Sequence[Row],
    *,
    newline: str = "\r",
    every_index: bool = True,
    empty_cells: bool = True,
    bold_style: str = "21",
    sheets_before: int = 0,
) -> bytes:
    """SpreadsheetML 2003 as BNI Connect writes it.

    ``every_index`` puts ``ss:Index`` on every cell (BNI's way); otherwise only where a cell
    does not follow the previous one. ``empty_cells`` writes an empty string cell for ``""``
    as BNI does. A blank row is left out, and the next row carries ``ss:Index``.
    """
    out = [_WORKBOOK_OPEN, _STYLES]
    for n in range(sheets_before):
        out.append(f'\t<Worksheet ss:Name="Notes{n}">\n\t\t<ss:Table>\n\t\t</ss:Table>\n')
        out.append("\t</Worksheet>\n")
    out.append('\t<Worksheet ss:Name="Report">\n\t\t<ss:Table>\n')
    skipped = False
    for number, row in enumerate(rows, start=1):
        if row is None:
            skipped = True
            continue
        index = f' ss:Index="{number}"' if skipped else ""
        skipped = False
        out.append(f'\t\t\t<Row ss:AutoFitHeight="0" ss:Height="15.0"{index}>\n')
        column = 1
        for at, cell in _placed(row):
            if cell.value == "" and not empty_cells:
                continue
            attrs = f' ss:Index="{at}"' if every_index or at != column else ""
            if cell.merge:
                attrs += f' ss:MergeAcross="{cell.merge}"'
            style = bold_style if cell.bold and not cell.rich else "20"
            attrs += f' ss:StyleID="{style}"'
            out.append(f"\t\t\t\t<Cell{attrs}>\n\t\t\t\t\t{_data(cell)}\n\t\t\t\t</Cell>\n")
            column = at + 1 + cell.merge
        out.append("\t\t\t</Row>\n")
    out.append("\t\t</ss:Table>\n\t</Worksheet>\n</Workbook>\n")
    return "".join(out).replace("\n", newline).encode()


def _data(cell: C) -> str:
    value = cell.value
    if isinstance(value, datetime | date):
        text = value.isoformat() if isinstance(value, datetime) else f"{value}T00:00:00.000"
        return f'<Data ss:Type="DateTime">{text}</Data>'
    kind = "Number" if isinstance(value, int | float | Decimal) else "String"
    if value == "":
        return f'<Data ss:Type="{kind}"/>'
    if cell.rich and cell.bold:
        return (
            f'<ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40">'
            f"<B>{escape(str(value))}</B></ss:Data>"
        )
    return f'<Data ss:Type="{kind}">{escape(str(value))}</Data>'


def xlsx(rows: Sequence[Row], *, sheets_before: int = 0) -> bytes:
    """An .xlsx as Excel saves one: bold fonts, merged cells, dates as real date cells."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    for n in range(sheets_before):
        workbook.create_sheet(f"Notes{n}")
    sheet = workbook.create_sheet("Report") if sheets_before else first
    if sheets_before:
        workbook.remove(first)
    bold = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        if row is None:
            continue
        for at, cell in _placed(row):
            value = float(cell.value) if isinstance(cell.value, Decimal) else cell.value
            target = sheet.cell(row=number, column=at, value=value)
            if cell.bold:
                target.font = bold
            if cell.merge:
                sheet.merge_cells(
                    start_row=number, start_column=at, end_row=number, end_column=at + cell.merge
                )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(
    rows: Sequence[Row], *, delimiter: str = ",", bom: bool = False, newline: str = "\r\n"
) -> bytes:
    """CSV in UTF-8 (optionally with a BOM); a blank row is an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    for row in rows:
        if row is None:
            buffer.write(newline)
            continue
        placed = _placed(row)
        width = max((at + cell.merge for at, cell in placed), default=0)
        line = [""] * width
        for at, cell in placed:
            value = cell.value
            if isinstance(value, datetime | date):
                value = value.strftime("%d/%m/%Y")
            line[at - 1] = str(value)
        writer.writerow(line)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


WRITERS = {"spreadsheetml": spreadsheetml, "xlsx": xlsx, "csv": csv_file}


# --- PALMS Summary ---------------------------------------------------------------------------

PALMS_HEADER = ["First Name", "Last Name", "P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO",
                "V", "1-2-1", "TYFCB", "CEU"]  # fmt: skip
PALMS_KEYS = ("P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO", "V", "121", "TYFCB", "CEU", "T")


@dataclass(frozen=True)
class PalmsMember:
    first: str
    last: str
    values: tuple  # in PALMS_KEYS order; TYFCB a Decimal


def palms_members(n: int) -> list[PalmsMember]:
    """``n`` members with figures that differ by member and column."""
    members = []
    for i in range(1, n + 1):
        counts = [(i * (k + 3)) % 29 for k in range(14)]
        counts[11] = Decimal(i * 1250) + Decimal("0.50")
        members.append(PalmsMember(f"Given{i:03d}", f"Family{i:03d}", tuple(counts)))
    return members


PALMS_PSEUDO = [
    PalmsMember("Visitors", "", (5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Decimal(0), 0, 0)),
    PalmsMember("BNI", "", (5, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, Decimal("215316"), 0, 0)),
    PalmsMember("Total", "", (99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Decimal("999999"), 11, 12)),
]
#: Rows of the "with headers" layout above the header (the header is on row 11).
PALMS_HEADERS_DATA_ROW = 12


def palms_rows(
    members: Sequence[PalmsMember],
    *,
    with_headers: bool = False,
    last_column: str = "Custom",
    chapter: str = "BNI Riverside",
    start: object = "01/01/2025",
    end: object = "31/03/2025",
    counts_as_float: bool = True,
    pseudo: bool = True,
) -> list[Row]:
    """A PALMS Summary. Without headers it starts at the header row; with headers it has a
    title, a Running User block, a Parameters block and blank spacer columns between the
    name columns and the figures. ``counts_as_float`` writes 1-2-1 as ``53.0`` as BNI does."""
    header: list[object] = [*PALMS_HEADER, last_column]
    spacer: list[object] = []
    if with_headers:
        header = [header[0], None, header[1], None, *header[2:]]
        spacer = [None]
    rows: list[Row] = []
    if with_headers:
        rows += [
            [C("PALMS Summary Report", merge=8)],
            None,
            ["Running User", None, "Run At", None, "Country", None, "Region", None, "Chapter"],
            [
                "Vice President",
                None,
                datetime(2025, 4, 2, 9, 30),
                None,
                "United Arab Emirates",
                None,
                "Deira Dubai",
                None,
                C(chapter, merge=1),
            ],
            None,
            ["Parameters"],
            ["Chapter:", None, chapter],
            ["From:", None, start],
            ["To:", None, end],
            None,
        ]
    rows.append(header)
    for member in [*members, *(PALMS_PSEUDO if pseudo else [])]:
        figures = []
        for key, value in zip(PALMS_KEYS, member.values, strict=True):
            if key == "TYFCB":
                figures.append(f"{value:.2f}")
            elif key == "121" and counts_as_float:
                figures.append(f"{value}.0")
            else:
                figures.append(value)
        rows.append([member.first, *spacer, member.last, *spacer, *figures])
    return rows


# --- Slips Audit Report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    giver: str = ""
    receiver: str = ""
    slip_type: str = "Referral"
    inside: str = ""
    amount: str = ""
    credits: str = ""
    detail: str = ""
    giver_bold: bool = False
    receiver_bold: bool = False


#: What ``audit_slips`` cycles through: every slip type, both spellings, bold outsiders, BNI.
_SLIP_CYCLE = (
    Slip(
        "Given{a:03d}  Family{a:03d}", "Given{b:03d} Family{b:03d}", "Referral", "Tier 1 (inside)"
    ),
    Slip(
        "Given{a:03d} Family{a:03d}", "Given{b:03d} Family{b:03d}", "Referral", "Tier 2 (outside)"
    ),
    Slip(
        "Outsider{a:03d} Person{a:03d}",
        "Given{b:03d} Family{b:03d}",
        "Referral",
        "Inside",
        detail="BNI Energy, Deira Dubai, United Arab Emirates",
        giver_bold=True,
    ),
    Slip(
        "Given{a:03d} Family{a:03d}",
        "Outsider{b:03d} Person{b:03d}",
        "One-to-One",
        detail="BNI Gladiators, Deira Dubai, United Arab Emirates",
        receiver_bold=True,
    ),
    Slip("Given{a:03d} Family{a:03d}", "Given{b:03d} Family{b:03d}", "One to One"),
    Slip(
        "",
        "Given{b:03d} Family{b:03d}",
        "TYFCB",
        amount="1,250.00",
        detail="BNI United, Deira Dubai, United Arab Emirates",
    ),
    Slip("", "BNI", "TYFCB", amount="8500.00", receiver_bold=True),
    Slip("Given{a:03d} Family{a:03d}", "", "CEU", credits="2"),
    Slip("Given{a:03d} Family{a:03d}", "Outsider{b:03d} Person{b:03d}", "Visitor"),
)


def audit_slips(n: int) -> list[Slip]:
    """``n`` slips cycling through ``_SLIP_CYCLE`` with members 1-40 and outsiders 1-90."""
    slips = []
    for i in range(n):
        pattern = _SLIP_CYCLE[i % len(_SLIP_CYCLE)]
        a, b = i % 40 + 1, (i * 7 + 3) % 40 + 1
        if "Outsider" in pattern.giver or "Outsider" in pattern.receiver:
            b = i % 90 + 1
            a = a if "Outsider" not in pattern.giver else b
        slips.append(
            Slip(
                pattern.giver.format(a=a, b=b),
                pattern.receiver.format(a=a, b=b),
                pattern.slip_type,
                pattern.inside,
                pattern.amount,
                pattern.credits,
                pattern.detail,
                pattern.giver_bold,
                pattern.receiver_bold,
            )
        )
    return slips


AUDIT_HEADER = [
    "From",
    "To",
    "Slip Type",
    "Inside/Outside",
    "TYFCB Amount",
    "CEU Credits",
    "Detail",
]
#: The older layout's first data row (title, Running User block, header on row 4).
AUDIT_HEADERS_DATA_ROW = 5


def audit_rows(
    slips: Sequence[Slip], *, with_headers: bool = False, title_date: str = "13/02/2025"
) -> list[Row]:
    """A Slips Audit Report. Without headers: the header row, then a row per slip, every
    cell written (empty ones too). With headers, the older layout of the real sample: title,
    Running User block, ``$ if TYFCB`` and ``Qty if CEU``, and To, Slip Type, the amount and
    Detail each merged across two columns, as four merges a row."""
    rows: list[Row] = []
    if with_headers:
        rows += [
            [C(f"Slips Audit Report for {title_date}", merge=9), C("", merge=1)],
            [
                C("Running User", merge=1),
                C("Run At", merge=1),
                C("Country", merge=2),
                C("Region", merge=2),
                C("Chapter", merge=1),
            ],
            [
                C("Vice President", merge=1),
                C(datetime(2025, 2, 25, 15, 8), merge=1),
                C("United Arab Emirates", merge=2),
                C("Deira Dubai", merge=2),
                C("BNI Continental", merge=1),
            ],
            [
                "From",
                C("To", merge=1),
                C("Slip Type", merge=1),
                "Inside/Outside",
                C("$ if TYFCB", merge=1),
                "Qty if CEU",
                C("Detail", merge=1),
            ],
        ]
    else:
        rows.append(AUDIT_HEADER)
    for slip in slips:
        giver = C(slip.giver, bold=slip.giver_bold)
        receiver = C(slip.receiver, bold=slip.receiver_bold)
        if with_headers:
            rows.append(
                [
                    giver,
                    C(slip.receiver, bold=slip.receiver_bold, merge=1),
                    C(slip.slip_type, merge=1),
                    slip.inside,
                    C(slip.amount, merge=1),
                    slip.credits,
                    C(slip.detail, merge=1),
                ]
            )
        else:
            rows.append(
                [
                    giver,
                    receiver,
                    slip.slip_type,
                    slip.inside,
                    slip.amount,
                    slip.credits,
                    slip.detail,
                ]
            )
    return rows


def audit_file(n: int, fmt: str = "spreadsheetml", *, with_headers: bool = False) -> bytes:
    """A whole Slips Audit Report of ``n`` slips as ``fmt`` (spreadsheetml, xlsx or csv)."""
    return WRITERS[fmt](audit_rows(audit_slips(n), with_headers=with_headers))


# --- Chapter roster --------------------------------------------------------------------------

ROSTER_HEADER = ["S no", "Chapter Name", "Profession", "First Name", "Last Name", "Company",
                 "Phone Number", "Cell Number", "email", "Status", "Join Date", "Renewal Date",
                 "Sponsor"]  # fmt: skip


def roster_rows(n: int, *, with_title: bool = False, dates_as_cells: bool = False) -> list[Row]:
    """A chapter roster of ``n`` members joined on the 13th (so DD/MM is unambiguous)."""
    rows: list[Row] = [["Chapter Roster Report"], None] if with_title else []
    rows.append(ROSTER_HEADER)
    for i in range(1, n + 1):
        joined, renewal = date(2020 + i % 5, i % 12 + 1, 13), date(2026, i % 12 + 1, 13)
        rows.append(
            [
                i,
                "BNI Riverside",
                f"Trade {i}, Speciality {i}, with a comma",
                f"Given{i:03d}",
                f" Family{i:03d} ",
                f"Company {i:03d} LLC",
                f"+971 4 000 {i:04d}",
                f"+971 50 000 {i:04d}",
                f"member{i:03d}@example.com",
                "Active",
                joined if dates_as_cells else joined.strftime("%d/%m/%Y"),
                renewal if dates_as_cells else renewal.strftime("%d/%m/%Y"),
                f"Given{i + 1:03d} Family{i + 1:03d}",
            ]
        )
    return rows
