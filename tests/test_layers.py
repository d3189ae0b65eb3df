"""The apps depend one way: members ← meetings ← referrals ← reports.

An app may import the apps before it and the shared packages (``pages``, ``triggers``), never
an app after it: not in its code, its template tags, its commands or its migrations. The
shared packages import no app at all, except ``triggers``, which reads a model's columns to
write its SQL (inside a function, when asked). ``bniconnect``, ``reminders``, ``demo`` and
``chapter`` sit above the four and may import any of them.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["members", "meetings", "referrals", "reports"]
SHARED = ["pages", "triggers"]
TOP = ["bniconnect", "reminders", "demo", "chapter"]
#: What a shared package may read of an app, and why (see the module's docstring).
ALLOWED = {("triggers/revision.py", "members.models")}


def imported(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports, absolute, with its line (relative imports resolved)."""
    package = path.relative_to(ROOT).parent.parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, node.lineno))
    return found


def crossings(package: str, forbidden: set[str]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        for module, line in imported(path):
            top = module.split(".")[0]
            if top in forbidden and (name, module) not in ALLOWED:
                out.append(f"{name}:{line} imports {module}")
    return out


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_no_app_after_it(app):
    later = set(APPS[APPS.index(app) + 1 :]) | set(TOP)
    assert crossings(app, later) == []


@pytest.mark.parametrize("package", SHARED)
def test_the_shared_packages_import_no_app(package):
    assert crossings(package, set(APPS) | set(TOP)) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check itself: a module of members importing reports is caught, with its line."""
    fake = tmp_path / "members"
    fake.mkdir()
    (fake / "models.py").write_text("import os\n\nfrom reports.palms import palms_rows\n")
    (fake / "views.py").write_text("from .models import os\nfrom ..reports import lights\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert crossings("members", {"reports"}) == [
        "members/models.py:3 imports reports.palms",
        "members/views.py:2 imports reports",
    ]
