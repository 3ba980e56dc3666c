"""Screenshots of the pages, for a person to look at.

    python scripts/screenshots.py --tests      the pages of the issue 17 browser test, each at
                                               390 and 1366 px in Vietnamese and English, into
                                               docs/screenshots/issue17-<page>-<lang>-<width>.png
                                               (the test's own data, viewport-sized, colours reduced)
    python scripts/screenshots.py [BASE_URL]   a running instance (`make run`, demo data) into
                                               test-artifacts/screens/
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS = ROOT / "docs" / "screenshots"


def from_tests() -> None:
    """Run tests/test_first_impressions_browser.py with SCREENSHOTS set: each page it checks is
    saved as the test sees it; then the PNGs are reduced to 256 colours (text pages lose nothing
    a reader sees, and the files shrink to a third)."""
    from PIL import Image
    env = {**os.environ, "SCREENSHOTS": str(DOCS)}
    for old in DOCS.glob("issue17-*.png"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                    "tests/test_first_impressions_browser.py"], cwd=ROOT, env=env, check=True)
    total = 0
    for png in sorted(DOCS.glob("issue17-*.png")):
        Image.open(png).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)
        total += png.stat().st_size
        print(png.relative_to(ROOT))
    print(f"{len(list(DOCS.glob('issue17-*.png')))} screenshots, {total / 1e6:.1f} MB")


def from_instance(base: str, username: str) -> None:
    from playwright.sync_api import sync_playwright
    out = ROOT / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        page = phone.new_page()
        for name, path in [("landing", "/"), ("file-complaint", "/file/complaint"),
                           ("file-denunciation", "/file/denunciation"), ("track", "/track")]:
            page.goto(base + path)
            page.screenshot(path=str(out / f"phone-{name}.png"), full_page=True)
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        page.goto(base + "/auth/login")
        page.fill("#username", username)
        page.fill("#password", "nghean-demo-2026")
        page.click("button[type=submit]")
        page.screenshot(path=str(out / "desk-queue.png"), full_page=False)
        page.click("table.list tbody tr:first-child td.code a")
        page.screenshot(path=str(out / "desk-case.png"), full_page=True)
        page.goto(base + "/officer/desk")
        page.screenshot(path=str(out / "desk-register.png"), full_page=True)
        browser.close()
    print("\n".join(str(p) for p in sorted(out.glob("*.png"))))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--tests"]:
        from_tests()
    else:
        from_instance(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000",
                      sys.argv[2] if len(sys.argv) > 2 else "tiepdan")
