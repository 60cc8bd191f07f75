"""Make sure Debian's Chromium is installed for the browser test (no browser download by Playwright)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from chromium import CHROMIUM

HANGUL_FONT = "/usr/share/fonts/truetype/nanum"  # Korean in screenshots, embedded in the PDF (tools/build_pdf.py)


def main() -> int:
    if os.path.exists(CHROMIUM) and os.path.exists(HANGUL_FONT):
        return 0
    apt = ["apt-get"] if os.geteuid() == 0 else (["sudo", "-n", "apt-get"] if shutil.which("sudo") else None)
    if apt is None or shutil.which("apt-get") is None:
        print(f"{CHROMIUM} is missing: install Debian's `chromium` package (apt-get install chromium).", file=sys.stderr)
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*apt, "update", "-qq"], check=True, env=env)
    subprocess.run([*apt, "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core", "fonts-nanum"], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
