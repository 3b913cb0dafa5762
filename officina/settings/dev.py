"""Local development and the demo (``scripts/run``): production-shaped, mail kept in files.

DEBUG stays off unless ``DEBUG=true`` is set, as in every environment.
"""

import os

from .base import *  # noqa: F403
from .base import EMAIL_FILE_PATH

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = EMAIL_FILE_PATH
