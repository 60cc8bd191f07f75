"""The book as one PDF (tools/build_pdf.py): what Sphinx needs to build it, and the link to it.

* The one-page build. tools/build_pdf.py prints Sphinx's ``singlehtml`` page of the whole book.
  Sphinx looks up a node's HTML writer under the builder's name first and falls back to the
  format (``html``) only when no extension registered anything under that name; sphinx-exercise
  registers its nodes for ``singlehtml``, so every other extension's nodes (sphinx-jupyterbook-
  latex's hidden cells, sphinx-design, this book's Korean spans...) would have no writer there
  (Sphinx issue 9160). For ``singlehtml`` the ``html`` writers fill in what is missing.
* The download menu. sphinx-book-theme's ".pdf" entry opens the browser's print dialog for the
  page; here it downloads the book's PDF instead, which tools/build_pdf.py copies next to
  index.html (``PDF_NAME``).
"""

from __future__ import annotations

from sphinx.application import Sphinx

PDF_NAME = "book.pdf"


def html_writers_for_singlehtml(app: Sphinx) -> None:
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, writers in handlers.get("html", {}).items():
        single.setdefault(node, writers)


def pdf_download_link(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Turn the theme's "Print to PDF" button into a link to the whole book's PDF."""
    for group in context.get("header_buttons", []):
        for i, button in enumerate(group.get("buttons", [])):
            if button.get("label") == "download-pdf-button":
                group["buttons"][i] = {
                    "type": "link",
                    "url": context["pathto"](PDF_NAME, 1),
                    "text": button["text"],
                    "icon": button["icon"],
                    "label": button["label"],
                    "tooltip": "Download the whole book as a PDF",
                }


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", html_writers_for_singlehtml)
    app.connect("html-page-context", pdf_download_link, priority=502)  # after the theme adds its buttons (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
