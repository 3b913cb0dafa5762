from django.urls import path

from . import views

app_name = "presence"
urlpatterns = [
    path("spaces/", views.spaces, name="spaces"),
    path("spaces/new/", views.space_create, name="space_create"),
    path("spaces/<slug:slug>/", views.space, name="space"),
    path("spaces/<slug:slug>/join/", views.join, name="join"),
    path("spaces/<slug:slug>/join/cancel/", views.cancel_join, name="cancel_join"),
    path("spaces/<slug:slug>/requests/", views.join_requests, name="join_requests"),
    path(
        "spaces/<slug:slug>/requests/<int:request_id>/",
        views.decide_join_request,
        name="decide_join_request",
    ),
    path("spaces/<slug:slug>/leave/", views.leave, name="leave"),
    path("spaces/<slug:slug>/check-in/", views.check_in, name="check_in"),
    path("spaces/<slug:slug>/claim-desk/", views.claim_desk, name="claim_desk"),
    path("spaces/<slug:slug>/check-out/", views.check_out, name="check_out"),
    path("spaces/<slug:slug>/people/", views.people, name="people"),
    path("spaces/<slug:slug>/watch/", views.watch, name="watch"),
    path("spaces/<slug:slug>/unwatch/", views.unwatch, name="unwatch"),
    path("spaces/<slug:slug>/manage/", views.manage, name="manage"),
    path(
        "spaces/<slug:slug>/manage/kiosks/<int:kiosk_id>/revoke/",
        views.revoke_kiosk,
        name="revoke_kiosk",
    ),
    path("spaces/<slug:slug>/kiosk/", views.kiosk, name="kiosk"),
    path("spaces/<slug:slug>/kiosk/people/", views.kiosk_people, name="kiosk_people"),
    path("spaces/<slug:slug>/kiosk/toggle/", views.kiosk_toggle, name="kiosk_toggle"),
]
