"""The slip forms. They validate what one form can know (a date, an amount, a choice) and
leave the rules that need the database (who belonged when, the week's lock) to the services,
whose errors come back next to the same fields."""

import datetime as dt
import functools
import secrets
from decimal import Decimal, InvalidOperation

from django import forms

from meetings.forms import phone_validator
from members.fieldcopy import QuickCopyForm
from members.models import Member

from .models import OneToOne, Referral, Tyfcb
from .selectors import member_choices, slip_member

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def new_token() -> str:
    """A one-off token for a blank form: submitting the same one twice stores one slip."""
    return secrets.token_urlsafe(16)


class MemberChoiceField(forms.ModelChoiceField):
    """Any member of the viewer's chapter validates (the service then says precisely what is
    wrong: yourself, not a member on that date); the list offers only seated colleagues."""

    default_error_messages = {
        "invalid_choice": "Pick a member of your chapter from the list.",
        "required": "Pick a member.",
    }

    #: Set by the form: the viewer's chapter, whose members validate.
    chapter_id: int | None = None
    #: Copied for each form as any field is, without cloning the queryset: it is never read
    #: (``to_python`` finds the member, the form sets the list it draws).
    __deepcopy__ = forms.Field.__deepcopy__

    @staticmethod
    def label_from_instance(obj: Member) -> str:
        return f"{obj.full_name} · {obj.classification.name}"

    def to_python(self, value):
        """The member by id within the chapter, through one query compiled once that also
        reads the week's lock (``selectors.slip_member``); anything that is not such an id is
        an invalid choice."""
        if value in self.empty_values:
            return None
        found = None if self.chapter_id is None else slip_member(self.chapter_id, value)
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice",
                params={"value": value},
            )  # fmt: skip
        return found


#: How far back a slip may be dated: a year covers any late entry a chapter would accept.
MAX_DAYS_BACK = 366
#: How far ahead a planned 1-2-1 may be dated (other slips record what already happened).
MAX_DAYS_AHEAD = 90


class SlipForm(QuickCopyForm):
    """What every slip form has: the idempotency token and the date."""

    allow_future = False
    member_fields: tuple[str, ...] = ()

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    date = forms.DateField(
        widget=DATE_WIDGET,
        error_messages={"invalid": "Enter a date such as 2026-03-03.", "required": "Pick a date."},
    )

    def __init__(self, *args, me: Member, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.me = me
        self.editing = editing
        if editing:
            del self.fields["token"]
        # The other member first, then the date, then the kind's own fields.
        self.order_fields([*self.member_fields, "date"])
        # The list is read only if the form is drawn: a POST that validates never queries it.
        choices = functools.cache(
            lambda: (
                [("", "Pick a member…")]
                + [(m.pk, MemberChoiceField.label_from_instance(m)) for m in member_choices(me)]
            )
        )
        for name in self.member_fields:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.chapter_id = me.chapter_id  # whose members validate (``to_python``)
            field.widget.choices = choices

    def clean_date(self):
        """A typo in the year (2015 for 2025) is refused here rather than stored."""
        day = self.cleaned_data["date"]
        today = self.me.chapter.today()
        if not self.allow_future and day > today:
            raise forms.ValidationError("A slip cannot be dated in the future.")
        latest, earliest = (
            today + dt.timedelta(days=MAX_DAYS_AHEAD),
            today - dt.timedelta(days=MAX_DAYS_BACK),
        )
        if day > latest:
            raise forms.ValidationError(
                f"Plan it at most {MAX_DAYS_AHEAD} days ahead (by {latest:%d %b %Y})."
            )
        if day < earliest:
            raise forms.ValidationError(
                f"That is more than a year ago; a slip may be dated back to {earliest:%d %b %Y}."
            )
        return day


class ReferralForm(SlipForm):
    member_fields = ("receiver",)

    receiver = MemberChoiceField(queryset=Member.objects.none(), label="Referral for")
    kind = forms.ChoiceField(
        choices=Referral.Kind.choices, initial=Referral.Kind.INSIDE, widget=forms.RadioSelect
    )
    contact_name = forms.CharField(
        max_length=120,
        label="Contact name",
        error_messages={"required": "Who is the contact? Enter their name."},
    )
    contact_phone = forms.CharField(
        max_length=32, required=False, label="Contact phone", validators=[phone_validator]
    )
    contact_email = forms.EmailField(
        required=False,
        label="Contact email",
        error_messages={"invalid": "Enter an email address such as name@example.com."},
    )
    contact_company = forms.CharField(max_length=150, required=False, label="Company")
    need = forms.CharField(
        max_length=1000,
        required=False,
        label="What they need",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    temperature = forms.TypedChoiceField(
        choices=Referral.Temperature.choices,
        coerce=int,
        initial=Referral.Temperature.DETAILS,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Temperature is 1 to 5: pick the level that says what you did.",
            "required": "Pick a temperature from 1 to 5.",
        },
        help_text="How much you did for them; each level includes the ones before it.",
    )
    told_them_you_would_call = forms.BooleanField(
        required=False, label="I told them you would call"
    )
    gave_your_card = forms.BooleanField(required=False, label="I gave them your card")


class TyfcbForm(SlipForm):
    member_fields = ("thanked",)

    thanked = MemberChoiceField(
        queryset=Member.objects.none(),
        label="Thank",
        help_text="The member who referred the business to you.",
    )
    amount = forms.CharField(
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "Enter the amount of the business, such as 1250.00."},
    )
    business = forms.ChoiceField(
        choices=Tyfcb.Business.choices, initial=Tyfcb.Business.NEW, widget=forms.RadioSelect
    )
    referral = forms.ModelChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That referral was not passed to you."},
    )

    def __init__(self, *args, me: Member, editing: bool = False, **kwargs):
        super().__init__(*args, me=me, editing=editing, **kwargs)
        currency = me.chapter.currency
        self.fields["amount"].label = f"Amount ({currency})"
        self.fields["amount"].help_text = (
            f"The invoice value before tax, in {currency}. Only you, the member you thank "
            "and the vice-president and president see it."
        )
        if editing:
            del self.fields["referral"]
        else:
            self.fields["referral"].queryset = Referral.objects.filter(receiver=me)

    def clean_amount(self) -> Decimal:
        raw = self.cleaned_data["amount"].strip().replace(",", "").replace(" ", "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError("Enter an amount in numbers, such as 1250.00.") from None
        if not value.is_finite():
            raise forms.ValidationError("Enter an amount in numbers, such as 1250.00.")
        if value <= 0:
            raise forms.ValidationError("The amount must be more than 0.")
        if value.as_tuple().exponent < -2:
            raise forms.ValidationError("Use at most two decimal places, such as 1250.50.")
        if value >= Decimal("10") ** 10:
            raise forms.ValidationError("That amount is too large.")
        return value.quantize(Decimal("0.01"))

    def clean(self):
        cleaned = super().clean()
        referral, thanked = cleaned.get("referral"), cleaned.get("thanked")
        if referral and thanked and referral.giver_id != thanked.pk:
            self.add_error("thanked", f"That referral came from {referral.giver}; thank them.")
        return cleaned


class OneToOneForm(SlipForm):
    allow_future = True
    member_fields = ("other",)

    other = MemberChoiceField(queryset=Member.objects.none(), label="1-2-1 with")
    time = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time such as 08:30."},
    )
    place = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(
        choices=OneToOne.Status.choices, initial=OneToOne.Status.PLANNED, widget=forms.RadioSelect
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
                    f"You and {other} already have a 1-2-1 on that day; it counts once for "
                    "each of you, so there is nothing more to log.",
                )
        return cleaned


class CeuForm(SlipForm):
    topic = forms.CharField(
        max_length=200,
        error_messages={"required": "What did you learn? Enter the topic."},
        help_text="The podcast, article or workshop.",
    )
    credits = forms.IntegerField(
        initial=1,
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": "Credits must be at least 1.",
            "invalid": "Enter credits as a whole number, such as 1.",
        },
        help_text="Usually 1 per podcast, article or workshop hour.",
    )


class TestimonialForm(SlipForm):
    member_fields = ("receiver",)

    receiver = MemberChoiceField(queryset=Member.objects.none(), label="Testimonial for")
    text = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What they did for you",
        error_messages={"required": "Write what they did for you."},
    )


FORMS: dict[str, type[SlipForm]] = {
    "referral": ReferralForm,
    "tyfcb": TyfcbForm,
    "one_to_one": OneToOneForm,
    "ceu": CeuForm,
    "testimonial": TestimonialForm,
}


class StatusForm(forms.Form):
    """One tap on a status button, with an optional note."""

    to_status = forms.ChoiceField(choices=Referral.Status.choices)
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")


class OneToOneStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OneToOne.Status.choices)
