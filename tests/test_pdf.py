"""The whole book as one PDF per edition (tools/build_pdf.py), read back with pypdf.

Each edition's PDF (English, and the Korean 한국어판) is the whole book, in order (a bookmark per part and chapter, each chapter's title on the page
its bookmark opens, about 20 pages a chapter or more), on A4; its Korean is text in an embedded
Korean font; no line of code runs past the right margin (printing the pages clipped about 221
code and output blocks there); and every page of the edition's HTML book offers it in its download menu.

The PDFs are built once per session unless they are newer than the book's sources, catalogs and
the build scripts. `make test` builds them with the HTML books, before this and the browser test,
whose link check then finds the PDF each download menu links to.
"""

from __future__ import annotations

import functools
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

import build_pdf

# Each PDF is read once: under pytest-xdist (--dist loadgroup) these tests share a worker.
pytestmark = [pytest.mark.pdf, pytest.mark.xdist_group("pdf")]

CATALOGS = ROOT / "locales"
BUILD_SCRIPTS = [ROOT / "tools" / "build_pdf.py", ROOT / "tools" / "build_book.py"]
A4 = (595.3, 841.9)  # points
RIGHT_MARGIN = 16 / 25.4 * 72  # assets/book.css: @page margin, 16 mm
PAGES_PER_CHAPTER = 20  # the shortest chapter prints on 23 pages
KOREAN_TERMS = ["경사 하강법", "순방향 신경망"]  # gradient descent (bold, glossary), feedforward network (chapter 1)


CONTROL = re.compile(r".{0,8}[\x00-\x08\x0e-\x1f].{0,8}")


@dataclass
class Book:
    language: str
    reader: PdfReader
    texts: list[str] = field(default_factory=list)  # each page's text, collapsed
    code_runs: int = 0  # runs of text in a fixed-pitch font, all pages
    past_margin: list[str] = field(default_factory=list)  # those ending right of the text column


def squeeze(text: str) -> str:
    return "".join(text.split())


def collapse(text: str) -> str:
    """Text as read: ligatures split (NFKC: "ﬃ" is "ffi"), each run of white space one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


# The Korean text faces (NanumGothic, and the Korean edition's cut of it, tools/hangul_font.py):
# every syllable is one advance wide, so the PDF flags them fixed-pitch too; they are not code.
HANGUL_FONTS = ("Nanum", "BookHangul")


def fixed_pitch_advance(font) -> float | None:
    """The advance of every glyph of a fixed-pitch (code) font in 1/1000 em, None for any other font."""
    font = font.get_object()
    if font.get("/Subtype") != "/Type0" or any(name in str(font.get("/BaseFont")) for name in HANGUL_FONTS):
        return None
    cid_font = font["/DescendantFonts"][0].get_object()
    if not int(cid_font["/FontDescriptor"]["/Flags"]) & 1:  # flag bit 1: FixedPitch
        return None
    widths = cid_font.get("/W")  # [first last width] or [first [width ...]]
    if not widths:
        return float(cid_font.get("/DW", 1000))
    return float(widths[1][0]) if isinstance(widths[1], list) else float(widths[2])


def read(language: str, reader: PdfReader) -> Book:
    """One pass over every page: its text, and where each run of code text ends."""
    book = Book(language, reader)
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


@functools.cache
def built_and_read(language: str) -> Book:
    """The edition's PDF, built first if it is older than a source, read once per session (pytest
    sets a parametrized fixture up again whenever the tests of its two values alternate)."""
    pdf = build_pdf.pdf_of(language)
    newest = max(path.stat().st_mtime for path in [*book_sources(), *CATALOGS.rglob("*.po"), *BUILD_SCRIPTS])
    if not pdf.exists() or pdf.stat().st_mtime < newest:
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_pdf.py"), "--language", language], check=True)
    return read(language, PdfReader(pdf))


@pytest.fixture(scope="session", params=build_pdf.build_book.LANGUAGES)
def book(request) -> Book:
    return built_and_read(request.param)


def translated(language: str, doc: str, english: str) -> str:
    """`english` as the catalog of `doc` in `language` translates it, Markdown escapes removed
    ("1\\. 순방향 신경망" is the title "1. 순방향 신경망")."""
    if language == "en":
        return english
    from babel.messages.pofile import read_po

    with (CATALOGS / language / "LC_MESSAGES" / f"{doc}.po").open("rb") as catalog:
        message = read_po(catalog).get(english)
    assert message is not None and message.string, f"{doc}.po has no {language} translation of {english!r}"
    return re.sub(r"\\(.)", r"\1", message.string)


def title(doc: str, language: str = "en") -> str:
    """A chapter's title: the first line of its first Markdown cell (or of its Markdown file)."""
    notebook = ROOT / f"{doc}.ipynb"
    if notebook.exists():
        cell = next(c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "markdown")
        first = "".join(cell["source"]).splitlines()[0]
    else:
        first = (ROOT / f"{doc}.md").read_text().splitlines()[0]
    return translated(language, doc, first.removeprefix("# ").strip())


def toc_parts(language: str = "en") -> list[tuple[str, list[str]]]:
    """(caption, [chapter titles]) for each part of _toc.yml, in order, in `language`."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [(translated(language, toc["root"], part["caption"]), [title(chapter["file"], language) for chapter in part["chapters"]])
            for part in toc["parts"]]


def part_bookmarks(reader: PdfReader) -> list[tuple]:
    """(part, [its chapters]) for each part's bookmark, after the landing page's."""
    outline = reader.outline  # [item, [its children], item, [its children], ...]
    tops = [item for item in outline if not isinstance(item, list)]
    children = [item for item in outline if isinstance(item, list)]
    return [(part, [c for c in chapters if not isinstance(c, list)]) for part, chapters in zip(tops[1:], children[1:])]


def test_every_part_and_chapter_has_a_bookmark_in_order(book: Book) -> None:
    """After the landing page, one bookmark per part holding one per chapter, as in _toc.yml."""
    found = [(part.title, [chapter.title for chapter in chapters]) for part, chapters in part_bookmarks(book.reader)]
    assert found == toc_parts(book.language)


def test_each_chapter_title_is_text_on_the_page_its_bookmark_opens(book: Book) -> None:
    chapters = [chapter for _, chapters in part_bookmarks(book.reader) for chapter in chapters]
    assert len(chapters) == sum(len(titles) for _, titles in toc_parts(book.language))
    for chapter in chapters:
        page = book.reader.get_destination_page_number(chapter)
        # spaces aside: pypdf reads spaces into Korean words ("하 강법") and out of English lines
        assert squeeze(chapter.title) in squeeze(book.texts[page]), f"{chapter.title!r} is not text on page {page + 1}, where its bookmark points"


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
            if any(name in str(font.get("/BaseFont")) for name in HANGUL_FONTS)
            and "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        ]
        assert embedded, f"page {pages[0] + 1} has {term!r} but no embedded Korean font ({', '.join(HANGUL_FONTS)})"
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
    assert any(squeeze(longest) in squeeze(text) for text in book.texts), f"not whole in the PDF: {longest!r}"


def test_the_download_menu_links_to_the_pdf(book: Book) -> None:
    """Every page's ".pdf" download entry is a link to its edition's PDF (not the print dialog),
    and the PDF is in that edition's HTML book beside index.html."""
    copy = build_pdf.html_copy(book.language)
    assert copy.read_bytes() == build_pdf.pdf_of(book.language).read_bytes(), f"{copy} is missing or stale"
    site = copy.parent
    for page in [site / "intro.html", *sorted((site / "chapters").glob("*.html"))]:
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"]+)"[^>]*\n?\s*class="[^"]*btn-download-pdf-button', html)
        assert links, f"{page.relative_to(site)}: no .pdf link in the download menu"
        assert (page.parent / links[0]).resolve() == copy.resolve(), f"{page.relative_to(site)} links {links[0]}"
        assert "window.print()" not in html, f"{page.relative_to(site)}: the download menu still opens the print dialog"
