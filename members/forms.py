"""Forms for the member pages; each validates everything and names the field at fault."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pages.forms import PhoneInput

from .models import Chapter, Classification, Invitation, Member
from .services import check_invitee
from .text import LineField, ParagraphField


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: each field's message beside that
    field, anything about a field the form does not have (or no field) above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ProfileForm(forms.ModelForm):
    """A member's own card: their name (on the login) and how the chapter reaches them."""

    first_name = LineField(max_length=150)
    last_name = LineField(max_length=150)

    class Meta:
        model = Member
        fields = ["first_name", "last_name", "company", "phone", "website", "ideal_referral"]
        field_classes = {"company": LineField, "phone": LineField, "ideal_referral": ParagraphField}
        widgets = {
            "ideal_referral": forms.Textarea(attrs={"rows": 4}),
            "phone": PhoneInput(attrs={"autocomplete": "tel"}),
        }
        help_texts = {
            "ideal_referral": _("Who you would love to be introduced to (600 characters at most)."),
            "phone": _("Shown to your chapter as a tap-to-call link."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].initial = self.instance.user.first_name
        self.fields["last_name"].initial = self.instance.user.last_name

    def save(self, commit: bool = True) -> Member:
        member = super().save(commit=False)
        member.user.first_name = self.cleaned_data["first_name"]
        member.user.last_name = self.cleaned_data["last_name"]
        if commit:
            member.user.save(update_fields=["first_name", "last_name"])
            member.save(update_fields=["company", "phone", "website", "ideal_referral"])
        return member


class InvitationForm(forms.ModelForm):
    """Who to invite; the chapter comes from the inviter (or is chosen in the admin)."""

    class Meta:
        model = Invitation
        fields = ["email", "first_name", "last_name", "company", "classification", "as_applicant"]
        field_classes = {"first_name": LineField, "last_name": LineField, "company": LineField}
        labels = {"classification": _("Trade"), "as_applicant": _("Join as an applicant")}

    def __init__(self, *args, chapter: Chapter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chapter = chapter
        self.fields["classification"].queryset = Classification.objects.select_related("sphere")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        chapter = self.chapter or data.get("chapter")
        if chapter and data.get("email") and data.get("classification"):
            for field, message in check_invitee(
                chapter=chapter,
                email=data["email"],
                classification=data["classification"],
                as_applicant=data.get("as_applicant", False),
            ).items():
                self.add_error(field, message)
        return data

    def validate_constraints(self, exclude=None):
        """A re-invite refreshes the open invitation (see ``invitation_create``)."""


class SetPasswordForm(forms.Form):
    """The invitee's first password, checked by the project's password validators."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", gettext("The two passwords differ."))
        elif one:
            person = get_user_model()(
                email=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
            )
            try:
                password_validation.validate_password(one, user=person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LeaveForm(forms.Form):
    leave_from = forms.DateField(
        label=_("On leave from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    leave_until = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("leave_from"), data.get("leave_until")
        if start and end and end < start:
            self.add_error("leave_until", gettext("Leave cannot end before it starts."))
        return data


class DropForm(forms.Form):
    left_on = forms.DateField(
        label=_("Last day of membership"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RosterUploadForm(forms.Form):
    MAX_BYTES = 1_048_576

    chapter = forms.ModelChoiceField(Chapter.objects.all())
    file = forms.FileField(
        # Translators: the file's name, the same in every language.
        label=_("roster.csv"),
        help_text=_("UTF-8 CSV in the roster.csv format, 1 MB at most."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file is %(size)s KB; the limit is %(limit)s KB.")
                % {"size": upload.size // 1024, "limit": self.MAX_BYTES // 1024}
            )
        return upload
