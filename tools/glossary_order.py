"""Keep the glossary in reading order: one section per chapter, in the order of `_toc.yml`, and
each term in the section of the chapter that first links it with `{term}`.

    python tools/glossary_order.py          # rewrite chapters/glossary.md in place
    python tools/glossary_order.py --check  # exit 1 if it is out of order (tests run this)

Entries and their text are kept as written; a term no chapter links stays in the section it was
in. Section headings are the chapter titles (`## 4. Gradient descent, ...`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "chapters" / "glossary.md"
TERM_ROLE = re.compile(r"\{term\}`([^`]*)`")


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if re.match(r"chapters/\d\d_", f)]


def title(path: Path) -> str:
    return nbformat.read(path, 4).cells[0].source.splitlines()[0].lstrip("# ").strip()


def first_uses() -> dict[str, Path]:
    """Lower-cased term -> the first chapter (in reading order) whose markdown links it."""
    found: dict[str, Path] = {}
    for path in chapters():
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type != "markdown":
                continue
            for text in TERM_ROLE.findall(cell.source):
                target = re.search(r"<([^>]*)>\s*$", text)
                found.setdefault((target.group(1) if target else text).strip().lower(), path)
    return found


def parse(text: str) -> tuple[str, list[tuple[str, list[list[str]]]]]:
    """(preamble, [(section heading, [entry lines, ...]), ...]) of the glossary file."""
    preamble, _, body = text.partition("\n## ")
    sections = []
    for block in ("## " + body).split("\n## ")[0:]:
        heading, _, rest = block.removeprefix("## ").partition("\n")
        inside = rest.split("```{glossary}\n", 1)[1].rsplit("```", 1)[0]
        entries: list[list[str]] = []
        previous = " "  # the last non-blank line; a term line after a definition starts an entry
        for line in inside.splitlines():
            if not line.strip():
                continue
            if not line.startswith(" ") and previous.startswith(" "):
                entries.append([])
            entries[-1].append(line)
            previous = line
        sections.append((heading.strip(), entries))
    return preamble.rstrip() + "\n", sections


def section_number(heading: str) -> int | None:
    m = re.match(r"(\d+)\. |Appendix [A-Z]\. ", heading)
    return int(m.group(1)) if m and m.group(1) else (len(chapters()) if m else None)


def ordered() -> str:
    preamble, sections = parse(GLOSSARY.read_text())
    paths = chapters()
    headings = [title(p) for p in paths]
    uses = first_uses()
    placed: dict[int, list[list[str]]] = {i: [] for i in range(len(paths))}
    for heading, entries in sections:
        number = section_number(heading)
        for entry in entries:
            terms = [line.strip().lower() for line in entry if not line.startswith(" ")]
            users = [paths.index(uses[t]) for t in terms if t in uses]
            if users:
                placed[min(users)].append(entry)
            elif number is not None:
                placed[number - 1].append(entry)
            else:
                raise SystemExit(f"glossary: {terms[0]!r} is linked by no chapter and sits in an unnumbered section {heading!r}")
    out = [preamble]
    for i, heading in enumerate(headings):
        if placed[i]:
            body = "\n\n".join("\n".join(entry) for entry in placed[i])
            out.append(f"\n## {heading}\n\n```{{glossary}}\n{body}\n```\n")
    return "".join(out)


def main(argv: list[str]) -> int:
    text = ordered()
    if "--check" in argv:
        if text != GLOSSARY.read_text():
            print("chapters/glossary.md is not in reading order; run python tools/glossary_order.py")
            return 1
        return 0
    GLOSSARY.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
