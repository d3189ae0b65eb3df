"""The import frame: a progress bar only on a terminal, a summary per file, and a number of
queries that does not grow with the number of rows."""

import io

import pytest
from django.core.management import call_command

from tests.imports.generate import write_chapter

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_per_file(tmp_path):
    write_chapter(tmp_path, members=10, weeks=120)  # 1,200 marks: one tick at 1,000 rows
    out = Terminal()
    call_command("import_chapter", "gen", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "\rattendance.csv" in text
    assert "1,000/1,200 rows" in text
    assert "1,200/1,200 rows\n" in text
    assert "\rroster.csv" in text


def test_a_pipe_gets_no_progress_bar_only_the_summary(tmp_path):
    counts = write_chapter(tmp_path, members=10, weeks=120)
    out = io.StringIO()
    call_command("import_chapter", "gen", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "\r" not in text
    assert f"attendance.csv: {counts['attendance.csv']:,} created, 0 updated, 0 unchanged" in text
    assert "rows/s." in text.splitlines()[-1]


def test_a_changed_row_is_counted_as_updated(tmp_path):
    write_chapter(tmp_path, members=6, weeks=2)
    call_command("import_chapter", "gen", str(tmp_path), stdout=io.StringIO())
    ceus = tmp_path / "ceus.csv"
    lines = ceus.read_text().splitlines()
    date, email, credits, topic = lines[1].split(",")
    lines[1] = ",".join([date, email, str(int(credits) + 1), topic])
    ceus.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    call_command("import_chapter", "gen", str(tmp_path), stdout=out)
    assert f"ceus.csv: 0 created, 1 updated, {len(lines) - 2} unchanged" in out.getvalue()


@pytest.mark.parametrize("weeks", [4, 40])
def test_queries_do_not_grow_with_the_number_of_rows(
    tmp_path, weeks, django_assert_max_num_queries
):
    """Ten members and 4 or 40 weeks of every file (each checked in Python, written in bulk:
    COPY on PostgreSQL): the same count for both, a few queries per file."""
    write_chapter(tmp_path / "first", members=10, weeks=weeks)
    with django_assert_max_num_queries(80):
        call_command("import_chapter", "gen", str(tmp_path / "first"), stdout=io.StringIO())
    with django_assert_max_num_queries(30):
        call_command("import_chapter", "gen", str(tmp_path / "first"), stdout=io.StringIO())
