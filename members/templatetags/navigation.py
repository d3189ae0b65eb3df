"""``{% main_nav %}``: the main navigation, drawn from ``members.access.nav_items``.

Which entries a person sees is decided by the access module; this tag only turns them into
links and marks where the person is: the entry that is this very page gets
``aria-current="page"``; failing that, the entry whose section (URL namespace) holds the page
gets ``aria-current="true"``, so a meeting's page still lights up "Meetings".
"""

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from members.access import NavItem, nav_items, viewer_for
from pages.kept import CSRF_SLOT, Recent, fill_csrf
from pages.links import url_for

register = template.Library()


@dataclass(frozen=True)
class NavLink:
    item: NavItem
    url: str
    current: str  # "page", "true" or ""

    @property
    def label(self) -> str:
        return str(self.item.label)

    @property
    def icon(self) -> str:
        return self.item.icon


def _currents(items: list[NavItem], urls: list[str], path: str, namespace: str) -> tuple:
    """Each entry's ``aria-current``: "page" for the entry that is this very page; failing
    that, "true" for the first entry whose section holds the page (one section lit at most)."""
    if path in urls:
        return tuple("page" if url == path else "" for url in urls)
    lit = next((i for i, item in enumerate(items) if namespace and item.section == namespace), -1)
    return tuple("true" if i == lit else "" for i in range(len(items)))


#: Where entry ``i``'s URL goes in a drawn navigation, filled in per request.
_URL_SLOT = re.compile(r"<!--nav-url-(\d+)-->")


@register.simple_tag(takes_context=True)
def main_nav(context) -> SafeString:
    """The navigation as ``partials/nav.html`` draws it, with the viewer's CSRF input in its
    log-out form. It is on every page and follows from its entries, the page and the
    language alone, so each process draws each combination once (``_drawn``), with a slot for
    each entry's URL: one member's "My profile" and another's are drawn alike. The entries
    follow from what the access module reads of the viewer (seated, roles, seat, staff), so a
    person's navigation for a page is put together once too (``_KEPT``). A page's shell drawn
    for anyone (``members.shell``) gets a slot, filled per request by ``navigation``."""
    if context.get("kept_shell"):
        return NAV_SLOT
    return navigation(context["request"])


#: Where the person's navigation goes in a page's shell drawn for anyone (members.shell).
NAV_SLOT = mark_safe("<!--navigation-->")


def navigation(request) -> SafeString:
    """This person's navigation on this page, put together once (``_KEPT``)."""
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    viewer = viewer_for(request)
    seat = viewer.member.pk if viewer.member is not None else None
    key = (viewer.is_member, viewer.roles, seat, viewer.is_staff)
    key += (request.path, namespace, get_language())
    if (html := _KEPT.get(key)) is None:
        html = _assembled(viewer, request.path, namespace)
        _KEPT.put(key, html)
    return fill_csrf(html, request)


#: Navigations put together: a worker serves a few hundred people a few pages each between
#: two meetings.
KEPT_NAVIGATIONS = 2048
_KEPT = Recent(KEPT_NAVIGATIONS)


def _assembled(viewer, path: str, namespace: str) -> str:
    items = nav_items(viewer)
    urls = [url_for(item.name, *item.args) for item in items]
    currents = _currents(items, urls, path, namespace)
    shapes = tuple(replace(item, args=()) for item in items)
    pieces = _drawn(shapes, currents, get_language())
    return "".join(
        piece if i % 2 == 0 else escape(urls[int(piece)]) for i, piece in enumerate(pieces)
    )


@lru_cache(maxsize=512)
def _drawn(items: tuple[NavItem, ...], currents: tuple[str, ...], language: str) -> tuple[str, ...]:
    """The navigation split at its URL slots: text, an entry's number, text, and so on.
    ``language`` is in the key for the labels, translated as they are drawn."""
    links = [
        NavLink(item=item, url=mark_safe(f"<!--nav-url-{i}-->"), current=current)  # noqa: S308
        for i, (item, current) in enumerate(zip(items, currents, strict=True))
    ]
    groups: dict[str, list[NavLink]] = {}
    for link in links:
        if not link.item.primary:
            groups.setdefault(str(link.item.group), []).append(link)
    context = {
        "primary": [link for link in links if link.item.primary],
        "more": list(groups.items()),
        "more_current": any(link.current for group in groups.values() for link in group),
        "csrf_input": CSRF_SLOT,
    }
    return tuple(_URL_SLOT.split(render_to_string("partials/nav.html", context)))
