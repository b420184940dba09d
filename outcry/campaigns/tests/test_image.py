"""The campaign's picture: uploaded in the admin, re-encoded, served in responsive sizes."""

import re
import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from outcry.campaigns.models import Campaign
from outcry.campaigns.tests.test_admin import campaign_change_data
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
    make_petition,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(width=2000, height=1000, kind="JPEG", *, gps=True) -> bytes:
    image = Image.new("RGB", (width, height), (180, 40, 30))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "SpyCam"  # Make
        exif[0x8825] = {2: (37.0, 33.0, 0.0)}  # GPS latitude
    buffer = BytesIO()
    image.save(buffer, kind, **({"exif": exif} if kind in ("JPEG", "WEBP") else {}))
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is *width* by *height* but holds almost nothing (a bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def save_with_image(campaign, data: bytes, name="photo.jpg", **alts):
    organiser = make_organiser(organisation=campaign.lead_organisation)
    client = logged_in_client(organiser)
    fields = {"image": upload(data, name)}
    for n, text in enumerate(campaign.texts.order_by("pk")):
        fields[f"texts-{n}-image_alt"] = alts.get(text.language, "")
    return client.post(admin_url(campaign), campaign_change_data(campaign, **fields))


@pytest.fixture
def campaign(db):
    campaign = make_campaign(lead=make_organisation())
    make_petition(campaign=campaign)
    return campaign


def test_an_uploaded_photo_is_served_in_three_widths_with_its_alt_text_per_language(
    client, campaign
):
    response = save_with_image(
        campaign, photo(), en="Families hold photos", ko="가족들이 사진을 들고 있다"
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    img = re.search(r'<img class="campaign-image"[^>]*>', html).group(0)
    assert 'width="1200" height="600"' in img
    assert 'alt="Families hold photos"' in img
    assert 'sizes="(min-width: 44rem) 40rem, 100vw"' in img
    srcset = re.search(r'srcset="([^"]*)"', img).group(1)
    assert [entry.split()[1] for entry in srcset.split(", ")] == ["480w", "800w", "1200w"]
    og = re.search(r'<meta property="og:image" content="([^"]*)"', html).group(1)
    assert og.startswith("http") and og.endswith(".jpg")
    korean = client.get(f"/ko/c/{campaign.slug}/").content.decode()
    assert 'alt="가족들이 사진을 들고 있다"' in korean
    # Each file is served, re-encoded, without the camera or the place it was taken.
    for entry in srcset.split(", "):
        url, width = entry.split()
        served = client.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/webp"
        image = Image.open(BytesIO(b"".join(served.streaming_content)))
        assert image.format == "WEBP" and image.width == int(width[:-1])
        assert not image.getexif()
    served = client.get(og.removeprefix(re.match(r"https?://[^/]+", og).group(0)))
    image = Image.open(BytesIO(b"".join(served.streaming_content)))
    assert image.format == "JPEG" and not image.getexif()


def test_a_small_picture_is_not_enlarged(client, campaign):
    save_with_image(campaign, photo(600, 400, "PNG", gps=False), name="small.png")
    campaign.refresh_from_db()
    assert campaign.image_widths == "480,600"
    assert (campaign.image_width, campaign.image_height) == (600, 400)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "not a JPEG, PNG or WebP"),
        (b"GIF89a" + b"\0" * 100, "x.gif", "not a JPEG, PNG or WebP"),
        (photo(kind="BMP", gps=False), "x.bmp", "not a JPEG, PNG or WebP"),
        (photo()[:300], "cut.jpg", "damaged"),
        (png_header(8000, 6000), "bomb.png", "at most 40 megapixels"),
        (png_header(60000, 60000), "bigger-bomb.png", "more than 40 megapixels"),
    ],
)
def test_what_is_not_a_safe_image_is_refused_with_a_message(campaign, data, name, message):
    response = save_with_image(campaign, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.image_name == ""


def test_a_file_over_20_mb_is_refused(campaign, settings):
    response = save_with_image(campaign, b"\xff\xd8" + b"\0" * (20 * 1024 * 1024 + 1))
    assert "larger than 20 MB" in response.content.decode()


def test_replacing_the_picture_deletes_the_old_files(client, campaign, media_root):
    save_with_image(campaign, photo())
    campaign.refresh_from_db()
    old = campaign.image_name
    save_with_image(campaign, photo(1000, 1000))
    campaign.refresh_from_db()
    assert campaign.image_name != old
    names = {path.name for path in (media_root / "campaigns").iterdir()}
    assert not any(name.startswith(old.split("/")[1]) for name in names)
    assert client.get(f"/media/{old}-480.webp").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../var/secret_key",
        "/media/campaigns/../../secret_key",
        "/media/campaigns/0123456789abcdef-480.webp",  # the shape, but no campaign shows it
        "/media/campaigns/upload.jpg",
        "/media/private/photo.jpg",
    ],
)
def test_media_serves_only_files_the_site_wrote(client, campaign, media_root, path):
    (media_root / "campaigns").mkdir(parents=True, exist_ok=True)
    (media_root / "campaigns" / "upload.jpg").write_bytes(b"not ours")
    assert client.get(path).status_code == 404


def test_a_partner_sees_the_campaign_read_only_without_the_upload(campaign):
    partner = make_organisation()
    campaign.partners.add(partner)
    client = logged_in_client(make_organiser(organisation=partner))
    response = client.get(admin_url(campaign))
    assert response.status_code == 200
    assert 'name="image"' not in response.content.decode()


def test_a_drafts_picture_is_shown_only_to_its_organisers_and_never_kept_by_caches(
    client, campaign
):
    save_with_image(campaign, photo())
    campaign.refresh_from_db()
    url = f"/media/{campaign.image_name}-480.webp"
    assert client.get(url).status_code == 200  # published: public, kept a year

    # Withdrawn to a draft (say, to protect someone): the picture is no longer public.
    campaign.status = Campaign.Status.DRAFT
    campaign.save()
    assert client.get(url).status_code == 404
    stranger = logged_in_client(make_organiser(organisation=make_organisation(name="Beta")))
    assert stranger.get(url).status_code == 404
    own = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    shown = own.get(url)
    assert shown.status_code == 200
    assert shown["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("size", [(1, 20000), (1080, 20000)])
def test_a_picture_too_tall_to_store_is_refused_not_a_500(campaign, media_root, size):
    response = save_with_image(campaign, photo(*size, kind="PNG", gps=False), name="long.png")
    assert response.status_code == 200
    assert "The image is too tall for its width" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.image_name == ""
    assert not (media_root / "campaigns").exists() or not any((media_root / "campaigns").iterdir())


def test_a_wide_strip_is_stored(campaign):
    assert (
        save_with_image(
            campaign, photo(20000, 10, kind="PNG", gps=False), name="strip.png"
        ).status_code
        == 302
    )


@pytest.mark.parametrize("how", ["delete page", "list action"])
def test_deleting_a_campaign_deletes_its_pictures_files(
    campaign, media_root, django_user_model, django_capture_on_commit_callbacks, how
):
    save_with_image(campaign, photo())
    campaign.refresh_from_db()
    assert any((media_root / "campaigns").iterdir())
    campaign.petitions.all().delete()
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12)
    client = logged_in_client(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "delete page":
            response = client.post(admin_url(campaign, "delete"), {"post": "yes"})
        else:
            response = client.post(
                admin_url(Campaign, "changelist"),
                {"action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"},
            )
    assert response.status_code == 302
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not any((media_root / "campaigns").iterdir())
