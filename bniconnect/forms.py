"""The web import's forms: the files with their options, and an alias for a name."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Member
from members.text import validate_line


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked as a ``FileField`` checks one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files from BNI Connect"),
        help_text=_(
            "PALMS Summary, Slips Audit or chapter roster: .xls, .xlsx or .csv, "
            "as downloaded. Up to 10 files."
        ),
        error_messages={"required": _("Choose at least one file exported from BNI Connect.")},
    )
    day = forms.DateField(
        required=False,
        widget=DATE,
        label=_("Slips audit's day"),
        help_text=_("The meeting day the audit's slips belong to, when the file holds no date."),
    )
    start = forms.DateField(required=False, widget=DATE, label=_("PALMS summary from"))
    end = forms.DateField(required=False, widget=DATE, label=_("PALMS summary to"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if (start is None) != (end is None):
            self.add_error("end", gettext("Give both ends of the summary's window, or neither."))
        elif start and end and end < start:
            self.add_error("end", gettext("The window ends before it starts."))
        return cleaned


OUTSIDE = "outside"


class AliasForm(forms.Form):
    """Who a name in the files is: a member of the chapter, or someone outside it."""

    bni_name = forms.CharField(max_length=240, widget=forms.HiddenInput, validators=[validate_line])
    who = forms.ChoiceField(label=_("Is"))

    def __init__(self, *args, chapter, **kwargs):
        super().__init__(*args, **kwargs)
        members = (
            Member.objects.filter(chapter=chapter)
            .with_people()
            .order_by("user__first_name", "user__last_name")
        )
        self.members = {str(m.pk): m for m in members}
        self.fields["who"].choices = [
            ("", gettext("Pick who this is…")),
            (OUTSIDE, gettext("Someone outside the chapter")),
            *((pk, f"{m.full_name} · {m.classification.name}") for pk, m in self.members.items()),
        ]

    def member(self) -> Member | None:
        who = self.cleaned_data["who"]
        return None if who == OUTSIDE else self.members[who]
