"""Debian's Chromium: the one browser of the browser tests, the JupyterLab benchmark and the PDF.

Never a browser download: `python tools/install_chromium.py` installs Debian's package.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container, and no request of the browser's own (updates, sync, field trials).
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]


def launch(playwright):
    """A headless Debian Chromium from a started Playwright (`sync_playwright().start()` or `with`)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run `python tools/install_chromium.py` (Debian's chromium package).")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
