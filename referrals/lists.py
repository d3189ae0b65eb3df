"""The slip lists a member opens on every visit, as hand-written SQL.

The dashboard and the inbox are drawn again after every write to the chapter, and at a meeting
the chapter is written to many times a minute. Through the ORM, each of their lists (a slip with
the names of its people: three joins per person, the columns a row shows) cost several times
more to compile and to assemble than the database took to run it. Here each list's SELECT is
written once per process from the models' own field definitions (``Model._meta``), run with a
plain cursor, and its rows become the very instances the ORM would give: the slip, each
named member with their user and chapter, built with ``Model.from_db`` from the columns a row
shows (any other field is deferred, so reading it costs a query that the pinned counts catch).

``tests/referrals/test_lists.py`` holds each list against its ORM twin, row for row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, partial

from django.db import connection, models

from members.models import Chapter, Member, User

from .models import Tyfcb

#: A named member as a list row shows them: who they are, their name, their chapter's name,
#: each in its model's own field order (``from_db`` reads the values in that order).
MEMBER_COLUMNS = ("id", "user_id", "chapter_id")
USER_COLUMNS = ("id", "first_name", "last_name", "email")
CHAPTER_COLUMNS = ("id", "name")
PERSON_WIDTH = len(MEMBER_COLUMNS) + len(USER_COLUMNS) - 1 + len(CHAPTER_COLUMNS) - 1


class Rows(Sequence):
    """A list's instances, built from its rows only when asked for, and the rows as the
    database gave them: what ``pages.kept.drawn_from`` keys a drawing on. ``each`` holds each
    instance's own values alone (no count or place riding on its row), what a piece drawn per
    row is keyed on (``pages.kept.drawn_each``). ``total`` is the count of all the rows the
    list's query held (a part's ``total``), or ``None`` when not counted.

    A page kept under its rows reads them on every visit but draws, and so needs the instances,
    only when they changed; an instance is built the first time it is asked for.
    """

    def __init__(self, build: Callable[[tuple], models.Model], *, raw, each, total=None):
        self.raw = tuple(raw)
        self.each = tuple(each)
        self.total = total
        self._build = build
        self._built: list = [None] * len(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if self._built[index] is None:
            self._built[index] = self._build(self.raw[index])
        return self._built[index]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Rows({list(self)!r})"


@dataclass(frozen=True)
class Part:
    """One list of ``fetch_apart``: the rows ``where`` holds (SQL over the slip table's alias
    ``s``, with ``%s`` parameters), in ``order``, ``limit`` of them from ``offset``."""

    where: str
    params: list
    order: str
    limit: int
    offset: int = 0
    total: bool = False


@dataclass(frozen=True)
class SlipList:
    """Rows of ``model`` with the fields a list shows and the names of ``people``.

    ``where`` and ``order`` are SQL over the slip table's alias ``s`` with ``%s`` parameters,
    written by the selectors that use this; nothing a user sends becomes SQL text.
    """

    model: type[models.Model]
    people: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    @cached_property
    def _slip_fields(self) -> list[models.Field]:
        meta = self.model._meta
        names = ["id", "chapter", "date", *self.people]
        if any(f.name == "other_name" for f in meta.concrete_fields):
            names += ["other_name", "other_chapter_name"]
        fields = {f.name: f for f in map(meta.get_field, [*names, *self.fields])}
        # In the model's own order: ``from_db`` reads the values in that order.
        order = {f.name: i for i, f in enumerate(meta.concrete_fields)}
        return sorted(fields.values(), key=lambda f: order[f.name])

    @cached_property
    def _attnames(self) -> list[str]:
        return [f.attname for f in self._slip_fields]

    @cached_property
    def _decimals(self) -> list[tuple[int, Decimal]]:
        """Where a money column sits, and its places: SQLite hands back a float."""
        return [
            (i, Decimal(1).scaleb(-f.decimal_places))
            for i, f in enumerate(self._slip_fields)
            if isinstance(f, models.DecimalField)
        ]

    @cached_property
    def _columns(self) -> list[str]:
        """The columns a row shows, in ``_row``'s order: the slip's, then each person's."""
        member, user, chapter = Member._meta, User._meta, Chapter._meta
        columns = [f"s.{f.column}" for f in self._slip_fields]
        for n in range(len(self.people)):
            m, u, c = f"m{n}", f"u{n}", f"c{n}"
            columns += [
                f"{m}.{member.get_field(name).column}" for name in ("id", "user", "chapter")
            ]
            columns += [f"{u}.{user.get_field(name).column}" for name in USER_COLUMNS[1:]]
            columns.append(f"{c}.{chapter.get_field('name').column}")
        return columns

    @cached_property
    def _people(self) -> str:
        """For each person of a slip ``s``, their member, user and chapter."""
        member, user, chapter = Member._meta, User._meta, Chapter._meta
        joins = []
        for n, person in enumerate(self.people):
            key = self.model._meta.get_field(person).column
            m, u, c = f"m{n}", f"u{n}", f"c{n}"
            joins += [
                f"LEFT JOIN {member.db_table} {m} ON {m}.id = s.{key}",
                f"LEFT JOIN {user.db_table} {u} ON {u}.id = {m}.{member.get_field('user').column}",
                f"LEFT JOIN {chapter.db_table} {c} "
                f"ON {c}.id = {m}.{member.get_field('chapter').column}",
            ]
        return " ".join(joins)

    @cached_property
    def _as_json(self) -> list[str]:
        """``_columns`` as a JSON array carries them: money as text, so no amount passes
        through a float."""
        decimals = {i for i, _ in self._decimals}
        return [
            f"CAST({column} AS TEXT)" if i in decimals else column
            for i, column in enumerate(self._columns)
        ]

    @cached_property
    def _parsers(self) -> list[tuple[int, models.Field]]:
        """Where a date or a time sits among a row's columns: JSON carries them as text."""
        return [
            (i, f)
            for i, f in enumerate(self._slip_fields)
            if isinstance(f, models.DateField | models.TimeField)
        ]

    def _from_json(self, values: tuple) -> tuple:
        typed = list(values)
        for i, field in self._parsers:
            if typed[i] is not None:
                typed[i] = field.to_python(typed[i])
        return tuple(typed)

    def _row(self, values: tuple, total: bool) -> models.Model:
        width = len(self._attnames)
        own = list(values[:width])
        for i, places in self._decimals:
            if own[i] is not None and not isinstance(own[i], Decimal):
                own[i] = Decimal(str(own[i])).quantize(places)
        slip = self.model.from_db(connection.alias, self._attnames, own)
        at = width
        for person in self.people:
            member_id, user_id, chapter_id, first, last, email, chapter_name = values[
                at : at + PERSON_WIDTH
            ]
            at += PERSON_WIDTH
            if member_id is None:
                continue
            member = Member.from_db(
                connection.alias, MEMBER_COLUMNS, (member_id, user_id, chapter_id)
            )
            member.user = User.from_db(
                connection.alias, USER_COLUMNS, (user_id, first, last, email)
            )
            member.chapter = Chapter.from_db(
                connection.alias, CHAPTER_COLUMNS, (chapter_id, chapter_name)
            )
            setattr(slip, person, member)
        if total:
            slip.total = values[at]
        return slip


def decimal(value) -> Decimal:
    """A sum of money as the database gave it (SQLite: a float or an int), exactly."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


CENTS = Decimal("0.01")


def member_money(member_id: int, start, end) -> dict:
    """Sums over every thank-you naming the member from ``start`` to ``end``, whichever
    chapter logged it (one from another chapter's member counts too): one row, even when
    there is nothing to add. "Received" is what the member wrote; a thank-you from an unknown
    writer names no writer, so it is in nobody's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN writer_id = %s THEN amount END), 0), "
            "COALESCE(SUM(CASE WHEN thanked_id = %s THEN amount END), 0), "
            "COUNT(CASE WHEN writer_id = %s THEN 1 END), "
            "COUNT(CASE WHEN thanked_id = %s THEN 1 END) "
            f"FROM {Tyfcb._meta.db_table} WHERE (writer_id = %s OR thanked_id = %s) "
            "AND date >= %s AND date <= %s",
            [member_id] * 6 + [start, end],
        )
        received, generated, written, thanked = cursor.fetchone()
    return {
        "received": decimal(received).quantize(CENTS),
        "generated": decimal(generated).quantize(CENTS),
        "written": written,
        "thanked": thanked,
    }


def fetch_apart(*parts: tuple[SlipList, Part]) -> list[Rows]:
    """Lists a page reads together, in one round trip: the dashboard's (the week's slips of each
    kind, what waits for the member, their 1-2-1s), the inbox's (an open page and the latest
    closed).

    Each part is its own SELECT with its order and limit, numbered by a window function and
    tagged with its place; ``UNION ALL`` sends them back as one result, sorted by place and
    number. A part picks its slips first and names their people after: a member's open referrals
    are counted in full but only the page of them shown is joined to its people. Lists of
    different slips cannot share a column, their columns being of other types, so each row comes
    back as one JSON array of its columns and is read back into the columns' own types when its
    instance is built. A part with ``total`` counts all the rows its ``where`` holds
    (``Rows.total``, and each instance's ``total``). ``raw`` and ``each`` hold the arrays as the
    database gave them.
    """
    array = "json_build_array" if connection.vendor == "postgresql" else "json_array"
    selects, params = [], []
    for place, (slips, part) in enumerate(parts):
        counting, counted = ("", "")
        if part.total:
            counting, counted = (", COUNT(*) OVER () AS total_", ", s.total_")
        picked = (
            f"SELECT s.*, ROW_NUMBER() OVER (ORDER BY {part.order}) AS n_{counting} "
            f"FROM {slips.model._meta.db_table} s "
            f"WHERE {part.where} ORDER BY {part.order} LIMIT %s OFFSET %s"
        )
        selects.append(
            f"SELECT {place} AS part, s.n_ AS n, "
            f"{array}({', '.join(slips._as_json)}{counted}) AS r "
            f"FROM ({picked}) s {slips._people}"
        )
        params += [*part.params, part.limit, part.offset]
    sql = " UNION ALL ".join(selects) + " ORDER BY part, n"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    lists = []
    for place, (slips, part) in enumerate(parts):
        # PostgreSQL's driver reads JSON itself; SQLite's hands back its text.
        raw = tuple(
            tuple(json.loads(r) if isinstance(r, str) else r) for p, _, r in found if p == place
        )
        lists.append(
            Rows(
                partial(_built_from_json, slips, total=part.total),
                raw=raw,
                each=tuple(values[:-1] for values in raw) if part.total else raw,
                total=(raw[0][-1] if raw else 0) if part.total else None,
            )
        )
    return lists


def _built_from_json(slips: SlipList, values: tuple, *, total: bool) -> models.Model:
    return slips._row(slips._from_json(values), total)
