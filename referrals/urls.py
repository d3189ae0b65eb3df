from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "referrals"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="home"), name="dashboard"),
    path("log/", views.log_slip, name="log_slip"),
    path("members/", views.member_search, name="member_search"),
    path("inbox/", views.inbox, name="inbox"),
    path("given/", views.given, name="given"),
    path("referral/<int:pk>/", views.detail, name="detail"),
    path("referral/<int:pk>/status/", views.set_status, name="set_status"),
    path("tyfcb/<int:pk>/", views.tyfcb_detail, name="tyfcb_detail"),
    path("one-to-one/<int:pk>/status/", views.one_to_one_status, name="one_to_one_status"),
    path("<slug:kind>/<int:pk>/edit/", views.slip_edit, name="slip_edit"),
    path("<slug:kind>/<int:pk>/delete/", views.slip_delete, name="slip_delete"),
    path("week/", views.submit_week, name="submit_week"),
    path("suggestions/", views.suggestions, name="suggestions"),
]
