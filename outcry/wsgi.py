"""WSGI entry point, served by granian (see core/management/commands/serve.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outcry.settings")
application = get_wsgi_application()
