"""The security page's permission table is the matrix the suite enforces, not a copy of it."""

from pathlib import Path

from tests.trust.permissions_table import table

SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START, END = "<!-- permissions-table:start -->\n", "<!-- permissions-table:end -->"


def test_the_permission_table_in_the_docs_matches_the_permission_matrix():
    text = SECURITY.read_text(encoding="utf-8")
    start = text.index(START) + len(START)
    end = text.index(END)
    assert text[start:end] == table(), (
        "docs/security.md's permission table is out of date: paste the output of "
        "`DJANGO_SETTINGS_MODULE=tests.settings python -m tests.trust.permissions_table` "
        "between its markers"
    )
