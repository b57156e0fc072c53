"""Context evidence for an ambiguous glyph: is a damaged «آ» an alef madda or an initial kaf?

The bundled report's font turns every initial-form kaf into «آ», so «آلية» may be «آلية»
(mechanism) or «كلية» (college), «آل» may be «آل» (family of) or «كل» (every).  The lexicon alone
prefers the commoner word; two more kinds of evidence decide in context:

:class:`GlyphContext`
    a word-bigram table restricted to *candidate* words (a kaf or alef madda where an initial-form
    kaf could stand, :func:`candidate`), with Witten-Bell smoothing (Witten & Bell 1991, "The
    zero-frequency problem", IEEE Trans. Inf. Theory 37(4); Chen & Goodman 1998, section 2.5) and
    the wordfreq lexicon as the lower-order distribution::

        P(r | L) = (c(L r) + T(L) p(r)) / (c(L) + T(L))
        P(R | r) = (c(r R) + T(r) p(R)) / (c(r) + T(r))

    where ``c`` are corpus counts, ``T(v)`` the number of distinct words seen after ``v`` and ``p``
    the wordfreq frequency.  A reading ``r`` of the damaged word between neighbours ``L`` and ``R``
    scores ``log10 P(r | L) + log10 P(R | r)`` (:meth:`GlyphContext.score`); with no counts this is
    the lexicon's ``log10 p(r)`` plus a constant, so the table only moves a decision where it has
    seen the words.  Built offline by ``bench/build_ngram.py`` from clean Arabic
    (``data/glyph_context_ar.tsv.gz``: counts only).
:class:`CharModel`
    a character trigram model of the lexicon, each word weighted by its frequency (add-k
    smoothing), for words neither reading of which the lexicon knows (names: «آدهار»).  Only the
    trigrams that hold the ambiguous letter differ between two readings, so only those are
    counted (:meth:`CharModel.preference`).

:func:`word_gloss`
    a Latin letter that backs one reading: the first letter of a Latin gloss after the word
    («آدهار (Aadhar)»), or the letter the word names in a spelled-out acronym («(إف بي آي)»: «آي»
    is I, :data:`LETTER_NAMES`).

Tokens are clean keys (marks, tatweel and ``ѧ`` removed, ``ی`` read as ``ي``; letters otherwise
unfolded, so «آلية» and «ألية» differ), a number is ``0``, a Latin word ``A``, any other
non-space character itself.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from pipeline.stages.repair import glyphs

DATA = Path(__file__).resolve().parent / "data" / "glyph_context_ar.tsv.gz"
AMBIGUOUS = (glyphs.ALEF_MADDA, glyphs.KAF)
_TOKEN_RE = re.compile(
    f"[{glyphs._LETTER_CLASS}\u0640-\u065f\u0670{glyphs.KASHIDA_GLYPH}{glyphs.FARSI_YEH}]+"
    r"|\d+(?:[.,/]\d+)*|[A-Za-z]+|\S"
)
_FLOOR = 1e-10  # lexicon probability of a word wordfreq does not list


def token_key(token: str) -> str:
    """The table's form of one token (see module doc)."""
    first = token[0]
    if first.isdigit():
        return "0"
    if first.isascii() and first.isalpha():
        return "A"
    return glyphs._clean_key(token) if len(token) > 1 or first >= "\u0600" else token


def tokens(line: str) -> list[str]:
    """The table's tokens of one line."""
    return [token_key(token) for token in _TOKEN_RE.findall(line)]


def candidate(key: str) -> bool:
    """Whether ``key`` holds a kaf or alef madda where an initial-form kaf could stand (word start,
    or after a letter that does not join, with a letter after it): the words whose damaged form is
    ambiguous."""
    for index in range(len(key) - 1):
        if key[index] in AMBIGUOUS and (index == 0 or key[index - 1] in glyphs.NON_JOINERS):
            return True
    return False


def lexicon_probability(key: str) -> float:
    """wordfreq frequency of ``key`` (with the wa-/fa- back-off of the glyph decision), floored."""
    score = glyphs._lexical_score(key)
    return 10 ** (score - 9.0) if score > 0 else _FLOOR


class GlyphContext:
    """The candidate-word bigram table and its Witten-Bell scores (see module doc).

    ``unigrams``: word -> (count, distinct right neighbours) for candidate words and for words seen
    before one; ``bigrams``: "left right" -> count for bigrams with a candidate word on either side.
    """

    def __init__(self, unigrams: dict[str, tuple[int, int]], bigrams: dict[str, int]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams

    def score(self, left: str, reading: str, right: str) -> float:
        """``log10 P(reading | left) + log10 P(right | reading)`` up to terms equal for every reading."""
        _, types_left = self.unigrams.get(left, (0, 1))
        joint = self.bigrams.get(f"{left} {reading}", 0)
        value = math.log10(joint + max(types_left, 1) * lexicon_probability(reading))
        count, types = self.unigrams.get(reading, (0, 0))
        # A reading seen only before a line's end has no right neighbours (types 0): no evidence for
        # any right word, so it backs off to the lexicon as an unseen reading does (log10(0) else).
        if count and types and right:
            after = self.bigrams.get(f"{reading} {right}", 0)
            value += math.log10((after + types * lexicon_probability(right)) / (count + types))
        elif right:
            value += math.log10(lexicon_probability(right))
        return value

    def knows(self, reading: str) -> bool:
        return reading in self.unigrams

    def seen(self, left: str, reading: str, right: str) -> bool:
        """Whether the table counted ``reading`` after ``left`` or before ``right``."""
        return f"{left} {reading}" in self.bigrams or f"{reading} {right}" in self.bigrams


def count(texts: Iterable[str], min_count: int = 2) -> GlyphContext:
    """The table of ``texts`` (each line a sequence); bigrams seen fewer than ``min_count`` times dropped
    (the shipped table keeps no pair seen once, as ``ngram_ar.tsv.gz``; the type counts ``T`` are of
    the unpruned bigrams)."""
    from pipeline.stages.repair import ngram

    unigrams, pairs = ngram.count(texts, tokens)
    bigrams = {tuple(pair.split(" ")): value for pair, value in pairs.items()}
    is_candidate = {word: candidate(word) for word in unigrams}
    right_types: Counter = Counter(left for left, _ in bigrams)
    kept: dict[str, int] = {}
    lefts: set[str] = set()
    for (left, right), value in bigrams.items():
        if (is_candidate[left] or is_candidate[right]) and value >= min_count:
            kept[f"{left} {right}"] = value
            lefts.add(left)
    table = {
        word: (value, right_types[word]) for word, value in unigrams.items() if is_candidate[word] or word in lefts
    }
    return GlyphContext(table, kept)


def write(path: Path, context: GlyphContext) -> None:
    """Write the table sorted (byte-identical rebuilds): ``word<TAB>count<TAB>types`` and ``left right<TAB>count``."""
    rows = [f"{word}\t{value}\t{types}" for word, (value, types) in context.unigrams.items()]
    rows += [f"{pair}\t{value}" for pair, value in context.bigrams.items()]
    body = "\n".join(sorted(rows)) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(body.encode("utf-8"))


@lru_cache(maxsize=1)
def load(path: Path = DATA) -> GlyphContext | None:
    """The shipped table (read once per process), or None when it is missing."""
    if not path.exists():
        return None
    unigrams: dict[str, tuple[int, int]] = {}
    bigrams: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3:
                unigrams[fields[0]] = (int(fields[1]), int(fields[2]))
            else:
                bigrams[fields[0]] = int(fields[1])
    return GlyphContext(unigrams, bigrams)


class CharModel:
    """Character trigrams of the lexicon around «ك» and «آ», each word weighted by its frequency.

    ``P(c_i | c_{i-2} c_{i-1}) = (n(c_{i-2} c_{i-1} c_i) + k) / (n(c_{i-2} c_{i-1}) + k V)`` over words
    padded with ``^^`` and ``$``; ``n`` sums the frequency (per million words) of the words holding
    the n-gram.  Two readings that differ in one letter differ only in the three trigrams that
    hold it, so only n-grams with «ك» or «آ» are kept.
    """

    K = 0.01
    VOCABULARY = 40

    def __init__(self, lexicon: dict[str, float]) -> None:
        self.grams: defaultdict[str, float] = defaultdict(float)
        for word, frequency in lexicon.items():
            if glyphs.KAF not in word and glyphs.ALEF_MADDA not in word:
                continue
            padded = f"^^{word}$"
            weight = frequency * 1e6
            for index in range(2, len(padded)):
                gram = padded[index - 2 : index + 1]
                if glyphs.KAF in gram or glyphs.ALEF_MADDA in gram:
                    self.grams[gram] += weight
                history = gram[:2]
                if glyphs.KAF in history or glyphs.ALEF_MADDA in history:
                    self.grams[history] += weight

    def log_probability(self, word: str, index: int) -> float:
        """log10 of the trigram terms of ``word`` that hold ``word[index]`` (the others cancel)."""
        padded = f"^^{word}$"
        position = index + 2
        total = 0.0
        for end in range(position, min(position + 3, len(padded))):
            gram = padded[end - 2 : end + 1]
            history = self.grams.get(gram[:2], 0.0) if end > position else 0.0
            total += math.log10((self.grams.get(gram, 0.0) + self.K) / (history + self.K * self.VOCABULARY))
        return total

    def preference(self, word: str, index: int) -> str:
        """The letter (ك or آ) at ``word[index]`` that the model prefers; ties keep آ."""
        madda = word[:index] + glyphs.ALEF_MADDA + word[index + 1 :]
        kaf = word[:index] + glyphs.KAF + word[index + 1 :]
        return (
            glyphs.KAF if self.log_probability(kaf, index) > self.log_probability(madda, index) else glyphs.ALEF_MADDA
        )


@lru_cache(maxsize=1)
def char_model() -> CharModel:
    """The character model of the wordfreq Arabic lexicon (built once, on first use)."""
    return CharModel(glyphs.lexicon())


# -- the neighbours of a damaged word in a line (read by the repair stage's context pass)

_GLOSS_RE = re.compile(r"\s*[(\[«\"'/]?\s*([A-Za-z])[A-Za-z]")


def gloss_letter(after: str) -> str:
    """The first letter (upper case) of a Latin word right after a word, in brackets or not («(Aadhar)»)."""
    match = _GLOSS_RE.match(after)
    return match.group(1).upper() if match else ""


# Arabic spellings of Latin letter names, as news and UN text spell out acronyms («إف بي آي» FBI,
# «آي.إتش.إس» IHS, «سي آي إيه» CIA).  Left out: spellings that are also common words («أي» any,
# «اي», «أو» or, «إن» indeed, «في» in, «زي» like, «أم» or).  «آي» (I) and «آر» (R) are the damaged
# forms of «كي» (so that) and «كر»; «كيه» (K) and «كيو» (Q) those of «آيه», «آيو».
LETTER_NAMES = {
    "إيه": "A", "أيه": "A", "ايه": "A", "بي": "B", "سي": "C", "دي": "D", "إي": "E", "إف": "F",
    "أف": "F", "اف": "F", "جي": "G", "إتش": "H", "اتش": "H", "إيتش": "H", "ايتش": "H", "آي": "I",
    "آى": "I", "جيه": "J", "كيه": "K", "إل": "L", "إم": "M", "أوه": "O", "كيو": "Q", "آر": "R",
    "ار": "R", "إس": "S", "اس": "S", "أس": "S", "تي": "T", "يو": "U", "دبليو": "W", "إكس": "X",
    "اكس": "X", "واي": "Y", "زد": "Z",
}  # fmt: skip
_ACRONYM_GAP_RE = re.compile(r"[ .]{1,3}")  # between the letters of a spelled-out acronym


def spelled_letter(line: str, words: Sequence[re.Match], index: int) -> str:
    """The Latin letter that word ``index`` of ``line`` names when it stands in a spelled-out acronym:
    a neighbouring word, joined by spaces or dots only, is a letter name (:data:`LETTER_NAMES`), and
    the word read with «آ» (or with «ك») is one too.  ``words``: the matches of the line's words.
    «(إف بي آي)»: «آي» gives "I" (a gloss for «آ»); "" when the word is no letter in such a run."""
    start, end = words[index].span()
    key = glyphs._clean_key(line[start:end])
    letter = LETTER_NAMES.get(key) or LETTER_NAMES.get(key.replace(glyphs.ALEF_MADDA, glyphs.KAF), "")
    if not letter:
        return ""
    for other in (index - 1, index + 1):
        if 0 <= other < len(words):
            gap = line[words[other].end() : start] if other < index else line[end : words[other].start()]
            if _ACRONYM_GAP_RE.fullmatch(gap) and glyphs._clean_key(words[other].group()) in LETTER_NAMES:
                return letter
    return ""


def word_gloss(line: str, words: Sequence[re.Match], index: int) -> str:
    """The Latin letter that backs one reading of word ``index`` of ``line``: the first letter of a
    Latin gloss after it (:func:`gloss_letter`), else the letter it names in a spelled-out acronym
    (:func:`spelled_letter`); "" when neither."""
    end = words[index].end()
    return gloss_letter(line[end : end + 12]) or spelled_letter(line, words, index)


NAME_REPEATS = 2  # a word with «آ» before the same word this often, in one document, may be a name ...
NAME_MAX_ZIPF = 5.0  # ... when that word is below this zipf (a surname: «زيدان» 4.2; not «في», «أن») ...
NAME_MIN_ZIPF = 3.5  # ... and the word is this common read with «آ» («آل» 5.3, «آنا» 4.4; not «آلم» 3.3 for «كلم», km)
# Literal-led (``re`` scans for a literal first character in C); the word's start is checked apart.
_NAME_PAIR_RE = re.compile(f"{glyphs.ALEF_MADDA}(\\S*)[ \t]+(?=([^\\W\\d_]+))")
# No article and no pronoun suffix: «كل الأدوار», «كل أصدقائها» are no names.
_NOT_A_NAME_RE = re.compile("^[وفبلك]?ال|(?:ها|هما|هم|هن|نا|كم|كما|ته|تها)$")


def name_pairs(text: str) -> dict[tuple[str, str], int]:
    """(key of a word that starts with «آ», key of the word right after it) -> count, for the pairs
    that stand at least ``NAME_REPEATS`` times in ``text`` and whose second word may be a name
    (below ``NAME_MAX_ZIPF``, no article, no pronoun suffix).

    Document evidence of a name: «آل زيدان» twice in an article is a family, «آنا بونايوتو» a person,
    not «كل زيدان», «كنا بونايوتو»; the repair stage reads such a word without the lexicon's
    preference for the common word (:meth:`~.glyphs.GlyphRepair._decide_kaf`)."""
    if glyphs.ALEF_MADDA not in text:
        return {}
    pairs: Counter = Counter()
    for match in _NAME_PAIR_RE.finditer(text):
        start = match.start()
        if start and not text[start - 1].isspace():  # «آ» starts the word, or follows wa- / fa- there
            if text[start - 1] not in "وف" or (start > 1 and not text[start - 2].isspace()):
                continue
            start -= 1
        following = glyphs._clean_key(match.group(2))
        if glyphs._key_zipf(following) < NAME_MAX_ZIPF and not _NOT_A_NAME_RE.search(following):
            pairs[glyphs._clean_key(text[start : match.start(1)] + match.group(1)), following] += 1
    return {pair: value for pair, value in sorted(pairs.items()) if value >= NAME_REPEATS}


def neighbour_key(gap: str, word: str, last: bool) -> str:
    """The glyph context table's token next to a word: the nearest token of ``gap`` (the text between
    the word and its neighbouring Arabic word) or, when the gap is blank, that repaired ``word``."""
    found = tokens(gap) if gap.strip() else ()
    if found:
        return found[-1] if last else found[0]
    parts = word.split()  # a glued word split in two
    if not parts:
        return ""
    return glyphs._clean_key(parts[-1] if last else parts[0])
