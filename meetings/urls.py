from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/attendance/", views.take_attendance, name="take_attendance"),
    path("<int:pk>/attendance/everyone/", views.mark_everyone, name="mark_everyone"),
    path("<int:pk>/attendance/<int:member_pk>/", views.mark, name="mark"),
    path("<int:pk>/visitors/", views.visitors_at, name="visitors_at"),
    path("rota/", views.rota, name="rota"),
    path("review/", views.review, name="review"),
    path("review/attendance.csv", views.review_csv, name="review_csv"),
    path("my-attendance/", views.my_attendance, name="my_attendance"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/new/", views.visitor_add, name="visitor_add"),
    path("visitors/<int:pk>/", views.visitor_detail, name="visitor_detail"),
    path("visits/<int:pk>/attended/", views.visit_attended, name="visit_attended"),
    path("chapter/<slug:slug>/", views.public, name="public"),
    path(
        "chapter/<slug:slug>/registered/<str:token>/",
        views.public_registered,
        name="public_registered",
    ),
    path(
        "chapter/<slug:slug>/registered/<str:token>/meeting.ics",
        views.public_ics,
        name="public_ics",
    ),
]
