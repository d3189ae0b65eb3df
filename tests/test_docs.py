"""The documentation: every link leads somewhere, the README stays short, and the site builds.

The README is what a newcomer reads first and ``docs/`` what a chapter's volunteer follows; a
link to a page that moved, or to a heading renamed under it, fails here rather than in front
of them. The repository stands alone, so no link may leave it.
"""

import html
import importlib.util
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.services import unavailable

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MKDOCS_YML = ROOT / "mkdocs.yml"
README_LIMIT = 15_000

PAGES = sorted(DOCS.rglob("*.md"))
DOCUMENTS = [README, *PAGES]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _prose(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks (a ``# comment`` there is no heading)."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slugify(text: str) -> str:
    """A heading's id as MkDocs makes it (Python-Markdown's ``toc`` extension): the text as
    shown, folded to ASCII, without punctuation, lower-cased, spaces as hyphens."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text
    text = html.unescape(re.sub(r"<[^>]+>", "", text.replace("*", "")))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    """The ids of a page's headings; a repeated heading gets ``_1``, ``_2``… as in MkDocs."""
    ids: set[str] = set()
    for line in _prose(path):
        if match := HEADING.match(line):
            slug = base = slugify(match.group(2))
            n = 0
            while slug in ids:
                n += 1
                slug = f"{base}_{n}"
            ids.add(slug)
    return ids


def links(path: Path) -> list[str]:
    """Every link target in the file's prose (not in code blocks or code spans)."""
    found = []
    for line in _prose(path):
        found += LINK.findall(CODE_SPAN.sub("", line))
    return found


def _problem(source: Path, target: str) -> str | None:
    """Why ``target``, linked from ``source``, leads nowhere; None when it resolves."""
    if EXTERNAL.match(target):
        return None
    where, _, anchor = target.partition("#")
    if where.startswith("/"):
        return "an absolute path: link relative to the page"
    dest = (source.parent / where).resolve() if where else source
    if not dest.is_relative_to(ROOT):
        return "leaves the repository"
    if source != README and not dest.is_relative_to(DOCS):
        return "leaves docs/, which MkDocs cannot follow"
    if not dest.exists():
        return "no such file"
    if anchor:
        if dest.suffix != ".md":
            return "an anchor into a file that is not Markdown"
        if anchor not in anchors(dest):
            return f"no heading #{anchor} in {_name(dest)}"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=_name)
def test_every_relative_link_and_anchor_resolves(document):
    problems = [
        f"{_name(document)}: ({target}) {why}"
        for target in links(document)
        if (why := _problem(document, target))
    ]
    assert not problems, "\n".join(problems)


def test_the_link_check_reads_links_and_headings_as_mkdocs_does():
    """The check is not vacuous: it finds the README's links, and slugs like MkDocs."""
    assert any(target.startswith("docs/") for target in links(README))
    assert slugify("Slips beyond the chapter") == "slips-beyond-the-chapter"
    assert slugify("The `source` of a slip: logged, or BNI Connect's") == (
        "the-source-of-a-slip-logged-or-bni-connects"
    )
    assert slugify("Taking attendance (vice-president)") == "taking-attendance-vice-president"
    assert _problem(README, "docs/domain.md#no-such-heading")
    assert _problem(README, "../shared/DOMAIN.md")
    assert _problem(PAGES[0], "../README.md")
    assert _problem(README, "docs/domain.md#palms") is None


def test_no_link_points_outside_the_repository():
    """The domain rules live in docs/domain.md: nothing links to a shared folder beside us."""
    outside = [
        f"{_name(document)}: {target}"
        for document in DOCUMENTS
        for target in links(document)
        if not EXTERNAL.match(target)
        and (
            "shared/" in target
            or not (document.parent / target.partition("#")[0]).resolve().is_relative_to(ROOT)
        )
    ]
    assert not outside, "\n".join(outside)


def test_the_readme_stays_under_15_kb():
    size = len(README.read_bytes())
    assert size < README_LIMIT, f"README.md is {size:,} bytes; move detail into docs/"


def test_the_readme_keeps_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text
    assert "make test" in text


def _nav_pages() -> list[str]:
    """The pages ``mkdocs.yml``'s nav lists (``- Title: page.md`` or ``- page.md``)."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    return re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?([\w./-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_docs_page_is_in_the_nav():
    listed = _nav_pages()
    pages = [str(page.relative_to(DOCS)) for page in PAGES]
    assert sorted(set(listed)) == sorted(listed), "a page is listed twice in mkdocs.yml's nav"
    assert sorted(listed) == sorted(pages), (
        f"not in the nav: {sorted(set(pages) - set(listed))}; "
        f"in the nav but missing: {sorted(set(listed) - set(pages))}"
    )


def test_the_site_builds_without_a_warning(tmp_path):
    """``mkdocs build --strict``, as ``make docs`` runs it; MkDocs checks links and anchors
    between pages itself too. It is a dev dependency, so under CI=true it must be there."""
    if importlib.util.find_spec("mkdocs") is None:
        unavailable("MkDocs is not installed: pip install -e '.[dev]'")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(MKDOCS_YML),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
