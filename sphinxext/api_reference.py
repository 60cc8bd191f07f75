"""What the API reference (chapters/api.md, sphinx.ext.autodoc) needs from the build.

* The nbcode next to the book. autodoc imports the package it documents; the book's root goes
  first on ``sys.path`` (what a ``conf.py`` would do), so a checkout documents its own nbcode,
  not another copy installed in the environment.
* Names that cannot be linked offline. The book is built with ``-n`` (every reference must
  resolve) and without network, so intersphinx cannot fetch NumPy's or Python's inventories.
  The types below appear in nbcode's signatures; they are shown as text. Anything else that does
  not resolve is still an error. (Listed here, not in ``_config.yml``: Sphinx compares each entry
  with a tuple, and YAML has no tuples.)

Docstrings are reStructuredText, read by napoleon: a formula or table keeps its lines only in a
literal block (end the line before it with ``::``), ``|x|`` needs ``double backquotes``, and the
first line of a constant's ``#:`` comment must not read ``label: text`` (napoleon takes
``label`` for the constant's type). A ``#: :meta hide-value:`` line keeps a long value (an array,
a table of lambdas) off the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXTERNAL_TYPES = [
    "numpy.ndarray",
    "np.ndarray",  # a field annotation that Python leaves as a string (data.Split)
    "numpy.random._generator.Generator",  # numpy.random.Generator, by the module that defines it
    "collections.abc.Callable",
    "collections.abc.Hashable",
    "collections.abc.Iterable",
    "collections.abc.Mapping",
    "collections.abc.Sequence",
]


def ignore_external_types(app, config) -> None:
    config.nitpick_ignore = [*config.nitpick_ignore, *(("py:class", name) for name in EXTERNAL_TYPES)]


def setup(app):
    sys.path.insert(0, str(Path(app.srcdir).resolve()))
    app.connect("config-inited", ignore_external_types)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
