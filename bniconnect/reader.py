"""Reads what BNI Connect exports: a PALMS Summary, a Slips Audit Report or a chapter roster.

Chapters moving in bring these downloads (DOMAIN.md, "BNI Connect's exports"). This module
only reads them: it tells the format from the content (SpreadsheetML 2003, .xlsx or CSV, never
the file's name), finds the header row by its text wherever it sits (under a title and
parameter blocks, beside blank spacer columns), and returns plain dataclasses whose ``row`` is
the spreadsheet's own row number, so a problem can be found in Excel. It knows nothing of the
database: matching names to members is the importer's job.

Every problem found is collected and raised at once as a ``BniReadError``, so a file is fixed
in one pass. The files are untrusted uploads: nothing over ``MAX_BYTES`` is read at all, XML is
parsed by defusedxml with no DTD allowed (so no entity is ever expanded), and an .xlsx is
refused before unpacking when its parts would unpack too large.
"""

import contextlib
import csv
import io
import itertools
import math
import os
import re
import unicodedata
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

#: The largest file read. A big chapter's year of slips is a few MB; anything larger is not
#: an export, and is refused before it is read.
MAX_BYTES = 20 * 1024 * 1024

#: An .xlsx is a zip archive: what its parts may unpack to in all. A zip bomb declares
#: gigabytes; ``zipfile`` never inflates a part beyond its declared size, so checking the
#: declared sizes before opening is enough.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_PARTS = 1000

#: The header row is looked for in this many non-blank rows at the top of a sheet.
HEADER_SEARCH_ROWS = 50

PALMS_COLUMNS = (
    "P",
    "A",
    "L",
    "M",
    "S",
    "RGI",
    "RGO",
    "RRI",
    "RRO",
    "V",
    "121",
    "TYFCB",
    "CEU",
    "T",
)
SLIP_TYPES = ("referral", "one_to_one", "tyfcb", "ceu", "visitor")


# --- What a caller gets --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, shown as ``FILE:ROW: message`` like the CSV importer's."""

    file: str
    row: int | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.row}: {self.message}"


class BniReadError(Exception):
    """Every problem found in one file: the file is refused as a whole, nothing of it is used."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Name:
    """A person as a slips audit names them. ``bold`` is BNI Connect's mark for someone who is
    not a member of this chapter (another chapter's member, a former member, BNI itself)."""

    text: str
    bold: bool


@dataclass(frozen=True)
class PalmsLine:
    """One row of a PALMS Summary: keys are ``PALMS_COLUMNS``; TYFCB a Decimal, the rest ints."""

    row: int
    first_name: str
    last_name: str
    values: dict[str, int | Decimal]


@dataclass(frozen=True)
class PalmsSummary:
    """A PALMS Summary. ``pseudo`` holds the ``Visitors``, ``BNI`` and ``Total`` rows apart:
    they are not members, and ``Total`` is not the sum of the rows above it. The chapter and
    dates are known only when it was exported with headers."""

    file: str
    chapter: str | None
    start: date | None
    end: date | None
    members: list[PalmsLine]
    pseudo: dict[str, PalmsLine]


@dataclass(frozen=True)
class AuditLine:
    """One slip of a Slips Audit Report. ``giver`` is the From column (empty, so None, on a
    TYFCB: its writer is anonymous), ``receiver`` the To column."""

    row: int
    giver: Name | None
    receiver: Name | None
    slip_type: str
    inside: bool | None
    amount: Decimal | None
    credits: int | None
    detail: str


@dataclass(frozen=True)
class SlipsAudit:
    """A Slips Audit Report; ``date`` only when its title gives one (the older layout)."""

    file: str
    date: date | None
    lines: list[AuditLine]


@dataclass(frozen=True)
class RosterLine:
    """One member of a chapter roster; Profession "Category, Speciality" comes apart."""

    row: int
    chapter: str
    category: str
    speciality: str
    first_name: str
    last_name: str
    company: str
    phone: str
    cell: str
    email: str
    status: str
    joined_on: date | None
    renewal_due: date | None
    sponsor: str


@dataclass(frozen=True)
class Roster:
    file: str
    lines: list[RosterLine]


def read_bni_path(
    path: str | os.PathLike[str], name: str | None = None
) -> PalmsSummary | SlipsAudit | Roster:
    """Read the file at ``path``; its size is checked first, so a huge file is never read."""
    name = name or os.path.basename(os.fspath(path))
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise BniReadError([Problem(name, None, _too_big(size))])
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BniReadError(
            [
                Problem(
                    name,
                    None,
                    gettext("cannot be read: %(error)s") % {"error": exc.strerror or exc},
                )
            ]
        ) from None
    return read_bni(data, name)


def read_bni(data: bytes, name: str) -> PalmsSummary | SlipsAudit | Roster:
    """Read one BNI Connect export, whichever format and kind it is (found from its content).

    Raises ``BniReadError`` with every problem found, each naming ``name`` and the row.
    """
    if len(data) > MAX_BYTES:
        raise BniReadError([Problem(name, None, _too_big(len(data)))])
    try:
        rows = _rows(data)
    except _Refusal as refusal:
        raise BniReadError([Problem(name, None, refusal.message)]) from None
    return _Reading(name).read(rows)


def _too_big(size: int) -> str:
    return gettext(
        "the file is %(size)s MB; a BNI Connect export is at most %(limit)s MB, so it was not read"
    ) % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}


# --- Cells and rows, whatever the format ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    #: Text as written, or what a spreadsheet stored: int, Decimal, datetime or date.
    value: str | int | Decimal | datetime | date
    bold: bool = False
    #: How many more columns this cell covers to its right (a merged cell).
    span: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    sheet: int
    number: int
    #: Non-blank cells by 1-based column.
    cells: dict[int, _Cell]


class _Refusal(Exception):
    """The file cannot be read on: what it is instead, or where it breaks."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.row = row


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SPREADSHEETML = "urn:schemas-microsoft-com:office:spreadsheet"
_HTML = re.compile(
    r"<!doctype\s+html|<html[\s>]|^(?:<[?!][^>]*>\s*)*<(?:head|body|table|meta)[\s>]"
)


def _rows(data: bytes) -> Iterator[_Row]:
    """The file's non-blank rows, from the reader its first bytes call for."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _Refusal(gettext("the file is empty"))
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _xlsx_rows(data)
    if data.startswith(_OLE2):
        raise _Refusal(
            gettext(
                "this is a binary Excel 97-2003 workbook (.xls) or a password-protected one, "
                "which cannot be read here: open it in Excel and save it as .xlsx, or export "
                "the report again from BNI Connect"
            )
        )
    if data.startswith(b"%PDF"):
        raise _Refusal(
            gettext(
                "this is a PDF document, not a spreadsheet: export the report from BNI Connect "
                "as Excel (or save it as .xlsx or CSV)"
            )
        )
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    head = data[:4096].decode("utf-16" if utf16 else "utf-8", errors="replace")
    head = head.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        low = head.lower()
        if _SPREADSHEETML not in low and _HTML.search(low):
            raise _Refusal(
                gettext(
                    "this is a web page (HTML), not a BNI Connect export: perhaps a login or "
                    "error page was saved instead; download the report again"
                )
            )
        return _spreadsheetml_rows(data)
    if utf16:
        raise _Refusal(
            gettext("this is UTF-16 text (Excel's 'Unicode Text'): save it as 'CSV UTF-8'")
        )
    if b"\x00" in data[:4096]:
        raise _Refusal(
            gettext(
                "this is a binary file of an unknown kind (it starts %(start)s), not a spreadsheet"
            )
            % {"start": data[:4].hex(" ").upper()}
        )
    return _csv_rows(data)


# SpreadsheetML 2003: streamed through a parser target, no tree is built.

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_CELL, _DATA, _ROW, _STYLE, _FONT = (_SS + t for t in ("Cell", "Data", "Row", "Style", "Font"))
_WORKSHEET, _WORKBOOK, _COMMENT = _SS + "Worksheet", _SS + "Workbook", _SS + "Comment"
_INDEX, _MERGE, _STYLE_ID, _TYPE = (_SS + a for a in ("Index", "MergeAcross", "StyleID", "Type"))
_CHUNK = 64 * 1024


def _spreadsheetml_rows(data: bytes) -> Iterator[_Row]:
    target = _SpreadsheetML()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    try:
        for at in range(0, len(data), _CHUNK):
            parser.feed(data[at : at + _CHUNK])
            yield from target.take()
        parser.close()
    except DTDForbidden:
        raise _Refusal(
            gettext(
                "this XML declares a document type (<!DOCTYPE ...>), which a BNI Connect export "
                "never does; it was refused without expanding any entity"
            )
        ) from None
    except DefusedXmlException as exc:
        raise _Refusal(
            gettext(
                "this XML uses entities (%(error)s), which a BNI Connect export never does; it "
                "was refused without expanding them"
            )
            % {"error": type(exc).__name__}
        ) from None
    except ParseError as exc:
        raise _Refusal(
            gettext("the XML is damaged or cut short (%(error)s): download the export again")
            % {"error": exc},
            target.row_number or None,
        ) from None
    except (LookupError, ValueError) as exc:  # an encoding expat does not know
        raise _Refusal(
            gettext("the XML cannot be read (%(error)s): download the export again")
            % {"error": exc}
        ) from None
    yield from target.take()


class _SpreadsheetML:
    """Parser target for SpreadsheetML 2003: keeps cell values, bold and merges, nothing else.

    Cells are placed by ``ss:Index`` (1-based, sparse) or follow the previous cell and its
    ``ss:MergeAcross``; rows likewise by ``ss:Index`` and ``ss:Span``. A cell is bold when its
    style (or a parent style, or the row's, or ``Default``) has ``<Font ss:Bold="1">``, or when
    all its text sits in rich text ``<B>``.
    """

    def __init__(self) -> None:
        self._ready: list[_Row] = []
        self._started = False
        self._style_bold: dict[str, bool | None] = {}
        self._style_parent: dict[str, str] = {}
        self._style: str | None = None
        self._bold: dict[str, bool] | None = None
        self._sheet = 0
        self.row_number = 0
        self._next_row = 1
        self._cells: dict[int, _Cell] | None = None
        self._row_style: str | None = None
        self._column = 0
        self._cell: tuple[int, int, str | None] | None = None
        self._data: str | None = None
        self._text: list[str] = []
        self._b = 0
        self._bold_text = False
        self._plain_text = False
        self._comment = 0

    def take(self) -> list[_Row]:
        ready, self._ready = self._ready, []
        return ready

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if not self._started:
            self._started = True
            if tag != _WORKBOOK:
                raise _Refusal(
                    gettext(
                        "this is an XML document (<%(tag)s>), not an Excel 2003 XML spreadsheet "
                        "(<Workbook>) as BNI Connect exports"
                    )
                    % {"tag": tag.rpartition("}")[2]}
                )
        if self._data is not None:
            if tag.rpartition("}")[2].upper() == "B":
                self._b += 1
        elif tag == _CELL:
            if self._cells is not None:
                column = _position(attrib.get(_INDEX), self._column + 1, "column", 16384)
                span = _position(attrib.get(_MERGE), 0, "ss:MergeAcross", 16384, low=0)
                self._cell = (column, span, attrib.get(_STYLE_ID) or self._row_style)
                self._column = column + span
        elif tag == _DATA:
            if self._cell is not None and not self._comment:
                self._data = attrib.get(_TYPE, "String")
                self._text, self._b, self._bold_text, self._plain_text = [], 0, False, False
        elif tag == _ROW:
            self.row_number = _position(attrib.get(_INDEX), self._next_row, "row", 1 << 20)
            span = _position(attrib.get(_SS + "Span"), 0, "ss:Span", 1 << 20, low=0)
            self._next_row = self.row_number + span + 1
            self._cells, self._column, self._row_style = {}, 0, attrib.get(_STYLE_ID)
        elif tag == _WORKSHEET:
            self._sheet += 1
            self._next_row = 1
        elif tag == _STYLE:
            self._style = attrib.get(_SS + "ID")
            if self._style is not None:
                self._style_parent[self._style] = attrib.get(_SS + "Parent", "")
        elif tag == _FONT and self._style is not None:
            bold = attrib.get(_SS + "Bold")
            if bold is not None:
                self._style_bold[self._style] = bold.strip().lower() in ("1", "true")
        elif tag == _COMMENT:
            self._comment += 1

    def data(self, text: str) -> None:
        if self._data is not None:
            self._text.append(text)
            if text.strip():
                if self._b:
                    self._bold_text = True
                else:
                    self._plain_text = True

    def end(self, tag: str) -> None:
        if tag == _DATA:
            self._data_end()
        elif self._data is not None:
            if tag.rpartition("}")[2].upper() == "B" and self._b:
                self._b -= 1
        elif tag == _CELL:
            self._cell = None
        elif tag == _COMMENT:
            self._comment -= 1
        elif tag == _ROW:
            if self._cells:
                self._ready.append(_Row(self._sheet, self.row_number, self._cells))
            self._cells = None
        elif tag == _STYLE:
            self._style = None

    def _data_end(self) -> None:
        kind, self._data = self._data, None
        if self._cell is None or self._cells is None:
            return
        text = "".join(self._text)
        if not text.strip():
            return
        value: str | datetime = text
        if kind == "DateTime":
            with contextlib.suppress(ValueError):
                value = datetime.fromisoformat(text.strip())
        column, span, style = self._cell
        bold = self._bold_styles().get(style or "Default", False)
        self._cells[column] = _Cell(value, bold or (self._bold_text and not self._plain_text), span)

    def _bold_styles(self) -> dict[str, bool]:
        """Each style's bold, or its parent's when it says nothing (resolved at the first cell)."""
        if self._bold is None:
            self._bold = {}
            for style in self._style_parent:
                seen, current, bold = set(), style, None
                while current and current not in seen and bold is None:
                    seen.add(current)
                    bold = self._style_bold.get(current)
                    current = self._style_parent.get(current, "")
                self._bold[style] = bool(bold)
        return self._bold

    def close(self) -> None:
        return None


def _position(text: str | None, default: int, what: str, most: int, low: int = 1) -> int:
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not low <= number <= most:
        what = {"column": gettext("column"), "row": gettext("row")}.get(what, what)
        raise _Refusal(
            gettext("the XML has %(what)s %(text)s, which is not a valid position")
            % {"what": what, "text": repr(text)}
        )
    return number


# .xlsx: openpyxl in read-only mode streams the sheet.


def _xlsx_rows(data: bytes) -> Iterator[_Row]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except Exception:  # BadZipFile, NotImplementedError, struct and zlib errors...
        raise _Refusal(
            gettext(
                "this .xlsx is damaged or cut short (not a complete zip archive): download or "
                "save it again"
            )
        ) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_ZIP_PARTS or unpacked > MAX_UNPACKED_BYTES:
        raise _Refusal(
            gettext(
                "this zip (.xlsx) would unpack to %(size)s MB in %(parts)s parts, more than a BNI "
                "Connect export needs (%(limit)s MB); it was refused without unpacking"
            )
            % {
                "size": f"{unpacked / 1024 / 1024:.0f}",
                "parts": len(parts),
                "limit": MAX_UNPACKED_BYTES // 1024 // 1024,
            }
        )
    names = {part.filename for part in parts}
    if "xl/workbook.xml" not in names:
        raise _Refusal(_zip_kind(archive, names))
    return _xlsx_sheet_rows(data, _dimensions_hold(archive))


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+([0-9]+)(?::[A-Z]+([0-9]+))?"')
_ROW_START = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb'[^>]*?\sr="([0-9]+)"')


def _dimensions_hold(archive: zipfile.ZipFile) -> bool:
    """Whether every worksheet's ``<dimension>`` reaches its last ``<row>``.

    Then reading may stop at the dimension's last row, before openpyxl parses what follows
    the rows: a re-saved BNI export merges four cells a row, and openpyxl reads each merge
    slowly. Excel always writes the dimension right; where it is missing or wrong, or the last
    row is not numbered, the sheet is read to its end.
    """
    for part in archive.infolist():
        if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", part.filename):
            continue
        try:
            xml = archive.read(part)
        except Exception:  # damaged: openpyxl will say so
            return False
        end = max(xml.rfind(b"sheetData"), 0)  # the closing tag, after the last row
        rows = list(_ROW_START.finditer(xml, max(end - 65536, 0), end))
        if not rows:
            if _ROW_START.search(xml):
                return False  # rows, but the last is beyond reach
            continue
        dimension = _DIMENSION.search(xml, 0, xml.find(b"sheetData"))  # it comes before
        number = _ROW_NUMBER.match(xml, rows[-1].end() - 1)
        if dimension is None or number is None:
            return False
        if int(number[1]) > int(dimension[2] or dimension[1]):
            return False
    return True


def _zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "word/document.xml" in names:
        return gettext("this is a Word document, not a spreadsheet")
    if "mimetype" in names:
        with archive.open("mimetype") as part:
            mimetype = part.read(100)
        if b"spreadsheet" in mimetype:
            return gettext("this is an OpenDocument spreadsheet (.ods): save it as .xlsx")
    return gettext("this is a zip archive, not an Excel workbook (.xlsx)")


def _xlsx_sheet_rows(data: bytes, dimensions_hold: bool) -> Iterator[_Row]:
    # openpyxl raises many kinds of exception on a damaged workbook (KeyError, ValueError,
    # TypeError, zlib and XML errors...): each call into it turns them into a refusal.
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, rich_text=True
        )
    except Exception as exc:
        raise _xlsx_refusal(exc) from None
    try:
        for sheet, worksheet in enumerate(workbook.worksheets, start=1):
            last = worksheet.max_row if dimensions_hold else None
            worksheet.reset_dimensions()  # its columns are not checked: let none be cut off
            rows = worksheet.iter_rows(min_row=1)
            number = 0
            while last is None or number < last:
                number += 1
                try:
                    values = [
                        (column, cell.value, cell.font.b)
                        for column, cell in enumerate(next(rows), start=1)
                        if cell.value is not None and cell.value != ""
                    ]
                except StopIteration:
                    break
                except Exception as exc:
                    raise _xlsx_refusal(exc, number) from None
                cells = {}
                for column, value, bold in values:
                    if isinstance(value, CellRichText):  # bold may be set on the text's runs
                        bold = bold or _rich_bold(value)
                    cell_value = _xlsx_value(value)
                    if cell_value != "":
                        cells[column] = _Cell(cell_value, bool(bold))
                if cells:
                    yield _Row(sheet, number, cells)
    finally:
        workbook.close()


def _xlsx_refusal(exc: Exception, row: int | None = None) -> _Refusal:
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps defusedxml's refusal in a ValueError
        if isinstance(cause, DefusedXmlException):
            return _Refusal(
                gettext(
                    "this .xlsx holds XML with a DTD or entities (%(error)s), which Excel never "
                    "writes; it was refused without expanding them"
                )
                % {"error": type(cause).__name__},
                row,
            )
        cause = cause.__cause__ or cause.__context__
    return _Refusal(
        gettext(
            "this .xlsx could not be read (%(error)s): open it in Excel and save it again, or "
            "export it again"
        )
        % {"error": f"{type(exc).__name__}: {exc}"},
        row,
    )


def _rich_bold(text: CellRichText) -> bool:
    """Rich text is bold when every run with something in it is."""
    runs = [run for run in text if str(run).strip()]
    return bool(runs) and all(isinstance(run, TextBlock) and run.font.b for run in runs)


def _xlsx_value(value: object) -> str | int | Decimal | datetime | date:
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else repr(value)
    if isinstance(value, (str, int, datetime, date)):
        return value.strip() if isinstance(value, str) else value
    return str(value)


# CSV: UTF-8 (a BOM is fine), comma, semicolon or tab; a row is its line number.

_DELIMITERS = (",", ";", "\t")


def _csv_rows(data: bytes) -> Iterator[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refusal(
            gettext(
                "this is not UTF-8 text (byte %(byte)s at offset %(offset)s): "
                "save it as 'CSV UTF-8'"
            )
            % {"byte": f"0x{data[exc.start]:02X}", "offset": exc.start}
        ) from None
    return _csv_records(text, _sniff_delimiter(text))


def _csv_records(text: str, delimiter: str) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            cells = {i: _Cell(v.strip()) for i, v in enumerate(record, start=1) if v.strip()}
            if cells:
                yield _Row(0, line, cells)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _Refusal(gettext("the CSV is damaged (%(error)s)") % {"error": exc}, line) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter under which a header row appears; else the one that splits the most."""
    head = text[:65536]
    widest, best = 0, ","
    for delimiter in _DELIMITERS:
        try:
            rows = list(itertools.islice(_csv_records(head, delimiter), HEADER_SEARCH_ROWS))
        except _Refusal:
            continue
        if any(_find_header(row) for row in rows):
            return delimiter
        width = max((len(row.cells) for row in rows), default=0)
        if width > widest:
            widest, best = width, delimiter
    return best


# --- Header rows: which kind of report, and which column holds what -------------------------


def _norm(text: str) -> str:
    """Header text compared without case, runs of whitespace, spaces round '/' or a final ':'."""
    text = " ".join(text.casefold().split())
    return text.replace(" /", "/").replace("/ ", "/").rstrip(":").rstrip()


@dataclass(frozen=True, eq=False)
class _Kind:
    name: str
    #: Each field with the header texts (normalised, as a regular expression) that name it.
    fields: dict[str, re.Pattern[str]]
    #: Fields a header row must have to be taken for this kind at all.
    anchors: frozenset[str]
    #: How many other fields it must have besides.
    others: int
    #: Fields whose absence is a problem once the kind is known.
    required: tuple[str, ...]
    #: How each field is named in a message.
    titles: dict[str, str]


def _fields(**patterns: str) -> dict[str, re.Pattern[str]]:
    return {field: re.compile(pattern) for field, pattern in patterns.items()}


_PALMS = _Kind(
    _("PALMS Summary"),
    {
        **_fields(first_name=r"first ?name", last_name=r"last ?name|surname"),
        **{c: re.compile(re.escape(c.casefold())) for c in PALMS_COLUMNS[:10]},
        **_fields(
            **{"121": r"1-2-1|121|1 2 1|1-to-1|1 to 1|one[- ]to[- ]one"},
            TYFCB=r"tyfcb(?: \(.*\))?",
            CEU=r"ceus?",
            T=r"t|custom",
        ),
    },
    frozenset({"first_name", "last_name"}),
    5,
    ("first_name", "last_name", *PALMS_COLUMNS),
    {"first_name": "First Name", "last_name": "Last Name", "121": "1-2-1"},
)
_AUDIT = _Kind(
    _("Slips Audit"),
    _fields(
        giver=r"from",
        receiver=r"to",
        slip_type=r"slip ?type",
        inside=r"inside/outside|inside or outside|in/out",
        amount=r"tyfcb amount|amount|\S{1,4} if tyfcb|tyfcb",
        credits=r"ceu credits|credits|(?:qty|quantity) if ceu|ceu qty|ceus?",
        detail=r"details?",
    ),
    frozenset({"giver", "receiver", "slip_type"}),
    0,
    ("giver", "receiver", "slip_type", "inside", "amount", "credits", "detail"),
    {
        "giver": "From",
        "receiver": "To",
        "slip_type": "Slip Type",
        "inside": "Inside/Outside",
        "amount": "TYFCB Amount",
        "credits": "CEU Credits",
        "detail": "Detail",
    },
)
_ROSTER = _Kind(
    _("chapter roster"),
    _fields(
        s_no=r"s\.? ?no\.?|sr\.? ?no\.?|#",
        chapter=r"chapter(?: name)?",
        profession=r"profession|classification",
        first_name=r"first ?name",
        last_name=r"last ?name|surname",
        company=r"company(?: name)?",
        phone=r"phone(?: number| no\.?)?|business phone",
        cell=r"cell(?: number| no\.?)?|mobile(?: number)?",
        email=r"e-?mail(?: address)?",
        status=r"(?:membership )?status",
        joined_on=r"join(?:ed)? date|date joined",
        renewal_due=r"renewal(?: due)? date|renewal due",
        sponsor=r"sponsor(?: name)?",
    ),
    frozenset({"first_name", "last_name"}),
    3,
    (
        "chapter",
        "profession",
        "first_name",
        "last_name",
        "company",
        "email",
        "status",
        "joined_on",
        "renewal_due",
    ),
    {
        "chapter": "Chapter Name",
        "profession": "Profession",
        "first_name": "First Name",
        "last_name": "Last Name",
        "company": "Company",
        "phone": "Phone Number",
        "cell": "Cell Number",
        "email": "email",
        "status": "Status",
        "joined_on": "Join Date",
        "renewal_due": "Renewal Date",
        "sponsor": "Sponsor",
    },
)
_KINDS = (_PALMS, _AUDIT, _ROSTER)


class _Layout:
    """A header row: which field each column holds, and where a row's value for it may sit.

    A field's value is the cell under its header; failing that, the first cell between it and
    the next header cell (a merged header, a value shifted into a spacer column).
    """

    def __init__(self, kind: _Kind, header: _Row, fields: dict[int, str], labels: dict[str, str]):
        self.kind = kind
        self.row = header.number
        self.sheet = header.sheet
        self.labels = labels
        self._norm_labels = {field: _norm(label) for field, label in labels.items()}
        self._starts = sorted(header.cells)
        self._ends = [
            self._starts[i + 1] - 1 if i + 1 < len(self._starts) else c + header.cells[c].span
            for i, c in enumerate(self._starts)
        ]
        self._fields = [fields.get(c) for c in self._starts]
        self._first = next(f for f in self._fields if f is not None)

    def pick(self, row: _Row) -> dict[str, _Cell]:
        picked: dict[str, _Cell] = {}
        starts, ends, fields = self._starts, self._ends, self._fields
        for column, cell in row.cells.items():
            i = bisect_right(starts, column) - 1
            if i < 0 or column > ends[i] or fields[i] is None:
                continue
            field = fields[i]
            if field not in picked or column == starts[i]:
                picked[field] = cell
        return picked

    def repeats_header(self, picked: dict[str, _Cell]) -> bool:
        """A header row repeated further down (as a paged export may) is not data."""
        first = picked.get(self._first)
        if first is None or _norm(_text(first)) != self._norm_labels[self._first]:
            return False
        same = sum(1 for f, c in picked.items() if _norm(_text(c)) == self._norm_labels[f])
        return same >= min(3, len(self._norm_labels))

    def label(self, field: str) -> str:
        return " ".join(self.labels[field].split()).rstrip(":")


@dataclass(frozen=True)
class _Found:
    layout: _Layout
    missing: list[str]
    twice: list[str]


def _find_header(row: _Row) -> _Found | None:
    """The kind whose header this row is (the one matching most columns), if any."""
    texts = [
        (c, cell.value) for c, cell in sorted(row.cells.items()) if isinstance(cell.value, str)
    ]
    best: tuple[int, _Found] | None = None
    for kind in _KINDS:
        fields: dict[int, str] = {}
        labels: dict[str, str] = {}
        twice: list[str] = []
        for column, text in texts:
            norm = _norm(text)
            for field, pattern in kind.fields.items():
                if pattern.fullmatch(norm):
                    if field in labels:
                        twice.append(
                            gettext("%(header)s (columns %(first)s and %(second)s)")
                            % {
                                "header": repr(text.strip()),
                                "first": _letter(_column_of(fields, field)),
                                "second": _letter(column),
                            }
                        )
                    else:
                        fields[column], labels[field] = field, text
                    break
        if not kind.anchors <= labels.keys() or len(labels) - len(kind.anchors) < kind.others:
            continue
        if best is None or len(labels) > best[0]:
            missing = [kind.titles.get(f, f) for f in kind.required if f not in labels]
            best = (len(labels), _Found(_Layout(kind, row, fields, labels), missing, twice))
    return best[1] if best else None


def _column_of(fields: dict[int, str], field: str) -> int:
    return next(c for c, f in fields.items() if f == field)


def _letter(column: int) -> str:
    return get_column_letter(column) if column <= 18278 else str(column)


# --- Reading a file's rows into a report ---------------------------------------------------


class _Bad(Exception):
    """What is wrong with one row, a problem each; a message goes after ``FILE:ROW:``."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = messages


class _Reading:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def problem(self, row: int | None, message: str) -> None:
        self.problems.append(Problem(self.name, row, message))

    def read(self, rows: Iterator[_Row]) -> PalmsSummary | SlipsAudit | Roster:
        try:
            report = self._rows(rows)
        except _Refusal as refusal:
            self.problem(refusal.row, refusal.message)
            report = None
        if report is not None:
            result = report.finish()
            if not self.problems:
                return result
        raise BniReadError(sorted(self.problems, key=lambda p: -1 if p.row is None else p.row))

    def _rows(self, rows: Iterator[_Row]) -> "_Report | None":
        first: _Row | None = None
        above: list[_Row] = []
        found: _Found | None = None
        report: _Report | None = None
        for row in rows:
            if found is None:
                first = first or row
                if above and above[-1].sheet != row.sheet:
                    above = []
                if len(above) >= HEADER_SEARCH_ROWS:
                    continue  # not in this sheet: perhaps in the next one
                found = _find_header(row)
                if found is None:
                    above.append(row)
                    continue
                report = self._report(found, above)
                if report is None:
                    return None  # the header's own problems say why
                continue
            if row.sheet != found.layout.sheet or report is None:
                break  # a report is one sheet; whatever follows is not it
            picked = found.layout.pick(row)
            if picked and not found.layout.repeats_header(picked):
                try:
                    report.row(row.number, picked)
                except _Bad as bad:
                    for message in bad.messages:
                        self.problem(row.number, message)
        if found is None:
            raise _Refusal(_not_bni(first))
        return report

    def _report(self, found: _Found, above: list[_Row]) -> "_Report | None":
        layout = found.layout
        for twice in found.twice:
            said = gettext("the %(kind)s header has %(column)s twice")
            self.problem(layout.row, said % {"kind": layout.kind.name, "column": twice})
        if found.missing:
            said = gettext("the %(kind)s header has no column %(columns)s")
            missing = ", ".join(repr(m) for m in found.missing)
            self.problem(layout.row, said % {"kind": layout.kind.name, "columns": missing})
        if self.problems:
            return None
        reports = {_PALMS: _PalmsReport, _AUDIT: _AuditReport, _ROSTER: _RosterReport}
        return reports[layout.kind](self, layout, above)


def _not_bni(first: _Row | None) -> str:
    if first is None:
        return gettext("the spreadsheet holds no rows")
    shown = ", ".join(repr(_text(c)[:40]) for _, c in sorted(first.cells.items())[:20])
    return gettext(
        "this is not a BNI Connect export: no row holds the header of a PALMS Summary "
        "(First Name, Last Name, P, A, L, ...), a Slips Audit (From, To, Slip Type, ...) or a "
        "chapter roster (S no, Chapter Name, Profession, ...); its first row (row %(row)s) has "
        "%(cells)s"
    ) % {"row": first.number, "cells": shown}


class _Report:
    def __init__(self, reading: _Reading, layout: _Layout, above: list[_Row]):
        self.reading = reading
        self.layout = layout
        self.above = _Above(above)

    def row(self, number: int, picked: dict[str, _Cell]) -> None:
        raise NotImplementedError

    def finish(self) -> PalmsSummary | SlipsAudit | Roster:
        raise NotImplementedError

    def label(self, field: str) -> str:
        return self.layout.label(field)


_PSEUDO = {
    "visitors": "Visitors",
    "visitor": "Visitors",
    "bni": "BNI",
    "total": "Total",
    "totals": "Total",
}
_METRICS = PALMS_COLUMNS


class _PalmsReport(_Report):
    """Members, then ``Visitors``, ``BNI`` and ``Total``. A row without a single figure below
    ``Total`` is a note under the table; anywhere else it is a problem. An empty figure in a
    row that has others is 0."""

    def __init__(self, reading: _Reading, layout: _Layout, above: list[_Row]):
        super().__init__(reading, layout, above)
        self.members: list[PalmsLine] = []
        self.pseudo: dict[str, PalmsLine] = {}

    def row(self, number: int, picked: dict[str, _Cell]) -> None:
        first, last = _words(picked.get("first_name")), _words(picked.get("last_name"))
        if not any(m in picked for m in _METRICS):
            if "Total" in self.pseudo:
                return
            said = gettext("%(name)s has no figures in any PALMS column")
            raise _Bad(said % {"name": repr((first + " " + last).strip())})
        if not first and not last:
            said = gettext("the row has figures but no %(first)s or %(last)s")
            raise _Bad(said % {"first": "First Name", "last": "Last Name"})
        values: dict[str, int | Decimal] = {}
        bad: list[str] = []
        for metric in _METRICS:
            cell = picked.get(metric)
            try:
                if cell is None:
                    values[metric] = Decimal("0.00") if metric == "TYFCB" else 0
                elif metric == "TYFCB":
                    values[metric] = _amount(cell, self.label(metric))
                else:
                    values[metric] = _count(cell, self.label(metric))
            except _Bad as exc:
                bad.extend(exc.messages)
        if bad:
            raise _Bad(*bad)
        line = PalmsLine(number, first, last, values)
        pseudo = _PSEUDO.get(first.casefold()) if not last else None
        if pseudo is None:
            self.members.append(line)
        elif pseudo in self.pseudo:
            said = gettext("a second %(name)s row (the first is row %(row)s)")
            raise _Bad(said % {"name": repr(pseudo), "row": self.pseudo[pseudo].row})
        else:
            self.pseudo[pseudo] = line

    def finish(self) -> PalmsSummary:
        chapter = self.above.chapter()
        start, end = self.above.window(self.reading)
        return PalmsSummary(self.reading.name, chapter, start, end, self.members, self.pseudo)


_SLIP_TYPE_WORDS = {
    "referral": "referral",
    "one to one": "one_to_one",
    "1 2 1": "one_to_one",
    "tyfcb": "tyfcb",
    "ceu": "ceu",
    "visitor": "visitor",
}
#: What each slip type cannot do without: (field, what it is on that slip).
_SLIP_NEEDS = {
    "referral": (("giver", _("the member giving it")), ("receiver", _("the member receiving it"))),
    "one_to_one": (("giver", _("one of the pair")), ("receiver", _("the other"))),
    "tyfcb": (("receiver", _("the member thanked")), ("amount", _("the amount"))),
    "ceu": (("giver", _("the member earning it")), ("credits", _("the credits"))),
    "visitor": (("giver", _("the member who invited")), ("receiver", _("the visitor"))),
}
#: The Slip Type column's values, as BNI Connect writes them (a format: never translated).
_SLIP_TITLES = {
    "referral": "Referral",
    "one_to_one": "One-to-One",
    "tyfcb": "TYFCB",
    "ceu": "CEU",
    "visitor": "Visitor",
}


class _AuditReport(_Report):
    def __init__(self, reading: _Reading, layout: _Layout, above: list[_Row]):
        super().__init__(reading, layout, above)
        self.lines: list[AuditLine] = []

    def row(self, number: int, picked: dict[str, _Cell]) -> None:
        bad: list[str] = []
        raw_type = _text(picked.get("slip_type"))
        slip_type = _SLIP_TYPE_WORDS.get(" ".join(raw_type.casefold().replace("-", " ").split()))
        if slip_type is None:
            if raw_type:
                said = gettext("%(column)s %(value)s is not one of %(types)s")
                types = ", ".join(_SLIP_TITLES.values())
                bad.append(said % {"column": "Slip Type", "value": repr(raw_type), "types": types})
            else:
                bad.append(gettext("%(column)s is empty") % {"column": "Slip Type"})
        inside = _catch(bad, _inside, picked.get("inside"), self.label("inside"))
        amount = credits = None
        if "amount" in picked:
            amount = _catch(bad, _amount, picked["amount"], self.label("amount"))
        if "credits" in picked:
            credits = _catch(bad, _count, picked["credits"], self.label("credits"))
        for field, what in _SLIP_NEEDS.get(slip_type or "", ()):
            if field not in picked:
                title = _SLIP_TITLES[slip_type or ""]
                said = gettext("a %(type)s slip needs %(what)s in %(column)s")
                bad.append(said % {"type": title, "what": what, "column": self.label(field)})
        if bad or slip_type is None:
            raise _Bad(*bad)
        self.lines.append(
            AuditLine(
                row=number,
                giver=_name(picked.get("giver")),
                receiver=_name(picked.get("receiver")),
                slip_type=slip_type,
                inside=inside,
                amount=amount,
                credits=credits,
                detail=_words(picked.get("detail")),
            )
        )

    def finish(self) -> SlipsAudit:
        return SlipsAudit(self.reading.name, self.above.report_date(self.reading), self.lines)


class _RosterReport(_Report):
    """Dates are read at the end: the whole file's dates tell day/month from month/day."""

    def __init__(self, reading: _Reading, layout: _Layout, above: list[_Row]):
        super().__init__(reading, layout, above)
        self.rows: list[tuple[int, dict[str, _Cell]]] = []

    def row(self, number: int, picked: dict[str, _Cell]) -> None:
        if not _words(picked.get("first_name")) and not _words(picked.get("last_name")):
            said = gettext("%(first)s and %(last)s are both empty")
            raise _Bad(said % {"first": "First Name", "last": "Last Name"})
        self.rows.append((number, picked))

    def finish(self) -> Roster:
        day_first = _day_first(
            _text(cell)
            for _, picked in self.rows
            for field in ("joined_on", "renewal_due")
            if (cell := picked.get(field)) is not None
        )
        lines = []
        for number, picked in self.rows:
            dates: dict[str, date | None] = {}
            for field in ("joined_on", "renewal_due"):
                cell = picked.get(field)
                dates[field] = None
                if cell is not None:
                    dates[field] = _date(cell, day_first)
                    if dates[field] is None:
                        said = gettext("%(column)s %(value)s is not a date (DD/MM/YYYY)")
                        self.reading.problem(
                            number, said % {"column": self.label(field), "value": _shown(cell)}
                        )
            category, _, speciality = _words(picked.get("profession")).partition(",")
            text = {f: " ".join(_text(picked.get(f)).split()) for f in self.layout.labels}
            lines.append(
                RosterLine(
                    row=number,
                    chapter=text.get("chapter", ""),
                    category=category.strip(),
                    speciality=speciality.strip(),
                    first_name=_words(picked.get("first_name")),
                    last_name=_words(picked.get("last_name")),
                    company=text.get("company", ""),
                    phone=text.get("phone", ""),
                    cell=text.get("cell", ""),
                    email=_text(picked.get("email")),
                    status=text.get("status", ""),
                    joined_on=dates["joined_on"],
                    renewal_due=dates["renewal_due"],
                    sponsor=text.get("sponsor", ""),
                )
            )
        return Roster(self.reading.name, lines)


# --- What sits above the header: a title, a Running User block, Parameters ------------------

_LABELS = re.compile(r"\b(chapter|from|to|start date|end date|date)\s*:\s*", re.IGNORECASE)
_LABEL_KEYS = {"start date": "from", "end date": "to"}
_BLOCK = ("running user", "run at", "country", "region", "chapter")
_AUDIT_TITLE = re.compile(r"slips audit report for\s+(.+)", re.IGNORECASE)


class _Above:
    """The rows above the header: in the "with headers" layouts a title, a ``Running User |
    Run At | Country | Region | Chapter`` block (values in the row below) and a Parameters
    block of ``Chapter:``, ``From:``, ``To:`` (value in the same cell, the next cell to the
    right, or the cell below)."""

    def __init__(self, rows: list[_Row]):
        self.rows = rows
        self.labelled: dict[str, tuple[int, _Cell]] = {}
        self.block: dict[str, tuple[int, _Cell]] = {}
        for i, row in enumerate(rows):
            below = rows[i + 1] if i + 1 < len(rows) else None
            items = sorted(row.cells.items())
            names = {c: _norm(_text(c_)) for c, c_ in items if not _text(c_).endswith(":")}
            if sum(1 for n in names.values() if n in _BLOCK) >= 2:
                if below is not None:
                    fields = {c: n for c, n in names.items() if n in _BLOCK}
                    layout = _Layout(_AUDIT, row, fields, {n: n for n in fields.values()})
                    for field, cell in layout.pick(below).items():
                        self.block[field] = (below.number, cell)
                continue
            for j, (column, cell) in enumerate(items):
                if not isinstance(cell.value, str):
                    continue
                for key, value in _labelled(cell.value):
                    if value:
                        self.labelled.setdefault(key, (row.number, _Cell(value)))
                        continue
                    after = items[j + 1][1] if j + 1 < len(items) else None
                    if after is not None and not _labelled(_text(after)):
                        self.labelled.setdefault(key, (row.number, after))
                    elif below is not None and column in below.cells:
                        self.labelled.setdefault(key, (below.number, below.cells[column]))

    def chapter(self) -> str | None:
        for source in (self.labelled, self.block):
            if "chapter" in source:
                text = " ".join(_text(source["chapter"][1]).split())
                if text:
                    return text
        return None

    def window(self, reading: _Reading) -> tuple[date | None, date | None]:
        """``From:`` and ``To:``; written as text, the two together tell DD/MM from MM/DD."""
        start_at, end_at = self.labelled.get("from"), self.labelled.get("to")
        texts = [_text(at[1]) for at in (start_at, end_at) if at is not None]
        day_first = _day_first(texts)
        window = [_date(at[1], day_first) if at else None for at in (start_at, end_at)]
        if day_first is None and window[0] and window[1] and window[0] > window[1]:
            # 01/02/2025 to 01/03/2025 is ambiguous; only month first puts them in order
            flipped = [_date(at[1], False) if at else None for at in (start_at, end_at)]
            if flipped[0] and flipped[1] and flipped[0] <= flipped[1]:
                window = flipped
        for at, got, label in ((start_at, window[0], "From:"), (end_at, window[1], "To:")):
            if at is not None and got is None:
                said = gettext("%(column)s %(value)s is not a date (DD/MM/YYYY)")
                reading.problem(at[0], said % {"column": label, "value": _shown(at[1])})
        return window[0], window[1]

    def report_date(self, reading: _Reading) -> date | None:
        for row in self.rows:
            for cell in row.cells.values():
                match = _AUDIT_TITLE.search(_text(cell))
                if match:
                    text = match.group(1).strip()
                    got = _date(_Cell(text), _day_first([text]))
                    if got is None and text.split():  # 'for 13/02/2025 (Thursday)'
                        token = text.split()[0]
                        got = _date(_Cell(token), _day_first([token]))
                    if got is None:
                        said = gettext("the title's date %(value)s is not a date")
                        reading.problem(row.number, said % {"value": repr(text)})
                    return got
        if "date" in self.labelled:
            number, cell = self.labelled["date"]
            got = _date(cell, _day_first([_text(cell)]))
            if got is None:
                said = gettext("%(column)s %(value)s is not a date")
                reading.problem(number, said % {"column": "Date:", "value": _shown(cell)})
            return got
        return None


def _labelled(text: str) -> list[tuple[str, str]]:
    """``'From: 01/01/2025 To: 31/01/2025'`` -> ``[('from', '01/01/2025'), ('to', ...)]``."""
    text = text.strip()
    matches = list(_LABELS.finditer(text))
    if not matches or matches[0].start() != 0:
        return []
    parts = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        key = m.group(1).casefold()
        parts.append((_LABEL_KEYS.get(key, key), text[m.end() : end].strip()))
    return parts


# --- Values ---------------------------------------------------------------------------------


def _catch[T](bad: list[str], parse: Callable[..., T], *args: object) -> T | None:
    """``parse(*args)``, or None with its problem added to ``bad``."""
    try:
        return parse(*args)
    except _Bad as exc:
        bad.extend(exc.messages)
        return None


def _text(cell: _Cell | None) -> str:
    if cell is None:
        return ""
    value = cell.value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _words(cell: _Cell | None) -> str:
    """Text with runs of whitespace made one space: "Given001  Family001" is one name."""
    return " ".join(_text(cell).split())


def _name(cell: _Cell | None) -> Name | None:
    text = _words(cell)
    if not text:
        return None
    if text.casefold() == "bni":
        text = "BNI"
    return Name(text, bool(cell and cell.bold))


def _shown(cell: _Cell) -> str:
    return repr(_text(cell))


_INSIDE = re.compile(r"(?:tier ?(?P<tier>[12]) ?[-:(]? ?)?(?P<word>inside|outside)?\)?")


def _inside(cell: _Cell | None, label: str) -> bool | None:
    text = " ".join(_text(cell).casefold().split())
    if not text:
        return None
    match = _INSIDE.fullmatch(text)
    if match and (match["tier"] or match["word"]):
        tier = {"1": True, "2": False}.get(match["tier"] or "")
        word = {"inside": True, "outside": False}.get(match["word"] or "")
        if tier is None or word is None or tier == word:
            return word if word is not None else tier
    said = gettext("%(column)s %(value)s is not one of %(types)s")
    types = "Tier 1 (inside), Tier 2 (outside), Inside, Outside"
    raise _Bad(said % {"column": label, "value": _shown(cell), "types": types})


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?")
_FORMATTED_NUMBER = re.compile(
    r"(?P<pre>[^0-9+\-]*?)\s*(?P<sign>[+-]?)\s*(?P<num>[0-9](?:[0-9.,'’\s]*[0-9])?)(?P<post>\D*)"
)
_SPACE_GROUPS = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?")
_MAX_COUNT = 10**9
_MAX_AMOUNT = 10**13
_CENT = Decimal("0.01")


def _number(value: object, currency: bool = False) -> Decimal | None:
    """A number as BNI Connect, Excel or a person writes it: ``53.0``, ``1,250.00``,
    ``1.250,00``, ``AED 1,250`` (the currency only when ``currency``); None when it is not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    match = _FORMATTED_NUMBER.fullmatch(text)
    if match is None:
        return None
    pre, post = match["pre"].strip(), match["post"].strip()
    if (pre or post) and not (currency and _currency(pre, post)):
        return None
    plain = _unformat(match["num"])
    if plain is None:
        return None
    return Decimal(match["sign"] + plain)


def _currency(pre: str, post: str) -> bool:
    """One currency mark, before or after: ``$``, ``AED``, ``US$``, ``Rs.``, ``€``."""
    mark = pre or post
    if pre and post:
        return False
    core = mark[:-1] if mark.endswith(".") else mark
    return 0 < len(core) <= 4 and all(
        ch.isalpha() or unicodedata.category(ch) == "Sc" for ch in core
    )


def _unformat(num: str) -> str | None:
    """Digits with thousands separators and a decimal point or comma -> ``1234.50``."""
    num = re.sub(r"[\s'’]", " ", num)
    if " " in num:
        if not _SPACE_GROUPS.fullmatch(num):
            return None
        num = num.replace(" ", "")
    commas, dots = num.count(","), num.count(".")
    if commas and dots:
        point = "," if num.rfind(",") > num.rfind(".") else "."
        grouping = "." if point == "," else ","
        whole, _, fraction = num.rpartition(point)
        if not _grouped(whole, grouping) or not fraction.isascii() or not fraction.isdigit():
            return None
        return whole.replace(grouping, "") + "." + fraction
    separator = "," if commas else "." if dots else ""
    if not separator:
        return num
    if _grouped(num, separator) and (separator == "," or dots > 1):
        return num.replace(separator, "")
    whole, _, fraction = num.partition(separator)
    if separator in fraction or not whole or not fraction:
        return None
    return whole + "." + fraction


def _grouped(text: str, separator: str) -> bool:
    return re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(separator)}[0-9]{{3}})+", text) is not None


def _count(cell: _Cell, label: str) -> int:
    number = _number(cell.value)
    if number is None or number < 0 or number > _MAX_COUNT or number != number.to_integral_value():
        said = gettext("%(column)s must be a whole number ≥ 0, not %(value)s")
        raise _Bad(said % {"column": label, "value": _shown(cell)})
    return int(number)


def _amount(cell: _Cell, label: str) -> Decimal:
    number = _number(cell.value, currency=True)
    if number is None or abs(number) >= _MAX_AMOUNT:
        said = gettext("%(column)s must be an amount such as 1,250.00, not %(value)s")
        raise _Bad(said % {"column": label, "value": _shown(cell)})
    if number < 0:
        said = gettext("%(column)s must not be negative, not %(value)s")
        raise _Bad(said % {"column": label, "value": _shown(cell)})
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_TIME = r"(?:[ t,]+[0-9].*)?"
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4}|[0-9]{2})" + _TIME)
_ISO_DATE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})" + _TIME)
_DAY_MONTH = re.compile(
    r"([0-9]{1,2})(?:st|nd|rd|th)?[ \-/]([a-z]+)\.?,?[ \-/]([0-9]{4}|[0-9]{2})" + _TIME
)
_MONTH_DAY = re.compile(r"([a-z]+)\.?[ \-]([0-9]{1,2})(?:st|nd|rd|th)?,? ([0-9]{4})" + _TIME)


def _day_first(texts: Iterable[str]) -> bool | None:
    """Whether numeric dates put the day first: True when one has a first part over 12,
    False when one has a second part over 12, None when every one could be either."""
    day_first = month_first = False
    for text in texts:
        match = _NUMERIC_DATE.fullmatch(text.strip().casefold())
        if match:
            a, b = int(match[1]), int(match[2])
            day_first |= a > 12 >= b
            month_first |= b > 12 >= a
    if day_first != month_first:
        return day_first
    return None


def _date(cell: _Cell, day_first: bool | None) -> date | None:
    """A date cell, or text as ``DD/MM/YYYY`` (``MM/DD/YYYY`` when ``day_first`` is False),
    ``YYYY-MM-DD``, ``13 Feb 2025`` or ``Feb 13, 2025``, with any time after it."""
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, Decimal)):  # an .xlsx date cell without a date format
        if 1 <= value < 2958466:
            return from_excel(float(value)).date()
        return None
    text = " ".join(value.casefold().split())
    parts: tuple[int, int, int] | None = None
    if match := _ISO_DATE.fullmatch(text):
        parts = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC_DATE.fullmatch(text):
        a, b, year = int(match[1]), int(match[2]), _year(match[3])
        parts = (year, a, b) if day_first is False else (year, b, a)
    elif (match := _DAY_MONTH.fullmatch(text)) and match[2] in _MONTHS:
        parts = _year(match[3]), _MONTHS[match[2]], int(match[1])
    elif (match := _MONTH_DAY.fullmatch(text)) and match[1] in _MONTHS:
        parts = int(match[3]), _MONTHS[match[1]], int(match[2])
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)
