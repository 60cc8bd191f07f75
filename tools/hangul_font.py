"""The Korean edition's font, served by the book itself: NanumGothic cut to the syllables it uses.

    python tools/hangul_font.py _build/html/ko    # (tools/build_book.py runs it after the Korean build)

A reader's machine may have no Korean font, or one the page does not name; the Korean pages name
"Book Hangul" first in their text font (the theme's --pst-font-family-base, so code keeps its
monospace font), and this writes its faces next to the pages:
_static/fonts/hangul.css (linked from every Korean page, html_css_files) and WOFF files cut
from Debian's fonts-nanum NanumGothic (SIL Open Font License 1.1, which allows subsetting and
redistribution; Debian's copyright file, with the licence, is copied beside them). All of NanumGothic is 4.7 MB; the
edition uses about a thousand syllables, so the font is cut to those only, without hinting,
and split into slices by how often a syllable occurs (the most frequent first), each a
@font-face with its unicode-range: a browser downloads only the slices whose syllables the page
shows. Bold text uses the same files (the browser draws the bold).

The font comes from /usr/share/fonts/truetype/nanum (tools/install_chromium.py installs
fonts-nanum for the tests and the PDF). Without it the stylesheet is written empty and the pages
fall back to the reader's own Korean font, with a warning.
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
LICENCE = Path("/usr/share/doc/fonts-nanum/copyright")
# The cut font is a Modified Version under the OFL, which must not carry the Reserved Font Names
# (Nanum, Naver Nanum, NanumGothic, ...): it is renamed, in the file and in the stylesheet.
FAMILY = "Book Hangul"
SLICE = 250  # syllables per file (about 70 kB each)
FOLDER = Path("_static") / "fonts"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def used_syllables(site: Path) -> collections.Counter:
    """Every Hangul character of the site's HTML pages (text and attributes: alt texts, labels),
    with its count."""
    counts: collections.Counter = collections.Counter()
    for page in site.rglob("*.html"):
        counts.update(HANGUL.findall(page.read_text(encoding="utf-8")))
    return counts


def unicode_range(chars: list[str]) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in sorted(chars))


def rename(face) -> None:
    """The family and full names without the Reserved Font Names (the OFL's condition 3)."""
    for record in face["name"].names:
        if record.nameID in (1, 3, 4, 6, 16, 17):
            text = record.toUnicode()
            for reserved in ("NanumGothic", "Naver Nanum", "Nanum", "나눔고딕", "나눔"):
                text = text.replace(reserved, "BookHangul" if record.nameID == 6 else FAMILY)
            record.string = text


def write_font(site: Path, font: Path = NANUM) -> dict:
    """The slices and hangul.css under `site`/_static/fonts; returns what was written."""
    folder = site / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("hangul-*.woff"):
        old.unlink()
    css = folder / "hangul.css"
    if not font.exists():
        css.write_text(f"/* {font} was missing at build time (fonts-nanum): the reader's own Korean font is used */\n")
        print(f"warning: {font} is missing (apt-get install fonts-nanum): the Korean pages name no served font", file=sys.stderr)
        return {"slices": 0, "bytes": 0, "syllables": 0}
    from fontTools import subset

    counts = used_syllables(site)
    ordered = [char for char, _ in counts.most_common()]
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence names
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # VTT's hinting sources
    rules, total = [f"html:lang(ko) {{\n  --pst-font-family-base: \"{FAMILY}\", var(--pst-font-family-base-system);\n}}\n"], 0
    for i in range(0, len(ordered), SLICE):
        chars = ordered[i:i + SLICE]
        name = f"hangul-{i // SLICE}.woff"
        face = subset.load_font(str(font), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(face)
        rename(face)
        subset.save_font(face, str(folder / name), options)
        total += (folder / name).stat().st_size
        for weight in ("normal", "bold"):
            rules.append(f'@font-face {{\n  font-family: "{FAMILY}";\n  src: url("{name}") format("woff");\n'
                         f"  font-weight: {weight};\n  font-display: swap;\n  unicode-range: {unicode_range(chars)};\n}}\n")
    slices = (len(rules) - 1) // 2
    header = (f"/* {FAMILY}: NanumGothic (fonts-nanum, SIL Open Font License 1.1: see LICENSE-fonts-nanum.txt) cut to the\n"
              f"   {len(ordered)} syllables of this edition in {slices} slices by frequency, renamed (a Modified Version does not\n"
              f"   carry the Reserved Font Names); written by tools/hangul_font.py */\n")
    css.write_text(header + "".join(rules), encoding="utf-8")
    if LICENCE.exists():
        (folder / "LICENSE-fonts-nanum.txt").write_text(LICENCE.read_text(encoding="utf-8", errors="replace"), encoding="utf-8")
    return {"slices": slices, "bytes": total, "syllables": len(ordered)}


def main() -> int:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("_build/html/ko")
    written = write_font(site)
    print(f"{written['syllables']} syllables in {written['slices']} font slices, {written['bytes'] / 1000:.0f} kB, in {site / FOLDER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
