"""``url_for`` gives exactly what ``reverse`` gives, for every named URL that takes ids."""

import pytest
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    reverse,
    set_script_prefix,
)
from django.urls.converters import IntConverter

from pages.links import url_for


def _int_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _int_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            if converters and all(isinstance(c, IntConverter) for c in converters.values()):
                yield f"{namespace}{entry.name}", len(converters)


INT_URLS = sorted(set(_int_urls()))


def test_there_are_id_urls_to_check():
    assert len(INT_URLS) >= 10
    assert ("referrals:detail", 1) in INT_URLS


@pytest.mark.parametrize(("name", "arity"), INT_URLS)
@pytest.mark.parametrize("ids", [(0, 7, 12), (5, 918273641, 3), (123456, 1, 99)])
def test_url_for_equals_reverse(name, arity, ids):
    args = ids[:arity]
    assert url_for(name, *args) == reverse(name, args=args)


def test_word_arguments_are_part_of_the_pattern():
    for kind in ("ceu", "one_to_one", "testimonial"):
        assert url_for("referrals:slip_edit", kind, 4) == reverse(
            "referrals:slip_edit", args=[kind, 4]
        )


@pytest.mark.parametrize(
    ("name", "args"), [("referrals:slip_edit", ["a b/../c", 4]), ("referrals:detail", [-3])]
)
def test_other_arguments_go_through_reverse(name, args):
    """Whatever ``reverse`` refuses, ``url_for`` refuses the same way."""
    with pytest.raises(NoReverseMatch):
        reverse(name, args=args)
    with pytest.raises(NoReverseMatch):
        url_for(name, *args)
    assert url_for("referrals:detail", "12") == reverse("referrals:detail", args=["12"])


def test_a_script_prefix_is_honoured():
    url_for("referrals:detail", 3)  # cached under the root prefix first
    set_script_prefix("/chapter/")
    try:
        assert url_for("referrals:detail", 3) == reverse("referrals:detail", args=[3])
        assert url_for("referrals:detail", 3).startswith("/chapter/")
    finally:
        set_script_prefix("/")
    assert url_for("referrals:detail", 3) == reverse("referrals:detail", args=[3])


def test_the_template_tag_renders_the_same_url(rf):
    from django.template import Context, Template

    rendered = Template('{% load links %}{% link "referrals:detail" pk %}').render(
        Context({"pk": 41})
    )
    assert rendered == reverse("referrals:detail", args=[41])
