"""Text as a person means it: one normal form for what people type, and the refusal of
characters nobody types.

Two strings that look the same must be the same string, or a second "Baker" (``Baker`` and a
zero-width space, or a full-width ``Ｂaker``) sits beside the first and gets round the rule of
one member per trade. ``clean_text`` is that one normal form: every name, trade, company and
anything else compared for sameness goes through it, in the forms (``LineField``), in the
models' ``clean()`` and ``save()`` (so the admin gets it) and in the importers (which write in
bulk, past ``save()``).

Control characters are refused where a person types (``validate_line``,
``validate_paragraph``): a NUL cannot even be stored by PostgreSQL, and a line break in a name
would end up in an email's subject, where it is refused too late, after the page was sent.
Query parameters are read through ``query_text``, which answers 400 with a message.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext, gettext_lazy

#: Letters that draw nothing: Hangul fillers and the blank Braille pattern, which make a name
#: look empty without being a format character.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Line breaks and tabs: white space in a paragraph, folded to a space in a line.
WHITESPACE_CONTROLS = frozenset("\t\n\r")
_SPACES = re.compile(r"\s+")


def _is_control(ch: str) -> bool:
    """C0 and C1 controls (NUL, escape, …) and the Unicode line and paragraph separators."""
    return unicodedata.category(ch) in {"Cc", "Zl", "Zp"}


def _is_invisible(ch: str) -> bool:
    """Format characters draw nothing but change what a string is: zero-width spaces and
    joiners, the byte-order mark, soft hyphens, and the bidirectional controls that reorder
    what is shown (a right-to-left override turns ``gpj.exe`` into ``exe.jpg``)."""
    return ch in BLANK_LETTERS or unicodedata.category(ch) == "Cf"


def clean_text(value: str) -> str:
    """``value`` in the one form two equal-looking strings share: without invisible
    characters, compatibility-normalised (NFKC: full-width letters, ligatures and no-break
    spaces become the plain ones, a letter and its accent one character), every run of white
    space or control characters one space, and no space at either end.

    Letter case is kept: the trade's unique constraint already compares without it.
    """
    if value.isascii() and value.isprintable():
        return " ".join(value.split())  # nothing to normalise but the spaces
    # The invisible characters go first: one between a letter and its accent would keep
    # the two from composing into the one character a look-alike is written with.
    value = "".join(ch for ch in value if not _is_invisible(ch))
    value = unicodedata.normalize("NFKC", value)
    value = "".join(" " if _is_control(ch) else ch for ch in value)
    return _SPACES.sub(" ", value).strip()


def has_control_characters(value: str, *, allow: frozenset[str] = frozenset()) -> bool:
    return any(_is_control(ch) and ch not in allow for ch in value)


CONTROL_MESSAGE = gettext_lazy(
    "This holds a control character (such as NUL or a line break) that cannot be stored: "
    "type it again without it."
)


def validate_line(value: str) -> None:
    """One line of text: no control character at all, line breaks included."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_character")


def validate_paragraph(value: str) -> None:
    """Text of several lines: line breaks and tabs, but no other control character."""
    if has_control_characters(value, allow=WHITESPACE_CONTROLS):
        raise ValidationError(CONTROL_MESSAGE, code="control_character")


class LineField(forms.CharField):
    """One line that a person types: a name, a trade, a company, a topic.

    The text is normalised by ``clean_text`` before any other check, so the length is that of
    what is stored and a line break pasted into it becomes a space (a line that can reach an
    email's subject never holds one). A NUL or another control character is refused; text
    that holds only invisible characters is refused as empty, with a message that says so.
    """

    default_error_messages = {
        "invisible": gettext_lazy("This holds only invisible characters: type it in letters."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if has_control_characters(value, allow=WHITESPACE_CONTROLS):
            raise ValidationError(CONTROL_MESSAGE, code="control_character")
        cleaned = clean_text(value)
        if value and not cleaned and self.required:
            raise ValidationError(self.error_messages["invisible"], code="invisible")
        return cleaned


class ParagraphField(forms.CharField):
    """Several lines: a need, a testimonial, an ideal referral. Line breaks stay; other
    control characters are refused."""

    widget = forms.Textarea
    default_validators = [validate_paragraph]


# --- Query parameters --------------------------------------------------------------------------


class UnreadableInput(BadRequest):
    """A query parameter nobody could have typed. Answered 400 with this message, which is
    ours and names only the parameter (``chapter.views.bad_request``)."""


def query_text(data, name: str, *, max_length: int = 200) -> str:
    """The query parameter ``name`` of ``data`` (``request.GET``) as ``clean_text`` leaves
    it, cut to ``max_length``; ``""`` when it is missing. A parameter holding a control
    character (``?q=%00``) raises ``UnreadableInput``: the database would refuse it, and no
    link of ours writes one."""
    raw = data.get(name, "")
    if has_control_characters(raw):
        raise UnreadableInput(
            gettext(
                "The address gives “%(name)s” a control character (such as NUL) that no one "
                "types: go back and type it again."
            )
            % {"name": name}
        )
    return clean_text(raw[:max_length])


# --- Models ------------------------------------------------------------------------------------


class CleanTextModel:
    """A model whose ``text_fields`` are stored as ``clean_text`` leaves them, however they
    are written: ``clean()`` (a model form, the admin) normalises them before the unique
    constraints are checked, so a look-alike of a trade is refused as the same trade, and
    refuses one that was only invisible characters; ``save()`` (services, a single-row
    import) normalises them too. Bulk imports normalise their rows themselves."""

    text_fields: tuple[str, ...] = ()

    def clean_text_fields(self) -> dict[str, str]:
        """Normalise the text fields; the errors of required ones left empty by it."""
        errors = {}
        for name in self.text_fields:
            value = getattr(self, name)
            if not isinstance(value, str):
                continue
            cleaned = clean_text(value)
            setattr(self, name, cleaned)
            if value and not cleaned and not self._meta.get_field(name).blank:
                errors[name] = LineField.default_error_messages["invisible"]
        return errors

    def clean(self) -> None:
        errors = self.clean_text_fields()
        if errors:
            raise ValidationError(errors)
        super().clean()

    def save(self, *args, **kwargs):
        self.clean_text_fields()
        super().save(*args, **kwargs)
