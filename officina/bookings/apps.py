from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "officina.bookings"
    label = "bookings"
