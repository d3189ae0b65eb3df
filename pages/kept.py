"""Fragments of a page kept in the cache under their chapter's revision.

A chapter's revision (``triggers.revision``) is a number the database moves on every write
to the chapter, so a fragment kept under it is never older than what the request read. Its
roster revision moves only on writes to the roster and the chapter's settings.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .forms import csrf_input


def _code_digest() -> str:
    """The running code and templates, so a deploy never serves a fragment drawn by the last."""
    digest = hashlib.blake2b(digest_size=6)
    for app in ("pages", "members", "meetings", "referrals", "reports", "bniconnect", "templates"):
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*")):
            if path.suffix in {".py", ".html"}:
                digest.update(path.read_bytes())
    return digest.hexdigest()


_DIGEST: list[str] = []


def fragment[T](
    chapter,
    name: str,
    parts: tuple,
    draw: Callable[[], T],
    *,
    roster_only: bool = False,
    one_viewer: bool = False,
) -> T:
    """The fragment ``name`` of ``chapter`` for ``parts`` (the chapter's date, a window…),
    drawn by ``draw`` only when the chapter changed since it was last drawn. A fragment is
    HTML, or a tuple of HTML pieces when the page puts something of its own between them.
    With ``roster_only``, only a change to the roster or the chapter's settings counts (the
    chapter's ``roster_revision``): a fragment that shows no slip or mark stays kept while
    members log them. A fragment with ``one_viewer`` (a member's own dashboard) is never
    asked for by many at once, so it is drawn without first asking the others to wait.

    Only what every allowed viewer sees alike belongs here: no CSRF token, no viewer's name.
    """
    revision = f"r{chapter.roster_revision}" if roster_only else chapter.revision
    return _kept(f"{name}:{chapter.pk}:{revision}", parts, draw, herd=not one_viewer)


def drawn_from[T](name: str, data: object, draw: Callable[[], T], *, one_viewer: bool = False) -> T:
    """The fragment ``name`` drawn from ``data`` (what a selector read on this request: rows
    as the database gave them), drawn by ``draw`` only for data not drawn before.

    Kept under the data itself, it can never be older than what the request read, whatever
    else moved the chapter's revision: a member's inbox read afresh after a colleague's slip
    is drawn again only when its own rows changed. ``data`` must hold everything ``draw``
    shows, and ``repr`` it the same way every time (tuples of numbers, text and dates).
    ``one_viewer`` as for ``fragment``: what one member alone asks for skips the lock.
    """
    return _kept(name, (data,), draw, herd=not one_viewer)


def drawn_each(name: str, data: Sequence[object], draw: Callable[[int], str]) -> list[str]:
    """``drawn_from`` for the pieces of a list at once (an inbox's cards): piece ``i`` drawn
    by ``draw(i)`` from ``data[i]`` only when that data was not drawn before.

    A list read afresh after a write usually differs from the last by a piece or two (a new
    referral, a status moved), so the pieces are kept one by one and the list is assembled
    from them: one round trip to the cache asks for all of them, and one more keeps those
    drawn, with the drawing they are part of when there is one (``_draw_and_keep``).
    ``data[i]`` must hold everything piece ``i`` shows, as ``drawn_from``'s does.
    """
    keys = [_key(name, (datum,)) for datum in data]
    found = cache.get_many(keys) if keys else {}
    drawn = {}
    for i, key in enumerate(keys):
        if key not in found:
            found[key] = drawn[key] = draw(i)
    if drawn:
        if (within := _DRAWN_WITHIN.get()) is not None:
            within.update(drawn)  # kept with the drawing they are part of
        else:
            cache.set_many(drawn, timeout=FRAGMENT_SECONDS)
    return [found[key] for key in keys]


def _key(name: str, parts: tuple) -> str:
    if not _DIGEST:
        _DIGEST.append(_code_digest())
    # The language is part of what was drawn: a chapter with a second language keeps each.
    detail = hashlib.blake2b(repr((get_language(), *parts)).encode(), digest_size=16).hexdigest()
    return f"fragment:{_DIGEST[0]}:{name}:{detail}"


def _kept[T](name: str, parts: tuple, draw: Callable[[], T], *, herd: bool = True) -> T:
    key = _key(name, parts)
    if (html := _RECENT.get(key)) is not None:
        return html
    html = cache.get(key)
    if html is None:
        html = _draw_once(key, draw) if herd else _draw_and_keep(key, draw)
    _RECENT.put(key, html)
    return html


def _draw_once[T](key: str, draw: Callable[[], T]) -> T:
    """Draw a missing fragment once however many ask for it at the same moment (thirty phones
    opening the slip form as the meeting starts): the first request draws it, the others wait
    for it a moment, then draw it themselves if it has not come (the first one failed, or the
    cache is away: ``add`` then answers yes to everyone)."""
    drawing = f"{key}:drawing"
    drawer = cache.add(drawing, 1, timeout=DRAWING_SECONDS)
    if not drawer and (html := _wait_for(key, drawing)) is not None:
        return html
    try:
        return _draw_and_keep(key, draw, alone=True)
    finally:
        if drawer:
            cache.delete(drawing)


#: What is drawn within a drawing in progress (a board's pieces, a list's cards, the inner
#: fragments), kept with it when it is done: one round trip to the cache for all of them.
_DRAWN_WITHIN: ContextVar[dict | None] = ContextVar("drawn_within", default=None)


def _draw_and_keep[T](key: str, draw: Callable[[], T], *, alone: bool = False) -> T:
    """``draw()``, kept under ``key``. Drawn within another drawing, it is kept with that one;
    ``alone`` keeps it at once, with what was drawn within it (a drawing others may be waiting
    for, ``_draw_once``)."""
    if (outer := _DRAWN_WITHIN.get()) is not None and not alone:
        html = outer[key] = draw()
        return html
    token = _DRAWN_WITHIN.set({})
    try:
        html = draw()
        drawn = _DRAWN_WITHIN.get()
    finally:
        _DRAWN_WITHIN.reset(token)
    if drawn:
        cache.set_many({**drawn, key: html}, timeout=FRAGMENT_SECONDS)
    else:
        cache.set(key, html, timeout=FRAGMENT_SECONDS)
    return html


def _wait_for(key: str, drawing: str):
    """The fragment another request is drawing, once it is in the cache; None if it does not
    come within ``WAIT_SECONDS`` or the one drawing it gave up.

    Each look is two round trips to the cache. A fragment usually comes within a few
    milliseconds, but at the start of a meeting, when thirty phones wait for the one drawing
    it and the server is at its busiest, it can take a few hundred; looking every 10 ms then
    cost the waiters about as much as drawing it themselves. So the waits between looks grow.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    step = WAIT_FIRST_STEP_SECONDS
    while time.monotonic() < deadline:
        time.sleep(step)
        step = min(step * 1.5, WAIT_LONGEST_STEP_SECONDS)
        if (html := cache.get(key)) is not None:
            return html
        if cache.get(drawing) is None:
            return None
    return None


#: How long a request may hold the right to draw a fragment (longer than any page takes).
DRAWING_SECONDS = 10
#: How long the others wait for it, and how often they look: first after 5 ms, then less
#: and less often, at least every 50 ms.
WAIT_SECONDS = 1.0
WAIT_FIRST_STEP_SECONDS = 0.005
WAIT_LONGEST_STEP_SECONDS = 0.05


class Recent:
    """What one process keeps of its own, most recently used last: a map of at most ``size``
    entries that drops the least recently used, shared by a worker's threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The entry under ``key``, or None."""
        with self._lock:
            if (value := self._entries.get(key)) is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: The process keeps its most recent fragments too, in front of the shared cache: the key
#: holds the revision read from the database on this request, so a kept entry is never stale,
#: and a hit costs no round trip to Redis.
RECENT_ENTRIES = 512
_RECENT = Recent(RECENT_ENTRIES)


def forget_recent() -> None:
    """Drop this process's own copies (the tests start each case with an empty cache)."""
    _RECENT.clear()


#: A fragment outlives its revision only as garbage; a day bounds what a busy cache keeps.
FRAGMENT_SECONDS = 24 * 3600


#: Where a kept fragment's forms take the viewer's own CSRF input, filled in per request.
CSRF_SLOT = mark_safe("<!--csrf-->")  # user text is escaped: it can never spell a comment
#: Where the masked CSRF token itself goes (htmx's header), in a page's kept shell.
TOKEN_SLOT = mark_safe("<!--csrf-token-->")


def fill_csrf(html: str, request: HttpRequest, extra: str = "") -> SafeString:
    """The viewer's CSRF input in every slot (and ``extra``, safe HTML of this request's own,
    such as a form's one-off token, beside it)."""
    return mark_safe(html.replace(CSRF_SLOT, csrf_input(request) + extra))  # noqa: S308
