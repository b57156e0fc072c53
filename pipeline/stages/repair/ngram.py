"""A small word-bigram model of Arabic, shipped as pruned counts, for choosing reading orders.

The model is a count table (unigrams and bigrams, each kept when seen at least ``min_count``
times) scored with *stupid backoff* (Brants et al. 2007, "Large language models in machine
translation", EMNLP): ``log10 c(v w) / c(v)`` for a seen bigram, else ``log10 0.4 * c(w) / N``,
else a fixed out-of-vocabulary floor (the default).  The reading-order search scores with
:meth:`BigramModel.logp_stems`: a pair the table has not seen backs off first to the pair of its
*stems* (proclitics taken off: «وعبر» -> «عبر», «بالانترنت» -> «انترنت»), ``log10 0.4 *
P(stem w | stem v) * P(w | stem w)`` when that is higher than ``0.4 c(w) / N``, the generalised
backoff of factored language models for Arabic (Bilmes & Kirchhoff 2003, "Factored language models
and generalized parallel backoff", NAACL; Vergyri et al. 2004, "Morphology-based language modeling
for Arabic speech recognition", ICSLP); or with interpolated Kneser-Ney-style discounting
(``smoothing="kn"``, see :class:`BigramModel`; measured no better here).  Tokens are folded with the project's matching fold
(``light_fold``: marks, tatweel and ѧ removed, hamza carriers and alef variants to bare letters, ى
and ی to ي, ة to ه); a number is ``0``, and ``.`` ``،`` ``/`` are tokens; so damaged and clean
spellings meet.  No maintained library fitted: kenlm has no wheel for this Python (it compiles from
source) and nltk.lm is too slow to query per line.

``data/ngram_ar.tsv.gz`` is built by ``bench/build_ngram.py`` (:func:`count`, :func:`write`) from clean text in ``../shared/data`` (ANT news
sample, UN SDG texts, policy documents): ``make ngram``.  It holds counts only, never text: the
shared texts may not be redistributed.
"""

from __future__ import annotations

import gzip
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from pipeline.text.arabic import light_fold

DATA = Path(__file__).resolve().parent / "data" / "ngram_ar.tsv.gz"
BACKOFF = math.log10(0.4)
_TOKEN_RE = re.compile(r"[\u0621-\u064a]+|\d+(?:[.,/]\d+)*|[.!?؟]|[،,؛;]|/")
# Proclitics a stem backs off without: conjunction, preposition, article (three letters left at least).
_PROCLITIC_RE = re.compile("^(?:[وف]?(?:بال|كال|لل|ال|[بلك])|[وف]|ال)(?=...)")
_STOPS = {".": ".", "!": ".", "?": ".", "؟": ".", "،": "،", ",": "،", "؛": "،", ";": "،", "/": "/"}


def fold(word: str) -> str:
    """The model's form of one word: the project's matching fold (:func:`pipeline.text.arabic.light_fold`)."""
    return light_fold(word)


@lru_cache(maxsize=1 << 14)
def stem(token: str) -> str:
    """A folded token without its proclitics (conjunction, preposition, article), three letters left
    at least: «وعبر» -> «عبر», «بالانترنت» -> «انترنت», «الي» stays."""
    return _PROCLITIC_RE.sub("", token, count=1)


def tokens(text: str) -> list[str]:
    """Model tokens of clean text: folded words, ``0`` for a number, ``.`` / ``،`` for stops and commas."""
    out = []
    for token in _TOKEN_RE.findall(light_fold(text)):
        if token in _STOPS:
            out.append(_STOPS[token])
        elif token[0].isdigit():
            out.append("0")
        else:
            out.append(token)
    return out


class BigramModel:
    """Bigram scores from a pruned count table (see module doc).

    ``smoothing="kn"`` (the default): interpolated absolute discounting with Kneser-Ney continuation
    counts (Kneser & Ney 1995; Chen & Goodman 1998, "An empirical study of smoothing techniques for
    language modeling", section 2.7): ``P(w|v) = max(c(v w) - D, 0) / c(v) + lambda(v) P_cont(w)``,
    where ``P_cont(w)`` is the share of distinct bigram types ending in ``w`` (add-half smoothed, so
    a word seen only as a unigram still has mass), ``D = 0.75``, and ``lambda(v)`` holds the
    discounted mass plus the mass of ``v``'s bigrams the pruning dropped.  A word the table has seen
    after many different words («الأمين» after «وكيل», «العام», «أن» ...) is likelier after an unseen
    one than a frequent word bound to one context, which stupid backoff cannot tell apart.
    ``smoothing="stupid"``: stupid backoff (Brants et al. 2007).
    """

    DISCOUNT = 0.75

    def __init__(
        self, unigrams: dict[str, int], bigrams: dict[str, int], total: int, smoothing: str = "stupid"
    ) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams  # "v w" -> count
        self.total = total
        self.smoothing = smoothing
        self._stems: dict[str, tuple[float, str, float]] | None = None  # per word (logp_stems)
        self._stem_of: dict[str, str] = {}  # word -> stem, stem -> count, stem pair -> count
        self._stem_unigrams: Counter = Counter()
        self._stem_bigrams: Counter = Counter()
        self.oov = BACKOFF + math.log10(0.5 / total)  # below any seen word's unigram score
        left_types: Counter = Counter()  # N1+(. w): distinct words seen before w
        right_types: Counter = Counter()  # N1+(v .)
        right_mass: Counter = Counter()  # sum of c(v w) kept in the table
        for pair, value in bigrams.items():
            v, _, w = pair.partition(" ")
            left_types[w] += 1
            right_types[v] += 1
            right_mass[v] += value
        self._left_types = left_types
        self._cont_total = len(bigrams) + 0.5 * len(unigrams)
        self._lambda = {
            v: (self.DISCOUNT * right_types[v] + max(unigrams.get(v, 0) - right_mass[v], 0)) / unigrams[v]
            for v in unigrams
        }

    def unigram(self, word: str) -> float:
        """log10 stupid-backoff unigram score ``0.4 c(w) / N`` (``oov`` for an unseen word)."""
        count = self.unigrams.get(word, 0)
        return BACKOFF + math.log10(count / self.total) if count else self.oov

    def logp(self, previous: str, word: str) -> float:
        """log10 score of ``word`` after ``previous`` (folded tokens; ``previous`` may be "")."""
        count = self.unigrams.get(word, 0)
        if not count:
            return self.oov
        if self.smoothing == "stupid":
            if previous:
                pair = self.bigrams.get(previous + " " + word, 0)
                if pair:
                    return math.log10(pair / self.unigrams[previous])
            return BACKOFF + math.log10(count / self.total)
        lower = (self._left_types.get(word, 0) + 0.5) / self._cont_total
        context = self.unigrams.get(previous, 0) if previous else 0
        if not context:
            return math.log10(lower)
        pair = self.bigrams.get(previous + " " + word, 0)
        return math.log10(max(pair - self.DISCOUNT, 0.0) / context + self._lambda[previous] * lower)

    def logp_stems(self, previous: str, word: str) -> float:
        """:meth:`logp`, with an unseen pair backed off to the pair of its stems first when that scores
        higher (stupid backoff only; see the module doc).  The reading-order search scores with it;
        the ligature context keeps :meth:`logp`."""
        if not previous or self.smoothing != "stupid":
            return self.logp(previous, word)
        if self._stems is None:
            self._count_stems()
        found = self._stems.get(word)
        if found is None:
            return self.oov
        pair = self.bigrams.get(previous + " " + word)
        if pair:
            return math.log10(pair / self.unigrams[previous])
        value, right, share = found  # 0.4 c(w) / N, stem w, log10 P(w | stem w)
        left = self._stem_of.get(previous) or stem(previous)  # stem(): a word the table has not seen
        if right is word and left is previous:
            return value  # no proclitic on either side: the stems' pair is the unseen pair itself
        stems = self._stem_bigrams.get(left + " " + right)
        if not stems:
            return value
        # log10 0.4 P(stem w | stem v) P(w | stem w)
        return max(value, BACKOFF + math.log10(stems / self._stem_unigrams[left]) + share)

    def _count_stems(self) -> None:
        """The stem of every word of the table and the counts of stems and stem pairs (first use only)."""
        self._stem_of = {token: stem(token) for token in self.unigrams}
        self._stem_unigrams, self._stem_bigrams = Counter(), Counter()
        for token, value in self.unigrams.items():
            self._stem_unigrams[self._stem_of[token]] += value
        for key, value in self.bigrams.items():
            v, _, w = key.partition(" ")
            self._stem_bigrams[self._stem_of[v] + " " + self._stem_of[w]] += value
        self._stems = {
            token: (
                BACKOFF + math.log10(value / self.total),
                self._stem_of[token],
                math.log10(value / self._stem_unigrams[self._stem_of[token]]),
            )
            for token, value in self.unigrams.items()
        }

    def known(self, word: str) -> bool:
        return word in self.unigrams


def count(texts: Iterable[str], tokenize: Callable[[str], list[str]] | None = None) -> tuple[Counter, Counter]:
    """Unigram and bigram (``"v w"``) counts of ``texts`` (each text's lines are separate sequences),
    tokenised by ``tokenize`` (default: :func:`tokens`)."""
    tokenize = tokenize or tokens
    unigrams: Counter = Counter()
    bigrams: Counter = Counter()
    for text in texts:
        for line in text.split("\n"):
            sequence = tokenize(line)
            unigrams.update(sequence)
            bigrams.update(f"{a} {b}" for a, b in itertools.pairwise(sequence))
    return unigrams, bigrams


_GAP_RE = re.compile(r" {2,}")


def document_pairs(text: str, min_lines: int = 2) -> dict[str, float]:
    """A cache model of one document (Kuhn & De Mori 1990): ``"v w"`` -> log10 of the share of v's
    occurrences that w follows, for the word pairs found inside the wide-gap-free stretches of at
    least ``min_lines`` lines of ``text``.  A stretch of a line extracted in visual order is still
    cut at single spaces, so one line's pairs may be cross-chunk; a pair repeated in two lines is
    the document's phrase («جدول أعمال», «أعمال تونس», «وكيل الأمين»), which the news never had.
    The same for the pairs of their *stems* (:func:`stem`, proclitics off), keyed ``"~v w"``: «بأدوارها
    ومسؤولياتها» and «أدوارها ومسؤولياتها» are one phrase."""
    lines: Counter = Counter()
    words: Counter = Counter()
    for line in text.split("\n"):
        found = set()
        for stretch in _GAP_RE.split(line):
            sequence = tokens(stretch)
            words.update(sequence)
            found.update(itertools.pairwise(sequence))
            stems = [stem(token) for token in sequence]
            words.update("~" + token for token in stems)
            found.update(("~" + v, w) for v, w in itertools.pairwise(stems))
        lines.update(found)
    # Not after a stop or comma: one opens a stretch where a chunk was drawn in visual order («. أصحاب
    # المصلحة»); a stop after its word is where the author put it.  Nor numbers (drawn token by token).
    return {
        f"{v} {w}": math.log10(n / words[v])
        for (v, w), n in lines.items()
        if n >= min_lines and v.lstrip("~") not in _STOPS.values() and v.lstrip("~") != "0" and w != "0"
    }


def write(path: Path, unigrams: Counter, bigrams: Counter, min_count: int = 2) -> None:
    """Write the pruned table: a total line, then ``token<TAB>count`` rows, sorted (byte-identical rebuilds)."""
    total = sum(unigrams.values())
    rows = [f"{w}\t{c}" for w, c in unigrams.items() if c >= min_count]
    rows += [f"{w}\t{c}" for w, c in bigrams.items() if c >= min_count]
    body = f"#total\t{total}\n" + "\n".join(sorted(rows)) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(body.encode("utf-8"))


@lru_cache(maxsize=2)
def load(path: Path = DATA, smoothing: str = "stupid") -> BigramModel:
    """The shipped model (read once per process).  Raises FileNotFoundError when the table is missing."""
    unigrams: dict[str, int] = {}
    bigrams: dict[str, int] = {}
    total = 1
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").rpartition("\t")
            if key == "#total":
                total = int(value)
            elif " " in key:
                bigrams[key] = int(value)
            else:
                unigrams[key] = int(value)
    return BigramModel(unigrams, bigrams, total, smoothing)
