"""URLs for list rows without running Django's resolver once per row.

``reverse()`` (and so ``{% url %}``) runs the URL resolver's reverse matching on every call: a
list whose rows carry several links each spends more there than in its queries. ``url_for``
reverses each URL name once per process (and script prefix) with marker ids, keeps the pieces
between them, and afterwards only joins a row's own ids into them. Word arguments (a slip kind)
are part of what is cached; anything else goes through ``reverse()`` as usual, so every URL is
the one ``reverse()`` would give.
"""

import functools
import re

from django.urls import get_script_prefix, reverse

#: Stand-ins no row has, one per id argument; each is replaced by the row's own id.
MARKERS = (918273641, 918273642, 918273643)
WORD = re.compile(r"[a-z_]{1,40}")


@functools.lru_cache(maxsize=1024)
def _pieces(name: str, shape: tuple[str | None, ...], prefix: str) -> tuple[str, ...]:
    """The URL cut where each id goes; ``shape`` holds the words, ``None`` where an id goes."""
    markers = iter(MARKERS)
    args = [next(markers) if word is None else word for word in shape]
    url = reverse(name, args=args)
    pieces = []
    for marker in [a for a in args if isinstance(a, int)]:
        head, found, url = url.partition(str(marker))
        if not found:  # a converter that rewrites the value: don't cache what can't be cut
            raise ValueError(name)
        pieces.append(head)
    return (*pieces, url)


def url_for(name: str, *args: int | str) -> str:
    """``reverse(name, args=args)``, at the cost of a string join once it has been seen."""
    ids = [a for a in args if type(a) is int]
    if len(ids) > len(MARKERS) or any(
        (type(a) is int and a < 0) or (type(a) is not int and not WORD.fullmatch(str(a)))
        for a in args
    ):
        return reverse(name, args=args)
    shape = tuple(None if type(a) is int else a for a in args)
    try:
        pieces = _pieces(name, shape, get_script_prefix())
    except ValueError:
        return reverse(name, args=args)
    out = [pieces[0]]
    for arg, piece in zip(ids, pieces[1:], strict=True):
        out += (str(arg), piece)
    return "".join(out)
