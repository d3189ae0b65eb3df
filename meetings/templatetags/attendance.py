"""``{% member_attendance member %}``: a member's attendance, for pages of apps below this one.

The members app cannot import meetings (the dependency points the other way), so its profile
page asks for this fragment through a template tag instead.
"""

from django import template

from meetings.selectors import attendance_history

register = template.Library()


@register.inclusion_tag("meetings/partials/member_attendance.html")
def member_attendance(member):
    return {"history": attendance_history(member)}
