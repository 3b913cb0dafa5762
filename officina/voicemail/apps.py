from django.apps import AppConfig


class VoicemailConfig(AppConfig):
    name = "officina.voicemail"
    label = "voicemail"
