"""Build the HTML book with warnings as errors and references checked.

    python tools/build_book.py               # execute changed chapters (jupyter-cache), then build
    python tools/build_book.py --no-execute  # build from the outputs committed in the notebooks

The second form is what the test command uses right after nbval has re-executed every chapter
and shown that its fresh outputs equal the committed ones, so no chapter runs twice.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-execute", action="store_true", help="use the committed notebook outputs")
    parser.add_argument("--all", action="store_true", help="rebuild every page, not only changed ones")
    parser.add_argument("--toc", help="another table of contents (e.g. one chapter while writing it)")
    parser.add_argument("--output", help="another output root than the repository (the HTML goes to OUTPUT/_build/html)")
    args = parser.parse_args()

    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_assets.py")], check=True)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "-W", "-n", "--keep-going"]
    if args.all:
        command.append("--all")
    if args.toc:
        command += ["--toc", str(Path(args.toc).resolve())]
    if args.output:
        command += ["--path-output", str(Path(args.output).resolve())]
    with tempfile.TemporaryDirectory() as tmp:
        if args.no_execute:
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
    index = (Path(args.output).resolve() if args.output else ROOT) / "_build" / "html" / "index.html"
    if result.returncode == 0 and index.exists():
        print(f"\nbook built in {seconds:.1f} s: open {index}")
    else:
        print(f"\nbook build FAILED after {seconds:.1f} s (exit {result.returncode})", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
