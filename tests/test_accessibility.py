"""Accessibility (WCAG 2.1 AA) in a real browser: axe-core on every page, reflow at 320 px,
and keyboard-only journeys with a measured focus ring at every stop.

- **The walk**: the pages of the route walk (tests/test_route_permissions.py builds the same
  world: a complaint, a denunciation, an urging, a reception session, a dialogue, a voter
  meeting, exports and alerts, one officer per role); every endpoint answering a GET with an
  HTML page is opened once, by anonymous when it is public, else by the first role the
  table lets see it (head, reception, handler, inspector, admin), plus the states a page
  takes after an action (errors after a failed send, a failed sign-in and look-up, a look-up
  result, a receipt, a confirmation). Each page in Vietnamese and in English; axe-core runs
  with the tags wcag2a, wcag2aa, wcag21a, wcag21aa at 1366 px and at 390 px, and the page
  must not scroll sideways at 320 px. One browser, one context per role, each page loaded
  once per language (the widths are changed on the loaded page).
- **Keyboard journeys**: only Tab, Shift+Tab, Enter, Space, arrows and typed text in the
  control the keyboard reached; at every stop the focused element must show an outline of
  at least 2 px whose colour has a contrast of at least 3:1 against what is behind it
  (WCAG 1.4.11, 2.4.7).

axe-core comes from the npm registry (scripts/test-assets.sh, run by the test command;
AXE_JS names the file) and is injected through the DevTools protocol, which the page's
Content-Security-Policy does not govern.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .conftest import PASSWORD, Client, totp_code, valid_letter
from .test_browser import ARGS, CHROMIUM
from .test_route_permissions import OFFICERS, _args, _build_world, endpoints, table_allows

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
AXE_JS = os.environ.get("AXE_JS") or str(ROOT / ".test-assets/node_modules/axe-core/axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDE, PHONE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}, {"width": 320, "height": 640}
# who opens an officer page: the first of these the table allows
ROLE_ORDER = ["head", "reception", "handler", "inspector", "admin"]
# query strings some pages need
QUERY = {"inspect.figure_cases": {"figure": "letters_received"}, "voters.show_session_report": {"session": "Kỳ họp thứ 5"}}
# GET routes that are not pages: downloads (by name), redirects by design, the API. Any other
# route that answers no HTML page is tried, then listed as skipped in the report.
NOT_PAGES = {"static", "public.set_language", "auth.logout", "auth.sign_out_everywhere", "ops.healthz", "ops.metrics",
             "reception.export_cases"}
DOWNLOAD = re.compile(r"download|_csv$|_xlsx$")

AXE_RUN = """async (tags) => {
  // the page's resize handlers run first (app.js marks the tables that now scroll)
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                     preload: false});
  return {rules: [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map(x => x.id),
          violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' | ' + (n.failureSummary || '').split('\\n')[1])}))};
}"""
OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  widest: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
            && !e.closest('.overflow, .hp, .visually-hidden, .skip-link'))
          .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
          + ' ' + (e.textContent || '').trim().slice(0, 40))})"""


def _axe_source() -> str:
    path = Path(AXE_JS)
    assert path.is_file(), f"axe-core is missing at {path}: run `bash scripts/test-assets.sh` (the test command does)"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _context(browser, axe: str | None = None):
    context = browser.new_context(viewport=WIDE, locale="vi-VN")
    if axe:
        context.add_init_script(script=axe)
    return context


def _sign_in_browser(page, server, app, username):
    page.goto(server + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/auth/two-factor" in page.url:
        page.fill("#code", totp_code(app, username))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/auth/" not in page.url, (username, page.url)


# -- the walk ------------------------------------------------------------------------------------


def _candidates(app, world) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(endpoint, [(who, url)])]: every GET route, with who may open it (anonymous for a
    public page, else the roles of ROLE_ORDER the table allows), in that order."""
    import flask

    from petitions.permissions import ROUTES
    out = []
    for endpoint in sorted(endpoints(app)):
        if endpoint in NOT_PAGES or DOWNLOAD.search(endpoint) or endpoint.startswith("api.") or endpoint not in ROUTES:
            continue
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if "GET" not in rule.methods:
            continue
        tries = []
        for who in ["anonymous", *ROLE_ORDER]:
            if table_allows(endpoint, who):
                with app.test_request_context():
                    tries.append((who, flask.url_for(endpoint, **_args(app, endpoint, rule, who, world),
                                                     **QUERY.get(endpoint, {}))))
                if who == "anonymous":
                    break
        out.append((endpoint, tries))
    return out


def _open(tab, url: str) -> bool:
    """Load ``url``: True when it is an HTML page answered as such (no redirect, no download)."""
    from playwright.sync_api import Error
    try:
        response = tab.goto(url, wait_until="domcontentloaded")
    except Error:  # a download
        return False
    return (response is not None and response.status == 200 and response.request.redirected_from is None
            and response.headers.get("content-type", "").startswith("text/html"))


def _check(page, label: str, found: dict) -> None:
    """axe at 1366 and 390 px, the reflow at 320 px, on the loaded page."""
    import time
    for size in (WIDE, PHONE):
        page.set_viewport_size(size)
        started = time.perf_counter()
        result = page.evaluate(AXE_RUN, TAGS)
        found["axe_seconds"] += time.perf_counter() - started
        found["rules"].update(result["rules"])
        found["runs"] += 1
        for v in result["violations"]:
            found["violations"].append((f"{label} @{size['width']}", v["id"], v["impact"], v["nodes"]))
    page.set_viewport_size(NARROW)
    o = page.evaluate(OVERFLOW)
    if o["scroll"] > o["client"]:
        found["reflow"].append((label, o["scroll"], o["widest"]))
    page.set_viewport_size(WIDE)


def _states(pages_by_who, server, app, world, lang: str, found: dict) -> None:
    """The states pages take after an action, checked like the pages."""
    anon = pages_by_who["anonymous"]
    # a public form sent empty: the error summary, every field in error
    for kind in ("complaint", "denunciation", "petition"):
        anon.goto(f"{server}/file/{kind}")
        anon.locator("main form button[type=submit]").last.click()
        anon.wait_for_load_state()
        assert anon.locator(".error-summary").count() == 1, kind
        found["states"] += 1
        _check(anon, f"{lang} state: /file/{kind} with errors", found)
    # a failed look-up
    anon.goto(f"{server}/track")
    anon.fill("#code", world["complaint"])
    anon.fill("#key", "AAAA-AAAA")
    anon.locator("main form button[type=submit]").last.click()
    anon.wait_for_load_state()
    assert anon.locator(".error-summary").count() == 1
    found["states"] += 1
    _check(anon, f"{lang} state: /track failed", found)
    # a look-up that finds the letter, and a letter filed from the form: its receipt
    anon.goto(f"{server}/track")
    anon.fill("#code", world["complaint"])
    anon.fill("#key", world["complaint_key"])
    anon.locator("main form button[type=submit]").last.click()
    anon.wait_for_load_state()
    assert anon.get_by_test_id("status").count() == 1
    found["states"] += 1
    _check(anon, f"{lang} state: /track result", found)
    anon.goto(f"{server}/file/petition")
    anon.fill("#title", "Đề nghị sửa đường")
    anon.fill("#content", "Đường liên xóm hỏng nặng sau mưa lũ, đề nghị xã sửa sớm.")
    anon.select_option("#commune_code", world["commune_a"])
    anon.fill("#petitioner-full_name", "Trần Thị Bình")
    anon.fill("#petitioner-address", "Xóm 2")
    anon.locator("main form button[type=submit]").last.click()
    anon.wait_for_url("**/receipt")
    found["states"] += 1
    _check(anon, f"{lang} state: receipt", found)
    # a failed sign-in (a fresh context: the others stay signed in)
    ctx = anon.context
    anon.goto(f"{server}/auth/login")
    anon.fill("#username", "rp_head")
    anon.fill("#password", "not the password")
    anon.locator("main form button[type=submit]").last.click()
    anon.wait_for_load_state()
    assert anon.locator(".error-summary").count() == 1
    found["states"] += 1
    _check(anon, f"{lang} state: sign-in failed", found)
    assert ctx is anon.context
    # an officer's action sent with a wrong date, then done: the confirmation on the case page
    head = pages_by_who["head"]
    code = world["complaint"] if lang == "vi" else world["denunciation"]
    head.goto(f"{server}/officer/cases/{code}/actions/accept")
    head.fill("#act_date", "2099-01-01")
    head.locator("main form button[type=submit]").last.click()
    head.wait_for_load_state()
    assert head.locator(".error-summary").count() == 1
    found["states"] += 1
    _check(head, f"{lang} state: action with errors", found)
    head.fill("#act_date", world["today"])
    head.locator("main form button[type=submit]").last.click()
    head.wait_for_url(f"**/officer/cases/{code}")
    assert head.get_by_test_id("confirmation").count() == 1
    found["states"] += 1
    _check(head, f"{lang} state: confirmation", found)


@pytest.fixture(scope="module")
def walk(app, server, browser):
    """Every page and state, in both languages: {rules, violations, reflow, pages, states, runs}."""
    from petitions.extensions import db
    from petitions.models import AdminUnit, Agency
    from petitions.web import local_today
    with app.app_context():
        communes = list(db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.code).limit(2)))
        agencies = {"commune_a": communes[0].code, "commune_b": communes[1].code,
                    "agency_a": f"UBND-{communes[0].code}", "agency_b": f"UBND-{communes[1].code}"}
        assert db.session.scalar(db.select(Agency).where(Agency.code == agencies["agency_b"])) is not None
        today = local_today().isoformat()
    import time
    t0 = time.perf_counter()
    anon_client = Client(app)
    world = _build_world(app, anon_client, agencies)
    key = anon_client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()
    world.update(commune_a=agencies["commune_a"], today=today)
    t1 = time.perf_counter()
    candidates = _candidates(app, world)
    pages, skipped = [], []
    t2 = time.perf_counter()
    world["complaint"], world["complaint_key"] = key["tracking_code"], key["access_key"]
    saved = app.config["FORM_MIN_SECONDS"]
    app.config["FORM_MIN_SECONDS"] = 0  # the walk fills forms faster than a person
    found = {"axe_seconds": 0.0, "rules": set(), "violations": [], "reflow": [], "pages": 0, "states": 0, "runs": 0,
             "urls": pages, "skipped": skipped}
    axe = _axe_source()
    contexts = {who: _context(browser, axe) for who in ["anonymous", *ROLE_ORDER]}
    tabs = {who: ctx.new_page() for who, ctx in contexts.items()}
    print(f"\nworld {t1 - t0:.1f}s, pages listed {t2 - t1:.1f}s")
    try:
        for who in ROLE_ORDER:
            _sign_in_browser(tabs[who], server, app, f"rp_{who}")
        t2 = time.perf_counter()
        for lang in ("vi", "en"):
            for who, tab in tabs.items():
                tab.goto(f"{server}/lang/{lang}")
            if lang == "vi":  # the first pass finds who opens each page; the second opens the same
                for endpoint, tries in candidates:
                    for who, url in tries:
                        if _open(tabs[who], server + url):
                            pages.append((endpoint, who, url))
                            _check(tabs[who], f"{lang} {url} ({endpoint}, {who})", found)
                            break
                    else:
                        skipped.append(endpoint)
                found["pages"] = len(pages)
            else:
                for endpoint, who, url in pages:
                    assert _open(tabs[who], server + url), (endpoint, who, url)
                    assert tabs[who].locator("html").get_attribute("lang") == lang
                    _check(tabs[who], f"{lang} {url} ({endpoint}, {who})", found)
            t3 = time.perf_counter()
            _states(tabs, server, app, world, lang, found)
            print(f"\n{lang}: pages {t3 - t2:.1f}s, states {time.perf_counter() - t3:.1f}s")
            t2 = time.perf_counter()
    finally:
        app.config["FORM_MIN_SECONDS"] = saved
        for ctx in contexts.values():
            ctx.close()
    report = ROOT / "test-artifacts" / "accessibility.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("\n".join(
        [f"pages {found['pages']}, states {found['states']}, axe runs {found['runs']}, rules {len(found['rules'])}",
         "rules: " + " ".join(sorted(found["rules"])), "pages:", *(f"  {e} {w} {u}" for e, w, u in found["urls"]),
         f"skipped: {found['skipped']}", "violations:",
         *(f"  {w} {r} {i} {n}" for w, r, i, n in found["violations"]), "reflow:",
         *(f"  {label} {scroll} {widest}" for label, scroll, widest in found["reflow"])]), encoding="utf-8")
    print(f"\naccessibility walk: {found['pages']} pages + {found['states'] // 2} states, x2 languages; "
          f"{found['runs']} axe runs, {len(found['rules'])} rules; {len(found['violations'])} violations; "
          f"{len(found['reflow'])} pages wider than 320 px; axe {found['axe_seconds']:.0f} s")
    return found


def test_axe_finds_no_wcag_violation_on_any_page_in_either_language_or_width(walk):
    assert walk["pages"] >= 50 and walk["states"] == 2 * 9
    assert len(walk["rules"]) >= 50  # the WCAG 2.0/2.1 A and AA rules really ran
    summary = {}
    for where, rule, impact, nodes in walk["violations"]:
        summary.setdefault(rule, []).append(f"{where}: {nodes}")
    assert not walk["violations"], "\n".join(f"{rule} ({len(v)}): " + "\n    ".join(v[:6])
                                             for rule, v in sorted(summary.items()))


def test_no_page_scrolls_sideways_at_320_px(walk):
    assert walk["pages"] >= 50
    wide = walk["reflow"]
    assert not wide, "\n".join(f"{label}: {scroll}px {widest}" for label, scroll, widest in wide)


# -- keyboard-only journeys ----------------------------------------------------------------------

RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  // what is behind the outline: the first ancestor (or the element itself when the ring is inside) with a background
  let bg = 'rgba(0, 0, 0, 0)', node = parseFloat(s.outlineOffset) < 0 ? el : el.parentElement;
  while (node && (bg = getComputedStyle(node).backgroundColor) && /rgba\\(.*, 0\\)$|transparent/.test(bg)) node = node.parentElement;
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href') || '', type: el.type || '', cls: String(el.className || ''),
          text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
          bg: node ? bg : 'rgb(255, 255, 255)', visible: r.width > 0 && r.height > 0};
}"""


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)[:3]]
    return tuple(parts)  # type: ignore[return-value]


def contrast(a: str, b: str) -> float:
    def lum(c):
        def ch(v):
            v /= 255
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        r, g, b_ = (ch(x) for x in _rgb(c))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Keyboard:
    """Presses keys, and at every stop measures the focus ring."""

    def __init__(self, page):
        self.page, self.keys, self.stops = page, [], []

    def press(self, key: str):
        """Press ``key``; Tab and arrows are measured at once, Enter and Space may load a
        page: the caller waits for it, then measures with :meth:`ring`."""
        self.keys.append(key)
        self.page.keyboard.press(key)
        if key in ("Enter", "Space"):
            return None
        return self.ring()

    def send(self, key: str = "Enter"):
        """Press ``key`` on what loads a page (a link, a form's button) and wait for it."""
        with self.page.expect_navigation():
            self.press(key)

    def type(self, text: str):
        self.keys.append(f"type:{len(text)}")
        self.page.keyboard.type(text)

    def ring(self):
        info = self.page.evaluate(RING)
        if info is None:
            return None
        ratio = contrast(info["color"], info["bg"])
        where = f"{info['tag']}#{info['id']}.{info['cls']} '{info['text']}' on {self.page.url}"
        assert info["visible"], f"focus on an invisible element: {where}"
        assert info["style"] not in ("none", "hidden") and info["width"] >= 2, f"no focus ring: {where} {info}"
        assert ratio >= 3, f"focus ring {info['color']} on {info['bg']}: {ratio:.2f}:1 < 3:1 at {where}"
        self.stops.append((info["tag"], info["id"] or info["text"], round(ratio, 1)))
        return info

    def tab_to(self, match, limit: int = 40, key: str = "Tab"):
        """Tab (or Shift+Tab) until ``match(info)``; every stop on the way is measured."""
        for _ in range(limit):
            info = self.press(key)
            if info and match(info):
                return info
        raise AssertionError(f"not reached in {limit} presses of {key}: {self.stops[-5:]}")

    def summary(self) -> str:
        counts = {}
        for k in self.keys:
            k = "type" if k.startswith("type:") else k
            counts[k] = counts.get(k, 0) + 1
        return f"{len(self.keys)} key actions {counts}, {len(self.stops)} focus stops measured " \
               f"(lowest ring contrast {min(s[2] for s in self.stops)}:1)"


@pytest.fixture
def tab(browser, server, app):
    saved = app.config["FORM_MIN_SECONDS"]
    app.config["FORM_MIN_SECONDS"] = 0
    context = _context(browser)
    yield context.new_page()
    context.close()
    app.config["FORM_MIN_SECONDS"] = saved


def test_keyboard_citizen_files_a_complaint_and_reads_the_receipt(tab, server, app, agencies):
    from petitions.extensions import db
    from petitions.models import AdminUnit, Case
    with app.app_context():
        commune = db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == agencies["commune_a"]))
        first_commune = db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.name)).first()
    kb = Keyboard(tab)
    tab.goto(server + "/")
    first = kb.press("Tab")
    assert first["cls"] == "skip-link" and first["text"] == "Chuyển đến nội dung chính"
    kb.tab_to(lambda i: i["href"].endswith("/file/complaint"))
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/file/complaint(#.*)?$"))
    values = {"title": "Khiếu nại quyết định thu hồi đất", "respondent": "Quyết định số 15/QĐ-UBND",
              "content": "Gia đình tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.",
              "petitioner-full_name": "Nguyễn Thị Hoa", "petitioner-id_number": "040123456789",
              "petitioner-address": "Xóm 3"}
    kb.press("Tab")  # the skip link
    kb.press("Enter")  # to <main>
    assert kb.ring()["id"] == "main"
    for _ in range(40):
        info = kb.press("Tab")
        if info["id"] in values:
            kb.type(values.pop(info["id"]))
        elif info["id"] == "commune_code":
            kb.press("ArrowDown")  # the first commune of the list
        elif info["tag"] == "button" and info["type"] == "submit":
            assert not values, f"fields not reached by Tab: {values}"
            kb.send("Space")  # a button is pressed with Space too
            break
    else:
        raise AssertionError("the Send button was not reached")
    tab.wait_for_url(re.compile(r".*/receipt(#.*)?$"))
    focused = kb.ring()  # the receipt's heading has the focus
    assert focused["tag"] == "h1" and "đã được tiếp nhận" in focused["text"]
    assert tab.title().startswith("Đơn của bạn đã được tiếp nhận")
    code = tab.get_by_test_id("tracking-code").inner_text().strip()
    kb.tab_to(lambda i: i["tag"] == "button")  # the Print button, after the receipt's text
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code.replace("-", "")))
        assert case.title == "Khiếu nại quyết định thu hồi đất"
        assert case.commune.code == first_commune.code and case.parties[0].full_name == "Nguyễn Thị Hoa"
    assert commune is not None
    print(f"\nkeyboard journey 1 (file a complaint, read the receipt): {kb.summary()}")


def test_keyboard_citizen_lands_on_the_error_summary_and_follows_it_to_the_field(tab, server, app, agencies):
    kb = Keyboard(tab)
    tab.goto(server + "/file/denunciation")
    kb.press("Tab")
    kb.press("Enter")  # skip to main
    kb.tab_to(lambda i: i["id"] == "pledge")
    kb.press("Space")  # tick the declaration: it is not among the errors then
    assert tab.is_checked("#pledge")
    kb.tab_to(lambda i: i["tag"] == "button" and i["type"] == "submit")
    kb.send("Enter")
    tab.wait_for_load_state()
    summary = kb.ring()  # focused on load by app.js
    assert "error-summary" in summary["cls"]
    assert tab.locator(".error-summary").get_attribute("role") == "alert"
    assert tab.title().startswith("Lỗi:")
    links = tab.locator(".error-summary a")
    assert links.count() >= 5  # subject, content, respondent, commune, name, ID number, address
    first_target = links.first.get_attribute("href")[1:]
    assert "#pledge" not in [links.nth(i).get_attribute("href") for i in range(links.count())]
    link = kb.press("Tab")
    assert link["tag"] == "a" and link["cls"] == "" and tab.evaluate(
        "document.activeElement.closest('.error-summary') !== null")
    kb.press("Enter")
    field = kb.ring()
    assert field["id"] == first_target == "title"
    assert tab.get_attribute("#title", "aria-invalid") == "true"
    described = tab.get_attribute("#title", "aria-describedby").split()
    assert "title-error" in described
    assert "bắt buộc" in tab.locator("label[for=title]").inner_text()
    assert tab.get_attribute("#title", "required") is not None
    kb.type("Tố cáo cán bộ địa chính")
    back = kb.press("Shift+Tab")  # back to the summary's last link
    assert back["tag"] == "a"
    print(f"\nkeyboard journey 2 (errors, summary, first link to its field): {kb.summary()}")


def test_keyboard_officer_signs_in_with_a_second_factor_and_accepts_a_case(tab, server, app, client, agencies,
                                                                          make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"], totp=True)
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    kb = Keyboard(tab)
    tab.goto(server + "/auth/login")
    kb.press("Tab")
    kb.press("Enter")  # skip to main
    kb.tab_to(lambda i: i["id"] == "username")
    kb.type("chutich")
    kb.press("Tab")
    kb.type(PASSWORD)
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/auth/two-factor(#.*)?$"))
    assert kb.ring()["id"] == "code"  # the code field has the focus
    kb.type(totp_code(app, "chutich"))
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/officer/(#.*)?$"))
    kb.press("Tab")
    kb.press("Enter")  # skip the 13 header links
    kb.tab_to(lambda i: i["tag"] == "a" and i["text"].replace("-", "") == code, limit=60)
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/officer/cases/" + code + r"(#.*)?$"))
    kb.press("Tab")
    kb.press("Enter")
    kb.tab_to(lambda i: i["tag"] == "a" and tab.evaluate("document.activeElement.dataset.event") == "accept",
              limit=60)
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/actions/accept(#.*)?$"))
    kb.press("Tab")
    kb.press("Enter")
    kb.tab_to(lambda i: i["tag"] == "button" and i["type"] == "submit")
    kb.send("Enter")
    tab.wait_for_url(re.compile(r".*/officer/cases/" + code + r"(#.*)?$"))
    done = kb.ring()  # the confirmation, focused on load
    assert tab.evaluate("document.activeElement.getAttribute('role')") == "status"
    assert done["text"].startswith("Đã thực hiện") and tab.title().startswith("Đã thực hiện")
    from petitions.extensions import db
    from petitions.models import Case
    with app.app_context():
        assert db.session.scalar(db.select(Case.status).where(Case.tracking_code == code)) == "accepted"
    print(f"\nkeyboard journey 3 (sign in with TOTP, open a case, accept it): {kb.summary()}")
