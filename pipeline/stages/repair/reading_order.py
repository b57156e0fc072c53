"""Reading order of a line whose pieces were extracted in visual order, chosen by a word-bigram model.

The seed's extractor wrote each line as a sequence of *chunks*, each in logical order inside, but
the chunks from left to right: an RTL line's chunks come out reversed.  Chunk boundaries show as
wide gaps (two or more spaces), but also as single spaces, at punctuation and numbers, or as
nothing at all (``الواردالان`` is ``الوارد`` + ``الان|تباه``); a word can be cut at a boundary
(``التع`` ... ``اون``).  So a line is split into *units* (words, numbers, punctuation marks; an
unknown word also at its best split into known words and fragments), and a reading is a choice of
cut boundaries: the chunks between cuts are read in reverse order, and two pieces that meet at a
junction are re-joined when together they are a known word (``_joins`` in ``pdf_artefacts``) and
scored as that word.

The best reading under :class:`~pipeline.stages.repair.ngram.BigramModel` (plus a cost per cut,
cheaper at a wide gap or a punctuation mark than between two words) is found exactly by dynamic
programming over (chunk start, chunk end) states, O(n^3) in the units of the line.  The line is
changed only when that reading beats the raw order by ``margin`` (log10 units): a line already in
reading order has no cut that pays for itself.  Only units move and only spaces change (a spaced
``2 / 2010`` inside a reordered line is the visual form of ``2010/2``), so the letters of a line
are kept exactly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache

from pipeline.stages.repair.ngram import BigramModel, fold
from pipeline.stages.repair.order_document import DocumentPairs
from pipeline.stages.repair.order_pieces import _PROCLITICS, _WORD_RUN_RE, PieceSplits
from pipeline.stages.repair.order_units import (  # the units a search moves, and the seams it looks for
    _HEAD_LETTERS,
    _MARK_KEYS,
    _PUNCT_TOKENS,
    _UNIT_RE,
    Costs,
    _arabic,
    _damage_shown,
    _mirrored,
    _Unit,
    _units,
    render,
)

# Units: a number (with its separators), an Arabic word, any other single visible character.
# A cheap look at the raw line before it is cut into units: a wide gap inside it, a stop or comma
# opening it, a stop glued to the next word or set apart inside the line, a bracket drawn mirrored,
# a word opening with two hamza-alefs («إأن»: the «إ» of «إ|لى» glued to «أن»; no clean word does).
_DAMAGE_HINT_RE = re.compile(r"\S {2,}\S|^\s*[.،/]|[.،][^\s\d.،]| \.\s+\S|\((?:\s|$)|(?:^|\s)\)|(?<!\S)[إأ][إأ]")
# Proclitics before a stem: conjunction, preposition, article («و», «ب», «وال», «لل»); group 2 is the stem.
_PROCLITIC_RE = re.compile("^((?:[وف]?(?:لل|[بلك]?ال|[بلك]))|[وف])(.{3,})$")
_COMMON_PIECE = -5.5  # log10 unigram score a piece of a glued word needs (about 13 in the table)
_PROCLITIC_HEADS = frozenset("وفب")  # the same, and «ب», inside a glued token
_LOW = -1e18  # a pair the main loop of the search never takes


class ReadingOrder(PieceSplits, DocumentPairs):
    """Choose the reading order of lines with a bigram model (see module doc).

    ``known(raw_word) -> bool`` says whether a raw (possibly damaged) word is a word; ``joins(left,
    right) -> bool`` whether two raw pieces are one word cut in two, which needs one of them to be a
    ``fragment(raw_word) -> bool``.  All three come from the repair stage's lexicon.
    """

    def __init__(
        self,
        model: BigramModel,
        known: Callable[[str], bool],
        joins: Callable[[str, str], bool],
        fragment: Callable[[str], bool],
        costs: Costs | None = None,
        max_units: int = 30,
    ) -> None:
        self.model = model
        # Bounded memos: the same words and pairs recur from line to line.
        self.known = lru_cache(maxsize=1 << 16)(known)
        self.joins = lru_cache(maxsize=1 << 16)(joins)
        self.fragment = lru_cache(maxsize=1 << 16)(fragment)
        self._model_logp = lru_cache(maxsize=1 << 17)(model.logp_stems)  # proclitic-stripped pairs back off
        self._document: dict[str, float] = {}  # pairs of the document being read (:meth:`use_document`)
        self._document_id: object = None
        self._document_memo: dict[tuple[str, str], float] = {}
        self._last_document: tuple[object, dict, dict] = (None, {}, {})
        self._units = lru_cache(maxsize=1 << 12)(
            lambda text: self._rotate(self._resplit(_units(text, self.split_word, self.key_of, self.split_head)))
        )
        self._analysed = lru_cache(maxsize=1 << 12)(self._analyse_line)
        self._searched = lru_cache(maxsize=1 << 12)(self._search)
        self.costs = costs or Costs()
        self.max_units = max_units  # longer lines are left alone (O(n^3))

    def clear_memos(self) -> None:
        """Empty the memos of words, pairs and lines (benchmarks: no timed run reads an earlier one's)."""
        memos = (self.known, self.joins, self.fragment, self._model_logp, self._units, self._analysed, self._searched)
        for memo in memos:
            memo.cache_clear()
        self._last_document[2].clear()

    # -- units ------------------------------------------------------------------------------

    def key_of(self, piece: str) -> str:
        """The model token of a raw word: folded; a آ read as the damaged initial kaf when that is a known word."""
        key = fold(piece)
        if "\u0622" in piece:  # the commoner reading: «آل» is «كل», «آليات» stays «اليات»
            kaf = fold(piece.replace("\u0622", "\u0643"))
            if self.model.unigrams.get(kaf, 0) > self.model.unigrams.get(key, 0):
                return kaf
        return key

    def _word_score(self, piece: str) -> float:
        key = fold(piece)
        if self.model.known(key) or self.known(piece):
            return self.model.unigram(key) if self.model.known(key) else self.model.oov + 2.0
        return self.model.oov - 1.0

    def _piece(self, piece: str, left: bool) -> float | None:
        """Unigram score of a piece of a glued word: a known word of two letters or more, or a lone
        letter on the left that cannot be a proclitic (a fragment cut from its word: «إ|أن»); None
        for anything else («آ|مساهمات» is a damaged kaf, «نفي|ذ» a cut word)."""
        if len(piece) == 1:
            return self.model.oov + 2.0 if left and piece not in _PROCLITICS else None
        key = self.key_of(piece)
        score = self.model.unigram(key)
        if score >= _COMMON_PIECE:
            return score
        # Rare in the table but a word of the lexicon and long enough not to be a fragment
        # («معالجتها|مجموعات»); rare short words («لمع», «الجب») are likelier fragments.
        return self.model.oov + 2.0 if len(key) >= 5 and self.known(piece) else None

    def _word(self, piece: str) -> bool:
        """A known word, or a known word behind proclitics the lexicon has not seen it with
        («للمشاورات» is «لل» + «المشاورات»): such a word is whole, not two pieces glued."""
        if self.known(piece) or self.model.known(self.key_of(piece)):
            return True
        match = _PROCLITIC_RE.match(fold(piece))
        if match is None:
            return False
        stem = match.group(2)
        stem = "ال" + stem if match.group(1).endswith("لل") else stem
        return len(stem) >= 4 and self.model.known(stem)

    def split_word(self, word: str, depth: int = 2, strict: bool = False) -> list[str]:
        """An unknown word split where it is pieces glued together: ``الواردالان`` -> ``الوارد`` +
        ``الان``, ``لمالعالمي`` -> ``لم`` + ``العالمي`` (the split whose pieces are all words or lone
        letters, most probable first; else a known word of three letters or more beside a fragment,
        longest first).  A known word is kept whole."""
        if depth == 0 or len(word) < 3 or self._word(word):
            return [word]
        best, best_cut, fallback, fallback_cut = None, 0, 0, 0
        for cut in range(1, len(word)):
            left, right = word[:cut], word[cut:]
            if left[-1] in "\u0467\u0640" or right[0] in "\u0467\u0640" or "\u064b" <= right[0] <= "\u065f":
                continue
            left_score, right_score = self._piece(left, True), self._piece(right, False)
            both = left_score is not None and right_score is not None and (len(left) > 1 or len(right) > 1)
            if both and (best is None or left_score + right_score > best):
                best, best_cut = left_score + right_score, cut
            # Else a known word of four letters or more beside an unknown fragment of three or more
            # («لمعالجب» + «للسياسات»); shorter remainders are endings or letters of a damaged word.
            for word_piece, rest in ((left, right), (right, left)):
                if len(word_piece) < 4 or len(rest) < 3 or len(word_piece) <= fallback:
                    continue
                if self._word(word_piece) and not self._word(rest):
                    fallback, fallback_cut = len(word_piece), cut
        cut = best_cut if best is not None else (0 if strict else fallback_cut)
        if not cut:
            return [word]
        # Inside a piece only a split into words and lone letters is taken: «لمعالج» stays a fragment.
        left = self.split_word(word[:cut], depth - 1, True)
        if len(left) == 1 and not strict:
            # The left piece of a glued token may end in a proclitic cut from the word after a seam
            # («لمعالج|ب|للسياسات» of «لمعالج|ة … ب|بناء»).
            left = self.split_head(left[0], _PROCLITIC_HEADS)
        return left + self.split_word(word[cut:], depth - 1, True)

    def split_head(self, word: str, letters: frozenset = _HEAD_LETTERS) -> list[str]:
        """``word`` split before a last letter «و» or «ف» when the rest is a fragment: a conjunction cut
        from the word after a seam and glued to a fragment before it («التع|ف» in «التعف. التعاون»,
        of «التع|اون … ف|البعض»), the mirror of a lone letter on the left («إ|أن»).  Asked only of a
        word glued to a stop (:func:`_units`): at a line's end «المعلو» is the head of «المعلو|مات»."""
        last = len(word.rstrip("\u0467\u0640")) - 1  # the last letter (kashida glyphs follow it)
        if last >= 3 and word[last] in letters and not self._word(word) and self.fragment(word[:last]):
            return [word[:last], word[last:]]
        return [word]

    # -- search -----------------------------------------------------------------------------

    def _tail_first(self, first: str) -> bool:
        """Whether a word of a line looks like the tail of a word cut at a chunk boundary: two
        letters or more, not a word the model has seen, and a fragment («اء» of «الآر|اء»)."""
        return len(first) >= 2 and first.isalpha() and not self.model.known(self.key_of(first)) and self.fragment(first)

    def _wrapped(self, units: list[_Unit]) -> bool:
        """A line with a word cut in two inside it: the first word re-joins the last (a wrapped head, a
        rotation), or a cut tail (:meth:`_tail_first`) anywhere re-joins a word drawn later in the
        line, since a visual-order line's chunk edges fall anywhere («اء التي أعرب عنها وأآدت الآر. مسيرة …»,
        «… التحديات تباه من جديد إلى التمييز الواردالان»)."""
        first, last = units[0], units[-1]
        if first.key and last.key and self.joins(last.text, first.text):
            return True
        # A cut tail anywhere, with its head later in the line: read in reverse, the head comes first.
        # Both are whole words of the raw line (a head may close a glued token: «الواردالان»), not
        # pieces that split_word cut from one unknown word.
        n = len(units)
        ends = [
            index + 1 == n or bool(units[index + 1].before) or units[index + 1].key in _MARK_KEYS for index in range(n)
        ]
        return any(
            unit.key
            and ends[index]
            and (index == 0 or unit.before)
            and self._tail_first(unit.text)
            and any(
                head.key and head.key not in _MARK_KEYS and ends[later] and self.joins(head.text, unit.text)
                for later, head in enumerate(units[index + 1 :], index + 1)
            )
            for index, unit in enumerate(units[:-1])
        )

    def _tail_seam(self, words: list[str]) -> bool:
        """A cheap look for :meth:`_wrapped`'s cut tail on the raw words: a tail, then later a word
        (or the last piece of a glued one, «الواردالان») that re-joins it."""
        for index, tail in enumerate(words[:-1]):
            if not self._tail_first(tail):
                continue
            for head in words[index + 1 :]:
                if self.joins(head, tail) or (not self._word(head) and self.joins(self.split_word(head)[-1], tail)):
                    return True
        return False

    def _cut_cost(self, units: list[_Unit], index: int) -> float:
        """Cost of cutting between ``units[index - 1]`` and ``units[index]``."""
        before = units[index].before
        # Three spaces or more; two where the line has a wider gap too (a two-space typo of clean
        # text is the only gap of its line).
        wide = len(before) >= 3 or (len(before) == 2 and any(len(unit.before) >= 3 for unit in units))
        if (
            wide
            and (units[index - 1].key or _mirrored(units, index - 1))
            and (units[index].key or _mirrored(units, index))
        ):
            return self.costs.gap_words  # a wide gap between two units the model reads: a chunk edge
        if len(before) >= 2:
            return self.costs.gap
        if before == " " and self.costs.edge < self.costs.space:
            # A word cut off the edge of a gap-delimited stretch («إلى إجراء | العام»): chunks of one
            # word hide inside stretches more often than longer ones.
            first = index - 1 == 0 or len(units[index - 1].before) >= 2
            last = index + 1 == len(units) or len(units[index + 1].before) >= 2
            gaps = any(len(unit.before) >= 2 for unit in units[1:])
            if (
                gaps
                and (first or last)
                and units[index - 1].key not in _MARK_KEYS
                and units[index].key not in _MARK_KEYS
            ):
                return self.costs.edge
        left, right = units[index - 1], units[index]
        if before and (left.text in _HEAD_LETTERS or right.text in _HEAD_LETTERS):
            # A conjunction «و» / «ف» set apart from every word is a piece cut from the word it opens
            # («… من المساهم و» of «و|أشار»): it ends a chunk as often as a stop does.
            return self.costs.mark
        if _mirrored(units, index - 1) or _mirrored(units, index):
            return self.costs.mark  # a bracket drawn mirrored ends a chunk as often as a stop
        if not left.key or not right.key:
            return self.costs.space  # the model does not see quotes, brackets, #: no evidence for a cut there
        if left.key in _MARK_KEYS or right.key in _MARK_KEYS:
            return self.costs.mark
        return self.costs.glue if before == "" else self.costs.space

    def _pair(self, previous: _Unit | None, unit: _Unit) -> float:
        if not unit.key:
            return 0.0  # a mark the model does not see
        return self._logp(previous.key if previous is not None and previous.key else "", unit.key)

    def _context_unit(self, context: str, first: bool = False) -> _Unit | None:
        """The unit a line is read after: the last unit of ``context`` (the previous line's last word),
        so a trailing stop or comma is the model's «.» or «،», not an unknown word «دقيقة،»; with
        ``first``, the first unit of ``context`` (the next line's, read before it)."""
        if first:
            match = _UNIT_RE.search(context)
            matches = [match.group()] if match else []
        else:
            matches = _UNIT_RE.findall(context)
        if not matches:
            return None
        last = matches[-1]
        if last in _PUNCT_TOKENS:
            return _Unit(last, _PUNCT_TOKENS[last], " ")
        if last[0].isdigit() or (last[0].isascii() and last[0].isalpha()):
            return _Unit(last, "0", " ")
        return _Unit(last, self.key_of(last), " ") if len(last) > 1 or "\u0621" <= last <= "\u064a" else None

    def score(self, text: str, context: str = "", after: str = "") -> float:
        """log10 score of ``text`` read as it stands (after ``context``, and before ``after`` at
        :attr:`Costs.after_weight`), per unit; pieces glued in the text that together are a known
        word count as one word."""
        units = self._units(text.strip())
        if not units:
            return 0.0
        total = self._pair(self._context_unit(context), units[0]) + self._closing(units[-1], self._after_unit(after))
        for left, right in itertools.pairwise(units):
            total += self._pair(left, right)
        return total

    def glued_words(self, text: str) -> int:
        """How many pairs of words of two letters or more are glued in ``text`` with no space
        («والاجتماعيعن»): seams a reading leaves unread."""
        units = self._units(text.strip())
        return sum(
            not right.before and _arabic(left) and _arabic(right) and len(left.text) > 1 and len(right.text) > 1
            for left, right in itertools.pairwise(units)
        )

    def shows_seam(self, line: str) -> bool:
        """Whether the search would read ``line`` at all (a wide gap, a stray stop, a bare letter, a
        wrapped word head or cut tail: see :func:`_damage_shown`, :meth:`_wrapped`); lines without one
        are left as they are."""
        words = line.split()
        if len(words) < 2:
            return False
        if len(words) > self.max_units and len(_UNIT_RE.findall(line)) > self.max_units:
            return False  # every match is at least one unit: too long for the search (cheap before _tail_seam)
        head = words[0]
        hint = bool(_DAMAGE_HINT_RE.search(line) or self.joins(words[-1], head))
        # Else only a cut tail with its head later in the line (:meth:`_wrapped`) is a seam: the other
        # marks of _damage_shown (a bare letter glued to a word) are also what a rare clean word that
        # split_word cuts looks like.
        if not hint and not self._tail_seam(_WORD_RUN_RE.findall(line)):
            return False
        units = self._units(line.strip())
        return 2 <= len(units) <= self.max_units and ((hint and _damage_shown(units)) or self._wrapped(units))

    def _analyse(self, line: str, seam: bool = False) -> tuple | None:
        """:meth:`_analyse_line`, memoised per document (its pair scores read the document's pairs)."""
        return self._analysed(line, seam, self._document_id)

    def _analyse_line(self, line: str, seam: bool, document: object) -> tuple | None:
        """What the search needs of a line whatever its neighbours (memoised: the repair stage reads a
        line twice): its units, the prefix sums of their raw-order pair scores, the cost of a cut
        before each unit, each unit's scores as read before every earlier unit (0 where the two
        re-join into one word), and those re-joined junctions.  None for a line that shows no seam
        (``seam``: evidence from outside the line says it has one; it is searched all the same)."""
        units = self._units(line.strip())
        if not (seam and 2 <= len(units) <= self.max_units) and not self.shows_seam(line):
            return None
        n = len(units)
        prefix = [0.0] * (n + 1)  # prefix[j + 1] - prefix[j]: units[j] after units[j - 1] in raw order
        for j in range(1, n):
            prefix[j + 1] = prefix[j] + self._pair(units[j - 1], units[j])
        cut = [0.0] + [self._cut_cost(units, j) for j in range(1, n)]
        # Junctions where two pieces re-join into one word: the word's model token and the change in
        # score of the unit after its right piece (``_join_deltas``).
        joined: dict[tuple[int, int], tuple[str, float]] = {}
        # A re-join needs a fragment on one side (``joins``): most pairs are two words, checked once here.
        fragment = [bool(unit.key) and self.fragment(unit.text) for unit in units]
        keys = [unit.key for unit in units]
        logp = self._logp
        rows: list[list[float]] = []
        for x in range(n):  # rows[x][y]: units[y] read right after units[x] (only y < x is ever asked)
            row = [0.0] * n
            left = keys[x]
            for y in range(x):
                right = keys[y]
                if not right:
                    continue  # a mark the model does not see
                if left and (fragment[x] or fragment[y]) and self.joins(units[x].text, units[y].text):
                    joined[(x, y)] = self._join_deltas(units, x, y)
                    row[y] = _LOW  # scored apart (``reorder``): its delta depends on the chunks' lengths
                else:
                    row[y] = logp(left, right)
            rows.append(row)
        return units, prefix, cut, rows, joined

    def _join_deltas(self, units: list[_Unit], x: int, y: int) -> tuple[str, float]:
        """The model token of the word ``units[x]`` + ``units[y]`` (read in that order) make, and the
        change in score when the unit after ``y`` in the raw line is read after that word rather
        than after the piece.  Without this a re-joined word is two out-of-vocabulary pieces
        («التع» + «اون» for «التعاون»), and a reading that restores it gains little over one that
        does not."""
        whole = self.key_of(units[x].text + units[y].text)
        right = 0.0
        if y + 1 < len(units) and units[y + 1].key:
            right = self._logp(whole, units[y + 1].key) - self._logp(units[y].key, units[y + 1].key)
        return whole, right

    def reorder(self, line: str, context: str = "", seam: bool = False, after: str = "") -> tuple[str, int, float]:
        """(the line in reading order, number of cuts, score gain over the raw order); the line itself
        with 0 cuts when no reading wins by the margin.  ``seam``: search the line even when it shows
        no seam of its own (the structure stage saw its paragraph number at the visual end).
        ``after``: the next line as a first pass read it; its first unit is read after the line's
        last (:meth:`_closing`).  It chooses among readings and can tip one over the margin, but a
        reading that wins by the margin without it is not given up for the raw order because of it
        (the next line's first unit is a guess; «… جدول أعمال تونس» before «بين» is seen twice)."""
        context_unit = self._context_unit(context)
        searched = self._searched(line, context_unit.key if context_unit is not None else "", seam, self._document_id)
        if searched is None:
            return line, 0, 0.0
        units, best, back, identity, joined = searched
        n = len(units)
        following = self._after_unit(after)
        closing = [self._closing(unit, following) for unit in units]  # each unit read last, before the next line
        final_b = max(range(1, n + 1), key=lambda end: best[0][end] + closing[end - 1])
        gain = best[0][final_b] + closing[final_b - 1] - identity - closing[n - 1]
        if gain < self.costs.margin and after:
            alone = max(range(1, n + 1), key=lambda end: best[0][end])  # the reading without the next line
            if alone != n and best[0][alone] - identity >= self.costs.margin:
                final_b = max(range(1, n), key=lambda end: best[0][end] + closing[end - 1])
                gain = best[0][alone] - identity
        if final_b == n or gain < self.costs.margin:
            return line, 0, gain
        chunks = []
        a, b = 0, final_b
        while True:
            chunks.append((a, b))
            if b == n:
                break
            a, b = b, back[a][b]
        chunks.reverse()  # reading order: chunks[0] is the first chunk read
        junction_cache = {key: (0.0, True) for key in joined}
        return render(units, chunks, junction_cache), len(chunks) - 1, gain

    def _search(self, line: str, context_key: str, seam: bool, document: object) -> tuple | None:
        """The dynamic programme of :meth:`reorder` for a line read after a unit of model token
        ``context_key`` (memoised per document: a unit's second pass reads the line again with only
        the next line's first word new, which the programme does not read): (units, best, back
        pointers, the raw order's score, the re-joined junctions), or None for a line not searched."""
        analysed = self._analyse(line, seam)
        if analysed is None:
            return None
        units, prefix, cut, rows, joined = analysed
        n = len(units)
        context_unit = _Unit("", context_key, " ") if context_key else None
        joins_after: list[list[int]] = [[] for _ in range(n)]
        for x, y in sorted(joined):
            joins_after[x].append(y)

        def internal(a: int, b: int) -> float:  # chunk units[a:b] read as printed
            return prefix[b] - prefix[a + 1]

        identity = self._pair(context_unit, units[0]) + internal(0, n)
        # best[a][b]: best score of a reading whose latest chunk is units[a:b] (units[a:] all placed);
        # states are final once every chunk after them in the raw line has been expanded (b descending).
        low = -1e18
        best = [[low] * (n + 1) for _ in range(n)]
        back: list[list[int]] = [[-1] * (n + 1) for _ in range(n)]
        for a in range(n):
            best[a][n] = self._pair(context_unit, units[a]) + internal(a, n) - cut[a]
        keys = [unit.key for unit in units]
        context_key = context_unit.key if context_unit is not None else ""
        logp = self._logp
        for b in range(n, 0, -1):
            for a in range(b - 1, 0, -1):
                score = best[a][b]
                if score == low:
                    continue
                x = b - 1  # the chunk's last unit, read just before the next chunk's first
                base = score + prefix[a]  # + internal(start, a) = prefix[a] - prefix[start + 1]
                # The unit read before x: inside its chunk, else the previous chunk's last, else the context.
                previous = x - 1 if x > a else (back[a][b] - 1 if b < n else -1)
                whole = joined.get((previous, x)) if x == a and previous >= 0 else None
                if whole is not None:
                    # x is a one-unit chunk, the right piece of a word re-joined before it: the next
                    # chunk's first unit is read after that whole word, not after the piece.
                    for start in range(a):
                        pair = logp(whole[0], keys[start]) if keys[start] else 0.0
                        value = base - prefix[start + 1] + pair - cut[start]
                        if value > best[start][a]:
                            best[start][a] = value
                            back[start][a] = b
                    continue
                row = rows[x]
                for start in range(a):
                    value = base - prefix[start + 1] + row[start] - cut[start]
                    if value > best[start][a]:
                        best[start][a] = value
                        back[start][a] = b
                if not joins_after[x]:
                    continue
                before = keys[previous] if previous >= 0 else context_key
                for start in joins_after[x]:
                    if start >= a:
                        continue
                    word, right = joined[(x, start)]
                    # The whole word scored after the unit before its left piece and before the unit
                    # after its right piece (when that is in the right piece's chunk; else see above).
                    value = base - prefix[start + 1] - cut[start] + logp(before, word) - logp(before, keys[x])
                    value += right if start + 1 < a else 0.0
                    if value > best[start][a]:
                        best[start][a] = value
                        back[start][a] = b
        return units, best, back, identity, joined
