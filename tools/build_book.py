"""Build the HTML book, both editions, with warnings as errors and references checked.

    python tools/build_book.py               # execute changed chapters (jupyter-cache), then build
    python tools/build_book.py --no-execute  # build from the outputs committed in the notebooks
    python tools/build_book.py --language ko # one edition only: en (_build/html) or ko (_build/html/ko)
    python tools/build_book.py --gettext     # the catalog templates (.pot) in _build/gettext

The second form is what the test command uses right after nbval has re-executed every chapter
and shown that its fresh outputs equal the committed ones, so no chapter runs twice.
tools/build_pdf.py builds the one-page HTML book of each edition through `build()` with
`builder="singlehtml"`.

The English edition is `jupyter-book build`. The Korean one (한국어판) is the same sources with
Sphinx's `language=ko`, through jupyter-book's own Sphinx entry point (its command line cannot
pass a language): the catalogs of locales/ko/ are copied to _build/ko/locales (Sphinx writes the
compiled .mo files beside them), the pages are written to _build/ko/html and copied to
_build/html/ko. Its chapters never execute: it reads the outputs the English build just cached
(jupyter-cache, the same folder) or, with --no-execute, the committed ones.
`gettext()` writes the catalog templates (.pot, one per page) that tools/check_catalogs.py and
`sphinx-intl update` compare with locales/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Where jupyter-book writes each builder's pages, under OUTPUT/_build.
BUILDER_FOLDERS = {"html": "html", "singlehtml": "singlehtml"}
LANGUAGES = ("en", "ko")
# The edition of each language other than English, in a folder of the English book (the same as
# sphinxext/korean_edition.py's EDITIONS, which links the two).
EDITION_FOLDERS = {"ko": "ko"}
# The kernels that execute the chapters use one BLAS thread unless the caller chose otherwise:
# OpenBLAS's idle threads spin, and on a busy machine a chapter's cell then outlasts the execution
# timeout (a 4 s cell of chapter 8 took over 60 s beside another build). The printed numbers are
# the same with any number of threads (nbval checks one and two).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
# jupyter-book's Sphinx entry point (jupyter_book.sphinx.build_sphinx) in a process of its own.
SPHINX_CHILD = """import json, sys
from jupyter_book.sphinx import build_sphinx
result = build_sphinx(**json.loads(sys.argv[1]))
if not isinstance(result, int):
    print(result, file=sys.stderr)
sys.exit(result if isinstance(result, int) else 1)
"""


def root_document() -> str:
    """The name of the book's first page (`root` in _toc.yml): the one page `singlehtml` writes."""
    return yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]


def built_site(builder: str, language: str = "en", output: str | None = None) -> Path:
    """Where a build writes its pages: OUTPUT/_build/<builder folder> for English, and
    OUTPUT/_build/<language>/<builder folder> for a translation (whose HTML is then copied into
    the English book's EDITION_FOLDERS[language])."""
    base = (Path(output).resolve() if output else ROOT) / "_build"
    return base / BUILDER_FOLDERS[builder] if language == "en" else base / language / BUILDER_FOLDERS[builder]


def build(builder: str = "html", execute: bool = True, rebuild_all: bool = False,
          toc: str | None = None, output: str | None = None, language: str = "en") -> int:
    """Build one edition with warnings as errors (-W -n --keep-going); return the exit code.
    Without `execute` the committed notebook outputs are used and no chapter runs."""
    if language != "en":
        return build_translation(language, builder, execute, rebuild_all, toc, output)
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], check=True)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "-W", "-n", "--keep-going",
               "--builder", builder]
    if rebuild_all:
        command.append("--all")
    if toc:
        command += ["--toc", str(Path(toc).resolve())]
    if output:
        command += ["--path-output", str(Path(output).resolve())]
    with tempfile.TemporaryDirectory() as tmp:
        if not execute:
            config = yaml.safe_load((ROOT / "_config.yml").read_text())
            config["execute"]["execute_notebooks"] = "off"
            # jupyter-book resolves local extension folders against the config file's folder
            local = config["sphinx"].get("local_extensions", {})
            config["sphinx"]["local_extensions"] = {name: str(ROOT / folder) for name, folder in local.items()}
            override = Path(tmp) / "_config.yml"
            override.write_text(yaml.safe_dump(config, sort_keys=False))
            command += ["--config", str(override)]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=ONE_BLAS_THREAD | os.environ)
        seconds = time.perf_counter() - start
    index = built_site(builder, output=output) / "index.html"
    if result.returncode == 0 and index.exists():
        print(f"\n{builder} book built in {seconds:.1f} s: open {index}")
    else:
        print(f"\n{builder} book build FAILED after {seconds:.1f} s (exit {result.returncode})", file=sys.stderr)
    return result.returncode


def sphinx_build(builder: str, outdir: Path, doctrees: Path, overrides: dict, toc: str | None = None,
                 rebuild_all: bool = False) -> int:
    """jupyter-book's Sphinx build of this book (the configuration _config.yml makes), with Sphinx
    settings `overrides`, -W -n --keep-going; return the exit code."""
    overrides = {"nitpicky": True, "external_toc_path": str(Path(toc).resolve() if toc else ROOT / "_toc.yml"),
                 "latex_individualpages": False, **overrides}
    arguments = {"sourcedir": str(ROOT), "outputdir": str(outdir), "doctreedir": str(doctrees), "noconfig": True,
                 "path_config": str(ROOT / "_config.yml"), "confoverrides": overrides, "builder": builder,
                 "warningiserror": True, "keep_going": True, "freshenv": rebuild_all}
    return subprocess.run([sys.executable, "-c", SPHINX_CHILD, json.dumps(arguments)], cwd=ROOT).returncode


def copy_catalogs(language: str, target: Path) -> Path:
    """locales/<language> into `target` (a build folder): Sphinx writes its compiled .mo files
    next to the catalogs it reads, and the source folder is the translators'. Modification times
    are kept, so an unchanged catalog is not compiled, nor its page rebuilt, again."""
    source = ROOT / "locales" / language
    for po in source.rglob("*.po"):
        copy = target / language / po.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        if not copy.exists() or copy.stat().st_mtime != po.stat().st_mtime:
            shutil.copy2(po, copy)
    for copy in (target / language).rglob("*.po"):  # a catalog removed from locales/
        if not (source / copy.relative_to(target / language)).exists():
            copy.unlink()
            copy.with_suffix(".mo").unlink(missing_ok=True)
    return target


def build_translation(language: str, builder: str = "html", execute: bool = True, rebuild_all: bool = False,
                      toc: str | None = None, output: str | None = None) -> int:
    """The edition in `language` from the same sources and its catalogs: HTML into
    OUTPUT/_build/html/<folder> (by way of OUTPUT/_build/<language>/html), the one-page book into
    OUTPUT/_build/<language>/singlehtml. Nothing executes: with `execute`, the outputs come from
    the English build's cache (run that first), else from the notebooks."""
    if builder not in BUILDER_FOLDERS:
        raise SystemExit(f"the {language} edition is built as {' or '.join(BUILDER_FOLDERS)} (asked for {builder})")
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], check=True)
    site = built_site(builder, language, output)
    work, base = site.parent, site.parent.parent
    overrides = {"language": language, "locale_dirs": [str(copy_catalogs(language, work / "locales"))],
                 "nb_execution_mode": "cache" if execute else "off",
                 "nb_execution_cache_path": str(base / ".jupyter_cache"), "nbcode_reuse_outputs": True}
    start = time.perf_counter()
    code = sphinx_build(builder, site, work / ".doctrees", overrides, toc, rebuild_all)
    seconds = time.perf_counter() - start
    if code == 0 and language == "ko":
        import hangul_font

        font = hangul_font.write_font(site)
        print(f"Korean font: {font['syllables']} syllables in {font['slices']} slices, {font['bytes'] / 1000:.0f} kB")
    if code != 0:
        print(f"\n{language} {builder} build FAILED after {seconds:.1f} s (exit {code})", file=sys.stderr)
    elif builder == "html":
        edition = base / "html" / EDITION_FOLDERS[language]  # over the last copy, as Sphinx writes the English
        shutil.copytree(site, edition, ignore=shutil.ignore_patterns(".buildinfo", "reports"), dirs_exist_ok=True)
        print(f"\n{language} edition built in {seconds:.1f} s: open {edition / 'index.html'}")
    else:
        print(f"\n{language} {builder} book built in {seconds:.1f} s: {site / 'index.html'}")
    return code


def gettext(output: Path, toc: str | None = None) -> int:
    """The catalog templates: one .pot per page under `output` (no execution, committed outputs),
    the messages every translation of the book must have."""
    overrides = {"nb_execution_mode": "off", "gettext_compact": False, "gettext_location": False,
                 "gettext_uuid": False, "gettext_additional_targets": []}
    return sphinx_build("gettext", output, output / ".doctrees", overrides, toc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-execute", action="store_true", help="use the committed notebook outputs")
    parser.add_argument("--all", action="store_true", help="rebuild every page, not only changed ones")
    parser.add_argument("--toc", help="another table of contents (e.g. one chapter while writing it)")
    parser.add_argument("--output", help="another output root than the repository (the HTML goes to OUTPUT/_build/html)")
    parser.add_argument("--language", choices=LANGUAGES, action="append",
                        help="build this edition only (repeatable; default: every edition, English first)")
    parser.add_argument("--gettext", action="store_true", help="write the catalog templates (.pot) to OUTPUT/_build/gettext instead")
    args = parser.parse_args()
    if args.gettext:
        return gettext((Path(args.output).resolve() if args.output else ROOT) / "_build" / "gettext", args.toc)
    code = 0
    for language in args.language or LANGUAGES:  # English first: the others read its executed outputs
        code = build(execute=not args.no_execute, rebuild_all=args.all, toc=args.toc, output=args.output, language=language)
        if code:
            break
    return code


if __name__ == "__main__":
    sys.exit(main())
