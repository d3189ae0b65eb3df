"""Comparing two renderings of the same markup the way a browser shows them."""

import re

#: Tags whose surrounding white space a browser does not show (between blocks or options).
_BLOCKS = re.compile(r"\s*(</?(?:div|select|option|optgroup|ul|li|form|p|h[1-6])\b[^>]*>)\s*")


def shown(html: str) -> str:
    """What a browser shows of the markup's white space: runs collapse to one space, and
    none shows next to a block's or an option's tag. A space between a radio button and
    its label does show, so it must be there."""
    return _BLOCKS.sub(r"\1", re.sub(r"\s+", " ", str(html))).strip()
