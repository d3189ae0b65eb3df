"""``{% main_nav %}``: the main navigation, drawn from ``members.access.nav_items``.

Which entries a person sees is decided by the access module; this tag only turns them into
links and marks where the person is: the entry that is this very page gets
``aria-current="page"``; failing that, the entry whose section (URL namespace) holds the page
gets ``aria-current="true"``, so a meeting's page still lights up "Meetings".
"""

from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from members.access import NavItem, nav_items, viewer_for
from pages.kept import CSRF_SLOT, fill_csrf
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


def _links(items: list[NavItem], path: str, namespace: str) -> list[NavLink]:
    urls = [url_for(item.name, *item.args) for item in items]
    exact = path in urls
    links = []
    for item, url in zip(items, urls, strict=True):
        if exact:
            current = "page" if url == path else ""
        else:
            current = "true" if item.section and item.section == namespace else ""
        links.append(NavLink(item=item, url=url, current=current))
    if not exact:  # one section lit at most: the first entry naming it
        lit = next((link for link in links if link.current), None)
        links = [
            link if link is lit else NavLink(item=link.item, url=link.url, current="")
            for link in links
        ]
    return links


@register.simple_tag(takes_context=True)
def main_nav(context) -> SafeString:
    """The navigation as ``partials/nav.html`` draws it, with the viewer's CSRF input in its
    log-out form. It is on every page and follows from its entries, the page and the
    language alone, so each process draws each combination once (``_drawn``)."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    items = tuple(nav_items(viewer_for(request)))
    html = _drawn(items, request.path, match.namespace if match else "", get_language())
    return fill_csrf(html, request)


@lru_cache(maxsize=2048)
def _drawn(items: tuple[NavItem, ...], path: str, namespace: str, language: str) -> str:
    """``language`` is in the key for the labels, translated as they are drawn."""
    links = _links(list(items), path, namespace)
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
    return render_to_string("partials/nav.html", context)
