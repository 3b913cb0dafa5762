from django.urls import URLPattern, URLResolver, path

from officina.pbx import views

app_name = "pbx"
urlpatterns: list[URLPattern | URLResolver] = [
    path("phone/", views.phone, name="phone"),
    path("phone/forwarding/", views.forwarding, name="forwarding"),
    path("phone/browser/", views.softphone, name="softphone"),
    path("phone/browser/credential/", views.softphone_credential, name="softphone-credential"),
    path("phone/browser/caller/<str:number>/", views.softphone_caller, name="softphone-caller"),
    path("phone/calls/", views.click_to_call, name="click-to-call"),
    path("phone/calls/<str:ticket>/", views.click_to_call_progress, name="click-to-call-progress"),
    path("phone/calls/<str:ticket>/end/", views.click_to_call_end, name="click-to-call-end"),
    path("companies/<slug:slug>/hold-music/", views.hold_music, name="hold-music"),
    path("companies/<slug:slug>/calls/", views.company_call_history, name="company-calls"),
    path("companies/<slug:slug>/calls.csv", views.company_call_export, name="company-calls-csv"),
]
