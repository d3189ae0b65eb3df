"""Forms of the meetings pages; every rule a person can break gets a message by its field."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Chapter, Classification, Member
from members.text import LineField
from pages.forms import PhoneInput

from .models import Attendance, Meeting, Visitor

phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-.]{6,31}$", _("Enter a phone number: digits, spaces, +.")
)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, meeting: Meeting) -> str:
        return f"{meeting.date:%a %d %b %Y}"


class MemberNameChoiceField(forms.ModelChoiceField):
    """Members by name only: the public page shows no contact details."""

    def label_from_instance(self, member: Member) -> str:
        return member.full_name


class CancelMeetingForm(forms.Form):
    reason = LineField(
        max_length=200, label=_("Reason"), help_text=_("For example: Bank holiday, venue closed.")
    )


class RotaForm(forms.Form):
    """One tap on the presenter rota: a member of the chapter moved up or down, added or
    removed. Anything else for ``member`` (another chapter's id, ``abc``) is not found."""

    member = forms.ModelChoiceField(Member.objects.none())
    action = forms.ChoiceField(
        choices=[("up", _("Up")), ("down", _("Down")), ("add", _("Add")), ("remove", _("Remove"))],
        required=False,
    )

    def __init__(self, *args, chapter: Chapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(chapter=chapter)


class MarkForm(forms.Form):
    mark = forms.ChoiceField(choices=Attendance.Mark.choices)
    substitute_name = LineField(max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if data.get("mark") == Attendance.Mark.SUBSTITUTE and not data.get("substitute_name"):
            self.add_error("substitute_name", gettext("Name the substitute for an S mark."))
        return data


def upcoming_meeting_choices(chapter: Chapter, limit: int | None = None):
    meetings = Meeting.objects.filter(
        chapter=chapter, date__gte=chapter.today(), cancelled=False
    ).order_by("date")
    if limit:
        meetings = Meeting.objects.filter(pk__in=meetings[:limit].values("pk")).order_by("date")
    return meetings


class VisitorForm(forms.Form):
    """A member registers a visitor they invited."""

    name = LineField(max_length=120, label=_("Name"))
    email = forms.EmailField(
        required=False, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = LineField(
        max_length=32,
        required=False,
        label=_("Phone"),
        validators=[phone_validator],
        widget=PhoneInput(attrs={"autocomplete": "off"}),
    )
    company = LineField(max_length=150, required=False, label=_("Company"))
    classification = forms.ModelChoiceField(
        Classification.objects.all(),
        required=False,
        label=_("Trade"),
        empty_label=_("(not listed)"),
    )
    trade = LineField(
        max_length=120,
        required=False,
        label=_("Trade, if not listed"),
        help_text=_("In their words."),
    )
    meeting = MeetingChoiceField(Meeting.objects.none(), empty_label=None, label=_("Meeting"))

    def __init__(self, *args, chapter: Chapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = upcoming_meeting_choices(chapter)

    def clean(self):
        data = super().clean()
        if not data.get("classification") and not (data.get("trade") or "").strip():
            self.add_error("trade", gettext("Pick their trade or write it in."))
        return data


class GuestForm(forms.Form):
    """The public "visit us" form. ``website`` is the honeypot: people never see it."""

    name = LineField(max_length=120, label=_("Your name"))
    email = forms.EmailField(
        label=_("Your email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = LineField(
        max_length=32,
        required=False,
        label=_("Phone"),
        validators=[phone_validator],
        widget=PhoneInput(attrs={"autocomplete": "tel"}),
    )
    company = LineField(max_length=150, required=False, label=_("Company"))
    trade = LineField(max_length=120, label=_("Your trade"), help_text=_("What you do."))
    meeting = MeetingChoiceField(Meeting.objects.none(), empty_label=None, label=_("Which meeting"))
    invited_by = MemberNameChoiceField(
        Member.objects.none(), required=False, label=_("Who invited you?"), empty_label=_("Nobody")
    )
    website = LineField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, chapter: Chapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = upcoming_meeting_choices(chapter, limit=4)
        self.fields["invited_by"].queryset = Member.objects.seated_in(chapter).select_related(
            "user"
        )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class VisitorStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Visitor.Status.choices)


class VisitorFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *Visitor.Status.choices], required=False, label=_("Status")
    )
    meeting = MeetingChoiceField(
        Meeting.objects.none(), required=False, label=_("Meeting"), empty_label=_("Any meeting")
    )
    invited_by = MemberNameChoiceField(
        Member.objects.none(), required=False, label=_("Invited by"), empty_label=_("Anyone")
    )

    def __init__(self, *args, chapter: Chapter | None, **kwargs):
        super().__init__(*args, **kwargs)
        meetings = Meeting.objects.order_by("-date")
        members = Member.objects.select_related("user")
        if chapter is not None:
            meetings = meetings.filter(chapter=chapter)
            members = members.filter(chapter=chapter)
        self.fields["meeting"].queryset = meetings
        self.fields["invited_by"].queryset = members
