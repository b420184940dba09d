#!/usr/bin/env python3
"""Screenshots of the demo campaign page, phone and desktop, English and Korean.

Starts the demo site (bench/demo_site.py), opens the campaign page in Chromium
(/usr/bin/chromium unless CHROMIUM is set) through Playwright and writes
``docs/screenshots/campaign-{phone,desktop}-{en,ko}.png``: the first screen, what a
visitor sees before scrolling. Korean text needs a CJK font (fonts-noto-cjk).

    .venv/bin/python bench/screenshots.py [--full-page]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_site import CAMPAIGN, ROOT, demo_site  # bench/ is not a package: by path

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--full-page", action="store_true", help="the whole page, not one screen")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_site() as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium")
        )
        for size, (width, height) in SIZES.items():
            for language in ("en", "ko"):
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    device_scale_factor=2 if size == "phone" else 1,
                    is_mobile=size == "phone",
                    locale="ko-KR" if language == "ko" else "en-GB",
                    timezone_id="Asia/Seoul",
                )
                page = context.new_page()
                page.goto(base_url + CAMPAIGN.format(language=language))
                page.wait_for_load_state("networkidle")
                path = OUT / f"campaign-{size}-{language}.png"
                page.screenshot(path=str(path), full_page=args.full_page)
                print(path.relative_to(ROOT))
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
