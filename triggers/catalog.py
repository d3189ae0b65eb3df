"""What trigger SQL installs, by name, so the code's SQL can be compared with a database's.

The migrations hold the SQL frozen; the generators (``triggers.revision``, ``reports.rollup``)
say what the code would install today. ``tests/test_trigger_drift.py`` compares the two through
this shape: an edit to a generator that no migration carries fails there.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_FUNCTION = re.compile(r"CREATE (?:OR REPLACE )?FUNCTION (\w+)\(.*?\$\$(.*)\$\$", re.DOTALL)
_TRIGGER = re.compile(r"CREATE TRIGGER (\w+) ")


@dataclass(frozen=True)
class Catalog:
    """Trigger functions by name, each with its body (the text between ``$$``, as PostgreSQL
    keeps it in ``pg_proc.prosrc``), and triggers by name, each with its ``CREATE TRIGGER``."""

    functions: dict[str, str] = field(default_factory=dict)
    triggers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def created_by(cls, statements: Iterable[str]) -> "Catalog":
        """The functions and triggers that these statements create (others are left out)."""
        functions, triggers = {}, {}
        for sql in statements:
            if made := _FUNCTION.match(sql):
                functions[made[1]] = made[2]
            elif made := _TRIGGER.match(sql):
                triggers[made[1]] = sql
        return cls(functions, triggers)

    def __or__(self, other: "Catalog") -> "Catalog":
        return Catalog(self.functions | other.functions, self.triggers | other.triggers)
