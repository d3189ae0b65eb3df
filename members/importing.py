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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connections, models, router, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext, ngettext

from .amounts import POINT, parse_amount
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


#: What the database may refuse as a row is written: a value it cannot hold (``DataError``)
#: or one a constraint forbids (``IntegrityError``). ``Limits`` finds the first kind before
#: anything is written; these are caught as well, so whatever slips through is still a
#: problem on its line, never a traceback.
REFUSED = (IntegrityError, DataError)


class ImportFailed(Exception):
    def __init__(self, problems: list[str]):
        count = len(problems)
        super().__init__(
            ngettext(
                "%(count)s problem(s); nothing was imported",
                "%(count)s problem(s); nothing was imported",
                count,
            )
            % {"count": count}
        )
        self.problems = problems


#: How many problems a person is shown. A file whose every row is wrong holds hundreds of
#: thousands of them; the first hundred say what is wrong, the rest are counted.
PROBLEMS_SHOWN = 100


def shown_problems(problems: list[str], *, limit: int = PROBLEMS_SHOWN) -> list[str]:
    """The first ``limit`` problems, then one line counting the others: what the command
    prints and the admin's upload page lists."""
    if len(problems) <= limit:
        return list(problems)
    rest = len(problems) - limit
    more = ngettext("… and %(count)s more problem", "… and %(count)s more problems", rest)
    return [*problems[:limit], more % {"count": f"{rest:,}"}]


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
            raise RowError(gettext("%(column)s is empty") % {"column": column})
        try:
            return self._members[key]
        except KeyError:
            raise RowError(
                gettext("%(column)s %(value)s is not a member of %(chapter)s")
                % {"column": column, "value": repr(email), "chapter": self.chapter.slug}
            ) from None

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
            raise RowError(gettext("%(column)s is empty") % {"column": column})
        member = self._members.get(key) or self._elsewhere.get(key)
        if member is None:
            raise RowError(
                gettext(
                    "%(column)s %(value)s is not a member of %(chapter)s "
                    "or of any other chapter in this Slipstream"
                )
                % {"column": column, "value": repr(email), "chapter": self.chapter.slug}
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
    #: The file's column for each model field stored under another name, for the problems
    #: ``limits`` names (a field is its own column otherwise).
    field_columns: Mapping[str, str] = {}

    def limits(self, model: type[models.Model]) -> "Limits":
        """What ``model``'s fields can hold: ``self.limits(Visitor).check(values)`` before a
        row's values are written raises a ``RowError`` naming the column."""
        return Limits(model, self.field_columns)

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
            except (RowError, ValidationError, *REFUSED) as exc:
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
            raise RowError(gettext("%(column)s is empty") % {"column": column})
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise RowError(
                gettext("%(column)s %(value)s is not a date (YYYY-MM-DD)")
                % {"column": column, "value": repr(raw)}
            ) from None

    @staticmethod
    def amount(row: dict[str, str], column: str) -> Decimal:
        """Our files write a point before the cents (``1250.50``), whatever the chapter's own
        convention, so an exported file imports back as it was; ``1,250.50`` reads too, and
        what could be read two ways (``12,5``) is refused, never guessed (``members.amounts``)."""
        raw = (row.get(column) or "").strip()
        try:
            return parse_amount(raw, decimal_mark=POINT)
        except ValidationError as exc:
            named = {"column": column, "value": repr(raw)}
            if exc.code == "min_value":
                raise RowError(gettext("%(column)s must be more than 0") % named) from None
            if exc.code == "decimal_places":
                raise RowError(
                    gettext("%(column)s %(value)s has more than two decimal places") % named
                ) from None
            if exc.code == "max_value":
                raise RowError(gettext("%(column)s %(value)s is too large") % named) from None
            raise RowError(
                gettext("%(column)s %(value)s is not an amount such as 1234.50") % named
            ) from None

    @staticmethod
    def integer(row: dict[str, str], column: str, *, low: int, high: int | None = None) -> int:
        raw = (row.get(column) or "").strip()
        try:
            value = int(raw)
        except ValueError:
            raise RowError(
                gettext("%(column)s %(value)s is not a whole number")
                % {"column": column, "value": repr(raw)}
            ) from None
        if value < low or (high is not None and value > high):
            if high is None:
                message = gettext("%(column)s must be at least %(low)s")
            else:
                message = gettext("%(column)s must be %(low)s–%(high)s")
            raise RowError(message % {"column": column, "low": low, "high": high})
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
        raise RowError(
            gettext("%(column)s %(value)s is not one of %(allowed)s")
            % {"column": column, "value": repr(raw), "allowed": ", ".join(allowed)}
        )


# --- What the database can hold -----------------------------------------------------------------


class Limits:
    """What each field of ``model`` can hold in the database, read from the field's own
    attributes: ``null``, ``max_length``, ``max_digits`` and ``decimal_places``, the
    backend's range for its integer type, and ``choices``.

    A value beyond them would stop a ``COPY`` (or an ``INSERT``) half way with an error
    naming neither the line nor the column; checked before anything is written, it is a
    problem like any other, ``file.csv:LINE: column: message``. ``columns`` names the file's
    column for a field stored under another name (the field's own name otherwise).
    """

    def __init__(self, model: type[models.Model], columns: Mapping[str, str] | None = None):
        self.model = model
        self.columns = dict(columns or {})
        self.checks = _field_checks(model)

    def problem(self, values: Mapping[str, object]) -> str | None:
        """``column: message`` for the first value the database would refuse, else ``None``.
        ``values`` are keyed by field name (a foreign key by its ``attname``, ``giver_id``);
        other keys are not stored, and pass."""
        checks = self.checks
        for name, value in values.items():
            check = checks.get(name)
            if check is not None and (message := check(value)) is not None:
                return f"{self.columns.get(name, name)}: {message}"
        return None

    def check(self, values: Mapping[str, object]) -> None:
        """Raise ``RowError`` with ``problem(values)``, if there is one."""
        if (message := self.problem(values)) is not None:
            raise RowError(message)

    def instance_problem(self, obj: models.Model) -> str | None:
        """``problem`` for an unsaved instance: every field value it holds."""
        return self.problem({name: getattr(obj, name) for name in self.checks})


@cache
def _field_checks(model: type[models.Model]) -> dict[str, Callable[[object], str | None]]:
    """Each stored field's check by ``attname``; the primary key and the fields whose value
    is computed as the row is written (generated, ``auto_now``) are not the file's to give."""
    connection = connections[router.db_for_write(model)]
    checks = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.generated or getattr(f, "auto_now", False):
            continue
        if getattr(f, "auto_now_add", False):
            continue
        tests: list[Callable[[object], str | None]] = []
        if f.max_length is not None:
            tests.append(_longer_than(f.max_length))
        if isinstance(f, models.DecimalField):
            tests.append(_decimal_within(f.max_digits, f.decimal_places))
        elif isinstance(f, models.IntegerField) and not f.is_relation:
            low, high = connection.ops.integer_field_range(f.get_internal_type())
            tests.append(_integer_within(low, high))
        if f.choices is not None:
            tests.append(_one_of([str(value) for value, _ in f.flatchoices], f.empty_values))
        checks[f.attname] = _all_of(tests, null=f.null)
    return checks


def _all_of(tests: list[Callable[[object], str | None]], *, null: bool):
    if len(tests) == 1:  # most fields: one test, called without the loop
        (only,) = tests

        def check_one(value: object) -> str | None:
            if value is None:
                return None if null else gettext("is empty")
            return only(value)

        return check_one

    def check(value: object) -> str | None:
        if value is None:
            return None if null else gettext("is empty")
        for test in tests:
            if (message := test(value)) is not None:
                return message
        return None

    return check


def _longer_than(limit: int) -> Callable[[object], str | None]:
    def test(value: object) -> str | None:
        if isinstance(value, str) and len(value) > limit:
            return gettext("is %(length)s characters long: at most %(limit)s fit") % {
                "length": f"{len(value):,}",
                "limit": f"{limit:,}",
            }
        return None

    return test


def _decimal_within(max_digits: int, decimal_places: int) -> Callable[[object], str | None]:
    whole_digits = max_digits - decimal_places

    def test(value: object) -> str | None:
        if not isinstance(value, Decimal | int | float):
            return None
        number = Decimal(value)
        if not number.is_finite():
            return gettext("%(value)s is not a number") % {"value": value}
        digits, exponent = len(number.as_tuple().digits), number.as_tuple().exponent
        places = max(-exponent, 0)
        whole = max(digits + exponent, 0) if number else 0
        if whole > whole_digits:
            return ngettext(
                "%(value)s is too large: at most %(count)s digit before the decimal point",
                "%(value)s is too large: at most %(count)s digits before the decimal point",
                whole_digits,
            ) % {"value": value, "count": whole_digits}
        if places > decimal_places:
            return ngettext(
                "%(value)s has more than %(count)s decimal place",
                "%(value)s has more than %(count)s decimal places",
                decimal_places,
            ) % {"value": value, "count": decimal_places}
        return None

    return test


def _integer_within(low: int | None, high: int | None) -> Callable[[object], str | None]:
    def test(value: object) -> str | None:
        if isinstance(value, int) and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            return gettext("%(value)s is outside %(low)s to %(high)s") % {
                "value": value,
                "low": low,
                "high": high,
            }
        return None

    return test


def _one_of(allowed: list[str], empty: Iterable[object]) -> Callable[[object], str | None]:
    known = frozenset(allowed)
    blank = [value for value in empty if value is not None]

    def test(value: object) -> str | None:
        if value in known or str(value) in known or value in blank:
            return None
        return gettext("%(value)r is not one of %(allowed)s") % {
            "value": str(value),
            "allowed": ", ".join(allowed),
        }

    return test


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
    and the values to store, which the frame then checks against what the model's fields can
    hold (``Limits``). New rows go in with ``insert_rows`` (``COPY`` on PostgreSQL) and
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
        key_fields, check = self.key_fields, self.limits(self.model).check
        for line, row in rows:
            try:
                key, values = parse(ctx, row)
                check(values)
                if len(key) == len(key_fields):
                    check(dict(zip(key_fields, key, strict=True)))
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
        except REFUSED:
            for line, row in created:
                row.pk = None
                obj = _instance(self.model, row)
                try:
                    with transaction.atomic():
                        obj.save(force_insert=True)
                except REFUSED as exc:
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
                problems.append(f"{name}:1: " + gettext("the file is not UTF-8"))
                continue
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [(column or "").strip().lower() for column in next(reader, [])]
            missing = [c for c in importer.required if c not in header]
            if missing:
                problems.append(
                    f"{name}:1: "
                    + ngettext(
                        "missing column(s) %(columns)s",
                        "missing column(s) %(columns)s",
                        len(missing),
                    )
                    % {"columns": ", ".join(missing)}
                )
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
