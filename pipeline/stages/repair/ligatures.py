"""Ligature pairs extracted in visual order: learnt per document, with their positions, and put back.

Word processors' PDF exports give some two-letter ligature glyphs (lam-meem, lam-alef, feh-yeh, ...)
a ToUnicode entry that lists the letters in visual order, so every such pair comes out swapped:
«يف» for «في», «املجلس» for «المجلس».  Each font has its own set of ligatures, and a ligature glyph
is a contextual form (the final «في», the initial «تح»), so the set is learnt per document with the
position of each pair (:func:`learn_ligature_pairs`), from two kinds of evidence that must agree:
the swapped reading turns unknown tokens into known words, and the pair's logical order is (nearly)
missing from the document while its reversed order is over-represented, compared with the lexicon's
own bigram rates at that position.  The cheap pre-check (:func:`calibrate.ligature_signs`) and the
known-word measure live in :mod:`pipeline.stages.repair.calibrate`.

Every map is a documented letter permutation: it never adds, drops or changes a letter.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.stages.repair import glyphs
from pipeline.stages.repair.calibrate import (
    _ARABIC_LETTERS,
    _KNOWN_ZIPF,
    _MARKS_CLASS,
    LIGATURE_SAMPLE_CHARS,
    known,
    ligature_signs,
)

# Letters that join the following letter: the first glyph of a two-letter ligature is one of them.
_JOINING = frozenset(chr(code) for code in range(0x0621, 0x064B)) - glyphs.NON_JOINERS - {"\u0640", "ء"}
LIGATURE_MIN_TOKENS = 3  # the learnt pairs together must repair at least this many tokens ...
LIGATURE_MIN_GAIN = 0.01  # ... and this share of its tokens (wordfreq knows «يف», «عىل»: the known
# share alone undercounts the repairs);
LIGATURE_MAX_RATIO = 0.35  # a pair's logical order must be at most this share of its expected rate
LIGATURE_SECOND_LOOK = True  # in a damaged document, pairs repairing as many words as they change join
LIGATURE_EXTEND_RATIO = 0.12  # ... and at most this share at a position where no word showed it swapped
LIGATURE_MIN_STRENGTH = 3.3  # mean zipf of the words the learnt pairs make (damage hits common words) ...
LIGATURE_MIN_EXPECTED = 2.0  # ... and the learnt pairs must be expected this often in logical order
_DAMAGED_MAX_ZIPF = 99.0  # a token at or above this zipf is not counted as damaged (the web's «يف» is 2.9)
_REPAIR_MARGIN = 1.5  # zipf by which a swapped reading must beat the token to count as a repair
_MAX_SWAPS = 6  # positions tried per word (2**6 readings)


# -- ligature pairs --------------------------------------------------------------------------


# Where in a word a pair stands (its first letter at ``index``): a ligature glyph is a contextual
# form, so a font may ligate a pair only at a word's end («في», «المدني») or where a joined run
# starts (Traditional Arabic's «تح»).  A learnt unit is a pair with one of these marks; a bare pair
# (two letters) stands for every position.
INITIAL, MEDIAL, FINAL = "^", "-", "$"
POSITION_NAMES = {INITIAL: "initial", MEDIAL: "medial", FINAL: "final"}


def position(word: str, index: int) -> str:
    """The position mark of the pair ``word[index : index + 2]``: final when it ends ``word``,
    else initial when it starts a joined run, else medial."""
    if index + 2 == len(word):
        return FINAL
    if index == 0 or word[index - 1] in glyphs.NON_JOINERS:
        return INITIAL
    return MEDIAL


@lru_cache(maxsize=1 << 16)
def _positioned_bigrams(word: str) -> tuple[str, ...]:
    """Every letter pair of ``word`` with its position mark («في$»); cached (a document's words
    are counted again in every round of the search)."""
    return tuple(word[index : index + 2] + position(word, index) for index in range(len(word) - 1))


@lru_cache(maxsize=1)
def _lexicon_bigram_rates() -> dict[str, float]:
    """Frequency-weighted rate of every positioned letter bigram («في$») inside the lexicon's 30,000
    commonest words, per bigram of all positions."""
    counts: Counter = Counter()
    for word, frequency in itertools.islice(glyphs.lexicon().items(), 30_000):
        for bigram in _positioned_bigrams(word):
            counts[bigram] += frequency
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
    return put_letters(raw, reading)


def put_letters(raw: str, reading: str) -> str:
    """``raw`` (letters, marks, tatweel) with its letters replaced by those of ``reading`` (its
    letter key, same length), the marks and tatweel left in place: a mark printed on a ligature
    comes after both of its letters («قائالً» is «قائلاً»).  ``raw`` itself when the result would
    put a tatweel after a letter that does not join: «الـ» (the article before a number) is no
    swapped «لا»."""
    positions = [index for index, ch in enumerate(raw) if not _KEY_DROP_RE.match(ch)]
    chars = list(raw)
    for index, letter in enumerate(reading):
        chars[positions[index]] = letter
    repaired = "".join(chars)
    return raw if _TATWEEL_AFTER_NON_JOINER_RE.search(repaired) else repaired


def words(text: str) -> list[str]:
    """The Arabic words of ``text`` as letter keys (marks and tatweel left out)."""
    return [_KEY_DROP_RE.sub("", word) for word in _WORD_WITH_MARKS_RE.findall(text)]


_KEY_DROP_RE = re.compile(f"[{_MARKS_CLASS}\u0640]")
_TATWEEL_AFTER_NON_JOINER_RE = re.compile(f"[{''.join(sorted(glyphs.NON_JOINERS))}][{_MARKS_CLASS}]*\u0640")


@lru_cache(maxsize=1 << 17)
def swap_readings(word: str, pairs: frozenset[str]) -> tuple[str, ...]:
    """Every reading of ``word`` with some of its swapped ligature pairs put back in order.

    ``pairs`` holds pairs in logical order, bare («لم»: any position) or with a position mark
    («في$»: only where it ends the word, see :func:`position`); a damaged word shows them
    reversed («مل»).  Positions do not overlap; at most ``_MAX_SWAPS`` of them are tried.  The
    first reading is ``word`` itself.  Cached: the search asks for the same words many times.
    """
    reversed_pairs = _reversed_pairs(pairs)
    if not any(pair in word for pair in reversed_pairs):  # most words: one look per pair, in C
        return (word,)
    positions = [
        index
        for index in range(len(word) - 1)
        if word[index : index + 2] in reversed_pairs
        and (word[index + 1] + word[index] in pairs or word[index + 1] + word[index] + position(word, index) in pairs)
    ]
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
    return tuple(readings)


@lru_cache(maxsize=64)
def _reversed_pairs(pairs: frozenset[str]) -> frozenset[str]:
    return frozenset(unit[1::-1] for unit in pairs)


def best_reading(word: str, pairs: frozenset[str], vocabulary: Counter | None = None) -> str:
    """The reading of ``word`` (see :func:`swap_readings`) that is the most frequent word.

    The score is the wordfreq zipf, plus a bonus when the document itself spells that reading
    where no swapped pair could have produced it (``vocabulary``).  Ties keep ``word``.
    """
    if vocabulary is None:
        return _best_reading(word, pairs)
    readings = swap_readings(word, pairs)
    if len(readings) == 1:
        return word
    best, best_score = word, _reading_score(word, vocabulary)
    for reading in readings[1:]:
        score = _reading_score(reading, vocabulary)
        if score > best_score:
            best, best_score = reading, score
    return best


@lru_cache(maxsize=1 << 17)
def _best_reading(word: str, pairs: frozenset[str]) -> str:
    """:func:`best_reading` without a document vocabulary, cached."""
    readings = swap_readings(word, pairs)
    if len(readings) == 1:
        return word
    return max(readings, key=glyphs._lexical_score)  # the first of equals: ties keep ``word``


def _reading_score(word: str, vocabulary: Counter | None) -> float:
    score = glyphs._lexical_score(word)
    if vocabulary:
        score += 0.5 * min(vocabulary.get(word, 0), 4)
    return score


@dataclass
class LigatureEvidence:
    """What :func:`learn_ligature_pairs` measured for one candidate pair (logical order)."""

    pair: str  # the pair with its position mark («في$», see :func:`position`)
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
    # Learnt on the lines that show the damage, the document having parts that do not (see
    # :func:`.ligature_parts.learn_ligature_parts`): the pairs are then put back only in lines that show it.
    parts: bool = False
    damaged_lines: int = 0  # lines the part calibration judged damaged (of ``lines``)
    lines: int = 0


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
    found = _pooled_calibration(types, len(tokens), evidence, eligible)
    if found.pairs and LIGATURE_SECOND_LOOK:
        # The document is damaged: a pair whose logical order it lacks may join on weaker evidence,
        # as many words repaired as known words changed («جمموعة» repaired, «جملة» -> «مجلة» changed,
        # and a font that ligates «مج» leaves no «مج» in the text).
        found.pairs |= {
            unit
            for unit, item in evidence.items()
            if item.ratio <= LIGATURE_MAX_RATIO and item.repaired_tokens >= max(1, item.broken_tokens)
        }
    if found.pairs:
        found.pairs |= _other_positions(types, found.pairs)
    return found


def _other_positions(types: Counter, units: frozenset[str]) -> frozenset[str]:
    """The learnt pairs at the positions where the sample had no word to learn them from.

    A font's ligature glyph serves every position of its pair or only some (the final «في»);
    a short document shows a pair swapped in one position and never needs the others there,
    but its later parts may.  A learnt pair is taken at another position when the pair stands
    there in logical order at most ``LIGATURE_EXTEND_RATIO`` times the lexicon's rate (a final-only
    ligature leaves «تفيد» in order).
    """
    rates = _lexicon_bigram_rates()
    current = Counter()
    for word, count in types.items():
        current[best_reading(word, units)] += count
    total = _bigram_total(current) or 1
    added = set()
    for pair in {unit[:2] for unit in units}:
        for mark in POSITION_NAMES:
            unit = pair + mark
            if unit in units:
                continue
            expected = rates.get(unit, 0.0) * total
            if _logical_count(current, unit, _reversed_pairs(units)) <= LIGATURE_EXTEND_RATIO * expected:
                added.add(unit)
    return frozenset(added)


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
        total = _bigram_total(current) or 1
        added = False
        candidates = _swap_candidates(current, pairs)
        suspects = frozenset(unit[1::-1] for unit in candidates) | _reversed_pairs(pairs)
        holding = _words_by_pair(current)  # the words holding each letter pair: each candidate looks at its own
        for pair, (repaired, strength) in sorted(candidates.items(), key=lambda item: -item[1][0]):
            if pair in eligible:
                continue
            logical = _logical_count(holding.get(pair[:2], {}), pair, suspects)
            # Counted on the words as read so far: a swap elsewhere can fake a pair.
            reversed_count = _count_at(holding.get(pair[1::-1], {}), pair[1::-1] + pair[2:])
            expected = rates.get(pair, 0.0) * total
            ratio = logical / expected if expected else 1.0
            broken = 0
            if ratio <= LIGATURE_MAX_RATIO:  # only then can the pair be kept: count what it would break
                trial = frozenset({pair})
                broken = sum(
                    count
                    for word, count in holding.get(pair[1::-1], {}).items()
                    if _ambiguous_change(word, best_reading(word, trial))
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
    # How often the learnt pairs, in any position, would stand in the sample in logical order: the
    # evidence their absence gives (a pair learnt at one position is still one ligature glyph).
    rates, bigrams = _lexicon_bigram_rates(), _bigram_total(types)
    expected_pairs = sum(
        rates.get(pair + mark, 0.0) for pair in {unit[:2] for unit in eligible} for mark in POSITION_NAMES
    )
    passed = (
        repaired_total >= LIGATURE_MIN_TOKENS
        and repaired_total >= LIGATURE_MIN_GAIN * tokens
        and strength >= LIGATURE_MIN_STRENGTH
        and expected_pairs * bigrams >= LIGATURE_MIN_EXPECTED
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
        "expected_logical_any_position": round(expected_pairs * bigrams, 2),
        "logical": logical_total,
        "mean_zipf_repaired": round(strength, 2),
        "share_gain": round(after - before, 4),
    }
    return result


def _logical_count(types: Mapping[str, int], unit: str, suspects: frozenset[str] = frozenset()) -> int:
    """Occurrences of ``unit`` (a pair with its position mark) in ``types`` that no swap can
    explain: not overlapping the reversed pair or another of the ``suspects`` (pairs as a damaged
    text shows them): «اللم» comes out as «المل», whose «لم» is the swap's neighbour, not a «لم»;
    «الاجتماعي» comes out as «االجتماعي», whose «لج» is made by the swapped «لا»."""
    pair, mark = unit[:2], unit[2:]
    suspects = suspects | {pair[::-1]}
    total = 0
    for word, count in types.items():
        start = word.find(pair)
        while start >= 0:
            if (
                (not mark or position(word, start) == mark)
                and word[start + 1 : start + 3] not in suspects
                and (start == 0 or word[start - 1 : start + 1] not in suspects)
            ):
                total += count
            start = word.find(pair, start + 1)
    return total


def _words_by_pair(types: Counter) -> dict[str, dict[str, int]]:
    """Letter pair -> {word of ``types`` holding it: its count}."""
    holding: dict[str, dict[str, int]] = {}
    for word, count in types.items():
        for pair in {word[index : index + 2] for index in range(len(word) - 1)}:
            holding.setdefault(pair, {})[word] = count
    return holding


def _bigram_total(types: Counter) -> int:
    """The number of letter pairs in ``types`` (words with their counts)."""
    return sum((len(word) - 1) * count for word, count in types.items() if len(word) > 1)


def _count_at(types: Mapping[str, int], unit: str) -> int:
    """Occurrences of ``unit`` (a pair with its position mark) in ``types``."""
    pair, mark = unit[:2], unit[2:]
    total = 0
    for word, count in types.items():
        start = word.find(pair)
        while start >= 0:
            if position(word, start) == mark:
                total += count
            start = word.find(pair, start + 1)
    return total


@lru_cache(maxsize=1)
def _reversed_family() -> frozenset[str]:
    """Every pair of the ligature family (:func:`_ligature_candidate`) as a damaged text shows it."""
    letters = sorted(_JOINING | glyphs.NON_JOINERS - {"ء"})
    return frozenset(second + first for first in letters for second in letters if _ligature_candidate(first + second))


def _swap_candidates(types: Counter, pairs: frozenset[str] = frozenset()) -> dict[str, tuple[int, float]]:
    """Logical-order pair with its position mark («في$») -> (tokens of ``types`` that one swap of it
    turns into a far commoner word, the sum of those words' zipf).  With ``pairs`` (learnt so far),
    the swap may be completed by swaps of those: «اإلعالم» needs «لإ» and «لا» put back at once."""
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
            if score < floor and pairs and not known(word):  # an unknown word may need two swaps
                score = max(map(glyphs._key_zipf, swap_readings(swapped, pairs)))
            if score >= floor:
                unit = second + first + position(word, index)
                tokens, strength = candidates.get(unit, (0, 0.0))
                candidates[unit] = (tokens + count, strength + count * score)
    return candidates


def _ligature_candidate(pair: str) -> bool:
    """Whether fonts have a two-letter ligature for ``pair`` (logical order): lam or feh/qaf with
    any letter after it, a tooth letter (beh, teh, theh, nun, yeh) before yeh, alef maksura, meem,
    hah, jeem or khah, or meem before hah, jeem or khah (the ligatures of Times New Roman, Arial,
    Simplified and Traditional Arabic; ``pipeline.evaluate.repair.FONT_LIGATURES``).

    The per-document set is learnt from evidence; this family only bounds the search, so that a
    name or a rare spelling in clean text cannot pass for a swapped pair of arbitrary letters.
    """
    first, second = pair
    if first not in _JOINING or first == second:
        return False  # the logical first letter must join the second to make a ligature
    return first in "لفق" or (first in "بتثني" and second in "يىمحجخ") or (first == "م" and second in "حجخ")


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
