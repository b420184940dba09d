"""How an office's name is shown: the one place pages, messages and JSON-LD take it from."""

from django.utils.translation import get_language

from outcry.directory.models import Target


def office_name(target: Target, language: str | None = None) -> str:
    """*target*'s name for a reader of *language* (default: the active one), else its own."""
    return target.name_in(language or get_language() or "en")
