"""Letter PDFs for fax and post, read back with pypdf: text, scripts, address position, labels."""

import io

import pytest
from pypdf import PdfReader

from outcry.directory.testing import make_target
from outcry.letters import channels, pdf
from outcry.letters.channels.post import NothingToPrint, post_batch_pdf, print_post_deliveries
from outcry.letters.models import Delivery
from outcry.letters.tests.delivery_helpers import make_letter, queue_delivery

MM = 72 / 25.4  # PDF points per millimetre

pytestmark = pytest.mark.django_db

WASHINGTON = "3505 International Place NW\nWashington, DC 20008"
SEOUL = "서울특별시 중구 명동2길 27"


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def positions(page) -> list[tuple[str, float, float]]:
    """Each piece of text with where it starts, in mm from the page's left and top edges."""
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / MM, (float(page.mediabox.height) - y) / MM))

    page.extract_text(visitor_text=visit)
    return found


def letter_pages(*, letter, targets, layout: str) -> bytes:
    """The letter to each of *targets* as pages with the fax number or postal address."""
    channel = channels.get("fax" if layout == "fax" else "post")
    pages = [pdf.Page(target=target, channel=channel.contact_for(target)) for target in targets]
    return pdf.render_letter_pdf(letter=letter, pages=pages, layout=layout).content


def test_fax_pages_carry_korean_chinese_and_latin_text_one_target_per_page():
    embassy = make_target(
        name="Embassy of the People's Republic of China",
        role="Ambassador",
        channels={"fax": "+12024952266"},
    )
    seoul = make_target(
        channels={"fax": "+8227380038"},
        name="주한 중국대사관",
        role="",
        country="KR",
        salutation="대사님께",
    )
    letter = make_letter(targets=[embassy, seoul])

    reader = read(letter_pages(letter=letter, targets=[embassy, seoul], layout="fax"))

    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    for text in (first, second):
        assert "김민지" in text and "Seoul" in text  # sender and signature
        assert "탈북자 강제 북송을 멈춰 주십시오" in text  # subject
        assert "강제 북송을 멈춰 주실 것을" in text  # Korean body
        assert "他们是难民，不应被强制遣返" in text  # noqa: RUF001 - Chinese body
        assert "Please let them go to the country of their choice." in text
    assert "Embassy of the People's Republic of China" in first and "Fax +12024952266" in first
    # The importer's English salutation, in the letter's language (Korean here).
    assert "존경하는 대사님께" in first and "Your Excellency" not in first
    assert "주한 중국대사관" in second and "대사님께" in second
    assert "@" not in first  # never the supporter's email address on paper


def test_placeholders_are_filled_per_target_and_the_name_typed_for_this_letter_signs_it():
    embassy = make_target(channels={"fax": "+12024952266"}, name="Embassy of China", salutation="")
    letter = make_letter(
        targets=[embassy],
        language="en",
        name="Kim Min-ji",
        sender_name="M. Kim",
        sender_country="KR",
        subject="To the {target_name}: stop the returns",
        body="{salutation}, I, {supporter_name} of {supporter_city}, ask {target_name} {to act}.",
    )

    text = read(letter_pages(letter=letter, targets=[embassy], layout="fax")).pages[0]
    text = text.extract_text()

    assert "To the Embassy of China: stop the returns" in text
    assert "Dear Sir or Madam," in text  # no salutation in the directory
    assert "I, M. Kim of Seoul, ask Embassy of China {to act}." in text
    assert "South Korea" in text  # the sender's country, named in the letter's language
    assert "Kim Min-ji" not in text


def test_a_long_letter_wraps_and_runs_over_several_pages_for_one_target():
    target = make_target(channels={"fax": "+12024952266"})
    long_body = "\n\n".join(
        ["This paragraph is long enough to wrap across the whole width of an A4 page. " * 6] * 12
        + ["这是一个很长的中文段落，没有空格也必须在页面内换行。" * 30]  # noqa: RUF001
    )
    letter = make_letter(targets=[target], language="en", body=long_body, subject="Stop it")

    reader = read(letter_pages(letter=letter, targets=[target], layout="fax"))

    assert len(reader.pages) >= 3
    for page in reader.pages:
        for text, x, _y in positions(page):
            assert x < 190, f"{text!r} starts outside the right margin"
    last = reader.pages[-1].extract_text()
    assert "Yours sincerely," in last and "김민지" in last
    assert "没有空格也必须在页面内换行" in "".join(p.extract_text() for p in reader.pages).replace(
        "\n", ""
    )


def test_post_address_sits_in_the_window_of_a_din_5008_envelope_and_labels_follow():
    embassy = make_target(
        name="Embassy of the People's Republic of China",
        role="Ambassador",
        channels={"post": WASHINGTON},
    )
    seoul = make_target(channels={"post": SEOUL}, name="주한 중국대사관", role="", country="KR")
    letter = make_letter(targets=[embassy, seoul])

    reader = read(letter_pages(letter=letter, targets=[embassy, seoul], layout="post"))

    assert len(reader.pages) == 3  # one letter page per target, then the labels
    recipient = [
        "Embassy of the People's Republic of China",
        "Ambassador",
        "3505 International Place NW",
        "Washington, DC 20008",
        "UNITED STATES",
    ]
    placed = {text: (x, y) for text, x, y in positions(reader.pages[0])}
    for line in recipient:
        x, y = placed[line]
        # The recipient zone of the address field: 20-105 mm across, 62.7-90 mm down.
        assert pdf.ADDRESS_LEFT <= x <= pdf.ADDRESS_LEFT + pdf.ADDRESS_WIDTH, line
        assert pdf.RECIPIENT_TOP <= y <= pdf.ADDRESS_TOP + pdf.ADDRESS_HEIGHT, line
    ys = [placed[line][1] for line in recipient]
    assert ys == sorted(ys)  # top to bottom in order
    return_line = next(text for text in placed if text.startswith("김민지, Seoul"))
    assert pdf.ADDRESS_TOP <= placed[return_line][1] <= pdf.RECIPIENT_TOP

    korean_page = {text: (x, y) for text, x, y in positions(reader.pages[1])}
    x, y = korean_page[SEOUL]
    assert pdf.RECIPIENT_TOP <= y <= pdf.ADDRESS_TOP + pdf.ADDRESS_HEIGHT
    assert "SOUTH KOREA" in korean_page

    labels = reader.pages[2].extract_text()
    for line in ["3505 International Place NW", "UNITED STATES", SEOUL, "주한 중국대사관"]:
        assert line in labels
    assert "대사님께" not in labels  # labels carry addresses only


def test_unknown_layout_and_no_targets_are_refused_with_a_clear_error():
    target = make_target(channels={"fax": "+12024952266"})
    letter = make_letter(targets=[target])
    with pytest.raises(pdf.PDFError, match="Unknown layout"):
        letter_pages(letter=letter, targets=[target], layout="telex")
    with pytest.raises(pdf.PDFError, match="at least one target"):
        letter_pages(letter=letter, targets=[], layout="fax")


def test_supporter_download_marks_post_deliveries_sent_and_can_be_downloaded_again():
    embassy = make_target(channels={"post": WASHINGTON})
    letter = make_letter(targets=[embassy])
    delivery = queue_delivery(letter=letter, target=embassy, kind="post")

    first = post_batch_pdf(letter=letter)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.page_count == 2 and len(delivery.pdf_sha256) == 64
    assert "3505 International Place NW" in read(first).pages[0].extract_text()

    again = post_batch_pdf(letter=letter)  # the supporter lost the file
    assert "3505 International Place NW" in read(again).pages[0].extract_text()
    with pytest.raises(NothingToPrint):
        print_post_deliveries(deliveries=Delivery.objects.all())  # organisers: nothing left


def test_organiser_batch_prints_each_pending_letter_once_in_its_language():
    embassy = make_target(channels={"post": WASHINGTON})
    korean = make_letter(targets=[embassy])
    chinese = make_letter(
        targets=[embassy],
        name="王芳",
        language="zh-hans",
        subject="请停止强制遣返",
        body="我们请求您停止强制遣返脱北者。",
    )
    rows = [
        queue_delivery(letter=letter, target=embassy, kind="post") for letter in (korean, chinese)
    ]

    content, count = print_post_deliveries(deliveries=Delivery.objects.all(), printed_by="ana")

    assert count == 2
    text = "".join(page.extract_text() for page in read(content).pages)
    assert "我们请求您停止强制遣返脱北者" in text and "강제 북송" in text
    assert "王芳" in text and "김민지" in text
    for row in rows:
        row.refresh_from_db()
        assert row.status == Delivery.Status.SENT
        assert row.provider_reference == "printed-by-organiser:ana"
    with pytest.raises(NothingToPrint):
        print_post_deliveries(deliveries=Delivery.objects.all())
    with pytest.raises(NothingToPrint):
        post_batch_pdf(letter=korean)  # organisers printed it: the supporter must not post it too
