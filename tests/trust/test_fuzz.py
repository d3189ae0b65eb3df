"""Hostile input on every page of the permission matrix: no answer is a server error, and an
answer that refuses (4xx) stores nothing.

For each URL of ``tests/test_permission_matrix.py``, the personas that may open it send a
table of hostile strings (NUL, a line break, 10,000 characters, ``../``, SQL, bidirectional
controls, ``%00``, words for ids, negative and huge numbers, ``NaN``, ``Infinity``, nothing,
one field sent twice) as the query parameters the page reads, and as the fields of every form
the page draws. A refusal must leave every chapter's revision where it was: the database's
triggers move it on every write a page reads (``triggers/revision.py``), so it is the one
number that says nothing was stored.

The table is sampled so that the run stays short: every field meets the core of it, all
fields at once (a form reads each field even when another is wrong), then each field alone
meets a line break and one more value in turn, the others as a person sends them; the
personas take turns, so each one that may open a page meets part of it.

Besides: the specific 500s the probes found, each as its own test, and every text field of
every form of the site refuses control characters (the rule holds for forms added later).
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django import forms
from django.db.models import Sum
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse

from meetings.models import Visitor
from members.models import Chapter
from members.text import LineField, ParagraphField, validate_line, validate_paragraph
from referrals.models import Referral
from tests.conftest import built_once
from tests.test_permission_matrix import LIBRARY_PREFIXES, MATRIX, _build_world
from tests.trust.permissions_table import ALLOWED

LINE_BREAK = "Ann\r\nBcc: victim@example.test"
#: What every field is sent: a value of each kind that breaks pages.
CORE: list[str | list[str]] = [
    "\x00",
    LINE_BREAK,
    "x" * 10_000,
    "abc",  # a word for an id
    "99999999999999999999",  # past any integer column
    "",
    ["1", "2"],  # the same field twice
]
#: The rest of the table, two of them in turn to each form and page (beside the core), so the
#: whole table reaches every page and each request still finds something new.
MORE: list[str] = [
    "../../../etc/passwd",
    "'; DROP TABLE members_member; --",
    "\u202egpj.exe\u200b",  # a right-to-left override and a zero-width space
    "%00",
    "-1",
    "NaN",
    "Infinity",
]
HOSTILE = [*CORE, *MORE]
#: Query parameters any chapter-wide or paged view may read: every page is sent them.
COMMON_QUERY = ("chapter", "page", "q")
#: The query parameters each page reads beyond those, also sent one at a time (a page's GET
#: forms' fields are found on the page and sent like them).
PAGE_QUERY = {
    "members:directory": ("q",),
    "referrals:log_slip": ("kind", "referral", "member", "saved"),
    "referrals:member_search": ("scope", "field", "find", "selected", "q", "receiver_elsewhere"),
    "referrals:submit_week": ("meeting",),
    "reports:palms": ("chapter", "range", "from", "to", "sort", "dir"),
    "reports:palms_csv": ("chapter", "range", "from", "to"),
    "reports:chapter": ("range", "from", "to"),
    "reports:region": ("range", "from", "to", "format"),
    "meetings:review": ("chapter",),
    "meetings:public": ("registered",),
    "meetings:visitors": ("status", "meeting", "invited_by"),
    "reminders:sent": ("kind", "page"),
    "bniconnect:palms": ("range", "from", "to", "only"),
}
#: More views of a page, whose forms are sent the table too: each kind of slip.
MORE_VIEWS = {
    "referrals:log_slip": [{"kind": k} for k in ("tyfcb", "one_to_one", "ceu", "testimonial")],
}
#: What a form's empty text input is given, so the other fields let a hostile one through to
#: the code behind the form.
PLAUSIBLE = {
    "name": "Grace Hopper", "email": "grace@example.test", "trade": "Printer",
    "contact_name": "Dana", "amount": "100", "topic": "Podcast", "credits": "1",
    "text": "Great work", "reason": "Bank holiday", "first_name": "Ann", "last_name": "Lee",
    "note": "Called", "place": "Café", "substitute_name": "Sam", "need": "A website",
    "phone": "+44 20 7946 0000", "contact_phone": "+44 20 7946 0001", "company": "Lee Ltd",
    "other_name": "Ola Outside", "leave_from": "2026-01-01", "left_on": "2026-01-01",
}  # fmt: skip
#: Fields a form sends that no person fills.
NOT_FUZZED = {"csrfmiddlewaretoken"}


@dataclass
class HtmlForm:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page: their method, action and every named control with the value a
    person who changed nothing would send (the checked radio, the selected option, …)."""

    def __init__(self):
        super().__init__()
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str, *, first_only: bool = False) -> None:
        form = self._form
        if form is None or not name:
            return
        if name not in form.names:
            form.names.append(name)
        if first_only and form.fields.get(name):
            return
        form.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            name, value = a.get("name", ""), a.get("value", "")
            if kind in {"radio", "checkbox"}:
                if name and name not in self._form.names:
                    self._form.names.append(name)
                if "checked" in a or (kind == "radio" and not self._form.fields.get(name)):
                    self._form.fields[name] = (
                        [value] if kind == "radio" else [*self._form.fields.get(name, []), value]
                    )
            elif kind in {"submit", "button", "file", "image", "reset"}:
                return
            else:
                if not value and kind == "date":
                    value = dt.date.today().isoformat()
                self._add(name, value or PLAUSIBLE.get(name, ""))
        elif tag == "button" and a.get("name"):
            self._add(a["name"], a.get("value", ""), first_only=True)
        elif tag == "select":
            self._select = a.get("name", "")
            if self._select and self._select not in self._form.names:
                self._form.names.append(self._select)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            chosen = self._form.fields.get(self._select)
            if "selected" in a or (value and not chosen):
                self._form.fields[self._select] = [value]
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self._add(self._textarea, PLAUSIBLE.get(self._textarea, ""))

    def handle_data(self, data):
        if self._textarea and self._form is not None and data.strip():
            self._form.fields[self._textarea] = [data]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str) -> list[HtmlForm]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, _build_world) as rows:
        yield rows


def revisions() -> int:
    """Every chapter's revision added up: it moves on every write a page reads."""
    return Chapter.objects.aggregate(total=Sum("revision"))["total"]


class Prober:
    """Sends the requests, one client per persona, and keeps what went wrong. What a request
    leaves to run once its transaction commits (the guest's emails) runs before its answer
    counts: in production it runs inside the request, where its failure is a server error."""

    def __init__(self, world, after_commit):
        self.world = world
        self.after_commit = after_commit
        self.clients: dict[str, Client] = {}
        self.failures: list[str] = []
        self.addresses = itertools.count(1)
        self.more = itertools.cycle(MORE)
        self.table = itertools.cycle([v for v in HOSTILE if v != LINE_BREAK])
        self.sent = 0

    def client(self, persona: str) -> Client:
        if persona not in self.clients:
            client = Client(raise_request_exception=False)
            if persona != "anonymous":
                who = self.world[persona]
                client.force_login(getattr(who, "user", who))
            self.clients[persona] = client
        return self.clients[persona]

    def send(self, persona: str, method: str, url: str, data: dict, what: str):
        before = revisions()
        # A fresh address each time: the public form's rate limit counts per address.
        address = f"10.{next(self.addresses) % 250}.{self.sent % 250}.1"
        self.sent += 1
        try:
            with self.after_commit(execute=True):
                response = getattr(self.client(persona), method)(url, data, REMOTE_ADDR=address)
        except Exception as exc:  # what ran after the commit failed: the request's answer
            self.failures.append(f"500 {method.upper()} {url} as {persona}: {what}: {exc!r}")
            return None
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{status} {method.upper()} {url} as {persona}: {what}")
        elif 400 <= status < 500 and revisions() != before:
            self.failures.append(
                f"{status} but stored: {method.upper()} {url} as {persona}: {what}"
            )
        return response


def allowed(spec: dict, method: str) -> list[str]:
    return [p for p, code in spec.get(method, {}).items() if code in ALLOWED]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:36] + "…'"


def fuzz_fields(prober, personas, method, url, base: dict, names, *, alone=None) -> None:
    """Every field of ``names`` at once given each value of the core table and two more in
    turn: a form checks every field even when another is wrong, so each field's own reading
    meets all of it. Then each field of ``alone`` (all of ``names`` by default) alone, given
    a line break and the next value of the table, the others as ``base`` holds them (as a
    person sends them), so what lies behind a valid form meets some of it too: a line break
    is what a form let through to an email's subject. The personas take turns."""
    if not names:
        return
    turns = itertools.cycle(personas)
    for value in [*CORE, next(prober.more), next(prober.more)]:
        data = {**base, **dict.fromkeys(names, value)}
        prober.send(next(turns), method, url, data, f"each of {', '.join(names)}={_short(value)}")
    for name in names if alone is None else alone:
        for value in (LINE_BREAK, next(prober.table)):
            data = {**base, name: value}
            prober.send(next(turns), method, url, data, f"{name}={_short(value)}")


def _cases():
    return [pytest.param(name, id=name) for name in sorted(MATRIX)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _cases())
def test_hostile_input_never_gets_a_server_error_nor_stores_a_refusal(
    name, world, django_capture_on_commit_callbacks
):
    spec = MATRIX[name]
    args = spec["args"](world) if "args" in spec else ()
    url = reverse(name, args=args)
    query = dict(spec.get("query", {}))
    prober = Prober(world, django_capture_on_commit_callbacks)

    readers = allowed(spec, "get")
    posted: list[tuple[str, HtmlForm]] = []
    if readers:
        page_fields: list[str] = []
        views = [(persona, query) for persona in readers]
        views += [(readers[0], query | more) for more in MORE_VIEWS.get(name, ())]
        for persona, asked in views:
            response = prober.send(persona, "get", url, asked, "the page itself")
            if response is None or response.status_code != 200:
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            for form in page_forms(response.content.decode()):
                if form.method == "post":
                    posted.append((persona, form))
                else:
                    page_fields += [n for n in form.names if n not in page_fields]
        params = [*dict.fromkeys([*PAGE_QUERY.get(name, ()), *page_fields])]
        every = [*dict.fromkeys([*COMMON_QUERY, *params])]
        fuzz_fields(prober, readers, "get", url, query, every, alone=params)

    # Each field of each form of the page, once per view it posts to: a roster draws a form
    # per row, and the slip forms share their fields.
    seen = set()
    for persona, form in posted:
        action = urlsplit(form.action or url)
        target = action.path + (f"?{action.query}" if action.query else "")
        view = resolve(action.path).view_name
        if view.startswith(LIBRARY_PREFIXES):
            continue  # the menu's "Log out" (allauth's): it would sign the persona out
        names = [n for n in form.names if n not in NOT_FUZZED and (view, n) not in seen]
        seen.update((view, n) for n in names)
        base = {k: v if len(v) > 1 else v[0] for k, v in form.fields.items()}
        fuzz_fields(prober, [persona], "post", target, base, names)

    # A URL that takes a POST but draws no form of its own is sent the table in the fields
    # such views read.
    writers = allowed(spec, "post")
    if writers and not any(urlsplit(f.action or url).path == url for _, f in posted):
        fields = ["member", "action", "status", "mark", "meeting"]
        fuzz_fields(prober, writers, "post", url, {}, fields, alone=())

    assert not prober.failures, "\n".join(prober.failures[:40])


# --- Ids in the path ----------------------------------------------------------------------


def _path_cases():
    for name, spec in sorted(MATRIX.items()):
        if "args" in spec:
            yield pytest.param(name, id=name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(_path_cases()))
def test_an_id_out_of_range_in_the_path_is_not_found(
    name, world, django_capture_on_commit_callbacks
):
    """``<int:pk>`` takes any digits: one past the database's range is simply not found."""
    spec = MATRIX[name]
    prober = Prober(world, django_capture_on_commit_callbacks)
    for huge in (99999999999999999999, 2**63, 0):
        args = [huge if isinstance(a, int) else a for a in spec["args"](world)]
        if args == list(spec["args"](world)):
            continue  # no id in this path (a token, a slug)
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        for method in ("get", "post"):
            for persona in allowed(spec, method):
                response = prober.send(persona, method, url, {}, f"id {huge}")
                assert response is not None and response.status_code in (302, 400, 403, 404, 405), (
                    url,
                    persona,
                    response.status_code,
                )
    assert not prober.failures, "\n".join(prober.failures)


# --- What the probes found ----------------------------------------------------------------
# Each ran into a server error once. They use the module's world: its personas are the
# permission matrix's, built once.


def signed_in(world, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    who = world[persona]
    client.force_login(getattr(who, "user", who))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("member", "/members/?q=%00"),
        ("member", "/slips/members/?q=%00"),
        ("member", "/slips/members/?scope=elsewhere&find=%00"),
        ("president", "/reports/palms/?chapter=%00"),
        ("president", "/meetings/review/?chapter=%00"),
        ("staff", "/reports/palms/?chapter=%00"),
    ],
)
def test_a_nul_in_a_query_is_answered_without_a_server_error(world, persona, url):
    response = signed_in(world, persona).get(url)
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert "a control character (such as NUL)" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_in_the_chapter_parameter_is_a_400_saying_which(world):
    response = signed_in(world, "staff").get(reverse("reports:palms") + "?chapter=%00")
    assert response.status_code == 400
    assert "“chapter”" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("member_id", ["abc", "", "-1", "99999999999999999999", "1.5"])
def test_the_rota_answers_a_member_that_is_not_an_id_with_a_404(world, member_id):
    client = signed_in(world, "president")
    response = client.post(reverse("meetings:rota"), {"member": member_id, "action": "up"})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["abc", "%00", "../inbox", "https://example.test/"])
def test_a_status_change_goes_back_only_to_a_page_of_this_site(world, target):
    referral = world["referral"]
    client = signed_in(world, "member")
    response = client.post(
        reverse("referrals:set_status", args=[referral.pk]),
        {"to_status": "contacted", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:inbox")


@pytest.mark.django_db
def test_a_line_break_in_a_guests_name_is_a_space_and_the_hosts_are_told(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    chapter, meeting = world["member"].chapter, world["meeting"]
    data = {"name": "Grace\r\nBcc: victim@example.test", "email": "grace@example.test",
            "trade": "Printer", "meeting": meeting.pk, "invited_by": "", "website": ""}  # fmt: skip
    client = Client(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:public", args=[chapter.slug]), data)
    assert response.status_code == 302
    assert Visitor.objects.get(email="grace@example.test").name == "Grace Bcc: victim@example.test"
    heads_up = [m for m in mailoutbox if world["president"].email in m.to]
    assert heads_up and "Grace Bcc" in heads_up[0].body


def _referral(world, contact_name: str) -> dict:
    member = world["member"]
    return {"receiver": world["bob"].pk, "date": member.chapter.today().isoformat(),
            "kind": "inside", "contact_name": contact_name, "temperature": 1}  # fmt: skip


@pytest.mark.django_db
def test_a_line_break_in_a_contact_name_is_a_space(world):
    client = signed_in(world, "member")
    data = _referral(world, "Dana\r\nBcc: victim@example.test")
    response = client.post(reverse("referrals:log_slip") + "?kind=referral", data)
    assert response.status_code == 302
    assert Referral.objects.filter(contact_name="Dana Bcc: victim@example.test").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["Dana\x00", "Dana\x1b[31m", "Dana\x7f"])
def test_a_control_character_in_a_name_is_refused_by_its_field(world, value):
    client = signed_in(world, "member")
    before = Referral.objects.count()
    response = client.post(
        reverse("referrals:log_slip") + "?kind=referral", _referral(world, value)
    )
    assert "control character" in response.context["form"].errors["contact_name"][0]
    assert Referral.objects.count() == before


# --- Every text field of every form -------------------------------------------------------


PROJECT = ("members", "meetings", "referrals", "reports", "reminders", "bniconnect", "chapter")


def _project_forms():
    import chapter.urls  # noqa: F401 - every view, and so every form, is imported

    todo, found = [forms.BaseForm], set()
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PROJECT:
                found.add(sub)
    return sorted(found, key=lambda f: f"{f.__module__}.{f.__qualname__}")


def _guarded(field: forms.Field) -> bool:
    """A text field that refuses NUL and control characters: ours, or one whose own
    validation refuses anything but its format (an email, a URL, a slug, a password)."""
    if isinstance(field, LineField | ParagraphField):
        return True
    if isinstance(field, forms.EmailField | forms.URLField | forms.SlugField):
        return True
    if isinstance(field, forms.JSONField):
        return True  # JSON refuses a raw control character in a string
    if isinstance(field.widget, forms.PasswordInput):
        return True
    return any(v in field.validators for v in (validate_line, validate_paragraph))


def test_every_text_field_of_every_form_refuses_control_characters():
    forms_found = _project_forms()
    assert len(forms_found) > 15
    unguarded = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in forms_found
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and not _guarded(field)
    ]
    assert not unguarded, (
        "use members.text.LineField (one line) or ParagraphField (several) for: "
        + ", ".join(unguarded)
    )
