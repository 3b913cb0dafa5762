"""The ``officina`` command.

``officina serve`` runs the web server and the SIP server together;
``officina demo`` loads the demo community; ``officina createadmin`` makes a
superuser; every other sub-command is Django's (``officina migrate``,
``officina makemigrations``, ``officina shell``...).
"""

from __future__ import annotations

import os
import sys


def default_settings_module() -> str:
    """Production only when the environment says so; development otherwise."""
    if os.environ.get("OFFICINA_ENV", "").lower() in {"production", "prod"}:
        return "officina.settings.prod"
    return "officina.settings.dev"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module())
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "officina"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
