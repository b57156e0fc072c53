"""Simulated damage and the measures of the repair stage (a run never imports this module).

Damage profiles simulated on clean text, each the way a known producer damages Arabic:

``seed_glyphs`` (:func:`simulate_damage`)
    the bundled report's font: initial kaf -> آ, initial yeh -> ی, ѧ kashida runs.
``ligature_pairs`` (:func:`simulate_ligature_damage`)
    a word processor's PDF export whose font has two-letter ligatures with a ToUnicode entry in
    visual order: every pair of a per-document set comes out swapped («في» -> «يف»).  The set is
    a font's (:func:`font_ligature_set`: the lam-alef forms and a random subset of the optional
    ligatures of :data:`OPTIONAL_LIGATURES`, each where its glyph forms), or a random subset of the
    lam/feh ligatures (:data:`LAM_FEH_PAIRS`) per document.
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

from pipeline.evaluate.simulate import (  # noqa: F401 -- re-exported: the measures' callers import them here
    FONT_LIGATURES,
    FONT_SET_SIZES,
    LAM_ALEF_LIGATURES,
    LAM_FEH_PAIRS,
    MIXED_TOKENS,
    OPTIONAL_LIGATURES,
    font_ligature_set,
    mixed_lines,
    random_pairs,
    simulate_ligature_damage,
    simulate_line_reversal,
    visual_order,
)
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


def ligature_error_kinds(
    clean: str, damaged: str, repaired: str, learnt: frozenset[str], errors: Counter, examples: dict | None = None
) -> None:
    """Add the kinds of ``repaired``'s word errors on ligature damage to ``errors`` (one document).

    Words are aligned one to one (ligature damage keeps the spaces).  Kinds: ``false_change`` (an
    undamaged word changed), ``no_profile`` (a damaged word in a document where no pair was learnt),
    ``pair_not_learnt`` (a swapped pair of the word is not among the ``learnt`` ones),
    ``unreachable`` (every pair learnt, but no reading of :func:`ligatures.swap_readings` is the
    word: overlapping pairs or too many), ``wrong_reading`` (the word was a reading, another won).
    ``examples`` (kind -> Counter of (gold, damaged, repaired)) collects the words.
    """
    from pipeline.stages.repair import ligatures

    gold, before, after = _words(repair_text(clean)), _words(damaged), _words(repaired)
    if not len(gold) == len(before) == len(after):
        errors["misaligned_documents"] += 1
        return
    for truth, word, guess in zip(gold, before, after, strict=True):
        if guess == truth:
            continue
        if word == truth:
            kind = "false_change"
        elif not learnt:
            kind = "no_profile"
        else:
            key_truth, key_word = ligatures.words(truth), ligatures.words(word)
            swapped = []  # (logical pair, position mark) of each swapped pair of the word
            if len(key_word) == 1 == len(key_truth) and len(key_word[0]) == len(key_truth[0]):
                seen, known = key_word[0], key_truth[0]
                swapped = [
                    (known[index : index + 2], ligatures.position(seen, index))
                    for index in range(len(seen) - 1)
                    if seen[index] != known[index] and seen[index : index + 2] == known[index : index + 2][::-1]
                ]
            if any(pair not in learnt and pair + mark not in learnt for pair, mark in swapped):
                kind = "pair_not_learnt"
            elif len(key_word) == 1 and key_truth and key_truth[0] not in ligatures.swap_readings(key_word[0], learnt):
                kind = "unreachable"
            else:
                kind = "wrong_reading"
        errors[kind] += 1
        if examples is not None:
            examples.setdefault(kind, Counter())[(truth, word, guess)] += 1


def damage_document(clean: str, damage: str, seed: int, ligature_size: int | str | None = None) -> tuple[str, object]:
    """(``clean`` damaged by ``damage`` with ``seed``, the damage's parameters: the ligature set).

    ``ligature_size``: None draws :func:`random_pairs` of the lam/feh pairs; a number n draws a font
    set (:func:`font_ligature_set`) of the lam-alef forms and n optional ligatures (-n: without
    lam-alef); ``"mixed"`` a size of :data:`FONT_SET_SIZES` per document.  ``visual_lines``: half the
    lines in display order (:func:`visual_order`), odd seeds in presentation forms.  ``ligature_part``:
    a file of two parts, only the second (the lines from the middle line on) damaged as
    ``ligature_pairs`` (files concatenated, or text boxes of two fonts)."""
    if damage == "ligature_part":
        lines = clean.split("\n")
        middle = len(lines) // 2
        damaged, pairs = damage_document("\n".join(lines[middle:]), "ligature_pairs", seed, ligature_size)
        return "\n".join([*lines[:middle], damaged]), pairs
    if damage == "seed_glyphs":
        return simulate_damage(clean, seed=seed), None
    if damage == "ligature_pairs":
        if ligature_size is None:
            pairs = random_pairs(seed)
        else:
            if ligature_size == "mixed":  # a font of its own size per document
                ligature_size = random.Random(-seed - 1).choice(FONT_SET_SIZES)
            # A negative size: that many optional ligatures and no lam-alef (a stress test).
            pairs = font_ligature_set(seed, abs(ligature_size), lam_alef=ligature_size >= 0)
        return simulate_ligature_damage(clean, pairs), pairs
    if damage == "line_reversal":
        return simulate_line_reversal(clean, rate=0.5, seed=seed), None
    if damage == "visual_lines":  # python-bidi's display order, every other document in presentation forms
        return visual_order(clean, rate=0.5, seed=seed, presentation=seed % 2 == 1), None
    if damage == "none":
        return clean, None
    raise ValueError(f"unknown damage profile {damage!r}")


def evaluate(
    documents: Iterable[str],
    damage: str = "seed_glyphs",
    seed: int = 0,
    context_table: GlyphContext | None = None,
    ligature_size: int | str | None = None,
    errors: Counter | None = None,
    examples: dict | None = None,
    mixed: bool = False,
    ligature_model: object = None,
    **options: object,
) -> Score:
    """Damage each clean document with ``damage``, repair it as a run does, and score it.

    ``context_table``: the glyph context table to use instead of the shipped one (which is counted on
    every clean text in ``../shared/data``: an honest measure needs one counted without the documents
    measured, as ``bench/eval_repair.py --glyphs`` does).  ``ligature_size``: the ligature set drawn
    per document, see :func:`damage_document`.  ``mixed``: each document first gets numbers, Latin and
    brackets in its lines and some short lines (:func:`mixed_lines`); the gold is that text.
    ``ligature_model``: the word-bigram model for ligature readings in context instead of the shipped
    one (counted on every clean text in ``../shared/data``; see :func:`bigram_model`).  ``errors`` / ``examples``: filled by :func:`ligature_error_kinds`."""
    import time

    score = Score()
    start = time.perf_counter()
    for index, clean in enumerate(documents):
        if mixed:
            clean = mixed_lines(clean, seed=seed + index)
        damaged, _ = damage_document(clean, damage, seed + index, ligature_size)
        repairer = PdfArtefactRepair(**options)
        if context_table is not None:
            repairer._context_table = context_table
        if ligature_model is not None:
            repairer._ligature_model = ligature_model
        repairer.fit(damaged)
        repaired = repairer.repair(damaged)
        score_document(score, clean, damaged, repaired, seed_gold(clean) if damage == "seed_glyphs" else None)
        if errors is not None:
            ligature_error_kinds(clean, damaged, repaired, repairer._ligatures, errors, examples)
    score.seconds = time.perf_counter() - start
    return score


def bigram_model(texts: Iterable[str], min_count: int = 2):
    """A word-bigram model (:class:`ngram.BigramModel`, pruned as the shipped one) counted on ``texts``:
    for measuring on documents the shipped model has seen."""
    from pipeline.stages.repair import ngram

    unigrams, bigrams = ngram.count(texts)
    total = sum(unigrams.values())
    return ngram.BigramModel(
        {word: count for word, count in unigrams.items() if count >= min_count},
        {pair: count for pair, count in bigrams.items() if count >= min_count},
        total,
    )


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
