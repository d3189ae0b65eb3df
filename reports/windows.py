"""The date window a report covers: quick picks and a custom range, validated."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Chapter

from .lights import light_window

QUICK_PICKS = {
    "week": _("This week"),
    "4w": _("Last 4 weeks"),
    "6m": _("6 months"),
    "12m": _("12 months"),
    "custom": _("Custom"),
}
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class Window:
    pick: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{date_format(self.start, 'd M Y')} – {date_format(self.end, 'd M Y')}"

    def query(self) -> str:
        if self.pick == "custom":
            return f"range=custom&from={self.start.isoformat()}&to={self.end.isoformat()}"
        return f"range={self.pick}"


def quick_window(pick: str, today: dt.date) -> Window:
    if pick == "week":
        return Window(pick, today - dt.timedelta(days=6), today)
    if pick == "4w":
        return Window(pick, today - dt.timedelta(weeks=4) + dt.timedelta(days=1), today)
    if pick == "12m":
        return Window(pick, today - dt.timedelta(weeks=52) + dt.timedelta(days=1), today)
    start, end = light_window(today)
    return Window("6m", start, end)


class WindowForm(forms.Form):
    range = forms.ChoiceField(choices=list(QUICK_PICKS.items()), required=False)
    start = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(required=False, label=_("To"), widget=forms.DateInput({"type": "date"}))

    def __init__(self, data, *, today: dt.date):
        data = data.copy()
        for short, field in (("from", "start"), ("to", "end")):
            if short in data and field not in data:
                data[field] = data[short]
        super().__init__(data)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("range") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError(gettext("Give both dates for a custom window."))
            if end < start:
                raise forms.ValidationError(gettext("The window ends before it starts."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(gettext("A window can be at most five years long."))
        return cleaned

    def window(self) -> Window:
        """The chosen window; the 6-month default when the input is missing or invalid."""
        if not self.is_valid():
            return quick_window("6m", self.today)
        pick = self.cleaned_data.get("range") or "6m"
        if pick == "custom":
            return Window("custom", self.cleaned_data["start"], self.cleaned_data["end"])
        return quick_window(pick, self.today)


def window_from_request(data, chapter: Chapter) -> tuple[WindowForm, Window]:
    form = WindowForm(data, today=chapter.today())
    return form, form.window()
