"""CPU time spent by the bench's server processes, read from ``/proc`` (Linux).

The web workers are the gunicorn master's children; the database is the PostgreSQL backends
connected to the bench's database. PostgreSQL is shared with whatever else runs on the machine,
so only those backends are counted: its background writers (WAL, checkpoints) are not.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU of one process (all its threads), or None once it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def database_backends(connection) -> list[int]:
    """The backends connected to this connection's database, other than this one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


@dataclass
class Reading:
    workers: dict[int, float]
    database: dict[int, float]
    driver: float


def _read(pids: list[int]) -> dict[int, float]:
    return {pid: s for pid in pids if (s := cpu_seconds(pid)) is not None}


class Meter:
    """CPU of the web workers, the database's backends and this process (the load driver)
    between ``start()`` and ``stop()``. A backend or worker that appears in between counts
    from zero; one that ends in between is lost (rare: connections persist)."""

    def __init__(self, server_pid: int, connection):
        self.server_pid = server_pid
        self.connection = connection

    def _reading(self) -> Reading:
        workers = [self.server_pid, *children(self.server_pid)]
        return Reading(
            workers=_read(workers),
            database=_read(database_backends(self.connection)),
            driver=sum(os.times()[:2]),
        )

    def start(self) -> None:
        self.before = self._reading()

    def stop(self) -> dict[str, float]:
        """Seconds of CPU each side used since ``start()``."""
        after = self._reading()

        def spent(now: dict[int, float], then: dict[int, float]) -> float:
            return sum(max(0.0, s - then.get(pid, 0.0)) for pid, s in now.items())

        return {
            "workers": round(spent(after.workers, self.before.workers), 3),
            "database": round(spent(after.database, self.before.database), 3),
            "driver": round(after.driver - self.before.driver, 3),
        }
