"""Audit the reading order: for every glossary term, where a reader first meets it in the prose
and where the book first links it to the glossary (the chapter that introduces it).

    python tools/first_uses.py            # terms met (in plain prose) before their first link
    python tools/first_uses.py --all      # the full table, term by term

A mention before the first link is fine where the text points ahead: anywhere in a chapter whose
"Just enough" box mentions the term (the box says what the reader needs), and in a paragraph that
links to the chapter that introduces the term or a later one ("... backpropagation, [chapter 5](05_backpropagation.ipynb)").
The audit skips those, and links. What it prints needs a reader's eye: common words ("bias",
"batch") also match when they are not the term.
"""

from __future__ import annotations

import re
import sys

import nbformat

from glossary_order import GLOSSARY, chapters, first_uses, parse

BOX = ":::{admonition} Just enough"
MATH_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|```.*?```", re.S)
CHAPTER_LINK = re.compile(r"\]\((\d\d)_\w+\.ipynb\)")


def read_chapter(path) -> tuple[list[tuple[str, int]], str]:
    """A chapter's prose, lower-cased, math and code blanked out: per paragraph outside Just-enough
    cells, (its text, the highest chapter number it links to, 0 if none); and the text of its
    Just-enough cells."""
    paragraphs, boxes = [], []
    for cell in nbformat.read(path, 4).cells:
        if cell.cell_type != "markdown":
            continue
        if BOX in cell.source:
            boxes.append(MATH_CODE.sub(" ", cell.source).lower())
            continue
        for paragraph in re.split(r"\n\s*\n", cell.source):
            ahead = max((int(n) for n in CHAPTER_LINK.findall(paragraph)), default=0)
            paragraphs.append((MATH_CODE.sub(" ", paragraph).lower(), ahead))
    return paragraphs, "\n".join(boxes)


def met_unannounced(chapter: list[tuple[str, int]], pattern: re.Pattern, longer: list[str], home: int) -> bool:
    """Does a paragraph mention the term (not as part of a longer glossary term: "kl divergence"
    is not "divergence") without pointing to the term's home chapter or a later one?"""
    for text, ahead in chapter:
        for other in longer:
            text = text.replace(other, " ")
        if ahead < home and pattern.search(text):
            return True
    return False


def main(argv: list[str]) -> None:
    paths = chapters()
    texts, boxes = zip(*(read_chapter(p) for p in paths))
    links = first_uses()
    _, sections = parse(GLOSSARY.read_text())
    early = 0
    terms = [entry[0].strip().lower() for _, entries in sections for entry in entries]
    for _, entries in sections:
        for entry in entries:
            term = entry[0].strip().lower()
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])")
            linked = paths.index(links[term]) if term in links else None
            home = linked + 1 if linked is not None else 0
            longer = [other for other in terms if term in other and other != term]
            met = next((i for i, t in enumerate(texts)
                        if not pattern.search(boxes[i]) and met_unannounced(t, pattern, longer, home)), None)
            flag = met is not None and linked is not None and met < linked
            early += flag
            if flag or "--all" in argv:
                name = lambda i: "-" if i is None else paths[i].stem  # noqa: E731
                print(f"{'EARLY ' if flag else '      '}{term:32} met in {name(met):24} linked in {name(linked)}")
    print(f"{early} terms are met in plain prose before the chapter that links them")


if __name__ == "__main__":
    main(sys.argv[1:])
