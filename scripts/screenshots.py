"""Screenshots of the main pages, for a person to look at: python scripts/screenshots.py [BASE_URL]."""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path("test-artifacts/screens")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        page = phone.new_page()
        for name, path in [("landing", "/"), ("file-complaint", "/file/complaint"),
                           ("file-denunciation", "/file/denunciation"), ("track", "/track")]:
            page.goto(BASE + path)
            page.screenshot(path=str(OUT / f"phone-{name}.png"), full_page=True)
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        page.goto(BASE + "/auth/login")
        page.fill("#username", sys.argv[2] if len(sys.argv) > 2 else "tiepdan")
        page.fill("#password", "nghean-demo-2026")
        page.click("button[type=submit]")
        page.screenshot(path=str(OUT / "desk-queue.png"), full_page=False)
        page.click("table.list tbody tr:first-child td.code a")
        page.screenshot(path=str(OUT / "desk-case.png"), full_page=True)
        page.goto(BASE + "/officer/desk")
        page.screenshot(path=str(OUT / "desk-register.png"), full_page=True)
        browser.close()
    print("\n".join(str(p) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
