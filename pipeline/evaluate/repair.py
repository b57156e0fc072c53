"""Simulated damage and the measures of the repair stage (a run never imports this module).

Damage profiles simulated on clean text, each the way a known producer damages Arabic:

``seed_glyphs`` (:func:`simulate_damage`)
    the bundled report's font: initial kaf -> آ, initial yeh -> ی, ѧ kashida runs.
``ligature_pairs`` (:func:`simulate_ligature_damage`)
    a word processor's PDF export whose font has two-letter ligatures with a ToUnicode entry in
    visual order: every pair of a per-document set comes out swapped («في» -> «يف»).  The set is
    a random subset of the lam/feh ligatures (:data:`LAM_FEH_PAIRS`) per document.
``line_reversal`` (:func:`simulate_line_reversal`)
    whole lines stored in reversed character order (digit and Latin runs keep theirs).

:func:`evaluate` repairs each damaged document as a run does (fit on the document, repair it)
and scores it against the clean text: word accuracy (aligned), the alef-madda decisions, invented
tokens and reordered lines.  Confidence intervals are percentile bootstraps over documents.
"""

from __future__ import annotations

import difflib
import itertools
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.stages.repair.glyph_context import GlyphContext
from pipeline.stages.repair.glyphs import (
    ALEF_MADDA,
    FARSI_YEH,
    KAF,
    KASHIDA_GLYPH,
    MARKS,
    NON_JOINERS,
    TATWEEL,
    YEH,
    _fold_presentation_forms,
)
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, repair_text, zipf

# Two-letter ligatures of lam and feh that common Arabic fonts carry (logical order): lam-alef
# (mandatory), lam with meem / hah / jeem / khah (Traditional Arabic, Simplified Arabic, Arial),
# lam and feh before a final yeh or alef maksura.
LAM_FEH_PAIRS = ("لا", "لأ", "لإ", "لآ", "لم", "لح", "لج", "لخ", "لى", "لي", "في", "فى")
_ARABIC_LETTER_RE = re.compile("[\u0621-\u064a]")
_LETTERS = frozenset(chr(code) for code in range(0x0621, 0x064B) if code != 0x0640)


def _neighbour(text: str, index: int, step: int) -> str | None:
    """The nearest non-mark character before (step=-1) or after (step=1) ``text[index]``."""
    index += step
    while 0 <= index < len(text):
        if text[index] not in MARKS:
            return text[index]
        index += step
    return None


def simulate_damage(text: str, seed: int = 0, kashida_rate: float = 0.5) -> str:
    """Apply the seed font's damage to clean text: initial kaf -> آ, initial yeh -> ی, ѧ kashida runs.

    A letter is in initial form when it starts a word or follows a non-joining
    letter, and a letter (or tatweel) follows it.  ``kashida_rate`` is the chance
    that a word gets one run of 1-5 ``ѧ`` between two joined letters.
    """
    rng = random.Random(seed)
    out: list[str] = []
    for match in re.finditer(r"\S+|\s+", text):
        word = match.group()
        chars = list(word)
        joints = []
        for index, ch in enumerate(word):
            before, after = _neighbour(word, index, -1), _neighbour(word, index, 1)
            initial = before is None or before in NON_JOINERS or (before not in _LETTERS and before != TATWEEL)
            if ch in (KAF, YEH) and initial and (after in _LETTERS or after == TATWEEL):
                chars[index] = ALEF_MADDA if ch == KAF else FARSI_YEH
            if ch in _LETTERS and ch not in NON_JOINERS and after in _LETTERS and after != "ء":
                joints.append(index)
        if joints and rng.random() < kashida_rate:
            joint = rng.choice(joints)
            while joint + 1 < len(word) and word[joint + 1] in MARKS:
                joint += 1
            chars[joint] += KASHIDA_GLYPH * rng.randint(1, 5)
        out.append("".join(chars))
    return "".join(out)


def random_pairs(seed: int, pool: Sequence[str] = LAM_FEH_PAIRS) -> frozenset[str]:
    """A random non-empty subset of ``pool`` (each pair kept with probability 1/2)."""
    rng = random.Random(seed)
    chosen = frozenset(pair for pair in pool if rng.random() < 0.5)
    return chosen or frozenset({rng.choice(list(pool))})


def simulate_ligature_damage(text: str, pairs: Iterable[str]) -> str:
    """Every occurrence of a pair of ``pairs`` (logical order) inside a word, swapped.

    Pairs are found left to right without overlap, as a shaper forms ligatures; marks between
    the two letters would stop a ligature, so only adjacent letters count.
    """
    pairs = frozenset(pairs)

    def word(match: re.Match) -> str:
        chars = list(match.group())
        index = 0
        while index < len(chars) - 1:
            if chars[index] + chars[index + 1] in pairs:
                chars[index], chars[index + 1] = chars[index + 1], chars[index]
                index += 2
            else:
                index += 1
        return "".join(chars)

    return re.sub("[\u0621-\u064a]+", word, text)


def simulate_line_reversal(text: str, rate: float = 1.0, seed: int = 0) -> str:
    """Lines of ``text`` (each with probability ``rate``) in reversed character order."""
    from pipeline.stages.repair.calibrate import reverse_line  # reverse_line is its own inverse

    rng = random.Random(seed)
    return "\n".join(
        reverse_line(line) if _ARABIC_LETTER_RE.search(line) and rng.random() < rate else line
        for line in text.split("\n")
    )


# -- measures ------------------------------------------------------------------------------


def word_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> tuple[int, int]:
    """(words of ``gold`` matched exactly in ``predicted`` after alignment, words of ``gold``)."""
    matcher = difflib.SequenceMatcher(a=list(gold), b=list(predicted), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()), len(gold)


def _clean_key(word: str) -> str:
    return "".join(ch for ch in word if ch not in MARKS and ch not in (KASHIDA_GLYPH, TATWEEL)).replace(FARSI_YEH, YEH)


def kaf_confusion(damaged: str, predicted: str, correct: str) -> Counter:
    """Score the kaf decision on one word: counts of tp/fp/fn/tn over the آ of ``damaged``.

    A true positive is a آ that ``correct`` reads as kaf and ``predicted`` changed to
    kaf.  Spaces (glued-word splits) and kashida are ignored when aligning.
    """
    keys = [_clean_key(word).replace(" ", "") for word in (damaged, predicted, correct)]
    scores: Counter = Counter()
    if len({len(key) for key in keys}) != 1:
        scores["misaligned"] += 1
        return scores
    for letter, guess, truth in zip(*keys, strict=True):
        if letter != ALEF_MADDA:
            continue
        if truth == KAF:
            scores["tp" if guess == KAF else "fn"] += 1
        else:
            scores["fp" if guess == KAF else "tn"] += 1
    return scores


def letters_kept(damaged: str, repaired: str) -> bool:
    """Whether ``repaired`` holds the letters of ``damaged`` and no others, modulo the documented
    maps (آ may become ك, ی becomes ي, ѧ and tatweel go, presentation forms fold)."""

    def letters(text: str) -> Counter:
        text = _fold_presentation_forms(text).replace(FARSI_YEH, YEH).replace(KAF, ALEF_MADDA)
        return Counter(ch for ch in text if "\u0621" <= ch <= "\u064a" and ch != TATWEEL)

    return letters(damaged) == letters(repaired)


@dataclass
class Score:
    """Word accuracy and the other measures over a set of documents."""

    matched: int = 0
    words: int = 0
    before: int = 0  # words matched by the damaged text itself
    madda_kept: int = 0  # genuine alef madda (آ in gold, at a kaf slot) left as آ
    madda_total: int = 0
    decisions_right: int = 0  # every آ of the damaged text at a kaf slot: decided right
    decisions: int = 0
    invented: int = 0  # repaired tokens holding «None» or letters the damaged text did not have
    lines_reordered: int = 0  # lines whose words came out in another order than the gold's
    lines: int = 0
    per_document: list[tuple[int, int]] = field(default_factory=list)
    baseline_madda_kept: int = 0  # the same counts for the naive rule (:func:`naive_kaf`)
    baseline_decisions_right: int = 0
    # Per document: (madda kept, madda, decisions right, decisions, baseline madda kept, baseline right).
    per_document_kaf: list[tuple[int, int, int, int, int, int]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.matched / self.words if self.words else 1.0

    def interval(self, draws: int = 1000, seed: int = 0) -> tuple[float, float]:
        """95% percentile-bootstrap interval of the word accuracy, resampling documents."""
        return bootstrap(self.per_document, 0, 1, draws, seed)

    def kaf_interval(self, measure: str, draws: int = 1000, seed: int = 0) -> tuple[float, float]:
        """95% bootstrap interval (documents resampled) of ``measure``: ``madda_kept``, ``decisions``,
        ``baseline_madda_kept`` or ``baseline_decisions``."""
        numerator, denominator = {
            "madda_kept": (0, 1),
            "decisions": (2, 3),
            "baseline_madda_kept": (4, 1),
            "baseline_decisions": (5, 3),
        }[measure]
        return bootstrap(self.per_document_kaf, numerator, denominator, draws, seed)


def bootstrap(rows: Sequence[tuple], numerator: int, denominator: int, draws: int = 1000, seed: int = 0) -> tuple:
    """95% percentile-bootstrap interval of ``sum(row[numerator]) / sum(row[denominator])`` over ``rows``
    (one row per document, resampled with replacement; Efron & Tibshirani 1993, ch. 13)."""
    if not rows:
        return (1.0, 1.0)
    rng = random.Random(seed)
    values = []
    for _ in range(draws):
        sample = [rng.choice(rows) for _ in rows]
        total = sum(row[denominator] for row in sample)
        values.append(sum(row[numerator] for row in sample) / total if total else 1.0)
    values.sort()
    return values[int(0.025 * draws)], values[int(0.975 * draws) - 1]


def naive_kaf(damaged: str) -> str:
    """The naive baseline of the kaf decision: every «آ» where an initial-form kaf could stand becomes
    whichever letter makes the spelling more frequent in wordfreq (ties keep «آ»); nothing else changes."""
    slots = [
        index
        for index, ch in enumerate(damaged)
        if ch == ALEF_MADDA
        and (_neighbour(damaged, index, -1) is None or _neighbour(damaged, index, -1) in NON_JOINERS)
        and _neighbour(damaged, index, 1) is not None
    ][:4]
    best, best_score = damaged, zipf(_clean_key(damaged))
    for choice in itertools.product((ALEF_MADDA, KAF), repeat=len(slots)):
        chars = list(damaged)
        for index, letter in zip(slots, choice, strict=True):
            chars[index] = letter
        reading = "".join(chars)
        score = zipf(_clean_key(reading))
        if score > best_score:
            best, best_score = reading, score
    return best


def _words(text: str) -> list[str]:
    return text.split()


_RUN_RE = re.compile(r"\w+")


def line_reordered(gold: str, line: str) -> bool:
    """Whether ``line`` holds words of ``gold`` in another order: fewer of the runs of letters and digits
    the two share come out in order (difflib alignment) than they share.  Punctuation and spacing
    are ignored («2018م: صالح» against «صالح ... ، 2018م»), and a wrong letter elsewhere in the
    line does not hide a move, as a comparison of whole sorted tokens would."""
    gold_runs, runs = _RUN_RE.findall(gold), _RUN_RE.findall(line)
    if gold_runs == runs:
        return False
    shared = sum((Counter(gold_runs) & Counter(runs)).values())
    matcher = difflib.SequenceMatcher(a=gold_runs, b=runs, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) < shared


def seed_gold(clean: str) -> str:
    """The gold of a seed-glyph-damaged document: the clean text as repair leaves clean text, with a
    Persian-keyboard «ی» read as «ي».  Some clean sources type «ی» («سیاسة», «رئیس»); the simulation
    leaves it, and repair of a damaged document reads every «ی» as «ي» (the font's initial yeh and
    the author's look the same), so no repair could give the source's spelling back."""
    return repair_text(clean).replace(FARSI_YEH, YEH)


def score_document(score: Score, clean: str, damaged: str, repaired: str, gold: str | None = None) -> None:
    """Add one document's figures to ``score``; the gold is the clean text as repair leaves clean text
    (or ``gold``: :func:`seed_gold` for the seed-glyph damage)."""
    gold = repair_text(clean) if gold is None else gold
    gold_words, predicted = _words(gold), _words(repaired)
    matched, total = word_accuracy(gold_words, predicted)
    score.matched += matched
    score.words += total
    score.per_document.append((matched, total))
    score.before += word_accuracy(gold_words, _words(damaged))[0]
    score.invented += sum(1 for word in predicted if "None" in word)
    if not letters_kept(damaged, repaired):
        score.invented += 1
    for gold_line, line in zip(gold.split("\n"), repaired.split("\n"), strict=False):
        score.lines += bool(gold_line.split())
        score.lines_reordered += line_reordered(gold_line, line)
    # Alef madda: align damaged and repaired words with the gold word by word (same count only).
    damaged_words = _words(damaged)
    kaf = [0] * 6
    if len(damaged_words) == len(gold_words) == len(predicted):
        for before, after, truth in zip(damaged_words, predicted, gold_words, strict=True):
            if ALEF_MADDA not in before:
                continue
            confusion = kaf_confusion(before, after, truth)
            naive = kaf_confusion(before, naive_kaf(before), truth)
            kaf[0] += confusion["tn"]
            kaf[1] += confusion["tn"] + confusion["fp"]
            kaf[2] += confusion["tp"] + confusion["tn"]
            kaf[3] += confusion["tp"] + confusion["fp"] + confusion["fn"] + confusion["tn"]
            kaf[4] += naive["tn"]
            kaf[5] += naive["tp"] + naive["tn"]
    score.madda_kept += kaf[0]
    score.madda_total += kaf[1]
    score.decisions_right += kaf[2]
    score.decisions += kaf[3]
    score.baseline_madda_kept += kaf[4]
    score.baseline_decisions_right += kaf[5]
    score.per_document_kaf.append(tuple(kaf))


def evaluate(
    documents: Iterable[str],
    damage: str = "seed_glyphs",
    seed: int = 0,
    context_table: GlyphContext | None = None,
    **options: object,
) -> Score:
    """Damage each clean document with ``damage``, repair it as a run does, and score it.

    ``context_table``: the glyph context table to use instead of the shipped one (which is counted on
    every clean text in ``../shared/data``: an honest measure needs one counted without the documents
    measured, as ``bench/eval_repair.py --glyphs`` does)."""
    import time

    score = Score()
    start = time.perf_counter()
    for index, clean in enumerate(documents):
        if damage == "seed_glyphs":
            damaged = simulate_damage(clean, seed=seed + index)
        elif damage == "ligature_pairs":
            damaged = simulate_ligature_damage(clean, random_pairs(seed + index))
        elif damage == "line_reversal":
            damaged = simulate_line_reversal(clean, rate=0.5, seed=seed + index)
        elif damage == "none":
            damaged = clean
        else:
            raise ValueError(f"unknown damage profile {damage!r}")
        repairer = PdfArtefactRepair(**options)
        if context_table is not None:
            repairer._context_table = context_table
        repairer.fit(damaged)
        repaired = repairer.repair(damaged)
        score_document(score, clean, damaged, repaired, seed_gold(clean) if damage == "seed_glyphs" else None)
    score.seconds = time.perf_counter() - start
    return score


def chunks(text: str, words: int = 2000) -> list[str]:
    """``text`` cut at line ends into documents of about ``words`` words (more documents to resample)."""
    out, current, size = [], [], 0
    for line in text.split("\n"):
        current.append(line)
        size += len(line.split())
        if size >= words:
            out.append("\n".join(current))
            current, size = [], 0
    if size:
        out.append("\n".join(current))
    return out
