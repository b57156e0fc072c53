"""Time adverbs and dates between a reporting verb and its subject (news style), and :func:`keyset`,
the word lists of the attribution rules keyed like the text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.text.arabic import MONTHS

if TYPE_CHECKING:
    from pipeline.stages.stakeholders.attribution import UnitMatches
    from pipeline.stages.stakeholders.matching import _Lexicon

# Time adverbs between a reporting verb and its subject, news style: «أعلن اليوم الأربعاء وزير الخارجية»,
# «وقال أمس رئيس الوزراء», «وأكدت مساء الثلاثاء الوزارة».  They are never the speaker: the subject
# follows them.  TIME_WORDS stand alone; TIME_NOUNS only before one of TIME_WORDS («الأسبوع الماضي»,
# «العام الجاري») or after «هذا/هذه» («هذا الأسبوع»), so «الشهر» alone is not skipped.
TIME_WORDS = (
    "اليوم", "يوم", "أمس", "الأمس", "البارحة", "غدا", "الليلة", "ليلة", "مساء", "صباح", "ظهر", "عصر", "فجر",
    "أول", "الأول", "الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت",
    "الماضي", "الماضية", "المقبل", "المقبلة", "القادم", "القادمة", "الجاري", "الجارية", "الحالي", "الحالية",
)  # fmt: skip
TIME_NOUNS = ("الأسبوع", "الشهر", "العام", "السنة", "الأسبوع", "هذا", "هذه")
# A date after «بتاريخ» is a time adverb too: «كشفت بتاريخ 2 يوليو/تموز 2018 شركة ...»; its parts are
# numbers, month names (Gregorian and Levantine) and the «/» or «-» between two names of a month.
DATE_LEADS = ("بتاريخ",)


def keyset(lexicon: _Lexicon, words: tuple[str, ...]) -> frozenset[str]:
    """``words`` keyed like the text by ``lexicon`` (normalised and folded), computed once per lexicon."""
    cache = lexicon.__dict__.setdefault("_attribution_keys", {})
    found = cache.get(words)
    if found is None:
        found = cache[words] = frozenset(lexicon.key(w) for w in words)
    return found


def time_words_end(m: UnitMatches, lexicon: _Lexicon, j: int, s_end: int) -> int:
    """The end of the run of time adverbs starting at token ``j`` (``j`` itself when there is none)."""
    words, nouns = keyset(lexicon, TIME_WORDS), keyset(lexicon, TIME_NOUNS)
    dates, months = keyset(lexicon, DATE_LEADS), keyset(lexicon, MONTHS)
    k = j
    while k < s_end:
        key = lexicon.key(m.doc[k].text)
        if key in dates and k + 1 < s_end and m.doc[k + 1].text.isdigit():
            k += 1  # «بتاريخ 2 يوليو/تموز 2018»: the date's numbers, months and separators
            while k < s_end and (
                m.doc[k].text.isdigit() or m.doc[k].text in "/-" or lexicon.key(m.doc[k].text) in months
            ):
                k += 1
            continue
        # a time noun counts next to another time word: «الأسبوع الماضي», «هذا الأسبوع»
        beside = (k + 1 < s_end and lexicon.key(m.doc[k + 1].text) in words | nouns) or (
            k > j and lexicon.key(m.doc[k - 1].text) in nouns
        )
        if key in words or (key in nouns and beside):
            k += 1
        else:
            break
    return k
