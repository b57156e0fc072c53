"""Tokenisation stage: camel-tools-exact word tokens, and the topic-model features built from them.

``FeatureTokeniser.words`` returns exactly what camel-tools' ``simple_word_tokenize`` returns
(each Unicode punctuation or symbol character is a token; everything else between whitespace
and those characters is a word).  camel-tools runs a regex match at every character; here one
``re.split`` puts a space on each side of every symbol (camel-tools' own symbol set, compiled on
first use) and ``str.split`` does the rest.  That is only exact where no emoji *sequence* can
start (no ZWJ, variation selector, keycap, skin-tone modifier, regional indicator or tag
character in the text -- ``arclean`` removes all of them) and no astral character occurs; the
same split finds those, and such text takes a ``findall`` or camel-tools itself.

``features`` turns normalised text into model features: Arabic words only, stop words removed
(spaCy's Arabic list plus a domain list), clitics stripped and stems taken by the configured
stemmer.  ``fit_phrases``/``transform`` then join frequent multi-word terms with "_" using
gensim ``Phrases`` («مجتمع_مدني»).  The same chain applied to a seed phrase like «حماية البيانات
الشخصية» gives the features it is matched against, so inflected forms must meet at one stem.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from pipeline.errors import ConfigError
from pipeline.records import DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.text.arabic import TEH_MARBUTA, char_class, fold, fold_variants

# Characters that can continue an emoji sequence in camel-tools' symbol regex: ZWJ, keycap,
# VS16, regional indicators, skin-tone modifiers and tag characters.  Where none occurs, every
# match of that regex is a single character and the compiled pattern below is exact.
_EMOJI_SEQUENCE_CHARS = re.compile(
    "[\u200d\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
)

# Arabic letters as they leave the normaliser (arclean removes tatweel and the harakat).
ARABIC_WORD = re.compile("[\u0621-\u063a\u0641-\u064a]+")

# Cached features per word form; cleared when it grows past this many entries so memory stays
# flat on an unbounded stream (the cache holds no state that changes results).
_CACHE_LIMIT = 500_000

Stemmer = Literal["snowball", "arlstem2", "farasa", "light", "none"]


# Characters with which camel-tools' symbol regex may match more than one character (the start
# or continuation of an emoji sequence), and astral characters (symbols among them are rare).
_NOT_PLAIN_BMP = "\u200d\u20e3\ufe0f\U00010000-\U0010ffff"


@dataclass(frozen=True)
class _WordPatterns:
    # Splits text at each BMP symbol and at each character listed in _NOT_PLAIN_BMP, capturing it:
    # one scan finds every symbol and tells whether the text needs a slower path.
    split: re.Pattern[str]
    bmp_symbols: frozenset[str]  # the BMP symbol characters ``split`` may capture (not the ones above)
    token: re.Pattern[str]  # one camel-tools token: a run of word characters or one symbol


@functools.cache
def _word_patterns() -> _WordPatterns:
    from camel_tools.tokenizers.word import _SYMBOLS_ALL, _SYMBOLS_RE

    # A symbol token is a character camel-tools both matches with its regex and finds in its set.
    symbols = {char for char in _SYMBOLS_ALL if len(char) == 1 and _SYMBOLS_RE.fullmatch(char)}
    every = char_class(symbols)
    bmp = {char for char in symbols if char < "\U00010000"}
    return _WordPatterns(
        split=re.compile(f"([{char_class(bmp)}{_NOT_PLAIN_BMP}])"),
        bmp_symbols=frozenset(bmp - {"\u200d", "\u20e3", "\ufe0f"}),
        token=re.compile(rf"[^\s{every}]+|[{every}]"),
    )


def camel_words(text: str) -> list[str]:
    """camel-tools' ``simple_word_tokenize`` (the reference the fast path must equal)."""
    from camel_tools.tokenizers.word import simple_word_tokenize

    return simple_word_tokenize(text)


def regex_words(text: str) -> list[str]:
    """``simple_word_tokenize(text)`` with one ``findall``, or camel-tools itself where an emoji
    sequence may start (there a symbol match can be longer than one character)."""
    return camel_words(text) if _EMOJI_SEQUENCE_CHARS.search(text) else _word_patterns().token.findall(text)


def fast_words(text: str) -> list[str]:
    """``simple_word_tokenize(text)``, exactly: symbols spaced out in one ``re.split``, then ``str.split``.

    A camel-tools token is a run of characters that are neither whitespace nor symbols, or one
    symbol; putting a space on each side of every symbol makes ``str.split()`` return exactly
    those runs and symbols.  ``str.split`` is far faster than ``findall``, which builds a match
    at every token.  Text holding an astral or emoji-sequence character takes :func:`regex_words`.
    """
    patterns = _word_patterns()
    parts = patterns.split.split(text)
    if len(parts) > 1:
        if not patterns.bmp_symbols.issuperset(parts[1::2]):
            return regex_words(text)
        text = " ".join(parts)
    return text.split()


# --------------------------------------------------------------------------- stop words


def _read_word_list(path: Path) -> list[str]:
    """One entry per line; text after '#' is a comment; blank lines ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read stop word list ({exc.strerror})") from exc
    return [word for line in lines if (word := line.split("#", 1)[0].strip())]


@functools.cache
def spacy_stopwords() -> frozenset[str]:
    """spaCy's Arabic stop words, in every folding the normaliser may apply."""
    from pipeline.stages.themes.taxonomy import spacy_arabic_stop_words  # read without importing spaCy

    return frozenset(variant for word in spacy_arabic_stop_words() for variant in fold_variants(word))


# --------------------------------------------------------------------------- stemmers

# Light stemmer, lexicon-guided: strips what is clearly a clitic or an inflection, in the spirit of
# Larkey et al.'s light10, but only where wordfreq's Arabic lexicon says the shorter form is a
# word at least as common -- so «بمجتمع» loses its ب and «كتاب», «وزير», «تعاون», «قانون» keep
# their first or last letters.  The article is always stripped when three letters remain.
_ARTICLES = ("وبال", "وكال", "فبال", "فال", "وال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_PROCLITICS = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")
_PRONOUNS = ("هما", "كما", "هم", "هن", "ها", "كم", "نا", "ه")
# Sound-plural and dual endings, with how common the stripped form must be relative to the
# word: ات is almost always a suffix (بيانات, whose singular is rarer), the others often belong
# to the stem (تعاون, قانون, فلسطين, لبنان) and must be confirmed by a commoner singular.
_PLURALS = (("ات", 0.1), ("ون", 1.0), ("ين", 1.0), ("ان", 1.0))
_MIN_STEM = 3


@functools.cache
def _lexicon() -> dict[str, float]:
    """wordfreq's Arabic frequencies keyed by alef- and maksura-folded form (as the normaliser folds)."""
    import wordfreq

    frequencies = wordfreq.get_frequency_dict("ar")
    # fold maps characters one for one, so the whole list is folded in one call (600k calls took a
    # second in every process that stems); a word with a line break would shift the keys: folded alone
    keys = fold("\n".join(frequencies), alef=True, alef_maksura=True).split("\n")
    if len(keys) != len(frequencies):
        keys = [fold(word, alef=True, alef_maksura=True) for word in frequencies]
    folded: dict[str, float] = {}
    for key, frequency in zip(keys, frequencies.values(), strict=True):
        folded[key] = folded.get(key, 0.0) + frequency
    return folded


def _freq(word: str) -> float:
    return _lexicon().get(fold(word, alef=True, alef_maksura=True), 0.0)


def _strip_prefix(word: str) -> str:
    for article in _ARTICLES:
        rest = word[len(article) :]
        # Not an article when the word is known and the rest is not: «الكتروني», «الية» (آلية).
        if word.startswith(article) and len(rest) >= _MIN_STEM and (_freq(rest) > 0 or _freq(word) == 0):
            return rest
    for clitic in _PROCLITICS:
        rest = word[len(clitic) :]
        if word.startswith(clitic) and len(rest) >= _MIN_STEM and _freq(rest) > _freq(word):
            return rest
    return word


def _strip_suffixes(word: str) -> str:
    for pronoun in _PRONOUNS:
        rest = word[: -len(pronoun)]
        if word.endswith(pronoun) and len(rest) >= _MIN_STEM:
            if rest.endswith("ت") and not rest.endswith("ات") and _freq(rest[:-1] + TEH_MARBUTA) >= _freq(rest):
                word = rest[:-1] + TEH_MARBUTA  # feminine construct: حكومته -> حكومة
            elif _freq(rest) >= _freq(word):
                word = rest
            break
    for plural, ratio in _PLURALS:
        rest = word[: -len(plural)]
        if word.endswith(plural) and len(rest) >= _MIN_STEM:
            if _freq(rest) + _freq(rest + TEH_MARBUTA) >= ratio * _freq(word):
                word = rest
            break
    # The feminine ending always goes, so الشخصية meets الشخصي; the nisba ي stays, so الدولي
    # (international) does not meet الدول (states) nor عملي (practical) عمل (work).
    if word.endswith(TEH_MARBUTA) and len(word) > _MIN_STEM:
        word = word[:-1]
    return word


def light_stem(word: str) -> str:
    """Strip proclitics (conjunction, preposition, article), then pronoun, plural and feminine/nisba suffixes."""
    return _strip_suffixes(_strip_prefix(word))


def _farasa_stemmer() -> Callable[[str], str]:
    try:
        from farasa import segmentation
    except ImportError as exc:
        raise ConfigError("stemmer 'farasa' needs the farasa package: pip install farasa==0.0.1") from exc

    prefixes = set(segmentation.hPrefixes)
    suffixes = set(segmentation.hSuffixes)

    def stem(word: str) -> str:
        parts = segmentation.segmentLine(word)[0].split("+")
        start, end = 0, len(parts)
        while start < end - 1 and parts[start] in prefixes:
            start += 1
        while end > start + 1 and parts[end - 1] in suffixes:
            end -= 1
        return "".join(parts[start:end])

    return stem


def make_stemmer(name: str) -> Callable[[str], str]:
    """A word -> stem function for one of the supported stemmers (imports happen here, not at import time)."""
    if name == "snowball":
        import Stemmer as pystemmer

        return pystemmer.Stemmer("arabic").stemWord
    if name == "arlstem2":
        from nltk.stem.arlstem2 import ARLSTem2

        return ARLSTem2().stem
    if name == "farasa":
        return _farasa_stemmer()
    if name == "light":
        return light_stem
    if name == "none":
        return str
    raise ConfigError(f"unknown stemmer {name!r}; expected snowball, arlstem2, farasa, light or none")


# --------------------------------------------------------------------------- the stage


@register("tokenise", "camel_words")
@dataclass
class FeatureTokeniser(DocumentStage):
    """Word tokens (camel-tools exact) and topic-model features (stop words out, stemmed, phrases joined)."""

    fits_corpus: ClassVar[bool] = True  # gensim Phrases over every document's features (fit_phrases)
    stopwords: bool = True  # drop spaCy's Arabic stop words (and the domain list, if given)
    domain_stopwords: Path | None = None  # one word per line; matched on the word and on its stem
    stemmer: Stemmer = "light"  # chosen by bench/compare_stemmers.py (see README)
    min_length: Annotated[int, Field(ge=1)] = 2  # shorter stems are dropped (stray letters, broken words)
    phrases: bool = True  # learn multi-word terms in fit_phrases
    phrase_min_count: Annotated[int, Field(ge=1)] = 5  # a bigram must occur this often
    phrase_threshold: Annotated[float, Field(ge=-1, le=1)] = 0.5  # npmi score in [-1, 1] a bigram must exceed

    _stem: Callable[[str], str] | None = field(default=None, init=False, repr=False, compare=False)
    _stop: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _stop_stems: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _cache: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _phraser: Any = field(default=None, init=False, repr=False, compare=False)

    # ---- words

    def words(self, norm_text: str) -> list[str]:
        """Exactly ``simple_word_tokenize(norm_text)``."""
        return fast_words(norm_text)

    # ---- features

    def _prepare(self) -> None:
        self._stem = make_stemmer(self.stemmer)
        stop: set[str] = set()
        domain: list[str] = []
        if self.stopwords:
            stop |= spacy_stopwords()
            if self.domain_stopwords is not None:
                domain = _read_word_list(self.domain_stopwords)
                stop |= {variant for word in domain for variant in fold_variants(word)}
        self._stop = frozenset(stop)
        # Domain words are content words: all their inflections should go, so match stems too.
        self._stop_stems = frozenset(self._stem(variant) for word in domain for variant in fold_variants(word))

    def _feature(self, word: str) -> str:
        """The feature for one word form, or "" when it is not one."""
        if not ARABIC_WORD.fullmatch(word):
            return ""
        stop = self._stop
        if word in stop or (len(word) > 2 and word[0] in "وف" and word[1:] in stop):
            return ""
        stem = self._stem(word)
        if len(stem) < self.min_length or stem in self._stop_stems or stem in stop:
            return ""
        return stem

    def process(self, state: DocumentState) -> dict[str, int]:
        """Each unit's model features from its normalised text; counts: features."""
        n_features = 0
        for unit in state.units:
            unit.tokens = self.features(unit.norm or unit.text)
            n_features += len(unit.tokens)
        return {"features": n_features}

    @property
    def learns_phrases(self) -> bool:
        """True when the stage has a corpus-level fit (gensim Phrases) applied by :meth:`transform`."""
        return self.phrases

    def features(self, norm_text: str) -> list[str]:
        """Model features of normalised text: Arabic words only, no stop words, stemmed (no phrases)."""
        if self._stop is None:
            self._prepare()
        words = fast_words(norm_text)  # symbols among them are not Arabic words: their feature is ""
        cache = self._cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out: list[str] = []
        for word in words:
            feature = cache.get(word)
            if feature is None:
                feature = cache[word] = self._feature(word)
            if feature:
                out.append(feature)
        return out

    # ---- phrases

    def fit_phrases(self, feature_lists: Iterable[list[str]]) -> FeatureTokeniser:
        """Learn bigram terms from feature lists (any iterable; it is read once, in order).

        gensim ``Phrases`` counts unigrams and bigrams and keeps a bigram when its npmi score
        exceeds ``phrase_threshold`` and it occurs ``phrase_min_count`` times.  npmi is bounded
        and does not grow with corpus size, so one threshold suits one report and a whole
        corpus.  Counting is order independent, so the learned terms are deterministic.
        """
        if not self.phrases:
            self._phraser = None
            return self
        from gensim.models.phrases import Phrases

        model = Phrases(
            (list(features) for features in feature_lists),
            min_count=self.phrase_min_count,
            threshold=self.phrase_threshold,
            scoring="npmi",
            delimiter="_",
            progress_per=10**9,  # no progress logging
        )
        self._phraser = model.freeze()
        return self

    def transform(self, features: list[str]) -> list[str]:
        """Join learned multi-word terms with "_" (identity before fitting or with phrases off)."""
        if self._phraser is None:
            return list(features)
        return self._phraser[features]

    def phrase_model(self) -> dict[str, float] | None:
        """The learned phrases and their npmi scores (JSON-ready: saved with a run), None before fitting."""
        return None if self._phraser is None else {k: float(v) for k, v in sorted(self._phraser.phrasegrams.items())}

    def use_phrases(self, grams: dict[str, float] | None) -> FeatureTokeniser:
        """Apply saved phrases (:meth:`phrase_model` of an earlier fit) instead of fitting: the same joins."""
        if grams is None or not self.phrases:
            self._phraser = None
            return self
        self._phraser = SavedPhrases(dict(grams), self.phrase_threshold)
        return self

    def phrase_terms(self) -> list[str]:
        """The learned multi-word terms, sorted (for reports and tests)."""
        if self._phraser is None:
            return []
        return sorted(self._phraser.phrasegrams)


@dataclass
class SavedPhrases:
    """Saved phrases applied as gensim's ``FrozenPhrases`` applies them (``analyze_sentence`` with no
    connector words, gensim 4): left to right, a token and the next are joined with "_" when the pair
    is a saved phrase scoring above ``threshold``, and a joined pair is not joined again.  Without
    importing gensim (and scipy.stats through it): a re-run that reuses the corpus-level models needs
    nothing else from it (1-2 s of CPU).  Tested against gensim on the bundled report."""

    phrasegrams: dict[str, float]
    threshold: float
    delimiter: str = "_"

    def __getitem__(self, sentence: list[str]) -> list[str]:
        out: list[str] = []
        start = None
        for word in sentence:
            if start:  # gensim's test: an empty token starts no phrase
                phrase = f"{start}{self.delimiter}{word}"
                if self.phrasegrams.get(phrase, -math.inf) > self.threshold:
                    out.append(phrase)
                    start = None
                    continue
                out.append(start)
            start = word
        if start:
            out.append(start)
        return out
