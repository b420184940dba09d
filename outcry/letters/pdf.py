"""Letters as print-ready PDF pages, for fax and for post.

Pages are A4, laid out after DIN 5008 form B so that, folded in three at the
marks, the recipient's address shows through the window of a DL or C5/6 window
envelope (DIN 680: window 90 x 45 mm, 20 mm from the left edge): the address
field is 85 x 45 mm, 20 mm from the left and 45 mm from the top of the page; its
first 17.7 mm carry a one-line return address, the recipient's address sits
in the 27.3 mm below (ADDRESS_* below). US #10 envelopes and Letter paper are not
laid out for (an A4 page still prints on Letter with the text inside the margins,
but the address will not meet a US window).

Text is set in Noto Sans, Noto Sans KR and Noto Sans SC (vendored by
``make vendor-fonts``), with fpdf2's font fallback so Korean, Chinese and Latin
may mix on one line; only the fonts a document needs are embedded, subset.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos

from outcry.directory.models import Channel, Target
from outcry.letters.models import Letter
from outcry.letters.wording import (
    long_date,
    recipient_lines,
    sender_lines,
    wording_for,
)

# Server-side only: kept out of static/ so collectstatic neither copies nor serves 17 MB.
FONT_DIR = Path(settings.BASE_DIR) / "outcry" / "letters" / "fonts"
FONTS = {
    "latin": FONT_DIR / "noto-sans-0.4.2" / "NotoSans_400Regular.ttf",
    "ko": FONT_DIR / "noto-sans-kr-0.4.3" / "NotoSansKR_400Regular.ttf",
    "zh": FONT_DIR / "noto-sans-sc-0.4.3" / "NotoSansSC_400Regular.ttf",
}

LAYOUTS = ("fax", "post")

# Millimetres on an A4 page (210 x 297), DIN 5008 form B.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25, 20, 20, 20
ADDRESS_LEFT, ADDRESS_TOP, ADDRESS_WIDTH, ADDRESS_HEIGHT = 20, 45, 85, 45
ADDRESS_INSET = 5  # text starts 25 mm from the edge, as DIN 5008 has it
RETURN_ZONE_HEIGHT = 17.7  # the return address and remarks above the recipient
RECIPIENT_TOP = ADDRESS_TOP + RETURN_ZONE_HEIGHT  # 62.7 mm
RECIPIENT_HEIGHT = ADDRESS_HEIGHT - RETURN_ZONE_HEIGHT  # 27.3 mm: six lines at 10 pt
INFO_LEFT = 125  # the information block (date) beside the address field
BODY_TOP = 98.5
FOLD_MARKS = (105, 210)
PUNCH_MARK = 148.5

# Address labels: 3 x 8 per A4 sheet, 70 x 37.125 mm each, no sheet margin (the
# common 24-up layout of 70 x 37 mm labels).
LABEL_COLUMNS, LABEL_ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = PAGE_WIDTH / LABEL_COLUMNS, PAGE_HEIGHT / LABEL_ROWS
LABEL_INSET = 6

BODY_SIZE, BODY_LINE = 11, 5.8
ADDRESS_SIZE, ADDRESS_LINE = 10, 4.5


class PDFError(Exception):
    """The letter could not be laid out (e.g. a font file is missing)."""


@dataclass(frozen=True)
class Page:
    """One target's letter on the page, with the channel that says where it goes."""

    target: Target
    channel: Channel | None


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    page_count: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@cache
def _coverage(name: str) -> frozenset[int]:
    """The code points font *name* has glyphs for (read once per process)."""
    try:
        font = TTFont(FONTS[name], lazy=True)
    except OSError as error:
        raise PDFError(f"Font {FONTS[name]} is missing; run `make vendor-fonts`.") from error
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _font_order(language: str) -> list[str]:
    """The font each script prefers: Chinese text in Chinese glyph shapes, and so on."""
    if language.startswith("ko"):
        return ["ko", "latin", "zh"]
    if language.startswith("zh"):
        return ["zh", "latin", "ko"]
    return ["latin", "ko", "zh"]


def _fonts_needed(language: str, texts: list[str]) -> list[str]:
    """The primary font, then only the fallbacks some character in *texts* needs."""
    order = _font_order(language)
    wanted = {ord(char) for text in texts for char in text if not char.isspace()}
    needed = [order[0]]
    missing = wanted - _coverage(order[0])
    for name in order[1:]:
        if not missing:
            break
        if missing & _coverage(name):
            needed.append(name)
            missing -= _coverage(name)
    return needed


class _Document(FPDF):
    """An A4 document with the fonts its texts need, switched per letter language."""

    def __init__(self, *, texts_by_language: dict[str, list[str]]) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
        self.set_creator("outcry")
        self.loaded: list[str] = []
        for language, texts in texts_by_language.items():
            for name in _fonts_needed(language, texts):
                if name not in self.loaded:
                    self.add_font(name, fname=str(FONTS[name]))
                    self.loaded.append(name)
        self.wrapmode = WrapMode.WORD
        self.use_language(next(iter(texts_by_language), "en"))

    def use_language(self, language: str) -> None:
        """Set the font order for *language*: its own glyph shapes first, the rest as fallback."""
        order = [name for name in _font_order(language) if name in self.loaded]
        self.set_font(order[0], size=self.font_size_pt or BODY_SIZE)
        self.set_fallback_fonts(order[1:], exact_match=False)
        # Chinese is written without spaces: lines may break between any two characters.
        self.wrapmode = WrapMode.CHAR if language.startswith("zh") else WrapMode.WORD

    def paragraph(self, text: str, *, height: float = BODY_LINE, width: float = 0) -> None:
        self.multi_cell(
            width,
            height,
            text,
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=self.wrapmode,
        )


def _text_lines(pdf: _Document, x: float, y: float, width: float, lines: list[str], size: float):
    pdf.set_font_size(size)
    line_height = size * 0.45
    pdf.set_xy(x, y)
    for line in lines:
        pdf.set_x(x)
        pdf.multi_cell(width, line_height, line, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fit_size(pdf: _Document, lines: list[str], width: float, height: float) -> float:
    """The largest size up to ADDRESS_SIZE at which *lines* fit the box unwrapped."""
    size = ADDRESS_SIZE
    while size > 6:
        pdf.set_font_size(size)
        fits_across = all(pdf.get_string_width(line) <= width for line in lines)
        if fits_across and len(lines) * size * 0.45 <= height:
            break
        size -= 0.5
    return size


def _address_block(pdf: _Document, *, page: Page, letter: Letter, layout: str) -> None:
    width = ADDRESS_WIDTH - 2 * ADDRESS_INSET
    x = ADDRESS_LEFT + ADDRESS_INSET
    if layout == "post":
        # One small line the post office reads as the return address.
        return_line = ", ".join(sender_lines(letter))
        size = 7
        pdf.set_font_size(size)
        while size > 5 and pdf.get_string_width(return_line) > width:
            size -= 0.5
            pdf.set_font_size(size)
        pdf.set_xy(x, RECIPIENT_TOP - 5)
        pdf.cell(width, 3.5, return_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    lines = recipient_lines(
        target=page.target, channel=page.channel, kind=layout, language=letter.language
    )
    size = _fit_size(pdf, lines, width, RECIPIENT_HEIGHT)
    _text_lines(pdf, x, RECIPIENT_TOP + 1, width, lines, size)


def _marks(pdf: _Document) -> None:
    """Fold marks at 105 and 210 mm and a punch mark at the middle, on the left edge."""
    pdf.set_line_width(0.2)
    for y in FOLD_MARKS:
        pdf.line(4, y, 9, y)
    pdf.line(4, PUNCH_MARK, 11, PUNCH_MARK)


def _letter_pages(pdf: _Document, *, page: Page, letter: Letter, layout: str) -> None:
    wording = wording_for(letter=letter, target=page.target)
    pdf.add_page()
    if layout == "post":
        _marks(pdf)
    # The sender, top left, as a letterhead.
    _text_lines(pdf, MARGIN_LEFT, 15, 100, sender_lines(letter), 10)
    _address_block(pdf, page=page, letter=letter, layout=layout)
    pdf.set_font_size(10)
    pdf.set_xy(INFO_LEFT, RECIPIENT_TOP + 1)
    pdf.cell(
        PAGE_WIDTH - MARGIN_RIGHT - INFO_LEFT, 5, long_date(timezone.localdate(), letter.language)
    )

    pdf.set_xy(MARGIN_LEFT, BODY_TOP)
    pdf.set_font_size(12)
    pdf.paragraph(wording.subject, height=6.5)
    pdf.ln(4)
    pdf.set_font_size(BODY_SIZE)
    pdf.paragraph(wording.salutation)
    pdf.ln(BODY_LINE / 2)
    for paragraph in wording.body.split("\n\n"):
        if paragraph.strip():
            pdf.paragraph(paragraph.strip())
            pdf.ln(BODY_LINE / 2)
    pdf.ln(BODY_LINE / 2)
    pdf.paragraph(wording.closing)
    pdf.ln(BODY_LINE * 2)  # room to sign by hand
    for line in wording.signature:
        pdf.paragraph(line)


def _label_pages(pdf: _Document, pages: list[tuple[Page, str]]) -> None:
    """Address labels for every target, 24 to a sheet, for envelopes without a window."""
    pdf.set_auto_page_break(auto=False)
    width = LABEL_WIDTH - 2 * LABEL_INSET
    height = LABEL_HEIGHT - 2 * LABEL_INSET
    for index, (page, language) in enumerate(pages):
        slot = index % (LABEL_COLUMNS * LABEL_ROWS)
        if slot == 0:
            pdf.add_page()
        row, column = divmod(slot, LABEL_COLUMNS)
        lines = recipient_lines(
            target=page.target, channel=page.channel, kind="post", language=language
        )
        size = _fit_size(pdf, lines, width, height)
        x = column * LABEL_WIDTH + LABEL_INSET
        y = row * LABEL_HEIGHT + LABEL_INSET
        _text_lines(pdf, x, y, width, lines, size)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)


def _texts(letter: Letter, pages: list[Page], layout: str) -> list[str]:
    """Every string the letter's pages will show, to choose the fonts they need."""
    texts = [letter.subject, letter.body, *sender_lines(letter)]
    for page in pages:
        texts += recipient_lines(
            target=page.target, channel=page.channel, kind=layout, language=letter.language
        )
        texts.append(page.target.salutation)
    with translation.override(letter.language):
        texts += [gettext("Dear Sir or Madam"), gettext("Yours sincerely,")]
    texts.append(long_date(timezone.localdate(), letter.language))
    return texts


def render_letters_pdf(*, batch: list[tuple[Letter, list[Page]]], layout: str) -> RenderedPDF:
    """Lay out each letter once per page entry; for post, add address labels at the end.

    Raises PDFError for an unknown layout, an empty batch or a missing font.
    """
    if layout not in LAYOUTS:
        raise PDFError(f"Unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}.")
    batch = [(letter, pages) for letter, pages in batch if pages]
    if not batch:
        raise PDFError("A letter needs at least one target to be laid out.")
    texts_by_language: dict[str, list[str]] = {}
    for letter, pages in batch:
        texts_by_language.setdefault(letter.language, []).extend(_texts(letter, pages, layout))
    pdf = _Document(texts_by_language=texts_by_language)
    first_letter, first_pages = batch[0]
    pdf.set_lang(first_letter.language)
    pdf.set_title(wording_for(letter=first_letter, target=first_pages[0].target).subject)
    for letter, pages in batch:
        with translation.override(letter.language):
            pdf.use_language(letter.language)
            for page in pages:
                _letter_pages(pdf, page=page, letter=letter, layout=layout)
    if layout == "post":
        # Labels carry addresses in any script: the Latin font first, the rest as fallback.
        pdf.use_language("en")
        _label_pages(pdf, [(page, letter.language) for letter, pages in batch for page in pages])
    return RenderedPDF(content=bytes(pdf.output()), page_count=len(pdf.pages))


def render_letter_pdf(*, letter: Letter, pages: list[Page], layout: str) -> RenderedPDF:
    """One letter to each of *pages*' targets (see render_letters_pdf)."""
    return render_letters_pdf(batch=[(letter, pages)], layout=layout)
