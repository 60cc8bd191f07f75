"""Search for the Korean edition: a search language whose words are Korean stems.

Sphinx has no Korean search language. Without one, a Korean build indexes every space-separated
word as it is written, particles and endings included, so 가중치를 and 가중치가 are two index
entries and a search for 가중치 finds neither unless the reader types three syllables or more
(searchtools.js then also tries substrings). Korean attaches particles (은, 를, 에서, ...) and
the endings of 하다/되다 (합니다, 된, ...) to the noun; a search for the noun must find every
form.

This language strips them the same way on both sides: `stem` (Python) for the index, and
`KOREAN_JS` (the `Stemmer` and `splitQuery` of the page's language_data.js) for the reader's
query. The rule is deliberately small and symmetric, not a morphological analysis: an ending in
`ENDINGS` is taken off the end of a Hangul word, longest first, again and again, while at
least two syllables remain (so 결과 keeps its 과, 차이 its 이, and a two-syllable noun is never
cut). Both sides apply the same list in the same order, so a form in the text and the bare noun
a reader types end at the same stem; tests/test_korean_edition.py checks the Python side on
sentences, and tests/test_browser.py runs the JavaScript on the built search page against the
Python results and searches the Korean pages for 가중치, 역전파 and 과적합.

Words are split where the script changes (ReLU를 is "relu" and "를"), a word that is only a
particle is not indexed, and everything that is not Hangul goes through Sphinx's English
(Porter) stemmer and stop words, as in the English edition: the code, the API reference and the
English names beside the Korean ones stay searchable.

(A morphological analyzer was the other option: kiwipiepy 0.24.1 is an 11.7 MB wheel and its
model, kiwipiepy-model 0.24.0, an 87.9 MB download, loaded at every build; and it has no
JavaScript counterpart, so the reader's query would be cut by other rules than the index.)
"""

from __future__ import annotations

import re

from sphinx.search import SearchLanguage
from sphinx.search.en import SearchEnglish, english_stopwords, js_porter_stemmer

HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"

# Particles (조사) and the endings that follow a noun in the book's prose (이다, 하다, 되다,
# 시키다), longest first where one is the end of another. Two syllables always remain.
ENDINGS = sorted(set("""
    에서부터 으로부터 에서는 에서도 에서의 에게서 으로는 으로도 으로써 으로서 이라는 이라고 이라면
    이지만 이므로 입니다 이에요 했습니다 되었습니다 되었다 하였다 시킨다 시키는 시키고 시킨
    에서 에게 에는 에도 에의 까지 부터 보다 처럼 마다 만큼 으로 로는 로도 로써 로서 라는 라고
    와는 과는 와의 과의 와도 과도 이나 이든 이란 이며 이고 이다 이면 이를 이가 들이 들을 들의
    들은 들에 들과 들도 들로 들만 끼리 조차 마저 라도 대로 에만 로만 까지는 부터는
    합니다 했다 한다 하는 하고 하면 하여 해서 하기 하지 하며 하게 할 한 함 했
    됩니다 됐다 된다 되는 되고 되면 되어 되기 되지 되며 될 된 됨 돼
    은 는 이 가 을 를 의 에 와 과 도 만 로 들 란 인 일
""".split()), key=lambda e: (-len(e), e))
PARTICLES = frozenset(ENDINGS)
MIN_SYLLABLES = 2

_SPLIT = re.compile(rf"[{HANGUL}]+|[^\W{HANGUL}]+")
_HANGUL = re.compile(rf"[{HANGUL}]")


def korean_stem(word: str) -> str:
    """`word` (Hangul) without its particles and endings; at least two syllables are kept."""
    stripped = True
    while stripped:
        stripped = False
        for ending in ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_SYLLABLES:
                word = word[: -len(ending)]
                stripped = True
                break
    return word


def split(text: str) -> list[str]:
    """Words: runs of Hangul and runs of other word characters, apart (ReLU를: ReLU, 를)."""
    return _SPLIT.findall(text)


# language_data.js: Sphinx's Porter stemmer renamed, a Stemmer that sends Hangul to the rule
# above (the same list, in the same order), and a splitQuery that splits as `split` does.
# (Written without quotes, < or &: the splitter is inserted into the page's script unescaped.)
KOREAN_JS = js_porter_stemmer.replace("var Stemmer = function()", "var PorterStemmer = function()", 1) + """
var KOREAN_ENDINGS = %(endings)s;
var Stemmer = function() {
  var porter = new PorterStemmer();
  this.stemWord = function(word) {
    if (!/[%(hangul)s]/.test(word)) return porter.stemWord(word);
    var stripped = true;
    while (stripped) {
      stripped = false;
      for (var i = 0; i !== KOREAN_ENDINGS.length; i++) {
        var ending = KOREAN_ENDINGS[i];
        if (word.endsWith(ending) && word.length - ending.length %(ge)s %(min)d) {
          word = word.slice(0, word.length - ending.length);
          stripped = true;
          break;
        }
      }
    }
    return word;
  };
};
""" % {"endings": "[" + ", ".join(f"'{e}'" for e in ENDINGS) + "]", "hangul": HANGUL, "ge": ">=", "min": MIN_SYLLABLES}

KOREAN_SPLITTER_JS = """
function splitQuery(query) {
  var words = [];
  query.split(/[^\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu).forEach(function (token) {
    (token.match(/[%(hangul)s]+|[^%(hangul)s]+/g) || []).forEach(function (word) { words.push(word); });
  });
  return words.filter(function (word) { return word.length !== 0; });
}
""" % {"hangul": HANGUL}


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    stopwords = english_stopwords
    js_stemmer_code = KOREAN_JS
    js_splitter_code = KOREAN_SPLITTER_JS

    def init(self, options: dict[str, str]) -> None:
        self.english = SearchEnglish(options)

    def split(self, input: str) -> list[str]:
        return split(input)

    def stem(self, word: str) -> str:
        if _HANGUL.search(word):
            return korean_stem(word)
        return self.english.stem(word)

    def word_filter(self, word: str) -> bool:
        if _HANGUL.search(word):
            return word not in PARTICLES
        return self.english.word_filter(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
