"""Every word a person reads goes through Django's translation functions.

English ships; a chapter in another country adds a catalogue later without touching a template or
a form. These checks read the source: a template's text outside ``{% translate %}`` /
``{% blocktranslate %}``, and the Python strings that reach a page or an email (form labels, help
texts, validation errors, messages, choice labels, verbose names) outside ``gettext`` and friends.
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted(
    (ROOT / "templates").rglob("*.txt")
)
APPS = (
    "members",
    "meetings",
    "referrals",
    "reports",
    "reminders",
    "bniconnect",
    "pages",
    "chapter",
)

BLOCK = re.compile(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", re.S)
TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
#: A block that names CSS classes (``{% block main_class %}``) holds no words.
CLASSES = re.compile(r"{%\s*block\s+\w+_class\s*%}.*?{%\s*endblock", re.S)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<!--.*?-->", re.S)
#: English that a template may not spell inside a variable: ``pluralize`` guesses at English
#: plurals, and a literal ``default`` is text no catalogue reaches.
ENGLISH_IN_VARIABLE = re.compile(r"\|\s*pluralize\b|\|\s*default:\s*[\"'][^\"']*[A-Za-z]{2}")
WORD = re.compile(r"[^\W\d_]{2,}")
#: Names, not words: the product, the organisation, the formats.
NAMES = {"Slipstream", "BNI", "CSV", "PALMS", "TYFCB", "iCalendar", "htmx"}
#: Attributes a person reads or hears.
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "content"}


class _Text(HTMLParser):
    """Collects what a person reads: text between tags and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        named = dict(attrs)
        for name, value in attrs:
            if not value or name not in READ_ATTRIBUTES:
                continue
            if name == "content" and named.get("name") not in {"description"}:
                continue
            self.found.append(value)
        if tag == "input" and named.get("type") in {"submit", "button"} and named.get("value"):
            self.found.append(named["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w not in NAMES]


def untranslated_in_template(source: str, *, html: bool) -> list[str]:
    problems = [m.group(0) for m in ENGLISH_IN_VARIABLE.finditer(source)]
    source = CLASSES.sub(" ", COMMENT.sub(" ", source))
    source = BLOCK.sub(" ", source)
    source = TAG.sub(" ", source)
    if html:
        parser = _Text()
        parser.feed(source)
        parser.close()
        pieces = parser.found
    else:
        pieces = [source]
    problems += [" ".join(piece.split()) for piece in pieces if words(piece)]
    return problems


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_text_is_translated(path: Path) -> None:
    problems = untranslated_in_template(path.read_text(), html=path.suffix == ".html")
    assert not problems, f"text outside translate tags in {path.name}: {problems[:8]}"


def test_the_template_check_finds_plain_text() -> None:
    """The check above can fail: plain words, a read attribute, a literal default, pluralize."""
    assert untranslated_in_template("<p>Log a slip</p>", html=True)
    assert untranslated_in_template('<img alt="Chapter chart" src="x">', html=True)
    assert untranslated_in_template('{{ x|default:"None yet" }}', html=True)
    assert untranslated_in_template("{{ n }} visitor{{ n|pluralize }}", html=True)
    assert untranslated_in_template("Hello {{ name }},", html=False)
    assert not untranslated_in_template(
        '<p>{% translate "Log a slip" %}</p>{% blocktranslate count n=n %}{{ n }} visitor'
        "{% plural %}{{ n }} visitors{% endblocktranslate %}<b>{{ name }}</b> · 42",
        html=True,
    )


TRANSLATORS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "format_lazy",
}
#: Calls whose first argument a person reads.
READ_CALLS = {
    "ValidationError",
    "success",
    "error",
    "info",
    "warning",
    "add_error",
    "PermissionDenied",
}
#: Keywords whose value a person reads.
READ_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "message",
}
CHOICE_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(words(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(v) for v in node.values)
    return False


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def untranslated_in_python(source: str) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called in TRANSLATORS:
                continue
            if called == "add_error" and len(node.args) > 1 and _is_text(node.args[1]):
                problems.append(f"line {node.lineno}: add_error")
            if called in READ_CALLS and called != "add_error":
                position = 1 if called in {"success", "error", "info", "warning"} else 0
                if len(node.args) > position and _is_text(node.args[position]):
                    problems.append(f"line {node.lineno}: {called}")
            problems += [
                f"line {node.lineno}: {kw.arg}="
                for kw in node.keywords
                if kw.arg in READ_KEYWORDS and _is_text(kw.value)
            ]
        elif isinstance(node, ast.ClassDef) and CHOICE_BASES & {_name(b) for b in node.bases}:
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Tuple):
                    label = item.value.elts[-1]
                    if _is_text(label):
                        problems.append(f"line {item.lineno}: choice label")
    return problems


PYTHON = sorted(
    path
    for app in APPS
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts and "management" not in path.parts
)


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_text_is_translated(path: Path) -> None:
    problems = untranslated_in_python(path.read_text())
    assert not problems, f"untranslated text in {path.relative_to(ROOT)}: {problems[:8]}"


def test_the_python_check_finds_plain_text() -> None:
    assert untranslated_in_python('raise ValidationError("That member left.")')
    assert untranslated_in_python('messages.success(request, f"Saved {n} marks.")')
    assert untranslated_in_python('name = forms.CharField(label="Your name")')
    assert untranslated_in_python('class Status(models.TextChoices):\n    OPEN = "open", "Open"')
    assert not untranslated_in_python(
        'raise ValidationError(_("That member left."))\n'
        'name = forms.CharField(label=_("Your name"))\n'
        'class Status(models.TextChoices):\n    OPEN = "open", _("Open")'
    )


def write_catalogue(path: Path, messages: dict[str, str]) -> None:
    """A GNU ``.mo`` file (the format ``compilemessages`` writes) holding ``messages``."""
    import struct

    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = [k.encode() for k, _ in entries]
    strs = [v.encode() for _, v in entries]
    start = 7 * 4 + 16 * len(entries)
    offsets, blob = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(blob)))
        blob += text + b"\0"
    count = len(entries)
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, 0)
    table = b"".join(struct.pack("<2I", *o) for o in offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + table + blob)


RENDER_400 = """
import django
django.setup()
from django.template.loader import render_to_string
print(render_to_string("400.html", {}))
"""


def render_400(env: dict[str, str]) -> str:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", RENDER_400],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_chapter_that_adds_a_catalogue_reads_its_own_language(tmp_path):
    """English ships with translation off; a chapter that drops a catalogue in LOCALE_PATHS and
    turns it on reads the page in its language, and the English stays the same either way."""
    write_catalogue(
        tmp_path / "fr" / "LC_MESSAGES" / "django.mo",
        {"That request could not be used": "Cette demande n’a pas pu être utilisée"},
    )
    english = render_400({})
    assert "That request could not be used" in english
    assert render_400({"USE_I18N": "1"}) == english
    french = render_400({"USE_I18N": "1", "LANGUAGE_CODE": "fr", "LOCALE_PATHS": str(tmp_path)})
    assert "Cette demande n’a pas pu être utilisée" in french
    assert "That request could not be used" not in french
