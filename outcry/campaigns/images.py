"""A campaign's picture: checked, re-encoded by Pillow and stored in responsive sizes.

An organiser's upload is never served as it came. It is decoded (JPEG, PNG or
WebP only, nothing else Pillow could read), refused if it is too big to decode
safely (a decompression bomb: a small file that unpacks into gigapixels), turned
upright by its EXIF orientation and then written afresh: WebP at 480, 800 and
1200 pixels wide for the page's srcset, and a JPEG for og:image (link previews
in messengers that read no WebP). The new files carry no EXIF: no camera, no
GPS position of where the photo of a person at risk was taken.

Files go through Django's storage API (``STORAGES["default"]``: var/media by
default, any backend in production) under random names,
``campaigns/<16 hex>-<width>.webp`` and ``campaigns/<16 hex>.jpg``; the public
/media/ view (site.views.media) serves only names of that shape.
"""

import re
import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# WebP's largest side: a picture taller than this at the width it is stored in cannot be written.
MAX_HEIGHT = 16383
WIDTHS = (480, 800, 1200)
OG_WIDTH = 1200
DECODERS = ("JPEG", "PNG", "WEBP")
# The only names the app writes, and so the only ones /media/ serves.
NAME_PATTERN = re.compile(r"campaigns/[0-9a-f]{16}(?:-(?:480|800|1200)\.webp|\.jpg)")


class ImageRefused(Exception):
    """The upload is not an image outcry accepts; the message says why, for the organiser."""


@dataclass(frozen=True)
class StoredImage:
    """Where a stored picture is: its base name, full size and the widths written."""

    name: str
    width: int
    height: int
    widths: tuple[int, ...]


def decode(upload) -> Image.Image:
    """Decode *upload* (a Django UploadedFile) into a Pillow image, or raise ImageRefused.

    Reads at most MAX_BYTES; checks the pixel count from the header before the
    pixels are decoded, so a decompression bomb is refused without being unpacked.
    """
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ImageRefused(gettext("The image is larger than 20 MB. Please upload a smaller one."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRefused(gettext("The image is larger than 20 MB. Please upload a smaller one."))
    not_an_image = gettext("This file is not a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then errors, above its own limit; ours is lower and checked below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=DECODERS)
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused(
                    gettext(
                        "The image is %(width)s by %(height)s pixels; at most 40 megapixels"
                        " are accepted. Please upload a smaller one."
                    )
                    % {"width": image.width, "height": image.height}
                )
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            gettext("The image has more than 40 megapixels. Please upload a smaller one.")
        ) from None
    except UnidentifiedImageError:
        raise ImageRefused(not_an_image) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(gettext("This image is damaged and cannot be read.")) from None
    upright = ImageOps.exif_transpose(image)
    if upright.height * min(upright.width, WIDTHS[-1]) / upright.width > MAX_HEIGHT:
        raise ImageRefused(
            gettext(
                "The image is too tall for its width to be shown on a page. Please crop it"
                " or upload another."
            )
        )
    return upright


def store(image: Image.Image, *, storage=None) -> StoredImage:
    """Write *image* as WebP in WIDTHS (never wider than it is) and one JPEG; return where.

    Every file is encoded anew, so nothing of the upload but its pixels is kept.
    """
    storage = storage or default_storage
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    full_width = min(image.width, WIDTHS[-1])
    widths = tuple(sorted({w for w in WIDTHS if w < image.width} | {full_width}))
    name = f"campaigns/{secrets.token_hex(8)}"
    for width in widths:
        _save(storage, f"{name}-{width}.webp", _resized(image, width), "WEBP", quality=80)
    flat = Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A") if has_alpha else None)
    _save(storage, f"{name}.jpg", _resized(flat, min(flat.width, OG_WIDTH)), "JPEG", quality=85)
    height = round(image.height * full_width / image.width)
    return StoredImage(name=name, width=full_width, height=height, widths=widths)


def delete(name: str, widths: tuple[int, ...], *, storage=None) -> None:
    """Remove the files of a stored picture (when it is replaced or removed)."""
    storage = storage or default_storage
    for file_name in [*(f"{name}-{width}.webp" for width in widths), f"{name}.jpg"]:
        storage.delete(file_name)


def _resized(image: Image.Image, width: int) -> Image.Image:
    if width == image.width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.LANCZOS)


def _save(storage, file_name: str, image: Image.Image, kind: str, **options) -> None:
    buffer = BytesIO()
    image.save(buffer, kind, **options)  # no exif= given: the new file has none
    saved = storage.save(file_name, ContentFile(buffer.getvalue()))
    if saved != file_name:  # a random name taken already: never serve the wrong file
        storage.delete(saved)
        raise ImageRefused(gettext("The image could not be stored. Please try again."))
