"""The slip forms. They validate what one form can know (a date, an amount, a choice) and
leave the rules that need the database (who belonged when, the week's lock) to the services,
whose errors come back next to the same fields.

The other party of a slip is named one of three ways (DOMAIN.md "Beyond the chapter"), which
the form's ``who`` switch chooses: a member of the viewer's chapter (the chapter's list), a
member of another chapter (found with the search across chapters), or someone outside
Slipstream (a name and their chapter as text), where the kind allows it.
"""

import dataclasses
import datetime as dt
import functools
import re
import secrets

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.forms import phone_validator
from members.amounts import AmountField, how_to_write
from members.models import Member
from members.selectors import member_elsewhere, members_elsewhere, search_words
from members.text import LineField, ParagraphField, validate_line
from pages.forms import PhoneInput

from .models import OneToOne, Referral, Tyfcb
from .selectors import member_choices, slip_member

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def new_token() -> str:
    """A one-off token for a blank form: submitting the same one twice stores one slip."""
    return secrets.token_urlsafe(16)


#: Where a slip's other party is: the ``who`` switch of the slip forms.
WHO_CHAPTER, WHO_ELSEWHERE, WHO_OUTSIDE = "chapter", "elsewhere", "outside"
WHO_CHOICES = [
    (WHO_CHAPTER, _("In my chapter")),
    (WHO_ELSEWHERE, _("Another chapter")),
    (WHO_OUTSIDE, _("Someone outside Slipstream")),
]
#: An edit keeps a member of another chapter as it is: both lists validate.
ANY_CHAPTER = "any"
#: The search results' radio buttons are named after the member field with this suffix, so
#: the chapter's ``<select>`` and the cards found elsewhere never send the same name.
ELSEWHERE_SUFFIX = "_elsewhere"
#: How much of a typed search is read: a pasted page costs no more than a line.
SEARCH_CHARS = 80


def typed(raw: str) -> str:
    """A search as typed, cut to ``SEARCH_CHARS``, with a space for anything that cannot be
    printed (a NUL cannot even be sent to PostgreSQL; a tab or a newline parts words)."""
    return "".join(ch if ch.isprintable() else " " for ch in raw[:SEARCH_CHARS])


@dataclasses.dataclass
class Found:
    """What the search across chapters shows under its box: the members' directory cards,
    the words searched, and the card picked (the id, as a form sends it)."""

    members: list[Member] = dataclasses.field(default_factory=list)
    query: str = ""
    selected: str = ""

    @property
    def too_short(self) -> bool:
        return bool(self.query.strip()) and not search_words(self.query)

    @classmethod
    def search(cls, me: Member, query: str, selected: str = "") -> "Found":
        """Active members of every chapter but ``me``'s matching ``query``."""
        query = typed(query)
        members = list(members_elsewhere(query, exclude_chapter_id=me.chapter_id))
        return cls(members=members, query=query, selected=selected)


class MemberSelect(forms.Select):
    """The chapter's members as a ``<select>``; which value counts follows the form's ``who``.

    In "another chapter" mode the member comes from the search results' radio buttons
    (``<name>_elsewhere``), and for someone outside Slipstream there is no member: the three
    ways of naming the other party sit in one form (only the chosen one shows), each under
    its own names, so what a hidden one still holds never counts.
    """

    #: The form's ``who`` field name, set by the form; None when it has no such switch.
    mode_name: str | None = None

    def value_from_datadict(self, data, files, name):
        mode = data.get(self.mode_name) if self.mode_name else None
        if mode == WHO_ELSEWHERE:
            return data.get(name + ELSEWHERE_SUFFIX)
        if mode == WHO_OUTSIDE:
            return None
        return super().value_from_datadict(data, files, name)

    def use_required_attribute(self, initial) -> bool:
        """No ``required`` attribute: the list is hidden while another way is chosen, and a
        browser will not submit a form whose hidden required field is empty. The form still
        requires a member where one is needed."""
        return False

    #: Django's select with each member's line written out in place (a list of 40 members is
    #: 80 fewer templates to draw) and marked, so ``without`` finds it and nothing else.
    template_name = "referrals/partials/member_select_widget.html"

    @staticmethod
    def without(html: str, member_id: int) -> str:
        """``html`` without ``member_id``'s line in any member list: a blank form drawn once
        for the chapter lists everyone, and nobody names themself on a slip. A label is
        escaped text, so a line ends at its first ``<``."""
        line = rf'<option value="{int(member_id)}"[^>]* data-member[^>]*>[^<]*</option>\n?'
        return re.sub(line, "", html)


class MemberChoiceField(forms.ModelChoiceField):
    """Any member of the viewer's chapter validates (the service then says precisely what is
    wrong: yourself, not a member on that date); the list offers only seated colleagues.

    In "another chapter" mode (``scope``) any member of another chapter but an applicant
    validates instead (``members.selectors.member_elsewhere``): the search offers only active
    members, and the service checks that the member belonged to their own chapter on the
    slip's date ("X was not a member of their chapter on …").
    """

    widget = MemberSelect
    default_error_messages = {
        "invalid_choice": _("Pick a member of your chapter from the list."),
        "invalid_elsewhere": _("Pick a member of another chapter from the search."),
        "required": _("Pick a member."),
    }

    #: Set by the form: the viewer's chapter, whose members validate.
    chapter_id: int | None = None
    #: Set by the form: where the member is looked for (the ``who`` of the form, or
    #: ``ANY_CHAPTER`` when a slip is edited).
    scope: str = WHO_CHAPTER

    @staticmethod
    def label_from_instance(obj: Member) -> str:
        return f"{obj.full_name} · {obj.classification.name}"

    def to_python(self, value):
        """The member by id within the chapter, through one query that also reads the week's
        lock (``selectors.slip_member``), or of another chapter in that mode; anything that
        is not such an id is an invalid choice. The field's queryset is never read: the form
        sets the list it draws."""
        if value in self.empty_values:
            return None
        found = None
        if self.chapter_id is not None:
            if self.scope != WHO_ELSEWHERE:
                found = slip_member(self.chapter_id, value)
            if found is None and self.scope != WHO_CHAPTER:
                found = member_elsewhere(self.chapter_id, value)
        if found is None:
            code = "invalid_elsewhere" if self.scope == WHO_ELSEWHERE else "invalid_choice"
            raise forms.ValidationError(
                self.error_messages[code], code=code, params={"value": value}
            )
        return found


#: How far back a slip may be dated: a year covers any late entry a chapter would accept.
MAX_DAYS_BACK = 366
#: How far ahead a planned 1-2-1 may be dated (other slips record what already happened).
MAX_DAYS_AHEAD = 90


#: The fields of the other-party picker beside the member field itself.
PICKER_PARTS = ("who", "other_name", "other_chapter_name")


class SlipForm(forms.Form):
    """What every slip form has: the idempotency token and the date; and for the kinds that
    name another party, the ``who`` switch and, where allowed, an outside party's name."""

    allow_future = False
    member_fields: tuple[str, ...] = ()
    #: The ways this kind's other party may be named (``who``).
    who_choices: tuple[str, ...] = (WHO_CHAPTER, WHO_ELSEWHERE)
    #: What a form sent with someone outside Slipstream is told, where the kind refuses it.
    outside_refusal = ""
    picker_parts = PICKER_PARTS

    token = forms.CharField(widget=forms.HiddenInput, required=False, validators=[validate_line])
    date = forms.DateField(
        label=_("Date"),
        widget=DATE_WIDGET,
        error_messages={
            "invalid": _("Enter a date such as 2026-03-03."),
            "required": _("Pick a date."),
        },
    )
    who = forms.ChoiceField(
        label=_("Who"),
        choices=WHO_CHOICES,
        initial=WHO_CHAPTER,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _(
                "Choose whether they are in your chapter, in another chapter or outside Slipstream."
            )
        },
    )
    other_name = LineField(
        max_length=120,
        required=False,
        label=_("Their name"),
        help_text=_(
            "A former member, a visitor, a member of a chapter not in Slipstream; "
            "or BNI for the organisation."
        ),
    )
    other_chapter_name = LineField(
        max_length=200,
        required=False,
        label=_("Their chapter (optional)"),
        help_text=_("As they would write it, such as “BNI Givers, Deira Dubai”."),
    )

    def __init__(
        self, *args, me: Member, editing: bool = False, listing_self: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.me = me
        self.editing = editing
        #: The list names ``me`` too: a blank form kept for the whole chapter, from which each
        #: viewer's own line is taken out (``MemberSelect.without``).
        self.listing_self = listing_self
        #: The cards the "another chapter" search shows (the view sets them after a search).
        self.found: Found | None = None
        if editing:
            del self.fields["token"]
        picks = bool(self.member_fields) and not editing
        for name in PICKER_PARTS:
            outside = name != "who" and WHO_OUTSIDE not in self.who_choices
            if not picks or outside:
                del self.fields[name]
        self.mode = WHO_CHAPTER
        if picks:
            self.fields["who"].widget.choices = [c for c in WHO_CHOICES if c[0] in self.who_choices]
            raw = self["who"].value()
            # A way this kind refuses still sets the mode: its own clear error is the one shown.
            self.mode = raw if raw in dict(WHO_CHOICES) else WHO_CHAPTER
            if self.mode == WHO_ELSEWHERE and not self.is_bound:
                self._show_picked(self.initial.get(self.member_fields[0]))
        # The other party first, then the date, then the kind's own fields.
        self.order_fields(["who", *self.member_fields, "other_name", "other_chapter_name", "date"])
        # The list is read only if the form is drawn: a POST that validates never queries it.
        kept = self[self.member_fields[0]].value() if editing and self.member_fields else None
        choices = functools.cache(lambda: self._member_list(kept))
        for name in self.member_fields:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.chapter_id = me.chapter_id  # whose members validate (``to_python``)
            field.widget.choices = choices
            if editing:
                field.scope = ANY_CHAPTER
                continue
            field.scope = self.mode if self.mode != WHO_OUTSIDE else WHO_CHAPTER
            field.widget.mode_name = self.add_prefix("who")
            if self.mode == WHO_OUTSIDE:
                field.required = False
            elif self.mode == WHO_ELSEWHERE:
                field.error_messages["required"] = gettext(
                    "Search for them by name, company, trade, chapter or city, and pick their card."
                )

    def _member_list(self, kept) -> list[tuple]:
        """The chapter's seated members to pick from; an edit of a slip naming a member of
        another chapter lists them too, so the form sent back unchanged keeps them."""
        label = MemberChoiceField.label_from_instance
        members = [("", gettext("Pick a member…"))]
        members += [(m.pk, label(m)) for m in member_choices(self.me, with_self=self.listing_self)]
        if kept not in (None, "") and all(str(pk) != str(kept) for pk, _label in members):
            other = member_elsewhere(self.me.chapter_id, kept)
            if other is not None:
                members.append((other.pk, f"{label(other)} ({other.chapter.name})"))
        return members

    @property
    def elsewhere_name(self) -> str:
        """The name of the search results' radio buttons."""
        return self.add_prefix(self.member_fields[0]) + ELSEWHERE_SUFFIX

    @classmethod
    def elsewhere_search(cls, data) -> str | None:
        """What to search other chapters for when the form was sent to search rather than to
        be saved, else None: its Search button (drawn without JavaScript), or Enter in the
        search box before a card was picked."""
        if not cls.member_fields:
            return None
        find = data.get("find", "")
        picked = data.get(cls.member_fields[0] + ELSEWHERE_SUFFIX)
        if data.get("search") or (data.get("who") == WHO_ELSEWHERE and find.strip() and not picked):
            return find
        return None

    def _show_picked(self, member) -> None:
        """Draw the member of another chapter this form names as the picked card."""
        if isinstance(member, Member) and member.chapter_id != self.me.chapter_id:
            self.found = Found(
                members=[member], query=typed(self.data.get("find", "")), selected=str(member.pk)
            )

    def clean_who(self) -> str:
        who = self.cleaned_data.get("who") or WHO_CHAPTER
        if who not in self.who_choices:
            raise forms.ValidationError(self.outside_refusal)
        return who

    def clean(self):
        cleaned = super().clean()
        if "who" not in self.fields:
            return cleaned
        who = cleaned.get("who")
        if who == WHO_OUTSIDE:
            if not " ".join(cleaned.get("other_name", "").split()):
                self.add_error(
                    "other_name", gettext("Give their name (or BNI, for the organisation itself).")
                )
        elif "other_name" in self.fields:
            # What the hidden outside fields still hold does not count.
            cleaned["other_name"] = cleaned["other_chapter_name"] = ""
        if who == WHO_ELSEWHERE:
            self._show_picked(cleaned.get(self.member_fields[0]))
        return cleaned

    def clean_date(self):
        """A typo in the year (2015 for 2025) is refused here rather than stored."""
        day = self.cleaned_data["date"]
        today = self.me.chapter.today()
        if not self.allow_future and day > today:
            raise forms.ValidationError(gettext("A slip cannot be dated in the future."))
        latest, earliest = (
            today + dt.timedelta(days=MAX_DAYS_AHEAD),
            today - dt.timedelta(days=MAX_DAYS_BACK),
        )
        if day > latest:
            raise forms.ValidationError(
                ngettext(
                    "Plan it at most %(days)d day ahead (by %(day)s).",
                    "Plan it at most %(days)d days ahead (by %(day)s).",
                    MAX_DAYS_AHEAD,
                )
                % {"days": MAX_DAYS_AHEAD, "day": date_format(latest, "d M Y")}
            )
        if day < earliest:
            raise forms.ValidationError(
                gettext("That is more than a year ago; a slip may be dated back to %(day)s.")
                % {"day": date_format(earliest, "d M Y")}
            )
        return day


class ReferralForm(SlipForm):
    member_fields = ("receiver",)
    outside_refusal = _(
        "A referral goes to a member of Slipstream: pick them in your chapter or in another "
        "chapter. Someone outside Slipstream cannot receive one."
    )

    receiver = MemberChoiceField(queryset=Member.objects.none(), label=_("Referral for"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Referral.Kind.choices,
        initial=Referral.Kind.INSIDE,
        widget=forms.RadioSelect,
    )
    contact_name = LineField(
        max_length=120,
        label=_("Contact name"),
        error_messages={"required": _("Who is the contact? Enter their name.")},
    )
    contact_phone = LineField(
        max_length=32,
        required=False,
        label=_("Contact phone"),
        validators=[phone_validator],
        widget=PhoneInput(attrs={"autocomplete": "off"}),
    )
    contact_email = forms.EmailField(
        required=False,
        label=_("Contact email"),
        error_messages={"invalid": _("Enter an email address such as name@example.com.")},
    )
    contact_company = LineField(max_length=150, required=False, label=_("Company"))
    need = ParagraphField(
        max_length=1000,
        required=False,
        label=_("What they need"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    temperature = forms.TypedChoiceField(
        label=_("Temperature"),
        choices=Referral.Temperature.choices,
        coerce=int,
        initial=Referral.Temperature.DETAILS,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Temperature is 1 to 5: pick the level that says what you did."),
            "required": _("Pick a temperature from 1 to 5."),
        },
        help_text=_("How much you did for them; each level includes the ones before it."),
    )
    told_them_you_would_call = forms.BooleanField(
        required=False, label=_("I told them you would call")
    )
    gave_your_card = forms.BooleanField(required=False, label=_("I gave them your card"))


class TyfcbForm(SlipForm):
    member_fields = ("thanked",)
    who_choices = (WHO_CHAPTER, WHO_ELSEWHERE, WHO_OUTSIDE)

    thanked = MemberChoiceField(
        queryset=Member.objects.none(),
        label=_("Thank"),
        help_text=_("The member who referred the business to you."),
    )
    amount = AmountField()
    business = forms.ChoiceField(
        label=_("Business"),
        choices=Tyfcb.Business.choices,
        initial=Tyfcb.Business.NEW,
        widget=forms.RadioSelect,
    )
    referral = forms.ModelChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That referral was not passed to you.")},
    )

    def __init__(self, *args, me: Member, editing: bool = False, **kwargs):
        super().__init__(*args, me=me, editing=editing, **kwargs)
        currency = me.chapter.currency
        # Read (and shown back) as the chapter writes amounts: 1,250.50 or 1.250,50.
        mark = self.fields["amount"].decimal_mark = me.chapter.decimal_mark
        self.fields["amount"].error_messages["required"] = gettext(
            "Enter the amount of the business, such as %(example)s."
        ) % {"example": f"1250{mark}00"}
        self.fields["amount"].label = gettext("Amount (%(currency)s)") % {"currency": currency}
        self.fields["amount"].help_text = gettext(
            "The invoice value before tax, in %(currency)s. %(how_to_write)s Only you, "
            "the member you thank and the vice-president and president see it."
        ) % {"currency": currency, "how_to_write": how_to_write(mark)}
        if editing:
            del self.fields["referral"]
        else:
            self.fields["referral"].queryset = Referral.objects.filter(receiver=me)

    def clean(self):
        cleaned = super().clean()
        referral, thanked = cleaned.get("referral"), cleaned.get("thanked")
        if referral and thanked and referral.giver_id != thanked.pk:
            self.add_error(
                "thanked",
                gettext("That referral came from %(name)s; thank them.") % {"name": referral.giver},
            )
        if referral and not thanked and cleaned.get("who") == WHO_OUTSIDE:
            self.add_error(
                "who",
                gettext("That referral came from %(name)s; thank them.")
                % {"name": referral.party_label("giver")},
            )
        return cleaned


class OneToOneForm(SlipForm):
    allow_future = True
    member_fields = ("other",)
    who_choices = (WHO_CHAPTER, WHO_ELSEWHERE, WHO_OUTSIDE)

    other = MemberChoiceField(queryset=Member.objects.none(), label=_("1-2-1 with"))
    time = forms.TimeField(
        label=_("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time such as 08:30.")},
    )
    place = LineField(max_length=200, required=False, label=_("Place"))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=OneToOne.Status.choices,
        initial=OneToOne.Status.PLANNED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, me: Member, editing: bool = False, **kwargs):
        super().__init__(*args, me=me, editing=editing, **kwargs)
        if editing:
            del self.fields["other"]

    def clean(self):
        cleaned = super().clean()
        other, day = cleaned.get("other"), cleaned.get("date")
        if not self.editing and other and day and other.pk != self.me.pk:
            first, second = sorted((self.me.pk, other.pk))
            existing = OneToOne.objects.filter(member_a_id=first, member_b_id=second, date=day)
            if existing.exists():
                self.add_error(
                    "other",
                    gettext(
                        "You and %(name)s already have a 1-2-1 on that day; it counts once for "
                        "each of you, so there is nothing more to log."
                    )
                    % {"name": other},
                )
        return cleaned


class CeuForm(SlipForm):
    topic = LineField(
        max_length=200,
        label=_("Topic"),
        error_messages={"required": _("What did you learn? Enter the topic.")},
        help_text=_("The podcast, article or workshop."),
    )
    credits = forms.IntegerField(
        label=_("Credits"),
        initial=1,
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": _("Credits must be at least 1."),
            "invalid": _("Enter credits as a whole number, such as 1."),
        },
        help_text=_("Usually 1 per podcast, article or workshop hour."),
    )


class TestimonialForm(SlipForm):
    member_fields = ("receiver",)
    outside_refusal = _(
        "A testimonial is for a member of Slipstream: pick them in your chapter or in "
        "another chapter."
    )

    receiver = MemberChoiceField(queryset=Member.objects.none(), label=_("Testimonial for"))
    text = ParagraphField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("What they did for you"),
        error_messages={"required": _("Write what they did for you.")},
    )


FORMS: dict[str, type[SlipForm]] = {
    "referral": ReferralForm,
    "tyfcb": TyfcbForm,
    "one_to_one": OneToOneForm,
    "ceu": CeuForm,
    "testimonial": TestimonialForm,
}
#: The member fields a picker may search for (``views.member_search``'s ``field``).
PICKER_FIELDS = frozenset(name for form in FORMS.values() for name in form.member_fields)


class StatusForm(forms.Form):
    """One tap on a status button, with an optional note."""

    to_status = forms.ChoiceField(choices=Referral.Status.choices)
    note = LineField(max_length=500, required=False, label=_("Note (optional)"))
    #: An outcome (won, lost, not a fit) is asked about once before it is stored.
    confirmed = forms.BooleanField(required=False)


class OneToOneStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OneToOne.Status.choices)
