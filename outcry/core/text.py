"""Text helpers shared by every app: cleaning user input and picking a translation."""

import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# C0/C1 control characters except tab and line breaks; NUL included.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters no name needs: bidirectional embeddings, overrides and
# isolates (which can make a public name read backwards or swallow what follows
# it), the zero-width space, word joiner and byte order mark. Zero-width
# (non-)joiners stay: Persian and Indic names and emoji need them.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# Bidirectional embeddings, overrides and isolates: in a comment, U+202E makes
# what follows read backwards (and can make a comment seem to say what it does
# not). The page marks each comment dir="auto", which is all right-to-left
# text needs; the marks LRM and RLM stay, since they reorder nothing.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_line(value: str) -> str:
    """Return *value* as one tidy line: NFC, no control or invisible characters, single spaces."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", _CONTROL.sub("", value))
    return " ".join(value.split())


def without_control_characters(value: str) -> str:
    return _CONTROL.sub("", value)


def clean_text(value: str) -> str:
    """Return multi-line *value* without control characters or bidi overrides, \\n line ends."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI_CONTROLS.sub("", _CONTROL.sub("", value)).strip()


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL.search(value))


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "hr",
}


def render_markdown(source: str) -> SafeString:
    """Render organiser Markdown to HTML, keeping only a short list of tags and attributes."""
    html = markdown.markdown(source, extensions=["sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


class HasLanguage(Protocol):
    language: str


def pick_translation[T: HasLanguage](
    rows: Iterable[T], language: str, order: list[str]
) -> T | None:
    """Return the row in *language*, else the first of *order* that exists, else any row."""
    by_language = {row.language: row for row in rows}
    for code in [language, *order]:
        if code in by_language:
            return by_language[code]
    return next(iter(by_language.values()), None)
