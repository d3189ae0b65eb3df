from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("sphere/", views.sphere, name="sphere"),
    path("me/edit/", views.edit_profile, name="edit_profile"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("<int:pk>/", views.profile, name="profile"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("me/data.json", views.my_data, name="my_data"),
    path("<int:pk>/anonymise/", views.anonymise, name="anonymise"),
    path("audit/", views.audit_trail, name="audit"),
]
