"""Querysets compiled to SQL once per process, then run with each call's own values.

Building and compiling a queryset costs the ORM 0.5–1.5 ms of Python per query (joins,
column lists, expression hashing), often more than PostgreSQL spends running it. A page's
hot queries have the same shape on every request; only the ids and dates change. So
``Precompiled(build)`` calls ``build`` once with stand-in values, compiles it, notes where each
stand-in sits among the SQL parameters, and afterwards runs that SQL with the caller's values
through Django's own row loading (``select_related``, annotations, converters all apply).

``build`` must use its arguments only as filter values: no ``if`` on them, no arithmetic, no
text lookups that rewrite them (``icontains``). When a stand-in does not come back unchanged
among the parameters the shape is not cached and every call runs ``build`` as usual.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI

logger = logging.getLogger(__name__)


def _stand_in(kind: type, i: int):
    if kind is int:
        return -917_000_000 - i
    if kind is dt.date:
        return dt.date(1001 + i, 2, 3)
    if kind is str:
        return f"\x1fstand-in-{i}\x1f"
    raise TypeError(f"Precompiled takes int, date and str arguments, not {kind.__name__}")


class _Replay:
    """The compiler of the query compiled once, answering with this call's parameters."""

    def __init__(self, compiler, sql: str, params: list):
        self._compiler, self._sql, self._params = compiler, sql, params

    def __getattr__(self, name):
        return getattr(self._compiler, name)

    def execute_sql(self, result_type=MULTI, chunked_fetch=False, chunk_size=None):
        if result_type != MULTI:
            raise NotImplementedError("a precompiled query returns rows")
        with self._compiler.connection.cursor() as cursor:
            cursor.execute(self._sql, self._params)
            return [cursor.fetchall()]

    def results_iter(self, results=None, **kwargs):
        kwargs.pop("chunked_fetch", None), kwargs.pop("chunk_size", None)
        return self._compiler.results_iter(
            self.execute_sql() if results is None else results, **kwargs
        )


class Precompiled:
    """``Precompiled(lambda member_id, day: Slip.objects.filter(...))``; call it with values."""

    #: Where each build was defined, for those that could not be precompiled (tests check it).
    fell_back: set[str] = set()

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._shapes: dict[tuple, tuple | None] = {}

    def __call__(self, *args) -> list:
        kinds = tuple(type(a) for a in args)
        key = (*kinds, connections[DEFAULT_DB_ALIAS].vendor)
        if key not in self._shapes:
            self._shapes[key] = self._compile(kinds)
        shape = self._shapes[key]
        if shape is None:
            return list(self.build(*args))
        template, compiler, sql, params, slots = shape
        values = list(params)
        for position, arg_index, as_text in slots:
            values[position] = args[arg_index].isoformat() if as_text else args[arg_index]
        queryset = template._chain()
        replay = _Replay(compiler, sql, values)
        queryset.query.get_compiler = lambda *a, **kw: replay
        return list(queryset)

    def _compile(self, kinds: tuple[type, ...]) -> tuple | None:
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(kinds)]
        template = self.build(*stand_ins)
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()
        slots, seen = [], set()
        for position, value in enumerate(params):
            for arg_index, stand_in in enumerate(stand_ins):
                if type(value) is type(stand_in) and value == stand_in:
                    slots.append((position, arg_index, False))
                elif isinstance(stand_in, dt.date) and value == stand_in.isoformat():
                    slots.append((position, arg_index, True))
                else:
                    continue
                seen.add(arg_index)
        if len(seen) != len(stand_ins):
            code = self.build.__code__
            where = f"{code.co_filename}:{code.co_firstlineno}"
            logger.warning("Precompiled at %s: an argument is not a plain parameter", where)
            Precompiled.fell_back.add(where)
            return None
        return template, compiler, sql, list(params), slots
