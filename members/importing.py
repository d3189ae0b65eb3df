"""The frame of ``manage.py import_chapter``: all files, one transaction, every problem named.

Each app contributes the files it owns by subclassing ``CsvFile`` in its ``importers.py``
(imported when the app is ready) and decorating it with ``@register``. The frame reads every
registered file present in the directory in ``order`` (the roster first, so later files can
find members by email), collects every problem as ``file.csv:LINE: message``, and stores
nothing unless there were none. Importers look rows up by their natural key, so importing
the same directory twice changes nothing.
"""

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules

from .csvsafe import restore_cell
from .models import Chapter, Member

REGISTRY: list[type["CsvFile"]] = []


def discover() -> list[type["CsvFile"]]:
    """Import every app's ``importers`` module so their files are registered."""
    autodiscover_modules("importers")
    return REGISTRY


def register(cls: type["CsvFile"]) -> type["CsvFile"]:
    if cls not in REGISTRY:
        REGISTRY.append(cls)
        REGISTRY.sort(key=lambda c: c.order)
    return cls


class RowError(Exception):
    """A problem with one row; the message is shown after ``file.csv:LINE:``."""


class ImportFailed(Exception):
    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class ImportContext:
    chapter: Chapter
    counts: Counter = field(default_factory=Counter)
    _members: dict[str, Member] | None = None

    def member(self, email: str, column: str = "member_email") -> Member:
        """The chapter's member with this email (case-insensitive), or a ``RowError``."""
        if self._members is None:
            self.refresh_members()
        key = (email or "").strip().lower()
        if not key:
            raise RowError(f"{column} is empty")
        try:
            return self._members[key]
        except KeyError:
            raise RowError(f"{column} {email!r} is not a member of {self.chapter.slug}") from None

    def refresh_members(self) -> None:
        self._members = {
            m.user.email.lower(): m
            for m in Member.objects.filter(chapter=self.chapter).select_related("user")
        }


class CsvFile:
    """One file of the import directory. Subclasses set the names and handle one row."""

    filename: str = ""
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    order: int = 100

    def import_row(self, ctx: ImportContext, row: dict[str, str]) -> str:
        """Store one row; return ``"created"``, ``"updated"`` or ``"unchanged"``."""
        raise NotImplementedError

    # Parsing helpers shared by every file: each raises RowError naming the column.
    @staticmethod
    def date(row: dict[str, str], column: str, *, optional: bool = False) -> dt.date | None:
        raw = (row.get(column) or "").strip()
        if not raw:
            if optional:
                return None
            raise RowError(f"{column} is empty")
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise RowError(f"{column} {raw!r} is not a date (YYYY-MM-DD)") from None

    @staticmethod
    def amount(row: dict[str, str], column: str) -> Decimal:
        raw = (row.get(column) or "").strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise RowError(f"{column} {raw!r} is not an amount such as 1234.50") from None
        if not value.is_finite() or value <= 0:
            raise RowError(f"{column} must be more than 0")
        if value.as_tuple().exponent < -2:
            raise RowError(f"{column} {raw!r} has more than two decimal places")
        return value.quantize(Decimal("0.01"))

    @staticmethod
    def integer(row: dict[str, str], column: str, *, low: int, high: int | None = None) -> int:
        raw = (row.get(column) or "").strip()
        try:
            value = int(raw)
        except ValueError:
            raise RowError(f"{column} {raw!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bounds = f"{low}–{high}" if high is not None else f"at least {low}"
            raise RowError(f"{column} must be {bounds}")
        return value

    @staticmethod
    def choice(row: dict[str, str], column: str, choices, *, default: str | None = None) -> str:
        raw = (row.get(column) or "").strip().lower()
        if not raw and default is not None:
            return default
        allowed = [str(value) for value, _ in choices]
        lookup = {value.lower(): value for value in allowed}
        if raw not in lookup:
            raise RowError(f"{column} {raw!r} is not one of {', '.join(allowed)}")
        return lookup[raw]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    for row in reader:
        yield reader.line_num, {k: restore_cell((v or "").strip()) for k, v in row.items() if k}


def _header(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [name.strip().lower() for name in first]


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(
                f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                for k, v in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return str(exc)


def import_directory(chapter: Chapter, directory: Path) -> Counter:
    """Import every known file in ``directory`` into ``chapter``; all or nothing."""
    problems: list[str] = []
    ctx = ImportContext(chapter=chapter)
    found = [cls() for cls in discover() if (directory / cls.filename).is_file()]
    with transaction.atomic():
        for importer in found:
            path = directory / importer.filename
            try:
                header = _header(path)
            except UnicodeDecodeError:
                problems.append(f"{importer.filename}:1: the file is not UTF-8")
                continue
            missing = [c for c in importer.required if c not in header]
            if missing:
                problems.append(f"{importer.filename}:1: missing column(s) {', '.join(missing)}")
                continue
            for line, row in _rows(path):
                try:
                    with transaction.atomic():
                        outcome = importer.import_row(ctx, row)
                except (RowError, ValidationError, IntegrityError) as exc:
                    problems.append(f"{importer.filename}:{line}: {_message(exc)}")
                    continue
                ctx.counts[f"{importer.filename} {outcome}"] += 1
            ctx.refresh_members()
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportFailed(problems)
    return ctx.counts
