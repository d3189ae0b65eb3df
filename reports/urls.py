from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("palms/", views.palms, name="palms"),
    path("palms.csv", views.palms_csv, name="palms_csv"),
    path("lights/", views.lights, name="lights"),
    path("my-light/", views.my_light, name="my_light"),
    path("chapter/", views.chapter_page, name="chapter"),
    path("region/", views.region, name="region"),
]
