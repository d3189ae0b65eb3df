from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from pages import views as pages_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("floor", views.floor, name="floor"),
    path("sw.js", pages_views.service_worker, name="service_worker"),
    # Before allauth's own: the same logout, with Clear-Site-Data (pages.views.logout).
    path("accounts/logout/", pages_views.logout, name="account_logout"),
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
# A query parameter nobody could type (?q=%00) is a 400 that says which.
handler400 = "chapter.views.bad_request"
