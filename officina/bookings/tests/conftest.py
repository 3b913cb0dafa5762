from officina.bookings.tests.fixtures import buffered_room, room, tomorrow

__all__ = ["buffered_room", "room", "tomorrow"]
