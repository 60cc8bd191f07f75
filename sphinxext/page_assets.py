"""What each page of the book loads, and nothing more.

* No dead widget. A live figure (``nbcode.widgets.LiveFigure``) needs a kernel. Saved widget state
  would let a page draw its sliders without one, but they would move while the figure stayed
  frozen. So the page never renders a widget view (``nb_mime_priority_overrides`` in
  ``_config.yml`` drops the mime type, and the cell shows the LiveFigure's ``text/html`` note
  instead), and this extension drops any widget state a notebook still carries (a chapter
  executed by ``jupyter-book build`` saves it) with the widget manager scripts myst-nb would load.
* MathJax only where there is math. Sphinx counts a page as having equations when any page in
  its toctree has them, so the root page (text only) would load all of MathJax (about 1.3 MB).
  A build whose assets policy is "always" keeps it everywhere: jupyter-book sets that for the
  one-page book (``singlehtml``, printed by tools/build_pdf.py), whose one page has all the math.
"""

from __future__ import annotations

from pathlib import PurePosixPath


def drop_widget_state(app, pagename, templatename, context, doctree) -> None:
    js_files = getattr(app.env, "nb_metadata", {}).get(pagename, {}).get("js_files", {})
    for key in [key for key in js_files if key.startswith("ipywidgets_")]:
        del js_files[key]


def drop_mathjax_without_math(app, pagename, templatename, context, doctree) -> None:
    if app.registry.html_assets_policy == "always":
        return
    if app.env.domaindata.get("math", {}).get("has_equations", {}).get(pagename, False):
        return
    mathjax = PurePosixPath(app.config.mathjax_path).name
    scripts = context.get("script_files")
    if isinstance(scripts, list):  # the builder's own list for this page: edit it in place
        scripts[:] = [js for js in scripts if PurePosixPath(str(js.filename or "")).name != mathjax]


def setup(app):
    # before myst-nb's html-page-context handler (priority 500) adds the widget files to the page,
    # and after Sphinx's mathjax handler (500) has added MathJax
    app.connect("html-page-context", drop_widget_state, priority=400)
    app.connect("html-page-context", drop_mathjax_without_math, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
