from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("floor", views.floor, name="floor"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("meetings/", include("meetings.urls")),
    path("slips/", include("referrals.urls")),
    path("reports/", include("reports.urls")),
    path("reminders/", include("reminders.urls")),
    path("bni-import/", include("bniconnect.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

# The database being down is a 503 with Retry-After, anything else the static 500 page.
handler500 = "chapter.views.server_error"
