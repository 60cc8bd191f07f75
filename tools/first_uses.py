"""Audit the reading order: for every glossary term, where a reader first meets it in the prose
and where the book first links it to the glossary (the chapter that introduces it).

    python tools/first_uses.py            # terms met (in plain prose) before their first link
    python tools/first_uses.py --all      # the full table, term by term

A mention before the first link is fine inside a "Just enough" box (it says what the reader needs
and links ahead); the audit skips those boxes and links. What it prints needs a reader's eye:
common words ("bias", "batch") also match when they are not the term.
"""

from __future__ import annotations

import re
import sys

import nbformat

from glossary_order import GLOSSARY, chapters, first_uses, parse

BOX = re.compile(r":::\{admonition\} Just enough.*?\n:::", re.S)
MATH_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|```.*?```", re.S)


def plain_text(path) -> str:
    cells = [c.source for c in nbformat.read(path, 4).cells if c.cell_type == "markdown"]
    return MATH_CODE.sub(" ", BOX.sub(" ", "\n".join(cells))).lower()


def main(argv: list[str]) -> None:
    paths = chapters()
    texts = [plain_text(p) for p in paths]
    links = first_uses()
    _, sections = parse(GLOSSARY.read_text())
    early = 0
    for _, entries in sections:
        for entry in entries:
            term = entry[0].strip().lower()
            pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])")
            met = next((i for i, t in enumerate(texts) if pattern.search(t)), None)
            linked = paths.index(links[term]) if term in links else None
            flag = met is not None and linked is not None and met < linked
            early += flag
            if flag or "--all" in argv:
                name = lambda i: "-" if i is None else paths[i].stem  # noqa: E731
                print(f"{'EARLY ' if flag else '      '}{term:32} met in {name(met):24} linked in {name(linked)}")
    print(f"{early} terms are met in plain prose before the chapter that links them")


if __name__ == "__main__":
    main(sys.argv[1:])
