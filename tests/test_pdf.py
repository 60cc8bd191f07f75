"""The whole book as one PDF (tools/build_pdf.py), read back with pypdf.

It is the whole book, in order (a bookmark per part and chapter, each chapter's title on the page
its bookmark opens, about 20 pages a chapter or more), on A4; its Korean is text in an embedded
Korean font; no line of code runs past the right margin (printing the pages clipped about 221
code and output blocks there); and every page of the HTML book offers it in its download menu.

The PDF is built once per session unless _build/pdf/book.pdf is newer than the book's sources and
the build scripts. `make test` runs this after the HTML build and before the browser test, whose
link check then finds the PDF the download menu links to.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, book_sources
from pypdf import PdfReader

pytestmark = pytest.mark.pdf

PDF = ROOT / "_build" / "pdf" / "book.pdf"
HTML = ROOT / "_build" / "html"
BUILD_SCRIPTS = [ROOT / "tools" / "build_pdf.py", ROOT / "tools" / "build_book.py"]
A4 = (595.3, 841.9)  # points
RIGHT_MARGIN = 16 / 25.4 * 72  # assets/book.css: @page margin, 16 mm
PAGES_PER_CHAPTER = 20  # the shortest chapter prints on 23 pages
KOREAN_TERMS = ["경사 하강법", "순방향 신경망"]  # gradient descent (bold, glossary), feedforward network (chapter 1)


CONTROL = re.compile(r".{0,8}[\x00-\x08\x0e-\x1f].{0,8}")


@dataclass
class Book:
    reader: PdfReader
    texts: list[str] = field(default_factory=list)  # each page's text, collapsed
    code_runs: int = 0  # runs of text in a fixed-pitch font, all pages
    past_margin: list[str] = field(default_factory=list)  # those ending right of the text column


def collapse(text: str) -> str:
    """Text as read: ligatures split (NFKC: "ﬃ" is "ffi"), each run of white space one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def fixed_pitch_advance(font) -> float | None:
    """The advance of every glyph of a fixed-pitch (code) font in 1/1000 em, None for any other font."""
    font = font.get_object()
    if font.get("/Subtype") != "/Type0":
        return None
    cid_font = font["/DescendantFonts"][0].get_object()
    if not int(cid_font["/FontDescriptor"]["/Flags"]) & 1:  # flag bit 1: FixedPitch
        return None
    widths = cid_font.get("/W")  # [first last width] or [first [width ...]]
    if not widths:
        return float(cid_font.get("/DW", 1000))
    return float(widths[1][0]) if isinstance(widths[1], list) else float(widths[2])


def read(reader: PdfReader) -> Book:
    """One pass over every page: its text, and where each run of code text ends."""
    book = Book(reader)
    for number, page in enumerate(reader.pages, start=1):
        fonts = page["/Resources"].get("/Font", {})
        advances = {font.get_object().get("/BaseFont"): fixed_pitch_advance(font) for font in fonts.values()}
        right_edge = float(page.mediabox.width) - RIGHT_MARGIN

        def visit(text, cm, tm, font, size) -> None:
            advance = advances.get((font or {}).get("/BaseFont"))
            run = text.replace("\n", "").rstrip()  # trailing spaces of a wrapped line hang, unseen
            if advance is None or not run:
                return
            book.code_runs += 1
            start = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            end = start + len(run) * advance / 1000 * size * tm[0] * cm[0]
            if end > right_edge + 1:
                book.past_margin.append(f"page {number}: {run[:60]!r} ends {end - right_edge:.0f} pt past the margin")

        book.texts.append(collapse(page.extract_text(visitor_text=visit)))
    return book


@pytest.fixture(scope="session")
def book() -> Book:
    newest = max(path.stat().st_mtime for path in [*book_sources(), *BUILD_SCRIPTS])
    if not PDF.exists() or PDF.stat().st_mtime < newest:
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_pdf.py")], check=True)
    return read(PdfReader(PDF))


def title(doc: str) -> str:
    """A chapter's title: the first line of its first Markdown cell (or of its Markdown file)."""
    notebook = ROOT / f"{doc}.ipynb"
    if notebook.exists():
        cell = next(c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "markdown")
        first = "".join(cell["source"]).splitlines()[0]
    else:
        first = (ROOT / f"{doc}.md").read_text().splitlines()[0]
    return first.removeprefix("# ").strip()


def toc_parts() -> list[tuple[str, list[str]]]:
    """(caption, [chapter titles]) for each part of _toc.yml, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [(part["caption"], [title(chapter["file"]) for chapter in part["chapters"]]) for part in toc["parts"]]


def part_bookmarks(reader: PdfReader) -> list[tuple]:
    """(part, [its chapters]) for each part's bookmark, after the landing page's."""
    outline = reader.outline  # [item, [its children], item, [its children], ...]
    tops = [item for item in outline if not isinstance(item, list)]
    children = [item for item in outline if isinstance(item, list)]
    return [(part, [c for c in chapters if not isinstance(c, list)]) for part, chapters in zip(tops[1:], children[1:])]


def test_every_part_and_chapter_has_a_bookmark_in_order(book: Book) -> None:
    """After the landing page, one bookmark per part holding one per chapter, as in _toc.yml."""
    found = [(part.title, [chapter.title for chapter in chapters]) for part, chapters in part_bookmarks(book.reader)]
    assert found == toc_parts()


def test_each_chapter_title_is_text_on_the_page_its_bookmark_opens(book: Book) -> None:
    chapters = [chapter for _, chapters in part_bookmarks(book.reader) for chapter in chapters]
    assert len(chapters) == sum(len(titles) for _, titles in toc_parts())
    for chapter in chapters:
        page = book.reader.get_destination_page_number(chapter)
        assert chapter.title in book.texts[page], f"{chapter.title!r} is not text on page {page + 1}, where its bookmark points"


def test_the_whole_book_is_there_on_a4(book: Book) -> None:
    numbered = sum(bool(re.match(r"(\d+|Appendix [A-Z])\. ", t)) for _, titles in toc_parts() for t in titles)
    assert len(book.reader.pages) >= PAGES_PER_CHAPTER * numbered, f"{len(book.reader.pages)} pages for {numbered} chapters"
    sizes = {(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) for p in book.reader.pages}
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes), f"page sizes {sizes}, expected A4"


def test_korean_is_text_in_an_embedded_korean_font(book: Book) -> None:
    """Korean terms read back as written, words and the spaces between them, from pages that embed
    NanumGothic (fonts-nanum). No page reads back a control character: NanumGothic's space glyph
    reads as U+0001 (129 pages had "순방향\\x01신경망" before book.css took only Hangul from it)."""
    for term in KOREAN_TERMS:
        pages = [i for i, text in enumerate(book.texts) if term in text]
        assert pages, f"{term!r} is not text anywhere in the PDF"
        fonts = [font.get_object() for font in book.reader.pages[pages[0]]["/Resources"]["/Font"].values()]
        embedded = [
            font["/BaseFont"] for font in fonts
            if "Nanum" in str(font.get("/BaseFont")) and "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        ]
        assert embedded, f"page {pages[0] + 1} has {term!r} but no embedded Nanum font"
    controls = [f"page {i + 1}: {m.group()!r}" for i, text in enumerate(book.texts) for m in [CONTROL.search(text)] if m]
    assert controls == [], f"{len(controls)} pages read back control characters: {controls[:5]}"


def test_no_code_runs_past_the_right_margin(book: Book) -> None:
    """Every run of text in a fixed-pitch font ends inside the text column: code and outputs wrap."""
    assert book.code_runs > 10_000, "too few runs of code text were found for this check to mean anything"
    assert book.past_margin == [], f"{len(book.past_margin)} runs of code end past the margin:\n" + "\n".join(book.past_margin[:20])


def test_the_longest_code_line_is_there_whole(book: Book) -> None:
    """The book's longest line of code, wrapped over several lines of the page, loses no character."""
    lines = [
        line.strip()
        for path in sorted((ROOT / "chapters").glob("*.ipynb"))
        for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
    ]
    longest = max(lines, key=len)
    assert len(longest) > 100, "the check needs a line longer than the text column"
    squeezed = "".join(longest.split())
    assert any(squeezed in "".join(text.split()) for text in book.texts), f"not whole in the PDF: {longest!r}"


def test_the_download_menu_links_to_the_pdf(book: Book) -> None:
    """Every page's ".pdf" download entry is a link to the PDF (not the print dialog), and the PDF
    is in the HTML book beside index.html."""
    assert (HTML / PDF.name).read_bytes() == PDF.read_bytes(), "the HTML book's copy of the PDF is missing or stale"
    for page in [HTML / "intro.html", *sorted((HTML / "chapters").glob("*.html"))]:
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"]+)"[^>]*\n?\s*class="[^"]*btn-download-pdf-button', html)
        assert links, f"{page.relative_to(HTML)}: no .pdf link in the download menu"
        assert (page.parent / links[0]).resolve() == (HTML / PDF.name).resolve(), f"{page.relative_to(HTML)} links {links[0]}"
        assert "window.print()" not in html, f"{page.relative_to(HTML)}: the download menu still opens the print dialog"
