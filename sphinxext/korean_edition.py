"""The Korean edition (한국어판): what a `language=ko` build needs besides the catalogs.

tools/build_book.py builds the English book with `jupyter-book build` and the Korean one from the
same sources with `language=ko` into _build/html/ko/ (see `EDITIONS`); the messages are in
locales/ko/LC_MESSAGES/, one catalog per page. This extension, loaded by both builds:

* Links every page to the same page of the other edition: a switcher in the article header
  (_templates/language-switcher.html), named for screen readers, in the other language.
* Sends the figures' descriptions through the catalogs. MyST-NB keeps a cell's outputs in a
  "mime bundle" until a post-transform picks one for the builder; for the gettext builder it picks
  none of the images, so the alt texts (cell metadata ``mystnb.image.alt``) were never
  extracted. Here the gettext builder sees every image of a bundle, and a scrubber's HTML (built
  in Python, nbcode.widgets.Scrubber) becomes a `translatable_html` node whose message is the
  figure's description; the Locale transform applies both translations as it does for prose.
  The sentences the scrubber adds to each frame's description ("The slider steps ...",
  "Shown at ...") and the live figure's note are the book's own strings: `KOREAN_UI` below.
* Keeps the API reference's docstrings out of the catalogs: they are code documentation and stay
  English, as the code does (autodoc's nodes are marked untranslatable before gettext reads
  them); the Korean page says so in a note.
* Puts the Korean build's own interface in Korean: the theme options and extension settings
  `_config.yml` gives in English ("Contents", "Search this book...", togglebutton's hints, the
  footer), and the book's title (the translation of the root page's title, once translated).
  The themes' and Sphinx's own strings come from their catalogs (language=ko).

On Korean pages `<html lang="ko">` (Sphinx's `language`); sphinxext/korean_lang.py, which marks
Korean terms in the English pages, does nothing there.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import _ as sphinx_
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

# language -> folder of its edition under the English book's root (tools/build_book.py writes there)
EDITIONS = {"en": "", "ko": "ko"}
EDITION_NAMES = {"en": "English", "ko": "한국어"}
# The switcher's accessible name (it contains the visible text, as speech control needs).
SWITCH_LABELS = {"en": "English: this page in the English edition", "ko": "한국어: 이 페이지의 한국어판"}

KOREAN_UI = {
    "toc_title": "목차",
    "search_bar_text": "이 책에서 검색...",
    "togglebutton_hint": "보기",
    "togglebutton_hint_hide": "숨기기",
    "extra_footer": "오프라인으로 만든 책입니다: 이 페이지의 모든 스크립트와 글꼴은 책 안에서 제공됩니다.",
    "api_note": ("이 페이지의 API 설명(docstring)은 코드와 마찬가지로 영어로 둡니다. 함수와 클래스의 이름, "
                 "인자, 설명은 파이썬에서 <code>help()</code>가 보여 주는 그대로입니다. 이 페이지의 안내문만 "
                 "한국어로 옮겼습니다."),
}
# The themes' strings that show in English on a Korean page: pydata-sphinx-theme has no Korean
# catalog, several labels are written into its and sphinx-book-theme's templates, and the book
# theme's Korean for "By" (the author line) is a particle. Replaced in the rendered page, outside
# the article, where they appear as a whole attribute value or text (`theme_strings`).
KOREAN_THEME = {
    "Skip to main content": "본문 바로 가기",
    "Back to top": "맨 위로",
    "Site navigation": "사이트 탐색",
    "Main": "책 목차",
    "Page": "페이지",
    "On this page": "이 페이지의 내용",
    "Toggle primary sidebar": "책 목차 열고 닫기",
    "Toggle secondary sidebar": "이 페이지의 목차 열고 닫기",
    "Launch interactive content": "대화형으로 실행하기",
    "Launch on Binder": "Binder에서 실행",
    "Download this page": "이 페이지 내려받기",
    "Download the whole book as a PDF": "책 전체를 PDF로 내려받기",
    "Download source file": "원본 파일 내려받기",
    "Print to PDF": "PDF로 인쇄",
    "Fullscreen mode": "전체 화면",
    "Source repository": "소스 저장소",
    "Color mode": "색상 모드",
    "Light": "밝게",
    "Dark": "어둡게",
    "System Settings": "시스템 설정",
    "Version warning": "버전 경고",
    "Announcement": "공지",
    "Section Navigation": "절 탐색",
    "previous page": "이전 페이지",
    "next page": "다음 페이지",
    "Link to this heading": "이 제목으로 연결되는 링크",
    "Link to this definition": "이 정의로 연결되는 링크",
}
ARTICLE = re.compile(r"(<article\b.*?</article>)", re.S)


def theme_strings(page: str, author: str) -> str:
    """`page` with KOREAN_THEME's strings in Korean outside the article; the heading links'
    titles inside it too."""
    def outside(part: str) -> str:
        for english, korean in KOREAN_THEME.items():
            for before, after in (('title="', '"'), ('aria-label="', '"'), (">", "<"), ("> ", "<"), (">", " <")):
                part = part.replace(before + english + after, before + korean + after)
        part = re.sub(r"©\s*Copyright (\d{4})\.", r"© \1.", part)
        return part.replace(f"으로 {author}", f"지은이: {author}")

    pieces = ARTICLE.split(page)
    for i, piece in enumerate(pieces):
        if i % 2:
            for english in ("Link to this heading", "Link to this definition"):
                piece = piece.replace(f'title="{english}"', f'title="{KOREAN_THEME[english]}"')
            pieces[i] = piece
        else:
            pieces[i] = outside(piece)
    return "".join(pieces)


def korean_templates(app: Sphinx) -> None:
    """Korean HTML builds: every rendered page goes through `theme_strings`."""
    if not is_korean(app) or app.builder.format != "html" or not hasattr(app.builder, "templates"):
        return
    templates = app.builder.templates
    render = templates.render

    def render_korean(template: str, context: dict) -> str:
        page = render(template, context)
        return theme_strings(page, app.config.author) if template.endswith(".html") else page

    templates.render = render_korean


# What nbcode.widgets writes in English into every scrubber and live-figure note (nbcode/widgets/
# _core.py), and its Korean. A pattern that no longer matches is a build warning (an error with -W).
SHOWN_AT = re.compile(r" ?Shown at (?P<value>.+?)\.$")  # ends every frame's alt text
SLIDER_SENTENCE = re.compile(r" The slider steps (?P<name>.+?) through (?P<n>\d+) values from (?P<first>.+?) to (?P<last>.+?)\.$")
KOREAN_SLIDER = " 슬라이더로 {name} 값을 {first}부터 {last}까지 {n}단계로 바꿀 수 있습니다."
KOREAN_SHOWN_AT = " 지금 그림은 {value}일 때입니다."
LIVE_NOTE = [
    ("<strong>Live figure: it needs a running Python.</strong>", "<strong>살아 있는 그림: 실행 중인 파이썬이 필요합니다.</strong>"),
    (re.compile(r"In Jupyter or Binder this cell shows the figure with its controls \((?P<names>[^)]*)\)\. "),
     r"Jupyter나 Binder에서는 이 셀이 조절 장치(\g<names>)와 함께 그림을 보여 줍니다. "),
    ("This page has no Python behind it, so its controls could not move the figure: "
     "the slider under the next code cell moves a precomputed version instead.",
     "이 페이지 뒤에는 파이썬이 없어 조절 장치로 그림을 움직일 수 없습니다. "
     "대신 다음 코드 셀 아래의 슬라이더가 미리 계산한 그림을 움직입니다."),
    ("Open this chapter live in Binder.", "이 장을 Binder에서 실행하기."),
]


def is_korean(app: Sphinx) -> bool:
    return (app.config.language or "en").split("_")[0] == "ko"


# ---------------------------------------------------------------------------------- interface
def korean_interface(app: Sphinx, config) -> None:
    if not (config.language or "").startswith("ko"):
        return
    options = dict(config.html_theme_options or {})
    options.update(toc_title=KOREAN_UI["toc_title"], search_bar_text=KOREAN_UI["search_bar_text"],
                   extra_footer=KOREAN_UI["extra_footer"])
    config.html_theme_options = options
    # the faces of "Nanum Hangul" (assets/book.css, :lang(ko)) cut to this edition's syllables,
    # written after the build by tools/hangul_font.py
    config.html_css_files = [*config.html_css_files, "fonts/hangul.css"]
    config.html_js_files = [*config.html_js_files, "korean-copybutton.js"]  # sphinx-copybutton's words (assets/)
    config.togglebutton_hint = KOREAN_UI["togglebutton_hint"]
    config.togglebutton_hint_hide = KOREAN_UI["togglebutton_hint_hide"]


@functools.lru_cache(maxsize=None)
def read_catalog(path: Path, modified: float):
    """The catalog at `path` (babel's Catalog), read once per version of the file."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f)


def root_translation(app: Sphinx, english: str) -> str | None:
    """`english` as the root page's catalog translates it (None if it does not, or only fuzzily)."""
    for folder in app.config.locale_dirs:
        catalog = Path(app.srcdir, folder, app.config.language, "LC_MESSAGES", f"{app.config.root_doc}.po")
        if catalog.exists():
            message = read_catalog(catalog, catalog.stat().st_mtime).get(english)
            return message.string if message is not None and message.string and not message.fuzzy else None
    return None


def translated_title(app: Sphinx) -> None:
    """The book's title on Korean pages: the root page's title as its catalog translates it."""
    if is_korean(app) and app.builder.format == "html":
        app.config.html_title = root_translation(app, app.config.html_title) or app.config.html_title


class TranslatedPartCaptions(SphinxTransform):
    """The parts' captions (Foundations, Training, ...) on Korean pages. sphinx-external-toc puts
    the toctrees, captions and all, into the root page after Sphinx has translated it (its
    transform runs at 100, Sphinx's Locale at 20), so they would stay English in the navigation;
    the root page's catalog has their messages (the gettext builder reads them)."""

    default_priority = 101

    def apply(self) -> None:
        if not is_korean(self.app) or self.env.docname != self.config.root_doc:
            return
        for toctree in self.document.findall(addnodes.toctree):
            korean = root_translation(self.app, toctree.get("caption") or "")
            if korean:
                toctree["caption"] = toctree["rawcaption"] = korean


def edition_switch(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """A link to this page in the other edition, first in the article header."""
    if app.builder.name != "html" or not app.config.nbcode_editions:
        return
    here = "ko" if is_korean(app) else "en"
    other = "en" if here == "ko" else "ko"
    up = "../" * (EDITIONS[here].count("/") + 1) if EDITIONS[here] else ""
    target = f"{up}{EDITIONS[other] + '/' if EDITIONS[other] else ''}{pagename}{app.builder.out_suffix}"
    context["edition_switch"] = {"href": context["pathto"](target, 1), "lang": other,
                                 "text": EDITION_NAMES[other], "label": SWITCH_LABELS[other]}
    items = context.get("theme_article_header_end") or []
    if isinstance(items, str):
        items = [item.strip() for item in items.split(",") if item.strip()]
    if "language-switcher.html" not in items:
        context["theme_article_header_end"] = ["language-switcher.html", *items]


class UniqueIds(SphinxPostTransform):
    """No id twice on a Korean page: a translated message is parsed on its own, and two citations
    of one key in it (sphinxcontrib-bibtex) came back with the same id. A repeat gets a suffix."""

    default_priority = 950
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if not is_korean(self.app):
            return
        seen: set[str] = set()
        for node in self.document.findall(nodes.Element):
            ids = node.get("ids") or []
            for i, name in enumerate(ids):
                if name in seen:
                    n = 2
                    while f"{name}-{n}" in seen or f"{name}-{n}" in self.document.ids:
                        n += 1
                    ids[i] = f"{name}-{n}"
                seen.add(ids[i])


class SolutionTitlesInKoreanOrder(SphinxPostTransform):
    """A solution's title in Korean word order. sphinx-exercise writes its catalog's word for
    "Solution to" and then the link to the exercise, which in Korean reads "해답 연습 1"
    (solution exercise 1); Korean names the exercise first: "연습 1 해답"."""

    default_priority = 22  # after sphinx-exercise resolves the titles (ResolveTitlesInSolutions, 21)

    def run(self, **kwargs) -> None:
        if not is_korean(self.app):
            return
        from sphinx_exercise.nodes import solution_node

        for solution in self.document.findall(solution_node):
            title = solution.children[0]
            if len(title.children) != 2 or not isinstance(title[0], nodes.Text) or not isinstance(title[1], nodes.reference):
                continue  # a title of the author's own
            word, link = title.children
            if link.children and isinstance(link[0], nodes.Text):
                link.replace(link[0], nodes.Text(link[0].astext().lstrip()))
            title[:] = [link, nodes.Text(" " + word.astext().strip())]
            solution["title"] = f"{link.astext()} {word.astext().strip()}"


# ------------------------------------------------------------------------------ API reference
def from_docstring(node: nodes.Node) -> bool:
    return ":docstring of " in (node.source or "") or isinstance(node, addnodes.desc)


class DocstringsStayEnglish(SphinxTransform):
    """autodoc's output (module docstrings and every documented object) is not translated: it
    is not extracted into the catalog, and a Korean build leaves it as it is."""

    default_priority = 15  # before Locale (20), which translates, and before gettext reads the tree

    def apply(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.Element)):
            if from_docstring(node):
                for inner in node.findall(nodes.Element):
                    inner["translatable"] = False
        if is_korean(self.app) and any(from_docstring(n) for n in self.document.findall(addnodes.desc)):
            title = next(iter(self.document.findall(nodes.title)), None)
            note = nodes.note("", nodes.raw("", f"<p>{KOREAN_UI['api_note']}</p>", format="html"))
            note["classes"].append("nbcode-docstrings-english")
            if title is not None:
                title.parent.insert(title.parent.index(title) + 1, note)


# ----------------------------------------------------------------------------------- figures
class translatable_html(nodes.raw, addnodes.translatable):
    """A scrubber's HTML (raw, from a cell output) whose figure description is a message."""

    ALT = re.compile(r'(<img class="nbcode-scrubber-frame"[^>]*? alt=")([^"]*)(")')
    ALTS = re.compile(r"(alts=)(\[.*?\])(,values=\[)", re.S)

    def description(self) -> str:
        match = self.ALT.search(self.astext())
        alt = html.unescape(match.group(2)) if match else ""
        for pattern in (SHOWN_AT, SLIDER_SENTENCE):  # the sentences nbcode.widgets adds, last first
            found = pattern.search(alt)
            if found:
                alt = alt[: found.start()]
        return alt.strip()

    def preserve_original_messages(self) -> None:
        self["original_description"] = self.description()

    def extract_original_messages(self) -> list[str]:
        described = self.get("original_description") or self.description()
        return [described] if described else []

    def apply_translated_message(self, original_message: str, translated_message: str) -> None:
        self.rewrite_alts(lambda alt: alt.replace(original_message, translated_message, 1))

    def rewrite_alts(self, change) -> None:
        source = self.astext()
        source = self.ALT.sub(lambda m: m.group(1) + html.escape(change(html.unescape(m.group(2)))) + m.group(3), source)
        source = self.ALTS.sub(lambda m: m.group(1) + json.dumps([change(a) for a in json.loads(m.group(2))]) + m.group(3), source)
        self.children = [nodes.Text(source)]
        self.rawsource = source


def in_bundle(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.get("nb_element") == "mime_bundle":
            return True
        parent = parent.parent
    return False


class ScrubbersAreTranslatable(SphinxTransform):
    default_priority = 15  # before Locale (20)

    def apply(self, **kwargs) -> None:
        for raw in list(self.document.findall(nodes.raw)):
            if "nbcode-scrubber-frame" in raw.astext() and not isinstance(raw, translatable_html) and in_bundle(raw):
                node = translatable_html(raw.rawsource, *raw.children, **raw.attributes)
                node.source, node.line = raw.source or self.document["source"], raw.line
                raw.replace_self(node)


def looks_like_a_file(alt: str) -> bool:
    return bool(re.search(r"\.(png|jpe?g|gif|svg|webp)$", alt, re.I) or re.search(r"[0-9a-f]{20,}", alt))


class ShowGettextEveryFigure(SphinxPostTransform):
    """For the gettext builder only: every cell output's images and scrubbers stay in the tree
    (MyST-NB's SelectMimeType, priority 4, would keep one output per bundle, none with an image)."""

    default_priority = 3
    builders = ("gettext",)

    def run(self, **kwargs) -> None:
        for bundle in list(self.document.findall(lambda n: isinstance(n, nodes.container) and n.get("nb_element") == "mime_bundle")):
            keep = []
            for found in bundle.findall(lambda n: isinstance(n, (nodes.image, translatable_html))):
                copy = found.deepcopy()
                copy.uid = getattr(found, "uid", "")  # the gettext builder skips a node without one
                copy.source, copy.line = found.source, found.line
                keep.append(copy)
            for image in keep:
                if isinstance(image, nodes.image) and looks_like_a_file(image.get("alt", "")):
                    image.attributes.pop("alt")
            if keep:
                bundle.replace_self(keep)


class KoreanFigureStrings(SphinxPostTransform):
    """Korean builds: the scrubbers' own sentences and the live figure's note in Korean."""

    default_priority = 5  # after MyST-NB's SelectMimeType (4) has put the HTML outputs in place
    formats = ("html",)

    def run(self, **kwargs) -> None:
        if not is_korean(self.app):
            return
        for raw in list(self.document.findall(nodes.raw)):
            text = raw.astext()
            if "nbcode-scrubber-frame" in text:
                if not isinstance(raw, translatable_html):
                    new = translatable_html(raw.rawsource, *raw.children, **raw.attributes)
                    raw.replace_self(new)
                    raw = new
                unmatched = []
                raw.rewrite_alts(lambda alt: korean_frame_alt(alt, unmatched))
                if unmatched:
                    logger.warning("a scrubber's alt text no longer reads as nbcode.widgets writes it "
                                   "(update KOREAN_UI in sphinxext/korean_edition.py): %r", unmatched[0][:120], location=raw)
            elif "nbcode-live-note" in text:
                for english, korean in LIVE_NOTE:
                    if isinstance(english, str):
                        changed = text.replace(english, korean)
                    else:
                        changed = english.sub(korean, text)
                    if changed == text:
                        logger.warning("the live figure's note no longer reads as nbcode.widgets writes it "
                                       "(update LIVE_NOTE in sphinxext/korean_edition.py): %r", getattr(english, "pattern", english)[:80], location=raw)
                    text = changed
                raw.replace_self(nodes.raw(text, text, format="html"))


def korean_frame_alt(alt: str, unmatched: list) -> str:
    """A frame's alt text with nbcode.widgets' two sentences in Korean (the description before
    them is already translated by the catalog)."""
    shown = SHOWN_AT.search(alt)
    if not shown:
        unmatched.append(alt)
        return alt
    head = alt[: shown.start()]
    slider = SLIDER_SENTENCE.search(head)
    if slider:
        head = head[: slider.start()] + KOREAN_SLIDER.format(**slider.groupdict())
    return head + KOREAN_SHOWN_AT.format(**shown.groupdict())


def nothing_executed(app: Sphinx, env) -> None:
    """A translation reuses the English build's outputs (tools/build_book.py builds English first
    and passes `nbcode_reuse_outputs`): a chapter executed here is an error."""
    if not app.config.nbcode_reuse_outputs:
        return
    for docname, metadata in getattr(env, "nb_metadata", {}).items():
        executed = (metadata.get("exec_data") or {}).get("mtime")
        if executed is not None and executed >= app.nbcode_started:
            logger.warning("%s was executed by the %s build; build the English edition first, whose outputs it "
                           "reuses (jupyter-cache)", docname, app.config.language, location=docname)


def setup(app: Sphinx) -> dict:
    import time

    app.nbcode_started = time.time()
    app.add_config_value("nbcode_editions", True, "html")
    app.add_config_value("nbcode_reuse_outputs", False, "env")
    app.connect("env-updated", nothing_executed)
    app.connect("config-inited", korean_interface, priority=400)  # before sphinx-togglebutton reads its hints
    app.connect("builder-inited", translated_title)
    app.connect("builder-inited", korean_templates)
    app.connect("html-page-context", edition_switch, priority=450)  # before the theme resolves the header's templates (500)
    app.add_transform(DocstringsStayEnglish)
    app.add_transform(TranslatedPartCaptions)
    app.add_transform(ScrubbersAreTranslatable)
    app.add_post_transform(ShowGettextEveryFigure)
    app.add_post_transform(KoreanFigureStrings)
    app.add_post_transform(UniqueIds)
    app.add_post_transform(SolutionTitlesInKoreanOrder)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
