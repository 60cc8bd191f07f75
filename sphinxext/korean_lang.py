"""Mark Korean text as Korean: every run of Hangul in a page's body becomes <span lang="ko">.

The pages are English (`<html lang="en">`) with Korean terms beside the English ones; without the
mark a screen reader reads 역전파 with English rules (or not at all) and a browser picks fonts for
English. A run is Hangul syllables and jamo, with the spaces and punctuation between them, so
"양수 출력 문제" is one span. Code, math and raw HTML are left alone. The titles Sphinx collects
while reading (the sidebar, every toctree) are marked once all pages are read; the <title> in the
head stays plain text. The Korean edition (sphinxext/korean_edition.py) is `lang="ko"` as a
whole, and nothing is marked there.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
KOREAN_RUN = re.compile(rf"[{HANGUL}]+(?:[\s·,/–-]+[{HANGUL}]+)*")


class korean(nodes.inline):
    """Inline Korean text; HTML: <span lang="ko">."""


LEFT_ALONE = (korean, nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw)


def visit_korean(translator, node: korean) -> None:
    translator.body.append('<span lang="ko">')


def depart_korean(translator, node: korean) -> None:
    translator.body.append("</span>")


def pass_through(translator, node: korean) -> None:
    """Other writers (LaTeX, text, ...) write the text as it is."""


def left_alone(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, LEFT_ALONE):
            return True
        node = node.parent
    return False


def mark_korean(tree: nodes.Node) -> None:
    """Wrap every run of Hangul in `tree` (outside code and math) in a `korean` node."""
    for text in list(tree.findall(nodes.Text)):
        if not KOREAN_RUN.search(text) or left_alone(text.parent):
            continue
        pieces: list[nodes.Node] = []
        last = 0
        for match in KOREAN_RUN.finditer(text):
            if match.start() > last:
                pieces.append(nodes.Text(text[last:match.start()]))
            pieces.append(korean("", match.group()))
            last = match.end()
        if last < len(text):
            pieces.append(nodes.Text(text[last:]))
        text.parent.replace(text, pieces)


class MarkKorean(SphinxPostTransform):
    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if not korean_page(self.app):
            mark_korean(self.document)


def korean_page(app: Sphinx) -> bool:
    """The Korean edition's pages are Korean as a whole (<html lang="ko">): nothing to mark."""
    return (app.config.language or "en").split("_")[0] == "ko"


def mark_collected_titles(app: Sphinx, env) -> None:
    """Titles and local tocs feed the sidebar, toctrees and the page title; they are collected
    before the pages' post-transforms run, so they are marked here (marked runs are skipped)."""
    if korean_page(app):
        return
    for tree in [*env.titles.values(), *env.longtitles.values(), *env.tocs.values()]:
        mark_korean(tree)


def marked_print_title(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """sphinx-book-theme prints `pagetitle`, the title as plain text; use the marked HTML title."""
    if "pagetitle" in context and context.get("title"):
        context["pagetitle"] = context["title"]


def setup(app: Sphinx) -> dict:
    plain = (pass_through, pass_through)
    app.add_node(korean, html=(visit_korean, depart_korean), latex=plain, text=plain, man=plain, texinfo=plain)
    app.add_post_transform(MarkKorean)
    app.connect("env-updated", mark_collected_titles)
    app.connect("html-page-context", marked_print_title, priority=600)  # after the theme's
    return {"parallel_read_safe": True, "parallel_write_safe": True}
