"""Text helpers shared by every app: cleaning user input and picking a translation."""

import re
import unicodedata
from collections.abc import Iterable
from typing import Protocol

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# Every control character each kind of text drops lives here, named for what it strips.
# C0 and C1 control characters and DEL, except tab, line feed and carriage return
# (NUL included): what a form field and user-typed text drop.
_CONTROL_EXCEPT_TAB_AND_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# C0 control characters and DEL except line feed: what a letter's printed or mailed
# text drops once its carriage returns and tabs are converted (invisible in a PDF, and
# able to start a new header in an email). C1 characters are left as they are.
_C0_AND_DEL_EXCEPT_LINE_FEED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
# Runs of C0 control characters (tab and line breaks included) and DEL: what would
# let a value start a new mail header.
_C0_AND_DEL_RUNS = re.compile(r"[\x00-\x1f\x7f]+")
# Bidirectional embeddings, overrides and isolates: in a comment, U+202E makes
# what follows read backwards (and can make a comment seem to say what it does
# not). The page marks each comment dir="auto", which is all right-to-left
# text needs; the marks LRM and RLM stay, since they reorder nothing.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters
# a renderer shows as nothing, among them the Hangul fillers (U+115F, U+1160,
# U+3164, U+FFA0, letters to Python) and the tag characters (U+E0000-U+E0FFF).
_DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_IGNORABLE = re.compile(f"[{_DEFAULT_IGNORABLE}]")
# What a one-line field drops: every default-ignorable character except those
# real writing needs. The zero-width (non-)joiners stay (Persian and Indic names,
# emoji), as do the variation selectors (emoji, Han and Mongolian variants).
_INVISIBLE = re.compile(
    f"(?![\u200c\u200d\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef])[{_DEFAULT_IGNORABLE}]"
)


def clean_line(value: str) -> str:
    """Return *value* as one tidy line: NFC, no control or invisible characters, single spaces."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", _CONTROL_EXCEPT_TAB_AND_LINE_BREAKS.sub("", value))
    return " ".join(value.split())


def has_invisible_characters(value: str) -> bool:
    """True if *value* holds a character shown as nothing: default-ignorable or format (Cf)."""
    return bool(_IGNORABLE.search(value)) or any(unicodedata.category(ch) == "Cf" for ch in value)


def without_control_characters(value: str) -> str:
    """Return *value* without C0/C1 control characters or DEL; tabs and line breaks stay."""
    return _CONTROL_EXCEPT_TAB_AND_LINE_BREAKS.sub("", value)


def plain_lines(text: str) -> str:
    """Return *text* with Unix line breaks, tabs as four spaces and no other C0 control or DEL."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _C0_AND_DEL_EXCEPT_LINE_FEED.sub("", text)


def one_line(value: str) -> str:
    """Return *value* on one line: each run of C0 controls (line breaks, tabs) or DEL a space."""
    return _C0_AND_DEL_RUNS.sub(" ", value).strip()


def has_c0_control_or_del(value: str) -> bool:
    """True if *value* holds a C0 control character (tab and line breaks included) or DEL."""
    return bool(_C0_AND_DEL_RUNS.search(value))


def clean_text(value: str) -> str:
    """Return multi-line *value* without control characters or bidi overrides, \\n line ends."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _BIDI_CONTROLS.sub("", _CONTROL_EXCEPT_TAB_AND_LINE_BREAKS.sub("", value)).strip()


def has_control_characters(value: str) -> bool:
    """True if *value* holds a C0/C1 control character or DEL other than tab and line breaks."""
    return bool(_CONTROL_EXCEPT_TAB_AND_LINE_BREAKS.search(value))


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
