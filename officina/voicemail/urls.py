from django.urls import URLPattern, URLResolver, path

from officina.voicemail import views

app_name = "voicemail"
urlpatterns: list[URLPattern | URLResolver] = [
    path("phone/voicemail/", views.voicemail, name="voicemail"),
    path("phone/voicemail/settings/", views.update_box, name="update_box"),
    path("phone/voicemail/pin/", views.set_pin, name="set_pin"),
    path("phone/voicemail/greeting/spoken/", views.speak_greeting, name="speak_greeting"),
    path("phone/voicemail/greeting/upload/", views.upload_greeting, name="upload_greeting"),
    path("phone/voicemail/greeting/standard/", views.standard_greeting, name="standard_greeting"),
    path("phone/voicemail/greeting.wav", views.greeting_audio, name="greeting_audio"),
    path("phone/voicemail/<int:message_id>.wav", views.message_audio, name="message_audio"),
    path("phone/voicemail/<int:message_id>/heard/", views.mark_heard, name="mark_heard"),
    path("phone/voicemail/<int:message_id>/delete/", views.delete_message, name="delete_message"),
]
