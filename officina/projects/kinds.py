"""The projects app's choices and bounds, importable without its models: the API, the
forms and the demo use them too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectRole(models.TextChoices):
    """What a company or a person may do in a project; a person holds the highest role of
    their own and of the companies they belong to."""

    OWNER = "owner", _("owner")
    CONTRIBUTOR = "contributor", _("contributor")
    VIEWER = "viewer", _("guest viewer")


# Higher ranks may do all that lower ones may.
ROLE_RANK = {ProjectRole.VIEWER: 1, ProjectRole.CONTRIBUTOR: 2, ProjectRole.OWNER: 3}


class TaskStatus(models.TextChoices):
    TODO = "todo", _("to do")
    DOING = "doing", _("in progress")
    DONE = "done", _("done")


class LinkKind(models.TextChoices):
    BOOKING = "booking", _("booking")
    EVENT = "event", _("event")


class ActivityKind(models.TextChoices):
    CREATED = "created", _("project created")
    JOINED = "joined", _("joined")
    THREAD = "thread", _("new thread")
    COMMENT = "comment", _("comment")
    TASK = "task", _("new task")
    TASK_STATUS = "task_status", _("task moved")
    FILE = "file", _("new file")
    FILE_VERSION = "file_version", _("new version")
    LINK = "link", _("linked")
    THREAD_EDITED = "thread_edited", _("thread edited")
    THREAD_DELETED = "thread_deleted", _("thread deleted")
    COMMENT_EDITED = "comment_edited", _("comment edited")
    COMMENT_DELETED = "comment_deleted", _("comment deleted")
    FILE_DELETED = "file_deleted", _("file deleted")
    VERSION_DELETED = "version_deleted", _("version deleted")
    ARCHIVED = "archived", _("project archived")
    UNARCHIVED = "unarchived", _("project brought back")


NAME_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 10_000
# An upload's limit: big enough for drawings and decks, small enough that a handful of
# projects cannot fill the disk of a small coworking's server.
FILE_MAX_BYTES = 20 * 1024 * 1024
