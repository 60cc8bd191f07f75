"""Build the HTML book with warnings as errors and references checked.

    python tools/build_book.py               # execute changed chapters (jupyter-cache), then build
    python tools/build_book.py --no-execute  # build from the outputs committed in the notebooks

The second form is what the test command uses right after nbval has re-executed every chapter
and shown that its fresh outputs equal the committed ones, so no chapter runs twice.
tools/build_pdf.py builds the one-page HTML book through `build()` with `builder="singlehtml"`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Where jupyter-book writes each builder's pages, under OUTPUT/_build.
BUILDER_FOLDERS = {"html": "html", "singlehtml": "singlehtml"}


def root_document() -> str:
    """The name of the book's first page (`root` in _toc.yml): the one page `singlehtml` writes."""
    return yaml.safe_load((ROOT / "_toc.yml").read_text())["root"]


def build(builder: str = "html", execute: bool = True, rebuild_all: bool = False,
          toc: str | None = None, output: str | None = None) -> int:
    """Run `jupyter-book build` with warnings as errors (-W -n --keep-going); return its exit code.
    Without `execute` the committed notebook outputs are used and no chapter runs."""
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
        result = subprocess.run(command, cwd=ROOT)
        seconds = time.perf_counter() - start
    index = (Path(output).resolve() if output else ROOT) / "_build" / BUILDER_FOLDERS[builder] / "index.html"
    if result.returncode == 0 and index.exists():
        print(f"\n{builder} book built in {seconds:.1f} s: open {index}")
    else:
        print(f"\n{builder} book build FAILED after {seconds:.1f} s (exit {result.returncode})", file=sys.stderr)
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-execute", action="store_true", help="use the committed notebook outputs")
    parser.add_argument("--all", action="store_true", help="rebuild every page, not only changed ones")
    parser.add_argument("--toc", help="another table of contents (e.g. one chapter while writing it)")
    parser.add_argument("--output", help="another output root than the repository (the HTML goes to OUTPUT/_build/html)")
    args = parser.parse_args()
    return build(execute=not args.no_execute, rebuild_all=args.all, toc=args.toc, output=args.output)


if __name__ == "__main__":
    sys.exit(main())
