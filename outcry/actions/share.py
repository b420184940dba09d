"""Share links for every thank-you page: plain links, so no third party runs on our page."""

from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
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
        # KakaoTalk has no share link that works without Kakao's SDK (a third-party
        # script and an app key): the page says to paste the link into a chat, and
        # on a phone KakaoTalk is in the share sheet of the "Share…" button (site.js).
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
    }
