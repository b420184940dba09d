#!/usr/bin/env python
"""Django's command-line utility for outcry."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outcry.settings")
    # Imported here, as in Django's own manage.py: the settings module is named first.
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
