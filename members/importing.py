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
import gc
import io
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone
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


#: What an app wraps around a chapter's whole import, inside its transaction: a later app
#: (``reports``: its rollup is counted once at the end, not statement by statement) registers
#: a context manager factory here, given the ids of the chapters the import writes for: a set
#: that starts with the imported chapter and grows while the files are read, as slips link
#: members of other chapters (``ImportContext.link``), so it is complete when the load ends.
BULK_LOADS: list[Callable[[set[int]], AbstractContextManager]] = []


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
    #: The chapters whose members the stored rows count for: this one, and every chapter of a
    #: member on the other side of a slip across the chapter line (``link``).
    chapter_ids: set[int] = field(default_factory=set)
    _members: dict[str, Member] | None = None
    #: Members of other chapters that the files name, by email (``look_up_elsewhere``).
    _elsewhere: dict[str, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chapter_ids.add(self.chapter.pk)

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

    def member_ids(self) -> list[int]:
        """The ids of the chapter's members: each of the chapter's slips links one of them."""
        if self._members is None:
            self.refresh_members()
        return [m.pk for m in self._members.values()]

    def look_up_elsewhere(self, emails: Iterable[str]) -> None:
        """Load, in one query, the members of other chapters these emails name: a slip's
        other party may be one (DOMAIN.md "Beyond the chapter"). ``anyone`` then finds them
        without a query per row."""
        if self._members is None:
            self.refresh_members()
        wanted = {(e or "").strip().lower() for e in emails}
        wanted -= {""} | self._members.keys() | self._elsewhere.keys()
        if not wanted:
            return
        for m in Member.objects.filter(user__email__in=wanted).select_related("user", "chapter"):
            self._elsewhere[m.user.email.lower()] = m

    def anyone(self, email: str, column: str) -> Member:
        """The member with this email, of this chapter or (loaded by ``look_up_elsewhere``)
        of another chapter of this Slipstream; a ``RowError`` when it is nobody's."""
        if self._members is None:
            self.refresh_members()
        key = (email or "").strip().lower()
        if not key:
            raise RowError(f"{column} is empty")
        member = self._members.get(key) or self._elsewhere.get(key)
        if member is None:
            raise RowError(
                f"{column} {email!r} is not a member of {self.chapter.slug} "
                "or of any other chapter in this Slipstream"
            )
        return member

    def link(self, member_ids: Iterable[int | None]) -> None:
        """Note the chapters of these members (stored rows link them): a member of another
        chapter counts a slip in their own chapter's reports, which then count again."""
        chapters = {m.pk: m.chapter_id for m in self._elsewhere.values()}
        self.chapter_ids.update(chapters[pk] for pk in member_ids if pk in chapters)


class FileReport:
    """What happened to one file's rows: outcomes, problems, and a tick for the progress bar."""

    def __init__(self, filename: str, progress: "Progress | None" = None):
        self.filename = filename
        self.outcomes: Counter = Counter()
        self.problems: list[str] = []
        self._progress = progress
        self.rows = 0

    def reset(self) -> None:
        """Forget every row, to go through the file again."""
        self.outcomes.clear()
        self.problems.clear()
        self.rows = 0

    def done(self, outcome: str) -> None:
        self.outcomes[outcome] += 1
        self._tick()

    def problem(self, line: int | str, exc: Exception | str) -> None:
        text = exc if isinstance(exc, str) else _message(exc)
        self.problems.append(f"{self.filename}:{line}: {text}")
        self._tick()

    def _tick(self) -> None:
        self.rows += 1
        if self._progress is not None:
            self._progress.tick(self.filename, self.rows)


class Progress:
    """Called with ``(filename, rows done, rows expected)`` every ``every`` rows of a file."""

    def __init__(self, show, *, every: int = 1000):
        self.show, self.every, self.expected = show, every, 0

    def start(self, filename: str, expected: int) -> None:
        self.expected = expected
        self.show(filename, 0, expected)

    def tick(self, filename: str, rows: int) -> None:
        if rows % self.every == 0:
            self.show(filename, rows, self.expected)

    def finish(self, filename: str, rows: int) -> None:
        self.show(filename, rows, rows)


class CsvFile:
    """One file of the import directory. Subclasses set the names and handle one row.

    ``import_rows`` stores the rows one at a time, each in a savepoint, so a row that breaks
    a constraint is reported and the others still get checked. Files with many rows use
    ``KeyedCsvFile`` instead, which checks every row in Python and writes in bulk.
    """

    filename: str = ""
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    order: int = 100
    #: Whether storing this file may add or change members (the context then reloads them).
    changes_members = True

    def import_row(self, ctx: "ImportContext", row: dict[str, str]) -> str:
        """Store one row; return ``"created"``, ``"updated"`` or ``"unchanged"``."""
        raise NotImplementedError

    def import_rows(
        self, ctx: "ImportContext", rows: Iterable[tuple[int, dict[str, str]]], report: FileReport
    ) -> None:
        for line, row in rows:
            try:
                with transaction.atomic():
                    outcome = self.import_row(ctx, row)
            except (RowError, ValidationError, IntegrityError) as exc:
                report.problem(line, exc)
                continue
            report.done(outcome)

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
        for value, _ in choices:
            if str(value).lower() == raw:
                return str(value)
        allowed = [str(value) for value, _ in choices]
        raise RowError(f"{column} {raw!r} is not one of {', '.join(allowed)}")


class NewRow(SimpleNamespace):
    """A row to insert, cheaper than a model instance: attributes named as the model's fields
    (a foreign key by its ``attname``, such as ``giver_id``), and ``pk`` once it is stored.
    Other attributes (``meeting_date``, …) ride along for the hooks and are not stored."""

    pk = None


_MISSING = object()
#: Types whose prepared value, once seen equal and of the same type for a column, is the value
#: (Django's fields prepare them alike whatever the value; a Decimal may be rounded, so not it).
_PLAIN_TYPES = frozenset({str, int, bool, dt.date, type(None)})


def insert_rows(model: type[models.Model], rows: list[NewRow], *, batch_size: int = 2000) -> None:
    """Store ``rows`` as new rows of ``model`` and set each one's ``pk``, in list order.

    PostgreSQL: one ``COPY … FROM STDIN`` (ids taken from the table's sequence first);
    other databases: ``bulk_create``. Either way a refused row raises ``IntegrityError``.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql" and _copyable(model):
        _copy_rows(connection, model, rows)
        return
    objs = [_instance(model, row) for row in rows]
    model.objects.bulk_create(objs, batch_size=batch_size)
    for row, obj in zip(rows, objs, strict=True):
        row.pk = obj.pk


def _instance(model: type[models.Model], row: NewRow) -> models.Model:
    names = _field_names(model)
    return model(**{k: v for k, v in vars(row).items() if k in names and k != "pk"})


def _field_names(model: type[models.Model]) -> frozenset[str]:
    fields = model._meta.concrete_fields
    return frozenset([f.attname for f in fields] + [f.name for f in fields])


#: Fields whose ``pre_save`` only fills ``auto_now``/``auto_now_add``.
_AUTO_NOW_FIELDS = (models.DateField, models.TimeField)


def _copyable(model: type[models.Model]) -> bool:
    """COPY writes what ``bulk_create`` would if every value is known in Python: the primary
    key comes from a sequence, no field computes its value in the database (generated, or a
    ``db_default`` with no Python default to take first) and no ``pre_save`` does more than
    ``auto_now``/``auto_now_add``."""
    opts = model._meta
    if not isinstance(opts.pk, models.AutoField):
        return False
    return all(
        not f.generated
        and (f.has_default() or not f.has_db_default())
        and (type(f).pre_save is models.Field.pre_save or isinstance(f, _AUTO_NOW_FIELDS))
        for f in opts.concrete_fields
    )


def _auto_now(field: models.Field, now: dt.datetime):
    """What ``field.pre_save(obj, add=True)`` stores for an auto_now(_add) field."""
    if isinstance(field, models.DateTimeField):
        return now
    if isinstance(field, models.DateField):
        return dt.date.today()
    return dt.datetime.now().time()


def _copy_rows(connection, model: type[models.Model], rows: list[NewRow]) -> None:
    """``COPY`` the rows in, with what ``bulk_create`` would send for each field: the value
    after ``pre_save(obj, add=True)`` (``auto_now``: one instant for the whole batch) and
    ``get_db_prep_save``, or the field's default when the row does not name it."""
    opts = model._meta
    qn = connection.ops.quote_name
    now = timezone.now()
    keys = rows[0].__dict__.keys()
    uniform = all(row.__dict__.keys() == keys for row in rows)
    named, fixed, other = [], [], []  # fields the rows carry, fields alike for all, the rest
    for f in opts.concrete_fields:
        if f is opts.pk:
            continue
        if isinstance(f, _AUTO_NOW_FIELDS) and (f.auto_now or f.auto_now_add):
            fixed.append((f, _auto_now(f, now)))
        elif uniform and f.attname in keys:
            named.append(f)
        elif uniform and f.name not in keys and not (f.has_default() and callable(f.default)):
            fixed.append((f, f.get_default()))
        else:
            other.append(f)
    named += other  # a related object instead of its id, a default computed per row, …
    if other:
        values = [tuple(_value(f, row.__dict__) for f in named) for row in rows]
    elif named:
        getter = attrgetter(*(f.attname for f in named))
        values = (
            [getter(row) for row in rows] if len(named) > 1 else [(getter(row),) for row in rows]
        )
    else:
        values = [()] * len(rows)
    values, kinds = _prepared(connection, named, values)
    tail = tuple(f.get_db_prep_save(value, connection) for f, value in fixed)
    kinds += [{type(value)} for value in tail]
    columns = ", ".join(
        qn(c) for c in [opts.pk.column, *(f.column for f in named), *(f.column for f, _ in fixed)]
    )
    table = qn(opts.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} LIMIT 0")  # noqa: S608 (quoted names)
        types = [column.type_code for column in cursor.description]
        # Binary COPY (less work on both sides) when psycopg dumps every value as its column's
        # type; text otherwise, where PostgreSQL reads each value as its column's type.
        binary = all(map(_binary_dumps, types, [{int}, *kinds]))
        # The sequence is looked up first: a constant to nextval is ten times quicker.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, opts.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)]
        )
        ids = sorted(pk for (pk,) in cursor.fetchall())
        sql = f"COPY {table} ({columns}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            if binary:
                copy.set_types(types)
            write = copy.write_row
            for pk, row_values in zip(ids, values, strict=True):
                write((pk, *row_values, *tail))
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk


@cache
def _binary_types() -> dict[int, tuple[type, ...]]:
    """Column types (oids) COPY may write in binary, with the Python types psycopg dumps as
    them (a date column takes dates only: a datetime is a date too). Datetimes only when
    ``USE_TZ``: ``get_db_prep_save`` then makes every one aware."""
    from psycopg import postgres

    kinds_by_names = [
        (("int2", "int4", "int8"), (int,)),
        (("text", "varchar", "bpchar"), (str,)),
        (("bool",), (bool,)),
        (("numeric",), (Decimal,)),
        (("date",), (dt.date,)),
    ]
    if settings.USE_TZ:
        kinds_by_names.append((("timestamptz",), (dt.datetime,)))
    return {postgres.types[name].oid: kinds for names, kinds in kinds_by_names for name in names}


def _binary_dumps(oid: int, kinds: set[type]) -> bool:
    if kinds <= {type(None)}:
        return True  # NULL whatever the type
    allowed = _binary_types().get(oid)
    if allowed is None:
        return False
    if allowed == (dt.date,):
        return all(kind is dt.date or kind is type(None) for kind in kinds)
    return all(kind is type(None) or issubclass(kind, allowed) for kind in kinds)


def _value(f: models.Field, attrs: dict):
    value = attrs.get(f.attname, _MISSING)
    if value is not _MISSING:
        return value
    value = attrs.get(f.name, _MISSING)
    if value is _MISSING:
        return f.get_default()
    return value.pk if f.is_relation and value is not None else value


def _prepared(
    connection, fields: list[models.Field], rows: list[tuple]
) -> tuple[list[tuple], list[set[type]]]:
    """``get_db_prep_save`` for every value, where it changes anything, and the types each
    column then holds. A column is left as it is when, for one value of each type in it,
    preparing gives back an equal value of the same type (str, int, date, …: what Django's
    fields do for the types they store)."""
    if not fields:
        return rows, []
    columns = list(zip(*rows, strict=True))
    all_kinds = []
    changed = False
    for i, (f, column) in enumerate(zip(fields, columns, strict=True)):
        kinds = set(map(type, column))
        samples = {type(column[0]): column[0]}
        if len(kinds) > 1:
            for value in column:
                samples.setdefault(type(value), value)
        if not all(
            kind in _PLAIN_TYPES and _same(f.get_db_prep_save(value, connection), value)
            for kind, value in samples.items()
        ):
            columns[i] = [f.get_db_prep_save(value, connection) for value in column]
            kinds = set(map(type, columns[i]))
            changed = True
        all_kinds.append(kinds)
    return (list(zip(*columns, strict=True)) if changed else rows), all_kinds


def _same(prepared, value) -> bool:
    return prepared == value and isinstance(prepared, type(value))


class KeyedCsvFile(CsvFile):
    """A file whose rows are rows of ``model``, found by the natural key ``key_fields``.

    ``existing`` loads the chapter's rows once, keyed as ``parse`` keys a CSV row; ``parse``
    checks one row in Python (no queries: members come from the context) and returns its key
    and the values to store. New rows go in with ``insert_rows`` (``COPY`` on PostgreSQL) and
    changed ones with ``bulk_update``: a few queries per file whatever its length, with the
    same outcomes and line-numbered problems as storing row by row. A row repeated in the
    file is one row.
    """

    model: type[models.Model]
    key_fields: tuple[str, ...] = ()
    batch_size = 2000
    changes_members = False

    def existing(self, ctx: "ImportContext") -> dict[Hashable, models.Model]:
        return {
            tuple(getattr(obj, name) for name in self.key_fields): obj
            for obj in self.model.objects.filter(chapter=ctx.chapter).order_by("pk")
        }

    def parse(self, ctx: "ImportContext", row: dict[str, str]) -> tuple[tuple, dict]:
        """Check one row: return its natural key and the other values to store."""
        raise NotImplementedError

    def build(self, ctx: "ImportContext", key: tuple, values: dict) -> NewRow:
        """The row to insert for a new key (``values`` are field names, key fields attnames)."""
        keyed = dict(zip(self.key_fields, key, strict=True))
        return NewRow(chapter_id=ctx.chapter.pk, **keyed, **values)

    def before_write(self, ctx: "ImportContext", created: list, updated: list) -> None:
        """Runs before the bulk writes (e.g. to create the rows new objects point to)."""

    def after_write(self, ctx: "ImportContext", created: list, updated: list) -> None:
        """Runs after the bulk writes (e.g. to record history for what changed)."""

    def import_rows(
        self, ctx: "ImportContext", rows: Iterable[tuple[int, dict[str, str]]], report: FileReport
    ) -> None:
        known = self.existing(ctx)
        created: list[tuple[int, NewRow]] = []
        updated: dict[int, models.Model] = {}
        changed_fields: set[str] = set()
        parse, build, done = self.parse, self.build, report.done
        for line, row in rows:
            try:
                key, values = parse(ctx, row)
            except (RowError, ValidationError) as exc:
                report.problem(line, exc)
                continue
            obj = known.get(key)
            if obj is None:
                obj = known[key] = build(ctx, key, values)
                created.append((line, obj))
                done("created")
                continue
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if not changed:
                done("unchanged")
                continue
            for name in changed:
                setattr(obj, name, values[name])
            if obj.pk is not None:
                updated[obj.pk] = obj
                changed_fields.update(changed)
            done("updated")
        if report.problems:
            return  # nothing will be stored: skip the writes
        self.before_write(ctx, created, list(updated.values()))
        self._create(created, report)
        if report.problems:
            return  # the database refused a row (named): nothing will be stored
        if updated:
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                now = timezone.now()
                for obj in updated.values():
                    obj.updated_at = now
                changed_fields.add("updated_at")
            self.model.objects.bulk_update(
                list(updated.values()), sorted(changed_fields), batch_size=self.batch_size
            )
        self.after_write(ctx, [obj for _, obj in created], list(updated.values()))

    def _create(self, created: list[tuple[int, NewRow]], report: FileReport) -> None:
        """Insert in bulk; if the database refuses, find the rows it refuses, one by one."""
        if not created:
            return
        try:
            with transaction.atomic():
                insert_rows(self.model, [row for _, row in created], batch_size=self.batch_size)
        except IntegrityError:
            for line, row in created:
                row.pk = None
                obj = _instance(self.model, row)
                try:
                    with transaction.atomic():
                        obj.save(force_insert=True)
                except IntegrityError as exc:
                    report.problem(line, exc)
                else:
                    row.pk = obj.pk


#: A cell that starts or ends with white space, or starts with ``'`` (``restore_cell``), in
#: a row's cells joined by NUL; a row without one is taken as it is, cell by cell in C.
_CELL_NEEDS_WORK = re.compile(r"(?:^|\x00)[\s']|\s(?:\x00|$)")


def _rows(reader, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    needs_work, unnamed = _CELL_NEEDS_WORK.search, "" in header
    for values in reader:
        if not values:
            continue  # a blank line
        if needs_work("\x00".join(values)):
            values = [restore_cell(v.strip()) for v in values]
        row = dict(zip(header, values, strict=False))
        if unnamed:
            row.pop("", None)  # a column without a name is not read
        yield reader.line_num, row


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(
                f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                for k, v in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def _collector_paused():
    """No cyclic garbage collection while the rows are read: tens of thousands of new rows
    would make it sweep them again and again (about a tenth of the import's time), and the
    import makes next to no cycles. It runs again as before once the import is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_directory(
    chapter: Chapter, directory: Path, *, progress: Progress | None = None
) -> Counter:
    """Import every known file in ``directory`` into ``chapter``; all or nothing.

    Returns the outcomes as ``{"roster.csv created": 8, ...}``; raises ``ImportFailed``
    with every problem (and stores nothing) if any row of any file is wrong.
    """
    problems: list[str] = []
    ctx = ImportContext(chapter=chapter)
    found = [cls() for cls in discover() if (directory / cls.filename).is_file()]
    with _collector_paused(), transaction.atomic(), ExitStack() as bulk:
        for load in BULK_LOADS:
            bulk.enter_context(load(ctx.chapter_ids))
        for importer in found:
            name = importer.filename
            try:
                text = (directory / name).read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError:
                problems.append(f"{name}:1: the file is not UTF-8")
                continue
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [(column or "").strip().lower() for column in next(reader, [])]
            missing = [c for c in importer.required if c not in header]
            if missing:
                problems.append(f"{name}:1: missing column(s) {', '.join(missing)}")
                continue
            report = FileReport(name, progress)
            if progress is not None:
                progress.start(name, max(text.count("\n") - 1, 0))
            importer.import_rows(ctx, _rows(reader, header), report)
            if progress is not None:
                progress.finish(name, report.rows)
            problems.extend(report.problems)
            for outcome, count in report.outcomes.items():
                ctx.counts[f"{name} {outcome}"] += count
            if importer.changes_members:
                ctx.refresh_members()
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportFailed(problems)
    return ctx.counts
