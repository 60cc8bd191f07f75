"""Rules the prose keeps so that the book reads front to back (CHAPTERS.md item 11).

- Chapter titles carry their number: `# 4. Gradient descent ...` in `04_gradient_descent.ipynb`,
  listed fourth in `_toc.yml` (the appendix is `# Appendix A. ...`).
- A chapter is referred to by a link whose text carries the target's number,
  `[chapter 4](04_gradient_descent.ipynb)`; a bare "chapter 4" is allowed only for a chapter of
  another book ("chapter 6 of {cite}`...`").
- Every chapter links to the notation page.
- Markdown holds no control characters (a TAB inside `\\text` once broke a formula).
- Every figure is described: a code cell that draws a figure carries its alt text in its metadata
  (`mystnb: {image: {alt: ...}}`, which MyST-NB puts on the page's <img>), a sentence or more
  about what the figure shows, not a file name.
- Every figure is legible: its smallest text is at least 9 px on a desktop page, as measured where
  it was drawn (`nbcode.plot.book_style`'s PNGs and every scrubber record it in the outputs).
"""
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
APPENDICES = {12: "A"}
LINK = re.compile(r"\[([^\]]*)\]\((\d\d)_[a-z_]+\.ipynb(?:#[^)]*)?\)")
BARE = re.compile(r"\b[Cc]hapters?\s+\d+(?:(?:,|\s+and|\s+or)\s+\d+)*")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def markdown_cells(path):
    return [(i, c.source) for i, c in enumerate(nbformat.read(path, 4).cells) if c.cell_type == "markdown"]


def label(number: int) -> str:
    return APPENDICES.get(number, str(number))


def cites_another_book(text: str, match: re.Match) -> bool:
    """'chapter 6 of {cite}`x`', '{cite}`x` (chapter 4, ...)', '*... from Scratch*, chapter 2'."""
    before, after = text[max(0, match.start() - 40):match.start()], text[match.end():match.end() + 8]
    return bool(re.match(r"\)?\s+of\b", after) or re.search(r"\{cite\}`[^`]*`\s*\(?$|Scratch\W*$|\bits $", before))


def test_toc_lists_the_chapters_in_file_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    numbered = [f.split("/")[-1] for f in files if re.match(r"chapters/\d\d_", f)]
    assert numbered == [p.stem for p in CHAPTERS]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_title_carries_the_chapter_number(path):
    number = int(path.name[:2])
    title = markdown_cells(path)[0][1].splitlines()[0]
    expected = f"# Appendix {APPENDICES[number]}. " if number in APPENDICES else f"# {number}. "
    assert title.startswith(expected), f"{path.name}: title {title!r} should start with {expected!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_references_are_links_with_the_right_number(path):
    problems = []
    for i, text in markdown_cells(path):
        for m in LINK.finditer(text):
            numbers = re.findall(r"\b(\d+|[A-Z])\b", m.group(1))
            if numbers and numbers[-1] != label(int(m.group(2))):
                problems.append(f"cell {i}: link text {m.group(1)!r} points to chapter {label(int(m.group(2)))}")
        unlinked = LINK.sub("", text)
        for m in BARE.finditer(unlinked):
            if not cites_another_book(unlinked, m):
                problems.append(f"cell {i}: bare {m.group(0)!r}; write [chapter N](NN_name.ipynb)")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_links_to_the_notation_page(path):
    assert any("(notation.md)" in text or "<notation>" in text for _, text in markdown_cells(path))


@pytest.mark.parametrize("path", CHAPTERS + sorted((ROOT / "chapters").glob("*.md")) + [ROOT / "intro.md"],
                         ids=lambda p: p.stem)
def test_markdown_holds_no_control_characters(path):
    texts = markdown_cells(path) if path.suffix == ".ipynb" else [(0, path.read_text())]
    bad = [(i, repr(CONTROL.search(t).group(0))) for i, t in texts if CONTROL.search(t)]
    assert not bad, f"{path.name}: control characters in markdown cells {bad}"


def test_glossary_is_in_reading_order():
    """One section per chapter, in toc order, each term where a chapter first links it."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import glossary_order

    assert glossary_order.ordered() == glossary_order.GLOSSARY.read_text(), "run python tools/glossary_order.py"


def test_glossary_page_has_no_authoring_text():
    assert "`{term}`" not in (ROOT / "chapters" / "glossary.md").read_text()


def figure_cells(path):
    """(index, alt text) of every code cell whose outputs hold a figure."""
    cells = nbformat.read(path, 4).cells
    return [(i, c.metadata.get("mystnb", {}).get("image", {}).get("alt", "")) for i, c in enumerate(cells)
            if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_is_described(path):
    undescribed = [i for i, alt in figure_cells(path) if len(alt) < 60 or re.search(r"\.(png|svg|jpe?g)\b", alt)]
    assert undescribed == [], (f"{path.name}: code cells {undescribed} draw a figure with no description; add "
                               "metadata mystnb.image.alt: one to three sentences on what it shows")


MIN_TEXT_PX = 9


def legibility(path):
    """(where, smallest text in px or None if unmeasured) of every figure and scrubber of a chapter."""
    found = []
    for i, cell in enumerate(nbformat.read(path, 4).cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if "image/png" in data:
                found.append((f"cell {i}", output.get("metadata", {}).get("image/png", {}).get("smallest_text_px")))
            for px in re.findall(r'data-smallest-text-px="([0-9.]+|None)"', "".join(data.get("text/html", ""))):
                found.append((f"cell {i} scrubber", None if px == "None" else float(px)))
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_is_legible_on_the_page(path):
    found = legibility(path)
    assert found, f"{path.name}: no figure found"
    small = [(where, px) for where, px in found if px is None or px < MIN_TEXT_PX]
    assert small == [], (f"{path.name}: figures whose smallest text is under {MIN_TEXT_PX} px on the page (None: "
                         f"not drawn through book_style()): {small}; use larger font sizes or a narrower figure")
