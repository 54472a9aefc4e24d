"""``phongdich``: the management entry point. It does what ``manage.py`` does, plus the project's commands.

Command names may be written with hyphens (``load-units``) or underscores (``load_units``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phongdich.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "phongdich"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
