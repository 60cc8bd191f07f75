"""The built HTML book in headless Chromium with the network cut off.

Every page in the table of contents is visited on a laptop and on a phone (PAGE_RUNS; on the
laptop the reader switches from light to dark mode), and every visit checks everything: it must load with no
console error and with no request leaving 127.0.0.1 (every visit of every test checks that);
math must be typeset (and MathJax loaded only where there is math), no dead widget may show, each
static scrubber must move its picture, every image must load and be described (alt text, not a
file name); the page's weight (bytes transferred with a cold cache) stays in budget, and axe-core
finds no critical or serious accessibility violation. Every internal link must resolve, no page
may repeat an id, and the API reference must document every public name of nbcode. The weights
and axe's counts are written to _build/page-weight.md.

The Korean edition (_build/html/ko, `KOREAN` pages) has the same checks, on a phone (the markup
and colours are the English pages', whose laptop runs check the contrast), plus: <html lang="ko">,
the edition's own font served and named, every page's switcher reaching the same page of the
other edition, and a Korean search that finds every page using a term, in any of its forms.

Uses Debian's Chromium (/usr/bin/chromium) through Playwright's `executable_path`; Playwright
never downloads a browser here. Builds the book first (every page) unless its root pages are newer than the sources.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import functools
import gzip
import http.server
import importlib
import os
import pkgutil
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml
from conftest import book_sources

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
# NNFP_BUILD / NNFP_TOC let a chapter author test a one-chapter build in a folder of their own
# (NNFP_BUILD is the --output root given to tools/build_book.py; the HTML is in its _build/html).
OUTPUT = Path(os.environ.get("NNFP_BUILD", ROOT))
TOC = Path(os.environ.get("NNFP_TOC", ROOT / "_toc.yml"))
HTML = OUTPUT / "_build" / "html"
SCREENSHOTS = OUTPUT / "_build" / "screenshots"


def toc_pages() -> list[str]:
    """The HTML paths of every document in _toc.yml, root first."""
    toc = yaml.safe_load(TOC.read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            pages.append(chapter["file"])
            pages += [section["file"] for section in chapter.get("sections", [])]
    return [f"{page}.html" for page in pages]


KOREAN = "ko/"  # the Korean edition's folder in the English book (tools/build_book.py)


def korean_pages() -> list[str]:
    return [KOREAN + page for page in toc_pages()]


def is_korean(path: str) -> bool:
    return path.startswith(KOREAN)


def book_is_stale() -> bool:
    """Older than a source of either edition (the Korean one is made from its catalogs too), by
    the root page's age (index.html only redirects to it, written once)."""
    root = toc_pages()[0]
    editions = {HTML / root: book_sources(TOC), HTML / KOREAN / root: [*book_sources(TOC), *(ROOT / "locales").rglob("*.po")]}
    return any(not index.exists() or any(src.stat().st_mtime > index.stat().st_mtime for src in sources)
               for index, sources in editions.items())


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The built book, rebuilt (every page, both editions) if it is stale: by one process at a
    time, so that pytest-xdist's workers wait for the first one's build instead of each building."""
    HTML.parent.mkdir(parents=True, exist_ok=True)
    with open(HTML.parent / ".browser-test-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if book_is_stale():
            command = [sys.executable, str(ROOT / "tools" / "build_book.py"), "--no-execute", "--all", "--toc", str(TOC), "--output", str(OUTPUT)]
            subprocess.run(command, check=True)
    return HTML


@pytest.fixture(scope="session")
def server(built_book: Path):
    handler = functools.partial(QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the book as a static host does (GitHub Pages): text gzip-compressed when the browser
    asks for it, so the bytes a test counts are the bytes a reader downloads."""

    COMPRESSED = {".html", ".js", ".css", ".svg", ".json", ".txt", ".ttf"}

    def log_message(self, *args) -> None:  # keep pytest output readable
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in self.COMPRESSED or "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
            return super().do_GET()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PageReport:
    """What happened while one page loaded: console errors, blocked and failed requests."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.requests = 0
        self.bytes = 0
        self.urls: list[str] = []

    def finished(self, request) -> None:
        self.urls.append(request.url)
        sizes = request.sizes()
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]


# pydata-sphinx-theme keeps the reader's choice in localStorage: `mode` (light, dark, auto) and
# `theme` (what auto resolved to); a script in <head> copies both onto <html data-mode data-theme>
# before the page paints, and the theme's JavaScript applies `mode` again once the page is ready.
THEME_STORAGE = "localStorage.setItem('mode', '%(mode)s'); localStorage.setItem('theme', '%(mode)s');"


@contextlib.contextmanager
def visit(browser, url: str, viewport: tuple[int, int] = (1280, 900), theme: str | None = None):
    """A fresh context (cold cache) on `url`, yielding (page, report); `theme` ("light", "dark")
    is the colour mode a reader chose earlier, stored where pydata-sphinx-theme keeps it (see
    THEME_STORAGE). Every request to a host other than 127.0.0.1 is refused; when the visit ends,
    none may have been asked for, none may have failed and nothing may have logged an error."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block")
    if theme is not None:
        context.add_init_script(THEME_STORAGE % {"mode": theme})
    page = context.new_page()
    report = PageReport()

    def route(route_obj):
        report.requests += 1
        host = urlparse(route_obj.request.url).hostname
        if route_obj.request.url.startswith("data:") or host == "127.0.0.1":
            route_obj.continue_()
        else:
            report.blocked.append(route_obj.request.url)
            route_obj.abort()

    context.route("**/*", route)
    page.on("console", lambda msg: report.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: report.errors.append(f"uncaught: {exc}"))
    # ERR_ABORTED: a request the page gave up as it navigated (a search page's favicon), not a failure
    page.on("requestfailed", lambda req: report.failed.append(f"{req.url} ({req.failure})") if req.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda res: report.failed.append(f"{res.url} (HTTP {res.status})") if res.status >= 400 else None)
    page.on("requestfinished", report.finished)
    try:
        page.goto(url, wait_until="load")
        yield page, report
    finally:
        context.close()
    assert report.blocked == [], f"{url} tried to leave the machine: {report.blocked}"
    assert report.errors == [], f"{url} logged console errors: {report.errors}"
    assert report.failed == [], f"{url} had failed requests: {report.failed}"
    assert report.requests > 0


# Every transition and finite animation of the page has finished (the colours are the ones axe
# should see), counted two frames on, once a change of style has started them.
TRANSITIONS_DONE = """async () => {
  await new Promise(next => requestAnimationFrame(() => requestAnimationFrame(next)));
  const finite = document.getAnimations().filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map(a => a.finished.catch(() => null)));
}"""


def settle(page) -> None:
    """Wait until MathJax has typeset, if the page has math, and the page's transitions are done."""
    if page.locator(".math").count():
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            " && document.querySelectorAll('mjx-container').length > 0",
            timeout=20_000,
        )
    page.wait_for_timeout(100)
    page.evaluate(TRANSITIONS_DONE)


def is_chapter(path: str) -> bool:
    return re.match(r"(?:ko/)?chapters/\d\d_", path) is not None


def check_chapter_features(page, path: str, device: str) -> None:
    """Typeset math, a figure, no dead widget, and a live figure's note before scrubbers that move."""
    assert page.locator("mjx-container").count() > 0, f"{path}: no typeset math"
    assert page.locator(".cell_output img").count() > 0, f"{path}: no figure image"
    check_no_dead_widget(page, path)
    scrubbers = page.locator(".nbcode-scrubber")
    assert scrubbers.count() > 0, f"{path}: no static interactive figure"
    for i in range(scrubbers.count()):
        check_scrubber(scrubbers.nth(i), f"{path}: scrubber {i}", korean=is_korean(path))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = ("ko-" if is_korean(path) else "") + Path(path).stem + "-" + device
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def check_no_dead_widget(page, path: str) -> None:
    """No control that cannot move its figure: no widget state, no widget manager, no widget view.
    Each live figure shows its note instead, with a Binder link, before the scrubber that replaces it."""
    dead = page.locator('.jupyter-widgets, script[type="application/vnd.jupyter.widget-state+json"], script[src*="html-manager"]')
    assert dead.count() == 0, f"{path}: a saved-state widget (controls that do not move the figure) is on the page"
    notes = page.locator(".nbcode-live-note")
    assert notes.count() > 0, f"{path}: the live figure's note is missing (the page should say the controls need Python)"
    order = page.evaluate("""() => Array.from(document.querySelectorAll(".nbcode-live-note, .nbcode-scrubber")).map(e => e.className)""")
    assert order[0] == "nbcode-live-note", f"{path}: a scrubber comes before the note that explains it: {order}"
    launch = notes.first.locator("a.nbcode-launch")
    assert launch.is_visible() and "/v2/gh/" in (launch.get_attribute("href") or ""), f"{path}: the note's Binder link is missing"


# What each frame's alt text adds to the figure's description (nbcode.widgets; in Korean,
# sphinxext/korean_edition.py): the slider's range, then the value it is drawn at.
SLIDER_SENTENCE = {False: " The slider steps ", True: " 슬라이더로 "}
SHOWN_AT = {False: "Shown at {value}", True: "지금 그림은 {value}일 때입니다"}


def check_scrubber(scrubber, where: str, korean: bool = False) -> None:
    """The frame is described (more than its title), and moving the range changes the picture, its
    label, its alt text and the announced value."""
    image, control, label = scrubber.locator("img"), scrubber.locator("input[type=range]"), scrubber.locator("output")
    last = int(control.get_attribute("max"))
    assert last >= 1, f"{where}: a scrubber needs at least two frames"
    name = scrubber.locator("label").inner_text()
    before = {"src": image.get_attribute("src"), "alt": image.get_attribute("alt"), "label": label.inner_text()}
    shown = SHOWN_AT[korean].format(value=f"{name} = {before['label']}")
    assert shown in before["alt"], f"{where}: the frame's alt text does not name its value ({shown!r})"
    described = before["alt"].split(SLIDER_SENTENCE[korean])[0].split(SHOWN_AT[korean].split("{")[0])[0]
    title = scrubber.locator(".nbcode-scrubber-title").all_inner_texts()
    assert len(described) >= 80 and described not in title, f"{where}: the figure is not described (pass alt= to scrubber)"
    assert control.get_attribute("aria-valuetext") == f"{name} = {before['label']}", f"{where}: the range does not announce its value"
    target = 0 if int(control.input_value()) != 0 else last
    control.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", str(target))
    after = {"src": image.get_attribute("src"), "alt": image.get_attribute("alt"), "label": label.inner_text()}
    for key in before:
        assert after[key] != before[key], f"{where}: moving the range did not change the {key}"
    assert control.get_attribute("aria-valuetext") == f"{name} = {after['label']}", f"{where}: the announced value did not follow"
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


# Images shown at another aspect ratio than their own (a fixed height on a figure that shrinks),
# measured on the picture itself: the theme's dark mode frames a figure with padding.
SQUASHED_IMAGES = """() => Array.from(document.images).filter(img => {
  const box = img.getBoundingClientRect(), style = getComputedStyle(img);
  const edge = (a, b) => ["padding", "border"].reduce((sum, part) =>
    sum + parseFloat(style.getPropertyValue(`${part}-${a}${part === "border" ? "-width" : ""}`))
        + parseFloat(style.getPropertyValue(`${part}-${b}${part === "border" ? "-width" : ""}`)), 0);
  const width = box.width - edge("left", "right"), height = box.height - edge("top", "bottom");
  if (!img.naturalWidth || width <= 0 || height <= 0) return false;
  return Math.abs((img.naturalWidth / img.naturalHeight) / (width / height) - 1) > 0.02;
}).map(img => img.src.slice(-40))"""


# Images a screen reader cannot describe: no alt text, or a file name for one (MyST-NB's default is
# the figure's hashed file path). A decorative image says so with alt="" and aria-hidden or role.
UNDESCRIBED_IMAGES = """() => Array.from(document.images).filter(img => {
  if (img.closest('[aria-hidden="true"], [role="presentation"], [role="none"]')) return false;
  const alt = (img.getAttribute("alt") || "").trim();
  return alt.length < 3 || /\\.(png|jpe?g|gif|svg|webp)$/i.test(alt) || /[0-9a-f]{20,}/.test(alt);
}).map(img => (img.getAttribute("alt") || "(none)").slice(0, 60) + " <- " + img.src.slice(-40))"""


# Text of the article that contains Hangul but sits in no element marked lang="ko" (code excepted).
UNMARKED_KOREAN = """() => {
  const walker = document.createTreeWalker(document.querySelector("main") || document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!/[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(node.data) || element.closest("pre, code, script, style, mjx-container")) continue;
    if (element.closest("[lang]").getAttribute("lang") !== "ko") found.push(node.data.trim().slice(0, 40));
  }
  return found;
}"""


# The Korean edition's text font (tools/hangul_font.py), as the page computes it, and its files.
KOREAN_FONT = """async () => {
  await document.fonts.ready;
  const family = getComputedStyle(document.querySelector("article") || document.body).fontFamily;
  const loaded = Array.from(document.fonts).filter(f => f.family.replace(/"/g, "") === "Book Hangul" && f.status === "loaded").length;
  return {family, loaded, lang: document.documentElement.lang};
}"""


def check_korean_page(page, path: str, report: "PageReport") -> None:
    """<html lang="ko">, the text font the edition serves first, and its Hangul drawn from it."""
    font = page.evaluate(KOREAN_FONT)
    assert font["lang"] == "ko", f"{path}: <html lang={font['lang']!r}>, not ko"
    assert font["family"].startswith('"Book Hangul"'), f"{path}: the text font is {font['family']}, not the edition's Book Hangul"
    assert font["loaded"] > 0, f"{path}: no face of the served Korean font was loaded (tools/hangul_font.py)"
    assert any("/_static/fonts/hangul-" in url for url in report.urls), f"{path}: the Korean font did not come from the book"


MB = 1_000_000
CHAPTER_BUDGET, PAGE_BUDGET, SEARCH_BUDGET = 3 * MB, 1 * MB, 1 * MB  # bytes transferred, cold cache
# A Korean page also downloads the slices of the edition's font it uses (tools/hangul_font.py,
# about 0.1 MB for the whole edition): its budget is the English page's plus that font.
KOREAN_FONT_ALLOWANCE = int(0.2 * MB)
WEIGHTS: dict[str, dict] = {}


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table, the first column left-aligned and the others right-aligned."""
    lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
    return "".join("| " + " | ".join(str(cell) for cell in line) + " |\n" for line in lines)


def measures() -> dict:
    """What this process's visits measured (conftest.py gathers it from every pytest-xdist worker)."""
    return {"weights": WEIGHTS, "axe": AXE_COUNTS}


def write_page_weight(measured: list[dict]) -> None:
    """_build/page-weight.md from `measures()` of every process that ran the test: each page's
    weight, and the accessibility violations axe-core counts in each mode, pages in book order."""
    weights, axe = {}, {}
    for part in measured:
        weights.update(part["weights"])
        for path, counts in part["axe"].items():
            axe.setdefault(path, {}).update(counts)
    order = {path: i for i, path in enumerate(toc_pages() + korean_pages())}
    tables = []
    if weights:
        rows = [[path, f"{w['bytes'] / MB:.2f}", w["requests"], f"{w['load_ms'] or 0:.0f}"]
                for path, w in sorted(weights.items(), key=lambda item: order.get(item[0], len(order)))]
        tables.append(markdown_table(["page", "MB transferred", "requests", "load event (ms)"], rows))
    if axe:
        modes = [mode for mode in AXE_MODES if any(mode in counts for counts in axe.values())]
        rows = [[path, *(axe_cell(counts[mode]) if mode in counts else "" for mode in modes)]
                for path, counts in sorted(axe.items(), key=lambda item: order.get(item[0], len(order)))]
        note = "axe-core: nodes in violation, critical / serious / moderate / minor\n\n"
        tables.append(note + markdown_table(["page", *modes], rows))
    if tables:
        (OUTPUT / "_build" / "page-weight.md").write_text("\n".join(tables))


def weigh(page, path: str, report: PageReport, record: bool) -> None:
    """Check the page's weight budget (and `record` its weight); MathJax only where there is math."""
    load_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    has_math = page.locator(".math").count() > 0
    mathjax = page.locator('script[src*="vendor/mathjax/"]').count() > 0
    if record:
        WEIGHTS[path] = {"bytes": report.bytes, "requests": report.requests, "load_ms": load_ms}
    assert mathjax == has_math, f"{path}: MathJax loaded={mathjax} but the page has math={has_math}"
    budget = (CHAPTER_BUDGET if is_chapter(path) else PAGE_BUDGET) + (KOREAN_FONT_ALLOWANCE if is_korean(path) else 0)
    assert report.bytes <= budget, f"{path} transfers {report.bytes / MB:.2f} MB, over its {budget / MB:.0f} MB budget"


def test_every_chapter_in_the_toc_is_checked_as_a_chapter() -> None:
    chapters = [p for p in toc_pages() if is_chapter(p)]
    assert chapters, "the table of contents lists no numbered chapter"
    assert all((ROOT / p.replace(".html", ".ipynb")).exists() for p in chapters)


def element_ids(page: Path) -> list[str]:
    """Every id="..." in a built page, in order, repeats included."""
    return re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8"))


def test_internal_links_resolve(built_book: Path) -> None:
    """Every relative link in a built page points at an existing file and, if it has one, anchor."""
    ids_cache: dict[Path, set[str]] = {}

    def ids(page: Path) -> set[str]:
        if page not in ids_cache:
            ids_cache[page] = set(element_ids(page))
        return ids_cache[page]

    broken = []
    pages = [built_book / path for path in toc_pages() + korean_pages()]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            parsed = urlparse(href)
            if parsed.scheme or href.startswith(("mailto:", "//")):
                continue
            target = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(built_book)} -> {href}")
            elif parsed.fragment and target.suffix == ".html" and parsed.fragment not in ids(target):
                broken.append(f"{page.relative_to(built_book)} -> {href} (no such anchor)")
    assert broken == [], "broken internal links:\n" + "\n".join(broken)
    assert len(pages) >= 2


def test_no_page_repeats_an_id(built_book: Path) -> None:
    """An id names one element: a link to it, a label's `for` or an ARIA reference finds the
    first of several only (sphinx-exercise repeats two; sphinxext/accessible_html.py fixes them)."""
    repeated = {}
    for path in toc_pages() + korean_pages():
        counts = collections.Counter(element_ids(built_book / path))
        if twice := {name: n for name, n in counts.items() if n > 1}:
            repeated[path] = twice
    assert repeated == {}, f"ids used more than once on a page: {repeated}"


def public_api() -> dict[str, list[str] | None]:
    """The package and each public module of nbcode (no part of its name starts with an
    underscore), with its ``__all__`` (None if it has none)."""
    import nbcode

    modules = [nbcode.__name__] + [info.name for info in pkgutil.walk_packages(nbcode.__path__, "nbcode.")]
    public = [name for name in modules if not any(part.startswith("_") for part in name.split("."))]
    return {name: getattr(importlib.import_module(name), "__all__", None) for name in public}


def test_api_reference_documents_every_public_name(built_book: Path) -> None:
    """chapters/api.md documents (sphinx.ext.autodoc) every public module and every name in its
    ``__all__``, and nothing private. autodoc leaves out a name without a docstring (or ``#:``
    comment) and a module the page forgets; either is missing here. (The package itself exports
    nothing but its modules, so it alone needs no ``__all__``.) No docstring's formula is run
    together into a quotation."""
    html = (built_book / "chapters" / "api.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'\bid="(?:module-)?(nbcode(?:\.\w+)*)"', html))
    api = public_api()
    without_all = [module for module, names in api.items() if names is None and module != "nbcode"]
    assert without_all == [], f"public modules without __all__ (say what is public): {without_all}"
    missing = [module for module in api if module not in documented]
    missing += [f"{module}.{name}" for module, names in api.items() for name in names or [] if f"{module}.{name}" not in documented]
    assert missing == [], f"public names missing from the API reference: {missing}"
    private = sorted(name for name in documented if any(part.startswith("_") for part in name.split(".")))
    assert private == [], f"private names on the API reference: {private}"
    # An indented formula after a line without '::' becomes a quotation with its lines run together.
    assert "<blockquote" not in html, "an indented block in a docstring needs '::' on the line before it"


# A phone, a tablet (below the theme's 992 px breakpoint: the sidebar opens as a dialog) and a laptop.
VIEWPORTS = {"phone": (390, 844), "tablet": (900, 1000), "desktop": (1366, 900)}


@pytest.mark.parametrize("device", VIEWPORTS)
def test_navigation_works_at_every_width(browser, server, device: str) -> None:
    """The visible "Site navigation" button opens the chapter list where it is hidden (phone,
    tablet) and collapses it where it is shown (desktop); on narrow screens "Contents" opens the
    page's outline. assets/sidebar-toggles.js makes the visible buttons work."""
    with visit(browser, urljoin(server, "chapters/03_losses.html"), VIEWPORTS[device]) as (page, _):
        menu = page.locator(".primary-toggle:visible")
        assert menu.count() == 1, f"{device}: expected one visible navigation button, found {menu.count()}"
        chapter_link = page.locator("#pst-primary-sidebar-modal a, #pst-primary-sidebar a", has_text="4. Gradient descent")
        shown_before = chapter_link.first.is_visible()
        assert shown_before == (device == "desktop"), f"{device}: the chapter list should start {'shown' if device == 'desktop' else 'hidden'}"
        menu.click()
        page.wait_for_timeout(500)  # the theme's slide animation
        assert chapter_link.first.is_visible() != shown_before, f"{device}: the navigation button did not toggle the chapter list"
        if device != "desktop":
            chapter_link.first.click()
            page.wait_for_url("**/04_gradient_descent.html")
            outline = page.locator(".secondary-toggle:visible")
            assert outline.count() == 1, f"{device}: no visible 'Contents' button"
            outline.click()
            assert page.locator("#pst-secondary-sidebar-modal").evaluate("d => d.open"), f"{device}: 'Contents' did not open the outline"


def test_one_search_is_light(browser, server) -> None:
    """A search downloads the index and lists titles; it must not fetch every result page."""
    with visit(browser, urljoin(server, "search.html?q=gradient")) as (page, report):
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        page.wait_for_load_state("networkidle")
        WEIGHTS["search.html?q=gradient"] = {"bytes": report.bytes, "requests": report.requests, "load_ms": None}
        assert report.bytes <= SEARCH_BUDGET, f"one search transfers {report.bytes / MB:.2f} MB, over {SEARCH_BUDGET / MB:.0f} MB"


# axe-core, the accessibility engine: a test tool from package.json's devDependencies (npm ci puts
# it in node_modules), injected into each page by the test and never copied into the book.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING_IMPACTS = {"critical", "serious"}
# Colour contrast, the slowest rule (about 2.3 of axe's 3.3 s on chapter 7), depends on the mode's
# colours, not on the width: it runs on the laptop, in each mode. (Images without a description
# are failed by check_images, which also catches an alt text that is a file name.)
WIDTH_BLIND_RULES = ("color-contrast",)
AXE_COUNTS: dict[str, dict[str, dict[str, int]]] = {}  # page -> mode -> impact -> nodes

RUN_AXE = """async ({skipped, only}) => {
  const options = {resultTypes: ["violations"], rules: Object.fromEntries(skipped.map(id => [id, {enabled: false}]))};
  if (only.length) options.runOnly = only;
  const {violations} = await axe.run(document, options);
  return violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}));
}"""


def check_axe(page, path: str, mode: str, skipped: tuple[str, ...] = (), only: tuple[str, ...] = ()) -> None:
    """axe-core's rules (all, but `skipped`; or `only` these) find no critical or serious violation;
    every violation is counted under `mode` in AXE_COUNTS."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (or `make assets`)")
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, {"skipped": list(skipped), "only": list(only)})
    AXE_COUNTS.setdefault(path, {})[mode] = count_by_impact(violations)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"{path} ({mode}): axe-core finds critical or serious violations:\n{describe(failing)}"


def switch_theme(page, theme: str) -> None:
    """Click the header's colour-mode button, as a reader does, until the page shows `theme`."""
    button = page.locator(".theme-switch-button:visible").first
    for _ in range(3):  # it cycles light, dark, auto
        if page.evaluate("() => document.documentElement.dataset.theme") == theme:
            break
        button.click()
    assert page.evaluate("() => document.documentElement.dataset.theme") == theme, f"the colour-mode button never showed {theme}"
    # and goes on reading: the button's tooltip (shown on hover and focus) closes, the colours'
    # transitions (Bootstrap's buttons fade theirs over 0.15 s) end
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.wait_for_selector(".tooltip", state="detached", timeout=5_000)
    page.evaluate(TRANSITIONS_DONE)


def axe_cell(counts: dict[str, int]) -> str:
    """'0 / 0 / 1 / 0': nodes by impact."""
    return " / ".join(str(counts[impact]) for impact in IMPACTS)


def count_by_impact(violations: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(IMPACTS, 0)
    for violation in violations:
        counts[violation["impact"]] += len(violation["nodes"])
    return counts


def describe(violations: list[dict], shown: int = 3) -> str:
    """One line per violation: rule, impact, node count, the first few node selectors, axe's help."""
    lines = []
    for v in violations:
        targets = v["nodes"]
        more = f" (+{len(targets) - shown} more)" if len(targets) > shown else ""
        lines.append(f"  {v['id']} [{v['impact']}] {len(targets)} node(s): {', '.join(targets[:shown])}{more}; {v['help']}")
    return "\n".join(lines)


# Every page is visited twice, on a laptop and on a phone, and every check of the page runs in
# each visit. On the laptop axe runs in light mode, then the reader switches to dark mode with the
# header's button and axe checks colour contrast again: of its rules only that one depends on the
# mode (the others read the markup, the same in both), and only that one is left out on a phone
# (it depends on the colours, not the width). The Korean pages, the same markup and stylesheet
# with other text, are visited on a phone.
PAGE_RUNS = [(path, device) for path in toc_pages() for device in ("desktop", "phone")] + \
            [(path, "phone") for path in korean_pages()]
AXE_MODES = ["light desktop", "dark desktop", "light phone"]  # the columns of the report


@pytest.mark.parametrize("path, device", PAGE_RUNS)
def test_page_works_offline_and_is_accessible(browser, server, path: str, device: str) -> None:
    """Loads in the mode asked for, with no console error, no request leaving 127.0.0.1 and no
    failed request (see visit); every image loaded, described and shown at its own aspect ratio;
    within its weight budget; a chapter shows math, no dead widget, a live figure's note and working
    scrubbers; a Korean page is marked and set in the edition's font. axe-core finds no critical
    or serious violation (colour contrast on the laptop, in light and dark mode; moderate and minor
    ones are counted in _build/page-weight.md); on a phone, no page scrolls sideways."""
    with visit(browser, urljoin(server, path), VIEWPORTS[device], theme="light") as (page, report):
        settle(page)
        shown = page.evaluate("() => document.documentElement.dataset.theme")
        assert shown == "light", f"{path}: asked for the light mode, the page shows data-theme={shown!r} (see THEME_STORAGE)"
        if device == "phone":
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= VIEWPORTS["phone"][0], f"{path}: the page scrolls sideways on a phone ({width} px wide)"
        check_axe(page, path, f"light {device}", skipped=WIDTH_BLIND_RULES if device == "phone" else ())  # first, as loaded
        weigh(page, path, report, record=device == "desktop" or is_korean(path))
        check_images(page, path)
        if is_chapter(path):
            check_chapter_features(page, path, device)
        if is_korean(path):
            check_korean_page(page, path, report)
        unmarked = page.evaluate(UNMARKED_KOREAN)
        assert unmarked == [], f"{path}: Korean text without lang=\"ko\" (sphinxext/korean_lang.py): {unmarked[:5]}"
        if device == "desktop":
            switch_theme(page, "dark")
            check_axe(page, path, "dark desktop", only=WIDTH_BLIND_RULES)
            check_images(page, f"{path} (dark)")  # the dark mode frames figures with a padding


def check_images(page, path: str) -> None:
    """Every image loaded, described (alt text, not a file name) and shown at its own aspect ratio."""
    broken = page.evaluate("() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    assert broken == [], f"{path} has images that did not load: {broken}"
    squashed = page.evaluate(SQUASHED_IMAGES)
    assert squashed == [], f"{path}: images drawn at another aspect ratio than their own: {squashed[:5]}"
    undescribed = page.evaluate(UNDESCRIBED_IMAGES)
    assert undescribed == [], f"{path}: images without a description (alt text): {undescribed[:5]}"


def edition_switch(page: Path) -> str | None:
    match = re.search(r'<a href="([^"]+)" class="btn btn-sm nbcode-edition-switch"', page.read_text(encoding="utf-8"))
    return match[1] if match else None


def test_every_page_links_to_itself_in_the_other_edition(built_book: Path) -> None:
    """The switcher of every page of each edition opens the same page of the other
    (sphinxext/korean_edition.py, _templates/language-switcher.html)."""
    wrong = []
    for english, korean in zip(toc_pages(), korean_pages()):
        for here, there in ((english, korean), (korean, english)):
            href = edition_switch(built_book / here)
            target = (built_book / here).parent.joinpath(unquote(href or "")).resolve()
            if href is None or target != (built_book / there).resolve():
                wrong.append(f"{here} -> {href} (should open {there})")
    assert wrong == [], "switchers that miss the same page of the other edition:\n" + "\n".join(wrong)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_switcher_works_on_every_width(browser, server, device: str) -> None:
    """Visible, named in the other language, and it opens the same page there and back."""
    with visit(browser, urljoin(server, "chapters/04_gradient_descent.html"), VIEWPORTS[device]) as (page, _):
        for there, name, lang in (("ko/chapters/04_gradient_descent.html", "한국어", "ko"), ("chapters/04_gradient_descent.html", "English", "en")):
            switch = page.locator("a.nbcode-edition-switch:visible")
            assert switch.count() == 1, f"{device}: expected one visible switcher, found {switch.count()}"
            assert switch.get_attribute("lang") == lang and (switch.get_attribute("aria-label") or "").startswith(name)
            switch.click()
            page.wait_for_url(urljoin(server, there))


def served_syllables(site: Path) -> set[str]:
    """The Hangul the Korean font's slices cover (their unicode-range in hangul.css)."""
    css = (site / KOREAN / "_static" / "fonts" / "hangul.css").read_text(encoding="utf-8")
    return {chr(int(code, 16)) for code in re.findall(r"U\+([0-9A-F]{4,5})", css)}


def test_the_korean_font_covers_every_syllable(built_book: Path) -> None:
    """No tofu: every Hangul character of every Korean page (text, alt texts, labels) is in a
    slice of the served font."""
    served = served_syllables(built_book)
    missing = {}
    for path in korean_pages() + [KOREAN + "search.html", KOREAN + "genindex.html"]:
        text = (built_book / path).read_text(encoding="utf-8")
        if lost := set(re.findall("[\uac00-\ud7a3]", text)) - served:
            missing[path] = "".join(sorted(lost))[:40]
    assert missing == {}, f"syllables the served font lacks (tools/hangul_font.py): {missing}"


def admonition_titles(page: Path) -> list[str]:
    html = page.read_text(encoding="utf-8")
    return [" ".join(re.sub(r"<[^>]+>", " ", title).split()) for title in re.findall(r'<p class="admonition-title">(.*?)</p>', html, re.S)]


def test_korean_solution_titles_name_the_exercise_first(built_book: Path) -> None:
    """"연습 4 해답" (exercise 4's solution), not sphinx-exercise's "해답 연습 4" (sphinxext/korean_edition.py)."""
    titles = [title for path in korean_pages() if is_chapter(path) for title in admonition_titles(built_book / path)]
    solutions = [title for title in titles if "해답" in title]
    assert solutions, "no solution title found on the Korean chapter pages"
    wrong = [title for title in solutions if not re.fullmatch(r"연습 \d+ 해답.*", title)]
    assert wrong == [], f"solution titles not in Korean word order: {wrong[:5]}"


COPY_BUTTON = "b => ({tooltip: b.dataset.tooltip, name: b.querySelector('svg title').textContent})"


def test_korean_copy_buttons_speak_korean(browser, server) -> None:
    """sphinx-copybutton's tooltip and each button's accessible name (its icon's title) in Korean,
    before and after a copy (assets/korean-copybutton.js)."""
    with visit(browser, urljoin(server, f"{KOREAN}chapters/04_gradient_descent.html")) as (page, _):
        button = page.locator(".copybtn").first
        assert button.evaluate(COPY_BUTTON) == {"tooltip": "복사", "name": "클립보드에 복사"}
        button.click()
        page.wait_for_function("b => b.querySelector('svg title').textContent !== '클립보드에 복사'", arg=button.element_handle())
        after = button.evaluate(COPY_BUTTON)
        assert after["tooltip"] in ("복사했습니다!", "복사하지 못했습니다") and after["name"] in ("복사했습니다!", "복사하지 못했습니다"), after


# A Korean search finds every page that uses a term, whatever particle or ending follows it.
KOREAN_TERMS = ("가중치", "역전파", "과적합")


def article_text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    article = re.search(r"<article\b.*?</article>", html, re.S)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", article[0] if article else "", flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def search_results(page, server: str, query: str) -> set[str]:
    page.goto(urljoin(server, f"{KOREAN}search.html?q={query}"))
    # searchtools.js lists the results one by one and writes the summary once it has listed them all
    page.wait_for_function("() => (document.querySelector('#search-results p.search-summary') || {}).innerText", timeout=20_000)
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    return {urlparse(href).path.lstrip("/") for href in hrefs}


@pytest.mark.parametrize("term", KOREAN_TERMS)
def test_korean_search_finds_every_page_that_uses_a_term(browser, server, built_book: Path, term: str) -> None:
    """A search for the bare noun, and for it with a particle, lists every Korean page whose text
    contains it (가중치를, 가중치의, ...: sphinxext/korean_search.py)."""
    using = {path for path in korean_pages() if term in article_text(built_book / path)}
    assert using, f"no Korean page uses {term}"
    with visit(browser, urljoin(server, f"{KOREAN}search.html")) as (page, _):
        for query in (term, term + "를"):
            found = search_results(page, server, query)
            assert using <= found, f"a search for {query} misses {sorted(using - found)}"


def test_the_query_is_cut_as_the_index_is(browser, server) -> None:
    """The search page's JavaScript stemmer and splitter (language_data.js) give the words the
    Python side put in the index."""
    sys.path.insert(0, str(ROOT / "sphinxext"))
    import korean_search

    words = "가중치를 가중치가 역전파는 역전파로 과적합된다 과적합을 학습률이 결과를 기울기 ReLU를 gradients".split()
    python = [korean_search.SearchKorean({}).stem(w.lower()) for w in words]
    sentence = "ReLU를 쓰면 가중치가 w_1 입니다."
    with visit(browser, urljoin(server, f"{KOREAN}search.html")) as (page, _):
        javascript = page.evaluate("words => words.map(w => new Stemmer().stemWord(w.toLowerCase()))", words)
        split = page.evaluate("s => splitQuery(s)", sentence)
    assert javascript == python
    assert split == korean_search.split(sentence)

