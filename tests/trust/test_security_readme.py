"""The README's roles table is the permission matrix the suite enforces, not a copy of it."""

from pathlib import Path

from tests.trust.permissions_table import table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_roles_table_in_the_readme_matches_the_permission_matrix():
    text = README.read_text()
    start = text.index("<!-- permissions-table:start -->\n") + len(
        "<!-- permissions-table:start -->\n"
    )
    end = text.index("<!-- permissions-table:end -->")
    assert text[start:end] == table(), (
        "README.md's roles table is out of date: paste `python -m tests.trust.permissions_table`"
    )
