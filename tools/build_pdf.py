"""Print the whole book to one PDF per edition, each copied next to its edition's index.html:
_build/pdf/book.pdf (English, into _build/html) and _build/pdf/ko/book.pdf (한국어판, into _build/html/ko).

    python tools/build_pdf.py                # build each edition's one-page HTML book, then print it
    python tools/build_pdf.py --language ko  # one edition only (repeatable)
    python tools/build_pdf.py --no-build     # print the one-page books already built

jupyter-book's own `pdfhtml` builder would launch a browser that Playwright downloads. This
script does the same two steps with the browser the machine has: Sphinx's `singlehtml` builder
through tools/build_book.py (from the committed notebook outputs, nothing executes; warnings
are errors as in the HTML build), then Debian's Chromium (/usr/bin/chromium, installed with the
Korean fonts by tools/install_chromium.py) driven by Playwright prints that page, served from
127.0.0.1 with every other request refused. The page's print style (assets/book.css,
`@media print` and `@page`) sets the paper (A4), the margins and page numbers, wraps code, and
prints each interactive figure as its starting frame; Chromium embeds the fonts it used, NanumGothic
for the Korean text. Each edition's download menu links its own copy, beside its index.html
(sphinxext/print_book.py).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import build_book
import chromium

ROOT = build_book.ROOT
HTML = ROOT / "_build" / "html"


def pdf_of(language: str) -> Path:
    return ROOT / "_build" / "pdf" / build_book.EDITION_FOLDERS.get(language, "") / "book.pdf"


def html_copy(language: str) -> Path:
    """The copy in the HTML book that the edition's download menu links (sphinxext/print_book.py)."""
    return HTML / build_book.EDITION_FOLDERS.get(language, "") / "book.pdf"


# The text column of assets/book.css's @page (A4 less two 16 mm margins) in CSS pixels: the page
# is laid out at this width before it is printed, so what fits here fits on the paper.
TEXT_WIDTH = round((210 - 2 * 16) / 25.4 * 96)

# Everything the page draws must be in place before it is printed: typeset math, decoded images
# (the figures are data: URIs), and the fonts.
READY = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await document.fonts.ready;
  await Promise.all(Array.from(document.images).map(img => img.decode().catch(() => null)));
  return document.querySelectorAll("mjx-container").length;
}"""

# MathJax does not break a formula; one wider than the text column is scaled down to fit it.
FIT_MATH = """() => {
  const right = document.querySelector("article").getBoundingClientRect().right;
  const fitted = [];
  for (const math of document.querySelectorAll("mjx-container > mjx-math")) {
    const box = math.getBoundingClientRect();
    if (box.right > right + 0.5) {
      math.parentElement.style.zoom = (right - box.left) / box.width;
      fitted.push(math.parentElement.querySelector("mjx-assistive-mml")?.textContent.slice(0, 60));
    }
  }
  return fitted;
}"""

# The book's outline, for the PDF's bookmarks: the landing page and its sections, then each part
# (the captions of the printed contents) with its chapters and their sections. Each entry names
# the id it starts at; Chromium keeps every id as a named destination of the PDF.
OUTLINE = """() => {
  const heading = section => {
    const h = section.querySelector(":scope > :is(h1, h2, h3, h4, h5, h6)");
    const text = Array.from(h.childNodes).filter(node => !node.classList?.contains("headerlink"));
    return text.map(node => node.textContent).join("").replace(/\\s+/g, " ").trim();
  };
  const entry = section => ({
    title: heading(section), dest: section.id,
    children: Array.from(section.querySelectorAll(":scope > section")).map(sub => ({title: heading(sub), dest: sub.id, children: []})),
  });
  const root = document.querySelector("article section");
  const outline = [entry(root)];
  for (const item of document.querySelectorAll("#jb-print-toc nav > *")) {
    if (item.matches("p.caption")) {
      outline.push({title: item.textContent.trim(), dest: null, children: []});
    }
    for (const link of item.querySelectorAll("a[href^='#document-']")) {
      const id = link.getAttribute("href").slice(1);  // the chapter's marker <span id="document-...">
      // its section, which starts the chapter's first page (the marker stays on the page before)
      outline[outline.length - 1].children.push(entry(document.getElementById(id).nextElementSibling));
    }
  }
  return outline;
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """The folder over HTTP on 127.0.0.1 (MathJax's fonts do not load from file:// pages)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def print_pdf(site: Path, page_path: str, pdf: Path) -> list[dict]:
    """Print the page `page_path` of the static site in `site` to `pdf` with Debian's Chromium;
    return the book's outline (see OUTLINE)."""
    from playwright.sync_api import sync_playwright

    refused: list[str] = []
    errors: list[str] = []

    def local_only(route) -> None:
        url = route.request.url
        if url.startswith("data:") or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with serve(site) as base, sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            page = browser.new_page(viewport={"width": TEXT_WIDTH, "height": 1000})
            page.route("**/*", local_only)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + page_path, wait_until="load", timeout=120_000)
            page.emulate_media(media="print")
            page.evaluate(READY)
            page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # solutions open, as in a print dialog
            fitted = page.evaluate(FIT_MATH)
            print(f"{len(fitted)} formulas scaled to the text width: {fitted}")
            outline = page.evaluate(OUTLINE)
            pdf.parent.mkdir(parents=True, exist_ok=True)
            # Untagged: Chromium's tagged PDF is 2.3 times the size, takes 40% longer, and the
            # outline it derives from the tags garbles titles; add_outline writes a clean one.
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()
    if refused or errors:
        pdf.unlink(missing_ok=True)
        raise SystemExit(f"the page asked for {refused[:5]} (refused) or raised {errors[:5]}: no PDF written")
    return outline


def add_outline(pdf: Path, outline: list[dict]) -> None:
    """Write `outline` into `pdf` as its bookmarks; a part opens at its first chapter."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    reader = PdfReader(pdf)
    writer = PdfWriter(clone_from=reader)
    destinations = reader.named_destinations

    def add(items: list[dict], parent=None) -> None:
        for item in items:
            dest = destinations["/" + (item["dest"] or item["children"][0]["dest"])]
            node = writer.add_outline_item(title=item["title"], page_number=reader.get_destination_page_number(dest),
                                           parent=parent, fit=Fit.xyz(left=dest.left, top=dest.top))
            add(item["children"], node)

    add(outline)
    writer.page_mode = "/UseOutlines"  # a viewer opens the PDF with its bookmarks shown
    writer.write(pdf)


def print_edition(language: str, build: bool = True) -> int:
    """Build (unless not `build`) and print one edition; copy its PDF into the HTML book."""
    start = time.perf_counter()
    if build and build_book.build("singlehtml", execute=False, language=language) != 0:
        return 1
    built = time.perf_counter()
    pdf = pdf_of(language)
    add_outline(pdf, print_pdf(build_book.built_site("singlehtml", language), f"{build_book.root_document()}.html", pdf))
    printed = time.perf_counter()
    copy = html_copy(language)
    if copy.parent.is_dir():  # the HTML book links the copy from every page's download menu
        shutil.copy2(pdf, copy)
    print(f"{language} PDF in {printed - start:.1f} s (one-page HTML {built - start:.1f} s, printing {printed - built:.1f} s): "
          f"{pdf} ({pdf.stat().st_size / 1e6:.1f} MB)" + (f", copied to {copy}" if copy.exists() else ""))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-build", action="store_true", help="print the one-page books already built")
    parser.add_argument("--language", choices=build_book.LANGUAGES, action="append",
                        help="this edition only (repeatable; default: every edition)")
    args = parser.parse_args()
    for language in args.language or build_book.LANGUAGES:
        if print_edition(language, build=not args.no_build):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
