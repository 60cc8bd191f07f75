"""Copy the browser assets the book serves into assets/vendor/ (run before every build).

The pages must render with the network cut off, so MathJax comes from an npm package (pinned in
package.json / package-lock.json, installed with `npm ci`) and is copied next to the book's other
static files. Nothing is fetched from a CDN. (The book loads no widget manager: a live figure needs
a kernel, and the page shows its static scrubber instead; see sphinxext/page_assets.py.)
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
VENDOR = ROOT / "assets" / "vendor"

# MathJax 3: the combined TeX+CHTML component, its fonts, and the TeX extensions it may autoload.
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y", "ui", "adaptors"]


def copy_file(src: str | Path, dst: str | Path) -> None:
    """A file copied unless an earlier copy is there: a file is rewritten only when it changed, so
    a build that runs beside another never reads one half written."""
    if Path(dst).exists() and (os.stat(dst).st_size, os.stat(dst).st_mtime) == (os.stat(src).st_size, os.stat(src).st_mtime):
        return
    shutil.copy2(src, dst)


def copy(src: Path, dst: Path) -> None:
    if not src.exists():
        sys.exit(f"missing {src.relative_to(ROOT)}: run `npm ci` first (see README).")
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True, copy_function=copy_file)
    else:
        copy_file(src, dst)


def main() -> None:
    # Over any previous copy (no rmtree: two builds may run side by side).
    mathjax = NODE / "mathjax" / "es5"
    for part in MATHJAX_PARTS:
        copy(mathjax / part, VENDOR / "mathjax" / part)
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    print(f"vendored browser assets into {VENDOR.relative_to(ROOT)} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
