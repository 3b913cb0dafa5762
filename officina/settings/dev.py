"""Local development and the demo: debug on unless DEBUG says otherwise."""

import os

from .base import *  # noqa: F403
from .base import EMAIL_FILE_PATH

DEBUG = os.environ.get("DEBUG", "true").lower() in {"1", "true", "yes"}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = EMAIL_FILE_PATH
