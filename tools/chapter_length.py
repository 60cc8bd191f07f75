"""Reading length of each chapter: prose words (display and inline math, code and directive lines
left out), code lines and an estimated reading time (130 words a minute, 10 s per code line, the
editorial review's newcomer pace). CHAPTERS.md: a chapter is one sitting, about 2 hours at most.

    python tools/chapter_length.py [chapters/NN_name.ipynb ...]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def prose_words(markdown: str) -> int:
    text = re.sub(r"\$\$.*?\$\$", " ", markdown, flags=re.S)
    text = re.sub(r"```.*?```", lambda m: " " if not re.match(r"```\{", m.group(0)) else m.group(0), text, flags=re.S)
    text = re.sub(r"^\s*(```|:::).*$|^:[a-z-]+:.*$", " ", text, flags=re.M)
    text = re.sub(r"(?<!\\)\$[^$]+\$", " ", text)
    text = re.sub(r"\{[a-z]+\}`[^`<]*<([^>]*)>`|\{[a-z]+\}`([^`]*)`", r"\1\2", text)
    return len(re.findall(r"[\w가-힣][\w'’가-힣-]*", text))


def measure(path: Path) -> tuple[int, int, float]:
    cells = nbformat.read(path, 4).cells
    words = sum(prose_words(c.source) for c in cells if c.cell_type == "markdown")
    code = sum(len([l for l in c.source.splitlines() if l.strip()]) for c in cells if c.cell_type == "code")
    return words, code, words / 130 / 60 + code * 10 / 3600


def main(paths: list[str]) -> None:
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "chapters").glob("[0-9]*.ipynb"))
    print(f"{'chapter':28} {'words':>6} {'code':>5} {'hours':>6}")
    for path in notebooks:
        words, code, hours = measure(path)
        print(f"{path.stem:28} {words:6d} {code:5d} {hours:6.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
