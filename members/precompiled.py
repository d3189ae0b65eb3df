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

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.sql.constants import MULTI
from django.db.models.sql.subqueries import InsertQuery

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


# --- One new row ------------------------------------------------------------------------------

#: Per model and database: the INSERT's SQL, the fields it sends, the fields it returns.
_INSERTS: dict[tuple, tuple[str, list, list]] = {}


def insert(obj: Model) -> None:
    """``obj.save()`` for a new row, with its ``INSERT`` compiled once per model and database.

    Django compiles the statement on every save, about a third of the Python cost of storing
    a slip. Here the first row of a model goes through Django's own compiler, which gives the
    SQL kept for the next ones; each row sends what that compiler would send (every field's
    ``pre_save(obj, add=True)`` then ``get_db_prep_save``) and gets back the same columns
    (the id, and any column the database fills). A row this cannot store exactly as ``save()``
    would is stored by ``save()``: a model with parents or with save signal receivers, a row
    that has its id already or holds an expression, a field drawn with its own placeholder.
    """
    model = type(obj)
    meta = model._meta
    alias = router.db_for_write(model, instance=obj)
    if (
        meta.parents
        or meta.auto_field is None
        or obj.pk is not None
        or not obj._state.adding
        or signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
    ):
        obj.save(using=alias)
        return
    obj._prepare_related_fields_for_save(operation_name="save")
    connection = connections[alias]
    shape = _INSERTS.get((model, alias))
    with transaction.mark_for_rollback_on_error(alias):
        if shape is None:
            # What ``Model._save_table`` sends for a row without its id, and gets back.
            fields = [
                f
                for f in meta.local_concrete_fields
                if not f.generated and f is not meta.auto_field
            ]
            returning = list(meta.db_returning_fields)
            if not _plain_insert(connection, fields, returning, obj):
                obj.save(using=alias)
                return
            query = InsertQuery(model)
            query.insert_values(fields, [obj])
            compiler = query.get_compiler(using=alias)
            compiler.returning_fields = returning
            ((sql, params),) = compiler.as_sql()
            if len(params) == len(fields):  # one parameter a field: the SQL fits every row
                _INSERTS[(model, alias)] = (sql, fields, returning)
        else:
            sql, fields, returning = shape
            values = [f.pre_save(obj, add=True) for f in fields]
            if any(hasattr(value, "resolve_expression") for value in values):
                obj.save(using=alias)
                return
            params = [
                f.get_db_prep_save(value, connection)
                for f, value in zip(fields, values, strict=True)
            ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    for field, value in zip(returning, row, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = alias


def _plain_insert(connection, fields: list, returning: list, obj: Model) -> bool:
    """Whether every value goes in as a plain parameter and every returned column comes back
    in the INSERT as it is stored (no converter): the SQL is then the same for every row."""
    return (
        connection.features.can_return_columns_from_insert
        and not any(hasattr(f, "get_placeholder") for f in fields)
        and not any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields)
        and not any(hasattr(f, "from_db_value") for f in returning)
    )
