"""Check the translations' catalogs against the English sources, page by page.

    python tools/check_catalogs.py                 # regenerate the .pot files, compare with locales/ko
    python tools/check_catalogs.py --pot _build/gettext   # compare with templates already built
    python tools/check_catalogs.py --complete      # also fail on untranslated and fuzzy messages

The templates (.pot, one per page) are regenerated from the sources into a temporary folder
(tools/build_book.py's `gettext()`: Sphinx's gettext builder, nothing executes), and each
page's catalog (locales/ko/LC_MESSAGES/<page>.po) is compared with its template. It fails when

* a message of the template is missing from the catalog, or the catalog has one the template no
  longer has (obsolete): an English edit that nobody carried over (run `sphinx-intl update`,
  see the README);
* a translation breaks the markup: the same {term}, {cite}, {doc}, {ref}, {numref} and {eq}
  targets, the same math (each $...$ verbatim), the same link targets ](...) as the English;
* a translation of a message with {term}`X` does not use the glossary's Korean name for X (the
  glossary, chapters/glossary.md, is the authority: the bold name that starts X's definition);
* and, with --complete (`REQUIRE_COMPLETE` below, the final switch), any message is untranslated
  or fuzzy (fuzzy: `sphinx-intl update` guessed the translation of an edited English message
  from the old one; a translator must check it and remove the flag).

It prints one line per page (messages, translated, untranslated, fuzzy, missing, obsolete,
problems) and then every problem with its page and message. `make test` runs it.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_book  # noqa: E402

ROOT = build_book.ROOT
GLOSSARY = ROOT / "chapters" / "glossary.md"

# Every page is translated: an untranslated or fuzzy message fails (False counts them only,
# for a new page while it is being translated).
REQUIRE_COMPLETE = True

ROLE = re.compile(r"\{(?P<role>term|cite(?::[a-z]+)?|doc|ref|numref|eq)\}`(?P<body>[^`]*)`")
EXPLICIT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]*)\)")


def role_uses(text: str) -> list[tuple[str, str, str]]:
    """(role, shown text, target) for every role in a MyST message; a citation's keys each."""
    uses = []
    for match in ROLE.finditer(text):
        role, body = match["role"], match["body"]
        explicit = EXPLICIT_TARGET.match(body)
        shown, target = (explicit["text"], explicit["target"]) if explicit else (body, body)
        if role.startswith("cite"):
            uses += [(role, key.strip(), key.strip()) for key in target.split(",")]
        else:
            uses.append((role, shown.strip(), target.strip().lower() if role == "term" else target.strip()))
    return uses


def glossary_names(path: Path = GLOSSARY) -> dict[str, str]:
    """English term (lower case) -> its Korean name: the bold text that starts its definition."""
    names: dict[str, str] = {}
    inside, terms = False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```{glossary}"):
            inside, terms = True, []
            continue
        if inside and line.startswith("```"):
            inside = False
            continue
        if not inside or not line.strip():
            continue
        if not line.startswith(" "):
            terms.append(line.strip().lower())
            continue
        bold = re.match(r"\s+\*\*(.+?)\*\*", line)
        if terms and bold:
            for term in terms:
                names[term] = bold[1].strip()
        terms = []
    return names


# What MyST (CommonMark) reads as the start of a list or a heading rather than of a paragraph:
# "1. ", "2) ", "- ", "+ ", "* ", "# ". A translation is parsed as the page's markdown is.
BLOCK_START = re.compile(r"^(?:[0-9]{1,9}[.)]|[-+*]|#{1,6})(?:[ \t]|$)")


def markup_problems(msgid: str, msgstr: str, glossary: dict[str, str]) -> list[str]:
    """What a translation changed that it must keep (see the module's docstring)."""
    problems = []
    english, korean = role_uses(msgid), role_uses(msgstr)
    for role in sorted({use[0] for use in english + korean}):
        a = collections.Counter(target for r, _, target in english if r == role)
        b = collections.Counter(target for r, _, target in korean if r == role)
        if a != b:
            problems.append(f"{{{role}}} targets differ: English {sorted(a.elements())}, Korean {sorted(b.elements())}")
    for math in MATH.findall(msgid):
        if math not in msgstr:
            problems.append(f"math changed or missing: {math[:60]}")
    if collections.Counter(LINK_TARGET.findall(msgid)) != collections.Counter(LINK_TARGET.findall(msgstr)):
        problems.append(f"link targets differ: English {LINK_TARGET.findall(msgid)}, Korean {LINK_TARGET.findall(msgstr)}")
    if BLOCK_START.match(msgstr):
        # "1. 순방향 신경망" parses as a numbered list, not a title: Sphinx drops such a translation
        problems.append(f"starts like a list or a heading ({BLOCK_START.match(msgstr).group(0)!r}), which Sphinx "
                        "reads as such and drops: escape it, as in '1\\. ...'")
    shown = collections.defaultdict(list)
    for role, text, target in korean:
        if role == "term":
            shown[target].append(text)
    for role, _, target in english:
        name = glossary.get(target) if role == "term" else None
        if name and not any(name in text for text in shown.get(target, [])):
            problems.append(f"{{term}}`{target}` must read {name!r} (the glossary's name), as {{term}}`{name} <{target}>`;"
                            f" the translation shows {shown.get(target) or 'no such term'}")
    return problems


@dataclass
class PageReport:
    page: str
    messages: int = 0
    translated: int = 0
    untranslated: int = 0
    fuzzy: int = 0
    missing: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def failures(self, complete: bool) -> int:
        return len(self.missing) + len(self.obsolete) + len(self.problems) + (self.untranslated + self.fuzzy if complete else 0)


def read_catalog(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f)


def compare(pot_dir: Path, locale_dir: Path, glossary: dict[str, str]) -> list[PageReport]:
    reports = []
    pages = sorted({p.relative_to(pot_dir).with_suffix("").as_posix() for p in pot_dir.rglob("*.pot")}
                   | {p.relative_to(locale_dir).with_suffix("").as_posix() for p in locale_dir.rglob("*.po")})
    for page in pages:
        report = PageReport(page)
        reports.append(report)
        pot, po = pot_dir / f"{page}.pot", locale_dir / f"{page}.po"
        template = {m.id: m for m in read_catalog(pot) if m.id} if pot.exists() else {}
        catalog = {m.id: m for m in read_catalog(po) if m.id} if po.exists() else {}
        report.messages = len(template)
        report.missing = [msgid for msgid in template if msgid not in catalog]
        report.obsolete = [msgid for msgid in catalog if msgid not in template]
        for msgid, message in catalog.items():
            if msgid not in template:
                continue
            if not message.string:
                report.untranslated += 1
                continue
            report.translated += 1
            report.fuzzy += message.fuzzy
            report.problems += [f"{problem}\n      in: {short(msgid)}" for problem in markup_problems(msgid, message.string, glossary)]
    return reports


def short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_reports(reports: list[PageReport], complete: bool) -> int:
    header = ("page", "messages", "translated", "untranslated", "fuzzy", "missing", "obsolete", "problems")
    print("  ".join(f"{h:>12}" if i else f"{h:<32}" for i, h in enumerate(header)))
    for r in reports:
        row = (r.page, r.messages, r.translated, r.untranslated, r.fuzzy, len(r.missing), len(r.obsolete), len(r.problems))
        print("  ".join(f"{c:>12}" if i else f"{c:<32}" for i, c in enumerate(row)))
    total = sum(r.failures(complete) for r in reports)
    for r in reports:
        for msgid in r.missing:
            print(f"{r.page}: missing (not in the catalog; run sphinx-intl update): {short(msgid)}")
        for msgid in r.obsolete:
            print(f"{r.page}: obsolete (the English no longer has it; run sphinx-intl update): {short(msgid)}")
        for problem in r.problems:
            print(f"{r.page}: {problem}")
        if complete and (r.untranslated or r.fuzzy):
            print(f"{r.page}: {r.untranslated} untranslated and {r.fuzzy} fuzzy messages")
    done = sum(r.translated - r.fuzzy for r in reports)
    print(f"\n{done} of {sum(r.messages for r in reports)} messages translated and not fuzzy; "
          f"{total} failure(s){'' if complete else ' (untranslated and fuzzy messages are counted, not failed: REQUIRE_COMPLETE)'}")
    return 1 if total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pot", type=Path, help="templates already built (a gettext build's folder)")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--locales", type=Path, default=ROOT / "locales", help="the catalogs' root (default: locales/)")
    parser.add_argument("--complete", action="store_true", default=REQUIRE_COMPLETE, help="fail on untranslated and fuzzy messages")
    args = parser.parse_args()
    locale_dir = args.locales / args.language / "LC_MESSAGES"
    with tempfile.TemporaryDirectory() as tmp:
        pot_dir = args.pot
        if pot_dir is None:
            pot_dir = Path(tmp) / "gettext"
            if build_book.gettext(pot_dir) != 0:
                print("the gettext build failed", file=sys.stderr)
                return 1
        return print_reports(compare(pot_dir, locale_dir, glossary_names()), args.complete)


if __name__ == "__main__":
    sys.exit(main())
