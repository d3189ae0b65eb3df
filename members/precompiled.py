"""Querysets compiled to SQL once per process, then run with each call's own values.

Building and compiling a queryset costs the ORM 0.5–1.5 ms of Python per query (joins,
column lists, expression hashing), often more than PostgreSQL spends running it. A page's
hot queries have the same shape on every request; only the ids and dates change. So
``Precompiled(build)`` calls ``build`` once with stand-in values, compiles it, notes where each
stand-in sits among the SQL parameters, and afterwards runs that SQL with the caller's values
through Django's own row loading (``select_related``, annotations, converters all apply).

``build`` must use its arguments only as filter values: no ``if`` on them, no arithmetic, no
text lookups that rewrite them (``icontains``). A list of ints (for ``__in``) is one stand-in
per item, compiled once per length. The first ``fixed`` arguments are not stand-ins but part
of the shape, passed as they are (a page number that sets the OFFSET); at most
``MAX_SHAPES`` shapes are kept, later ones run through the ORM. When a stand-in does not come
back unchanged among the parameters the shape is not cached and every call runs ``build``
as usual.
"""

import copy
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
        # Connections are per thread: the compiled state is shared, the connection is this
        # thread's own.
        self._compiler = copy.copy(compiler)
        self._compiler.connection = connections[compiler.using]
        self._sql, self._params = sql, params

    def __getattr__(self, name):
        return getattr(self._compiler, name)

    def execute_sql(self, result_type=MULTI, chunked_fetch=False, chunk_size=None):
        if result_type != MULTI:
            raise NotImplementedError("a precompiled query returns rows")
        with self._compiler.connection.cursor() as cursor:
            cursor.execute(self._sql, self._params)
            return [cursor.fetchall()]

    def results_iter(self, results=None, **kwargs):
        for fetched_whole in ("chunked_fetch", "chunk_size"):  # the rows come in one fetch
            kwargs.pop(fetched_whole, None)
        return self._compiler.results_iter(
            self.execute_sql() if results is None else results, **kwargs
        )


class Precompiled:
    """``Precompiled(lambda member_id, day: Slip.objects.filter(...))``; call it with values."""

    #: Where each build was defined, for those that could not be precompiled (tests check it).
    fell_back: set[str] = set()

    MAX_SHAPES = 64

    def __init__(self, build: Callable[..., QuerySet], *, fixed: int = 0):
        self.build = build
        self.fixed = fixed
        self._shapes: dict[tuple, tuple | None] = {}

    def __call__(self, *args) -> list:
        fixed, args = args[: self.fixed], args[self.fixed :]
        kinds = tuple((list, len(a)) if isinstance(a, list | tuple) else type(a) for a in args)
        key = (fixed, *kinds, connections[DEFAULT_DB_ALIAS].vendor)
        if key not in self._shapes and len(self._shapes) < self.MAX_SHAPES:
            self._shapes[key] = self._compile(fixed, kinds)
        shape = self._shapes.get(key)
        if shape is None:
            return list(self.build(*fixed, *args))
        template, compiler, sql, params, slots = shape
        flat = [item for arg in args for item in (arg if isinstance(arg, list | tuple) else [arg])]
        values = list(params)
        for position, index, as_text in slots:
            values[position] = flat[index].isoformat() if as_text else flat[index]
        queryset = template._chain()
        replay = _Replay(compiler, sql, values)
        queryset.query.get_compiler = lambda *a, **kw: replay
        return list(queryset)

    def _compile(self, fixed: tuple, kinds: tuple) -> tuple | None:
        stand_ins, flat = [], []
        for kind in kinds:
            if isinstance(kind, tuple):  # a list of ints, one stand-in each
                items = [_stand_in(int, len(flat) + i) for i in range(kind[1])]
                stand_ins.append(items)
                flat.extend(items)
            else:
                stand_ins.append(_stand_in(kind, len(flat)))
                flat.append(stand_ins[-1])
        template = self.build(*fixed, *stand_ins)
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()
        slots, seen = [], set()
        for position, value in enumerate(params):
            for index, stand_in in enumerate(flat):
                if type(value) is type(stand_in) and value == stand_in:
                    slots.append((position, index, False))
                elif isinstance(stand_in, dt.date) and value == stand_in.isoformat():
                    slots.append((position, index, True))
                else:
                    continue
                seen.add(index)
        if len(seen) != len(flat):
            code = self.build.__code__
            where = f"{code.co_filename}:{code.co_firstlineno}"
            logger.warning("Precompiled at %s: an argument is not a plain parameter", where)
            Precompiled.fell_back.add(where)
            return None
        return template, compiler, sql, list(params), slots
