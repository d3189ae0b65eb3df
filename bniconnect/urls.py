from django.urls import path

from . import views

app_name = "bniconnect"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("palms/", views.palms, name="palms"),
    path("<uuid:pk>/", views.preview, name="preview"),
    path("<uuid:pk>/confirm/", views.confirm, name="confirm"),
    path("<uuid:pk>/alias/", views.alias, name="alias"),
]
