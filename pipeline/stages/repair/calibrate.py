"""Self-calibration: measure what each candidate substitution map would do to a document first.

A map is applied to a document only where the evidence says the document was damaged that way:
the share of its Arabic tokens that are known words (the ``wordfreq`` Arabic lexicon) must rise
by a clear margin when the map is applied.  The maps measured here are

``line_reversal``
    whole lines stored in reversed (visual) character order, with or without presentation
    forms: «ةبكرملا ةحول» is «لوحة المركبة».  Decided per line (a line is reversed when that
    turns its tokens into words), see :func:`reverse_line`.
``ligature_pairs``
    word processors' PDF exports give some two-letter ligature glyphs (lam-meem, lam-alef,
    feh-yeh, ...) a ToUnicode entry that lists the letters in visual order, so every such pair
    comes out swapped: «يف» for «في», «املجلس» for «المجلس».  Each font has its own set of
    ligatures, so the set is learnt per document (:func:`learn_ligature_pairs`), from two
    kinds of evidence that must agree: the swapped reading turns unknown tokens into known
    words, and the pair's logical order is (nearly) missing from the document while its
    reversed order is over-represented, compared with the lexicon's own bigram rates.

Every map is a documented letter permutation: it never adds, drops or changes a letter, so the
multiset of letters of a repaired word equals that of the damaged one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.stages.repair import glyphs

_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a"
_TOKEN_RE = re.compile(f"[{_ARABIC_LETTERS}][{_ARABIC_LETTERS}]*")
# Letters that join the following letter: the first glyph of a two-letter ligature is one of them.
_JOINING = frozenset(chr(code) for code in range(0x0621, 0x064B)) - glyphs.NON_JOINERS - {"\u0640", "ء"}
_KNOWN_ZIPF = 1.0  # a token is a "known word" from this zipf on (wordfreq lists junk below it)
LIGATURE_MIN_TOKENS = 3  # the learnt pairs together must repair at least this many tokens ...
LIGATURE_MIN_GAIN = 0.01  # ... and this share of its tokens (wordfreq knows «يف», «عىل»: the known
# share alone undercounts the repairs);
LIGATURE_MAX_RATIO = 0.35  # a pair's logical order must be at most this share of its expected rate
LIGATURE_MIN_STRENGTH = 3.3  # mean zipf of the words the learnt pairs make (damage hits common words) ...
LIGATURE_MIN_EXPECTED = 3.0  # ... and the learnt pairs must be expected this often in logical order
LIGATURE_SAMPLE_CHARS = 100_000  # characters of a document the pair statistics look at (~15,000 words)
LIGATURE_SIGNS_MIN = 2  # the full measurement runs when the text shows this many signs of swapped pairs ...
LIGATURE_SIGNS_SHARE = 0.002  # ... and this many per token
REVERSAL_MIN_GAIN = 0.34  # a line is reversed when that raises its known share by this much ...
REVERSAL_MIN_TOKENS = 2  # ... and it has at least this many Arabic tokens of three letters or more ...
REVERSAL_MIN_SHARE = 0.5  # ... and at least this share of its tokens are words once reversed
_DAMAGED_MAX_ZIPF = 99.0  # a token at or above this zipf is not counted as damaged (the web's «يف» is 2.9)
_REPAIR_MARGIN = 1.5  # zipf by which a swapped reading must beat the token to count as a repair
_MAX_SWAPS = 6  # positions tried per word (2**6 readings)


def known(key: str) -> bool:
    """Whether ``key`` (Arabic letters only) is a known word."""
    return glyphs._key_zipf(key) >= _KNOWN_ZIPF


def known_share(text: str) -> tuple[int, int]:
    """(known tokens, Arabic tokens) of ``text``."""
    tokens = _TOKEN_RE.findall(text)
    # known() for every token without a Python call per token: zipf >= _KNOWN_ZIPF, i.e. _KNOWN_ZIPF <= zipf.
    return sum(map(_KNOWN_ZIPF.__le__, map(glyphs._key_zipf, tokens))), len(tokens)


# -- line reversal ---------------------------------------------------------------------------

_LTR_RUN_RE = re.compile(r"[0-9A-Za-z\u0660-\u0669]+(?:[/.,:٫٬][0-9A-Za-z\u0660-\u0669]+)*")
_MARKS_CLASS = "\u064b-\u065f\u0670"
_MARKS_BEFORE_BASE_RE = re.compile(f"([{_MARKS_CLASS}]+)([^{_MARKS_CLASS}])")
# A token that starts with a letter only ever written at a word's end (teh marbuta, alef maksura,
# or their presentation forms): no logical-order line has many, most reversed lines have one.
# Only a pre-check (the known-word share decides); a document found to hold reversed lines has
# every line checked.  The class comes first so that ``re`` scans for it in C.
_REVERSED_START_RE = re.compile("[\u0629\u0649\ufe93\ufe94\ufeef\ufef0](?<!\\S.)")
# The same, one pattern per letter, for whole documents: a literal lead is found in C (~1.5x faster).
_REVERSED_START_RES = tuple(re.compile(f"{letter}(?<!\\S.)") for letter in "\u0629\u0649\ufe93\ufe94\ufeef\ufef0")


def reverse_line(line: str) -> str:
    """``line`` in reversed character order, with digit/Latin runs and marks kept in their order.

    Presentation forms are kept (fold afterwards): a lam-alef ligature glyph is one character,
    so reversing before folding keeps «لا» in order.
    """
    reversed_line = line[::-1]
    reversed_line = _LTR_RUN_RE.sub(lambda match: match.group()[::-1], reversed_line)
    return _MARKS_BEFORE_BASE_RE.sub(r"\2\1", reversed_line)


# Fast necessary signs (literal-led patterns, scanned at C speed): a word-final-only letter
# followed by a letter, as every reversed word ending in ة or ى shows, or presentation forms.
# A damaged initial yeh «ی» counts as a letter: repair turns it into «ي», and a line must be judged
# the same before and after (idempotence).
_REVERSAL_SIGNS = (re.compile("\u0629[\u0621-\u064a\u06cc]"), re.compile("\u0649[\u0621-\u064a\u06cc]"))


def _measured(line: str) -> str:
    """``line`` as the reversal measures it: presentation forms folded, «ی» read as «ي», no tatweel."""
    return glyphs._fold_presentation_forms(line).replace(glyphs.FARSI_YEH, glyphs.YEH).replace(glyphs.TATWEEL, "")


def may_hold_reversed_lines(text: str, presentation_forms: bool) -> bool:
    """Cheap pre-check for a whole document before :func:`looks_reversed` runs line by line
    (``presentation_forms``: whether the text holds any, as ``_has_presentation_forms`` says)."""
    return presentation_forms or any(sign.search(text) for sign in _REVERSAL_SIGNS)


def looks_reversed(line: str) -> bool:
    """Cheap pre-check: does ``line`` hold a token that starts with a word-final-only letter?"""
    # Tatweel before a final letter («ـى») goes in repair: judge the line as it will be read again.
    return _REVERSED_START_RE.search(line.replace("\u0640", "") if "\u0640" in line else line) is not None


def lines_looking_reversed(text: str) -> list[int]:
    """Indices of the lines of ``text`` (split at "\\n") that :func:`looks_reversed`, in one scan."""
    scanned = text.replace("\u0640", "") if "\u0640" in text else text  # tatweel is no line break
    indices, line, position = [], 0, 0
    for start in sorted(match.start() for pattern in _REVERSED_START_RES for match in pattern.finditer(scanned)):
        line += scanned.count("\n", position, start)
        position = start
        if not indices or indices[-1] != line:
            indices.append(line)
    return indices


def reversal_gain(line: str) -> tuple[float, float]:
    """(known share of ``line``, known share of its reversal), presentation forms folded.

    Only tokens of three letters or more count: wordfreq knows many two-letter strings.
    """
    before = [token for token in _TOKEN_RE.findall(_measured(line)) if len(token) > 2]
    if not before:
        return 0.0, 0.0
    after = [token[::-1] for token in before]
    return sum(map(known, before)) / len(before), sum(map(known, after)) / len(after)


def should_reverse(line: str, always_check: bool = False) -> bool:
    """Whether ``line`` is stored in reversed character order (evidence: its known-word share)."""
    if not (always_check or looks_reversed(line)):
        return False
    tokens = _TOKEN_RE.findall(_measured(line))
    if sum(len(token) > 2 for token in tokens) < REVERSAL_MIN_TOKENS:
        return False
    before, after = reversal_gain(line)
    return after >= REVERSAL_MIN_SHARE and after - before >= REVERSAL_MIN_GAIN


# -- ligature pairs --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lexicon_bigram_rates() -> dict[str, float]:
    """Frequency-weighted rate of every letter bigram inside the lexicon's 30,000 commonest words."""
    counts: Counter = Counter()
    for word, frequency in itertools.islice(glyphs.lexicon().items(), 30_000):
        for index in range(len(word) - 1):
            counts[word[index : index + 2]] += frequency
    total = sum(counts.values())
    return {bigram: value / total for bigram, value in counts.items()}


_WORD_WITH_MARKS_RE = re.compile(f"[{_ARABIC_LETTERS}][{_ARABIC_LETTERS}{_MARKS_CLASS}\u0640]*")


def repair_word(raw: str, pairs: frozenset[str], vocabulary: Counter | None = None) -> str:
    """``raw`` (letters, marks, tatweel) with its swapped pairs put back as :func:`best_reading` decides.

    The decision is made on the word's letters alone; marks and tatweel keep their places, so
    the result holds exactly the characters of ``raw``.
    """
    key = _KEY_DROP_RE.sub("", raw)
    if key == raw:
        return best_reading(raw, pairs, vocabulary)
    reading = best_reading(key, pairs, vocabulary)
    if reading == key:
        return raw
    # Swap the letters where they stand and leave the marks in place: a mark printed on a
    # ligature comes after both of its letters («قائالً» is «قائلاً»).
    positions = [index for index, ch in enumerate(raw) if not _KEY_DROP_RE.match(ch)]
    chars = list(raw)
    for index, letter in enumerate(reading):
        chars[positions[index]] = letter
    return "".join(chars)


def words(text: str) -> list[str]:
    """The Arabic words of ``text`` as letter keys (marks and tatweel left out)."""
    return [_KEY_DROP_RE.sub("", word) for word in _WORD_WITH_MARKS_RE.findall(text)]


_KEY_DROP_RE = re.compile(f"[{_MARKS_CLASS}\u0640]")


def swap_readings(word: str, pairs: frozenset[str]) -> list[str]:
    """Every reading of ``word`` with some of its swapped ligature pairs put back in order.

    ``pairs`` holds pairs in logical order («لم»); a damaged word shows them reversed («مل»).
    Positions do not overlap; at most ``_MAX_SWAPS`` of them are tried.  The first reading is
    ``word`` itself.
    """
    reversed_pairs = {pair[::-1] for pair in pairs}
    positions = [index for index in range(len(word) - 1) if word[index : index + 2] in reversed_pairs]
    positions = positions[:_MAX_SWAPS]
    readings = [word]
    for size in range(1, len(positions) + 1):
        for chosen in itertools.combinations(positions, size):
            if any(b - a < 2 for a, b in itertools.pairwise(chosen)):
                continue
            chars = list(word)
            for index in chosen:
                chars[index], chars[index + 1] = chars[index + 1], chars[index]
            readings.append("".join(chars))
    return readings


def best_reading(word: str, pairs: frozenset[str], vocabulary: Counter | None = None) -> str:
    """The reading of ``word`` (see :func:`swap_readings`) that is the most frequent word.

    The score is the wordfreq zipf, plus a bonus when the document itself spells that reading
    where no swapped pair could have produced it (``vocabulary``).  Ties keep ``word``.
    """
    readings = swap_readings(word, pairs)
    if len(readings) == 1:
        return word
    best, best_score = word, _reading_score(word, vocabulary)
    for reading in readings[1:]:
        score = _reading_score(reading, vocabulary)
        if score > best_score:
            best, best_score = reading, score
    return best


def _reading_score(word: str, vocabulary: Counter | None) -> float:
    score = glyphs._lexical_score(word)
    if vocabulary:
        score += 0.5 * min(vocabulary.get(word, 0), 4)
    return score


@dataclass
class LigatureEvidence:
    """What :func:`learn_ligature_pairs` measured for one candidate pair (logical order)."""

    pair: str
    repaired_tokens: int  # tokens that become known words when the pair is put back in order
    broken_tokens: int  # known tokens that the pair's reading would change into another word
    logical: int  # occurrences of the pair in logical order in the document
    reversed: int  # occurrences in reversed order
    ratio: float  # observed logical share / the lexicon's logical share
    expected: float = 0.0  # logical occurrences the lexicon's bigram rate predicts
    strength: float = 0.0  # sum of the zipf of the words the swaps make


@dataclass
class LigatureCalibration:
    """The learnt pairs and the document's known-word share before and after them."""

    pairs: frozenset[str] = frozenset()
    share_before: float = 0.0
    share_after: float = 0.0
    tokens: int = 0
    evidence: list[LigatureEvidence] = field(default_factory=list)
    pooled: dict = field(default_factory=dict)  # the document-level gate's figures


def learn_ligature_pairs(text: str, rounds: int = 3) -> LigatureCalibration:
    """Learn which two-letter ligatures of ``text``'s font were extracted in visual order.

    Candidates come from the document: every adjacent letter pair whose swap turns a token into
    a known word that is far more frequent (``_REPAIR_MARGIN`` zipf).  A candidate is eligible
    when it repairs more tokens than it would turn from one known word into another, and its
    logical order is rare in the document compared with the lexicon's bigram rate
    (``LIGATURE_MAX_RATIO``; a font that ligates «لم» leaves no «لم» in the text) -- unless the
    document is too short for that rate to say anything.  The eligible pairs are kept when,
    together, they repair at least ``LIGATURE_MIN_TOKENS`` tokens and raise the known-word share
    by ``LIGATURE_MIN_GAIN``.  Words with two swapped pairs («املايل» for «المالي») need one pair
    known before the other shows: the search runs ``rounds`` times on the words as read so far.
    The first ``LIGATURE_SAMPLE_CHARS`` characters are measured, and only when they show the
    signs of :func:`ligature_signs`.
    """
    sample = text[:LIGATURE_SAMPLE_CHARS]
    if not ligature_signs(sample):
        return LigatureCalibration()  # clean text, the common case: one regex scan
    tokens = words(sample)
    if not tokens:
        return LigatureCalibration()
    types = Counter(tokens)
    first = _swap_candidates(types)
    if sum(repaired for repaired, _ in first.values()) < max(LIGATURE_MIN_TOKENS, LIGATURE_MIN_GAIN * len(tokens)):
        # Clean text, the common case: too few tokens any swap repairs for the gate below to pass.
        return LigatureCalibration(tokens=len(tokens))
    evidence, eligible = _eligible_pairs(types, rounds)
    return _pooled_calibration(types, len(tokens), evidence, eligible)


def _eligible_pairs(types: Counter, rounds: int) -> tuple[dict[str, LigatureEvidence], set[str]]:
    """The evidence of every candidate pair, and the pairs eligible on their own (see
    :func:`learn_ligature_pairs`): ``rounds`` searches, each on the words as read with the pairs found so far."""
    rates = _lexicon_bigram_rates()
    evidence: dict[str, LigatureEvidence] = {}
    eligible: set[str] = set()
    for _ in range(rounds):
        pairs = frozenset(eligible)
        current = Counter()
        for word, count in types.items():
            current[best_reading(word, pairs) if pairs else word] += count
        bigrams = _bigrams(current)  # on the words as read so far: a swap elsewhere can fake a pair
        total = sum(bigrams.values()) or 1
        added = False
        for pair, (repaired, strength) in sorted(_swap_candidates(current).items(), key=lambda item: -item[1][0]):
            if pair in eligible:
                continue
            logical, reversed_count = _logical_count(current, pair), bigrams[pair[::-1]]
            expected = rates.get(pair, 0.0) * total
            ratio = logical / expected if expected else 1.0
            broken = 0
            if ratio <= LIGATURE_MAX_RATIO:  # only then can the pair be kept: count what it would break
                trial = frozenset({pair})
                broken = sum(
                    count
                    for word, count in current.items()
                    if pair[::-1] in word and _ambiguous_change(word, best_reading(word, trial))
                )
            evidence[pair] = LigatureEvidence(
                pair, repaired, broken, logical, reversed_count, round(ratio, 3), round(expected, 2), strength
            )
            if ratio <= LIGATURE_MAX_RATIO and repaired > broken:
                eligible.add(pair)
                added = True
        if not added:
            break
    return evidence, eligible


def _pooled_calibration(
    types: Counter, tokens: int, evidence: dict[str, LigatureEvidence], eligible: set[str]
) -> LigatureCalibration:
    """The calibration: the eligible pairs, kept only when together they pass the pooled gate
    (``LIGATURE_MIN_TOKENS``, ``LIGATURE_MIN_GAIN``, ``LIGATURE_MIN_STRENGTH``, ``LIGATURE_MIN_EXPECTED``,
    ``LIGATURE_MAX_RATIO``); ``types`` are the sample's word counts, ``tokens`` its number of tokens."""
    before = _share(types)
    after = _share(types, frozenset(eligible))
    ordered = sorted(evidence.values(), key=lambda item: (-item.repaired_tokens, item.pair))
    chosen = [evidence[pair] for pair in eligible]
    repaired_total = sum(item.repaired_tokens for item in chosen)
    expected_total = sum(item.expected for item in chosen)
    logical_total = sum(item.logical for item in chosen)
    strength = sum(item.strength for item in chosen) / max(repaired_total, 1)
    passed = (
        repaired_total >= LIGATURE_MIN_TOKENS
        and repaired_total >= LIGATURE_MIN_GAIN * tokens
        and strength >= LIGATURE_MIN_STRENGTH
        and expected_total >= LIGATURE_MIN_EXPECTED
        and logical_total <= LIGATURE_MAX_RATIO * expected_total
    )
    result = LigatureCalibration(
        pairs=frozenset(eligible) if passed else frozenset(),
        share_before=before,
        share_after=after if passed else before,
        tokens=tokens,
        evidence=ordered,
    )
    result.pooled = {
        "repaired": repaired_total,
        "expected_logical": round(expected_total, 2),
        "logical": logical_total,
        "mean_zipf_repaired": round(strength, 2),
        "share_gain": round(after - before, 4),
    }
    return result


def _logical_count(types: Counter, pair: str) -> int:
    """Occurrences of ``pair`` in ``types`` that no swap of it can explain: not overlapping the
    reversed pair («اللم» comes out as «المل», whose «لم» is the swap's neighbour, not a «لم»)."""
    reverse = pair[::-1]
    total = 0
    for word, count in types.items():
        start = word.find(pair)
        while start >= 0:
            if word[start + 1 : start + 3] != reverse and (start == 0 or word[start - 1 : start + 1] != reverse):
                total += count
            start = word.find(pair, start + 1)
    return total


def _bigrams(types: Counter) -> Counter:
    bigrams: Counter = Counter()
    for word, count in types.items():
        for index in range(len(word) - 1):
            bigrams[word[index : index + 2]] += count
    return bigrams


# Spellings that clean Arabic (nearly) never has and swapped lam/feh ligatures make often: alef
# before a hamza'd alef or lam-after-alef («األول», «اإلصالح», «االلتزام», «إال»), the article with a
# swapped lam-meem / hah / jeem / khah at a word's start («املجلس», «احلكومات»), «يف» standing
# alone, and alef maksura inside a word («عىل», «إىل»).
_LIGATURE_SIGNS_RE = re.compile("[اإ](?:[أإآ]|ال)|(?<= )(?:ا[محجخ]ل|يف )|\u0649[\u0621-\u064a]")


# Literal-led versions of the signs, for a fast first look at clean text: «األ», «اإل», «يف» alone,
# alef maksura inside a word, the article before a swapped lam-meem, «اآل», the article before a
# swapped lam-hah / jeem / khah.  One pattern per lead letter: ``re`` finds a literal lead in C,
# while a class lead («[أإآ]») is tested character by character (on clean news, 9 literal-led
# scans take a third of the time of 5 class-led ones; issue 18).
_FAST_SIGNS = tuple(
    re.compile(pattern)
    for pattern in (
        "\u0623(?<=\u0627\u0623)",
        "\u0625(?<=\u0627\u0625)",
        "\u0622(?<=\u0627\u0622)",
        "\u0641(?<= \u064a\u0641)(?= )",
        "\u0649[\u0621-\u064a]",
        "\u0645(?<= \u0627\u0645)\u0644",
        "\u062d(?<= \u0627\u062d)\u0644",
        "\u062c(?<= \u0627\u062c)\u0644",
        "\u062e(?<= \u0627\u062e)\u0644",
    )
)


def ligature_signs(text: str) -> bool:
    """Cheap pre-check: does ``text`` show enough signs of swapped ligature pairs?"""
    if not any(sign.search(text) for sign in _FAST_SIGNS):
        return False
    signs = len(_LIGATURE_SIGNS_RE.findall(text))
    return signs >= max(LIGATURE_SIGNS_MIN, LIGATURE_SIGNS_SHARE * (text.count(" ") + 1))


@lru_cache(maxsize=1)
def _reversed_family() -> frozenset[str]:
    """Every pair of the ligature family (:func:`_ligature_candidate`) as a damaged text shows it."""
    letters = sorted(_JOINING | glyphs.NON_JOINERS - {"ء"})
    return frozenset(second + first for first in letters for second in letters if _ligature_candidate(first + second))


def _swap_candidates(types: Counter) -> dict[str, tuple[int, float]]:
    """Logical-order pair -> (tokens of ``types`` that one swap of it turns into a far commoner word,
    the sum of those words' zipf)."""
    candidates: dict[str, tuple[int, float]] = {}
    family = _reversed_family()
    for word, count in types.items():
        if len(word) < 2:
            continue
        # wordfreq lists some damaged forms from the web («يف» 2.9): a token counts as repaired when
        # the swap makes a word that is known and far more frequent.
        zipf = glyphs._key_zipf(word)
        if zipf >= _DAMAGED_MAX_ZIPF:
            continue  # a common word is no damaged form, even when a swap makes a commoner one
        floor = max(_KNOWN_ZIPF, zipf + _REPAIR_MARGIN)
        for index in range(len(word) - 1):
            if word[index : index + 2] not in family:
                continue
            first, second = word[index], word[index + 1]
            swapped = word[:index] + second + first + word[index + 2 :]
            score = glyphs._key_zipf(swapped)
            if score >= floor:
                tokens, strength = candidates.get(second + first, (0, 0.0))
                candidates[second + first] = (tokens + count, strength + count * score)
    return candidates


def _ligature_candidate(pair: str) -> bool:
    """Whether fonts have a two-letter ligature for ``pair`` (logical order): lam or feh/qaf with
    any letter after it, or a tooth letter (beh, teh, theh, nun, yeh) before a final yeh.

    The per-document set is learnt from evidence; this family only bounds the search, so that a
    name or a rare spelling in clean text cannot pass for a swapped pair of arbitrary letters.
    """
    first, second = pair
    if first not in _JOINING or first == second:
        return False  # the logical first letter must join the second to make a ligature
    return first in "لفق" or (first in "بتثني" and second in "يى")


def _ambiguous_change(word: str, reading: str) -> bool:
    """Whether ``reading`` replaces a known ``word`` without beating it by ``_REPAIR_MARGIN``."""
    if reading == word or not known(word):
        return False
    return glyphs._key_zipf(reading) < glyphs._key_zipf(word) + _REPAIR_MARGIN


def _share(types: Counter, pairs: frozenset[str] = frozenset()) -> float:
    total = sum(types.values())
    if not total:
        return 0.0
    good = sum(count for word, count in types.items() if known(best_reading(word, pairs) if pairs else word))
    return good / total
