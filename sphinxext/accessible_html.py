"""HTML that assistive technology can read: two fixes for markup other packages write.

* The bibliography's roles. docutils writes the citations as <div role="list"> around
  <div role="doc-biblioentry"> entries; DPUB-ARIA 1.1 deprecated that role, and a list must own
  list items, so a screen reader meets an empty list and entries it does not know (axe-core:
  aria-required-children, critical). Each entry becomes role="listitem".
* Unique ids in exercises. sphinx-exercise gives the body of every exercise the id
  "exercise-content" and of every solution "solution-content", so a chapter with five exercises
  has five elements of each id (and a link to one cannot say which). Those fixed ids become
  classes of the same name (what the package's own TODO proposes); nothing refers to the ids.

tests/test_browser.py runs axe-core on every page and checks that no page repeats an id.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

FIXED_IDS = ("exercise-content", "solution-content")  # sphinx_exercise's directive and transforms


def visit_citation(translator: HTML5Translator, node: nodes.citation) -> None:
    """docutils' own markup, with the entry's role a list item."""
    type(translator).visit_citation(translator, node)
    translator.body[-1] = translator.body[-1].replace('role="doc-biblioentry"', 'role="listitem"')


def depart_citation(translator: HTML5Translator, node: nodes.citation) -> None:
    type(translator).depart_citation(translator, node)


class FixedIdsToClasses(SphinxPostTransform):
    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for section in self.document.findall(nodes.section):
            for fixed in FIXED_IDS:
                if fixed in section["ids"]:
                    section["ids"].remove(fixed)
                    section["classes"].append(fixed)


def setup(app: Sphinx) -> dict:
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    app.add_post_transform(FixedIdsToClasses)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
