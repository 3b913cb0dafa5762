"""Test settings: fast hashing, in-memory mail, tasks run immediately."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", tempfile.mkdtemp(prefix="officina-media-")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
# The suite pins the default ranking (scores, query counts) whether or not the semantic
# extra is installed; its own tests turn it on.
MATCH_SEMANTIC = False
# One SIP process, as everywhere but Linux: the registrar processes' own tests turn them on.
SIP_REGISTRAR_PROCESSES = 0

# Several suites may share one PostgreSQL server (parallel runs on a developer machine):
# TEST_DATABASE_NAME keeps each run's test database apart. SQLite's test databases are in
# memory and apart already; a name there would leave database files in the working tree.
if (
    os.environ.get("TEST_DATABASE_NAME")
    and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"  # noqa: F405
):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}  # noqa: F405
