"""The Korean edition's machinery without a browser: the search language's stems, the catalog
checks of tools/check_catalogs.py, and {term} roles in translated pages (a small Sphinx project
built with language=ko, as the book's Korean build is)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "sphinxext"), str(ROOT / "tools")]

import check_catalogs  # noqa: E402
import korean_search  # noqa: E402
from korean_search import korean_stem, split  # noqa: E402


# ---------------------------------------------------------------------------- search language
SENTENCES = {
    "가중치": "가중치를 바꾸면 가중치가 커지고, 가중치의 기울기와 가중치는 가중치에서 가중치들을 가중치로 정합니다.",
    "역전파": "역전파는 역전파를 거쳐 역전파로 계산하며 역전파에서 역전파의 비용은 역전파입니다.",
    "과적합": "과적합이 일어나면 과적합을 막아야 하고, 과적합된 모델은 과적합됩니다. 과적합하는 경우 과적합입니다.",
}


@pytest.mark.parametrize("noun", SENTENCES)
def test_every_form_of_a_noun_has_the_noun_as_its_stem(noun: str) -> None:
    forms = [word for word in split(SENTENCES[noun]) if word.startswith(noun)]
    assert len(forms) >= 6
    assert {korean_stem(word) for word in forms} == {noun}, [(w, korean_stem(w)) for w in forms]


def test_two_syllables_always_remain() -> None:
    for word in ("결과", "차이", "함수", "편향", "손실"):
        assert korean_stem(word) == word
        assert korean_stem(word + "를") == word and korean_stem(word + "에서는") == word


def test_words_split_where_the_script_changes_and_english_words_are_stemmed_as_in_english() -> None:
    assert split("ReLU를 쓰면 w_1이 0입니다.") == ["ReLU", "를", "쓰면", "w_1", "이", "0", "입니다"]
    language = korean_search.SearchKorean({})
    assert language.stem("gradients") == "gradient"
    assert not language.word_filter("를") and language.word_filter("가중치")
    assert not language.word_filter("the")


def test_the_javascript_has_the_same_endings_in_the_same_order() -> None:
    listed = korean_search.KOREAN_JS.split("var KOREAN_ENDINGS = ")[1].split(";")[0]
    assert listed == "[" + ", ".join(f"'{e}'" for e in korean_search.ENDINGS) + "]"
    assert not any(c in korean_search.KOREAN_SPLITTER_JS for c in "<&\"'"), "the splitter is inserted unescaped"


# ---------------------------------------------------------------------------- catalog checks
def test_the_glossary_gives_each_term_its_korean_name() -> None:
    names = check_catalogs.glossary_names()
    assert names["weight"] == "가중치"
    assert names["backpropagation"] == "역전파"
    assert len(names) > 100


GLOSSARY = {"weight": "가중치", "learning rate": "학습률"}


@pytest.mark.parametrize("msgstr, problem", [
    ("{term}`가중치 <weight>`를 바꿉니다 $w_i$.", None),
    ("{term}`weight`를 바꿉니다 $w_i$.", "must read '가중치'"),
    ("{term}`무게 <weight>`를 바꿉니다 $w_i$.", "must read '가중치'"),
    ("가중치를 바꿉니다 $w_i$.", "{term} targets differ"),
    ("{term}`가중치 <weight>`를 바꿉니다 $w_j$.", "math changed"),
])
def test_markup_and_glossary_problems(msgstr: str, problem: str | None) -> None:
    found = check_catalogs.markup_problems("The {term}`weight` $w_i$ changes.", msgstr, GLOSSARY)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_citations_documents_and_links_are_kept() -> None:
    msgid = "See {cite}`a2020, b2021`, the {doc}`notation <notation>` and [chapter 4](04_gd.ipynb)."
    good = "{cite}`a2020, b2021`, {doc}`표기법 <notation>`, [4장](04_gd.ipynb)을 보세요."
    assert check_catalogs.markup_problems(msgid, good, {}) == []
    bad = "{cite}`a2020`, {doc}`표기법 <symbols>`, [4장](05_bp.ipynb)을 보세요."
    problems = check_catalogs.markup_problems(msgid, bad, {})
    assert len(problems) == 3, problems


def write_po(path: Path, messages: dict[str, str], fuzzy: set[str] = frozenset()) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    catalog = Catalog(locale="ko")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr, flags=["fuzzy"] if msgid in fuzzy else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        babel_write_po(f, catalog)


@pytest.mark.parametrize("msgstr, dropped", [
    ("1. 순방향 신경망", True), ("- 가중치", True), ("# 제목", True), ("1\\. 순방향 신경망", False), ("10배 빠릅니다.", False),
])
def test_a_translation_that_markdown_reads_as_a_list_or_heading_is_a_problem(msgstr: str, dropped: bool) -> None:
    """Sphinx parses a translation as the page's markdown and keeps it only if it is one paragraph:
    a chapter title "1. ..." came out as a numbered list and the English title stayed."""
    problems = check_catalogs.markup_problems("1. Feedforward networks", msgstr, {})
    assert any("starts like a list or a heading" in p for p in problems) == dropped, problems


def test_a_page_is_reported_with_its_missing_obsolete_and_fuzzy_messages(tmp_path: Path) -> None:
    write_po(tmp_path / "pot" / "chapters" / "x.pot", {"One.": "", "Two.": "", "Three.": ""})
    write_po(tmp_path / "po" / "chapters" / "x.po", {"One.": "하나.", "Two.": "둘.", "Old.": "옛."}, fuzzy={"Two."})
    [report] = check_catalogs.compare(tmp_path / "pot", tmp_path / "po", {})
    assert (report.page, report.translated, report.fuzzy, report.untranslated) == ("chapters/x", 2, 1, 0)
    assert report.missing == ["Three."] and report.obsolete == ["Old."]
    assert report.failures(complete=False) == 2 and report.failures(complete=True) == 3


# ---------------------------------------------------------------------------- {term} roles
def test_a_term_role_with_korean_text_and_the_english_target_resolves_in_a_korean_build(tmp_path: Path) -> None:
    """Translators write {term}`학습률 <learning rate>`: with the glossary translated too (Sphinx's
    i18n transform registers the translated term beside the English one), the role links to the
    glossary entry, -W -n clean; and a term role still naming the English target resolves."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser"]\nlocale_dirs = ["locales"]\ngettext_compact = False\n')
    (src / "index.md").write_text(textwrap.dedent("""\
        # Book

        ```{toctree}
        page
        glossary
        ```
        """))
    (src / "page.md").write_text("# Page\n\nThe {term}`learning rate` sets the step; see {term}`weight`.\n")
    (src / "glossary.md").write_text(textwrap.dedent("""\
        # Glossary

        ```{glossary}
        learning rate
          **학습률**. The step size.

        weight
          **가중치**. A coefficient.
        ```
        """))
    messages = src / "locales" / "ko" / "LC_MESSAGES"
    write_po(messages / "page.po", {"Page": "페이지",
                                    "The {term}`learning rate` sets the step; see {term}`weight`.":
                                    "{term}`학습률 <learning rate>`이 보폭을 정합니다. {term}`가중치 <weight>`도 보세요."})
    write_po(messages / "glossary.po", {"Glossary": "용어집", "learning rate": "학습률 (learning rate)",
                                        "**학습률**. The step size.": "**학습률**. 한 걸음의 크기입니다."})
    out = tmp_path / "out"
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "html", confoverrides={"language": "ko", "nitpicky": True},
                 status=None, warning=(warnings := __import__("io").StringIO()), warningiserror=False)
    app.build()
    assert warnings.getvalue() == "", warnings.getvalue()
    page = (out / "page.html").read_text(encoding="utf-8")
    assert 'href="glossary.html#term-learning-rate"' in page and "학습률</span></a>이 보폭을" in page
    assert 'href="glossary.html#term-weight"' in page
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    assert 'id="term-learning-rate">학습률 (learning rate)' in glossary
