"""Share links for every thank-you page: plain links, so no third party runs on our page.

KakaoTalk, the messenger most Koreans share with, has no share link that works
without Kakao's SDK (a third-party script and an app key). So the block offers,
in this order: the phone's own share sheet (the Web Share API, site.js), where
KakaoTalk is one of the apps; a "Copy link" button (site.js) beside the link
itself, visible and selectable without JavaScript; and a QR code of the link,
drawn here as inline SVG, for a phone to scan off a computer's screen.
"""

from functools import lru_cache
from urllib.parse import quote

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from outcry.campaigns.models import Campaign


def share_links(*, url: str, text: str) -> list[dict]:
    """Plain share links: no third-party script runs on our page."""
    u, t = quote(url, safe=""), quote(text, safe="")
    return [
        {"name": "X", "url": f"https://x.com/intent/post?text={t}&url={u}"},
        {"name": "Facebook", "url": f"https://www.facebook.com/sharer/sharer.php?u={u}"},
        {"name": "WhatsApp", "url": f"https://wa.me/?text={t}%20{u}"},
        {"name": "Telegram", "url": f"https://t.me/share/url?url={u}&text={t}"},
        {"name": "LINE", "url": f"https://social-plugins.line.me/lineit/share?url={u}"},
        # KakaoTalk has no share link without Kakao's SDK: see the module's docstring.
        {"name": "KakaoStory", "url": f"https://story.kakao.com/share?url={u}"},
        {"name": _("Email"), "url": f"mailto:?subject={t}&body={t}%0A%0A{u}"},
    ]


def share_context(campaign: Campaign, *, language: str) -> dict:
    """What actions/_share.html needs to share *campaign*'s page, in *language*.

    The campaign page is what is shared, never a thank-you page: it is the one
    that has every action, and it is cached for the crowd a share brings.
    """
    text = campaign.text_for(language)
    path = reverse("campaigns:detail", args=[campaign.slug])
    url = f"{settings.BASE_URL}{path}"
    return {
        "campaign_text": text,
        "campaign_path": path,
        "page_url": url,
        "share_links": share_links(url=url, text=text.title if text else campaign.slug),
        "qr_svg": qr_svg(url),
    }


@lru_cache(maxsize=256)
def qr_svg(url: str) -> SafeString:
    """A QR code of exactly *url*, as an ``<svg>`` element to put in the page.

    Drawn on the server (segno), so it shows without JavaScript and nothing is
    fetched from another host; dark on white with the standard quiet zone, so a
    phone reads it on a dark page too. Error correction at least M (segno raises
    it where the size allows). Cached: every thank-you page of a campaign
    shares one URL.
    """
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(
        scale=5, border=4, svgclass="qr-code", lineclass=None, dark="#000", light="#fff"
    )
    # segno writes only numbers and the fixed attributes above: nothing of *url*.
    return mark_safe(svg)  # noqa: S308
