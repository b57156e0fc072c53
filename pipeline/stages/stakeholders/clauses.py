"""Word rules of attribution: where a sentence ends, which words after a reporting verb are no subject
(time adverbs, objects of a pro-drop verb), which verb forms read as passives, and which reported
verbs are no view (definitions, data references, classifications).  :mod:`.attribution` applies them.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from pipeline.stages.stakeholders.actors import UNSPECIFIED, CueSpec
from pipeline.stages.stakeholders.gazetteer import is_state_title
from pipeline.stages.stakeholders.matching import (
    CLAUSE_OPENERS,
    PREPOSITIONS,
    SENTENCE_END,
    CueHit,
    Mention,
    _definite_noun,
    _Lexicon,
)
from pipeline.stages.stakeholders.timewords import TIME_WORDS, keyset
from pipeline.text.arabic import without_marks

if TYPE_CHECKING:
    from pipeline.stages.stakeholders.attribution import UnitMatches


# Dotted names: a dot between two letters with no space is inside a name, not at a sentence end, when
# the last piece is a domain ending («العربية.نت», «بيت.كوم», «Change.org») or every piece is short
# (the letters of an abbreviation: «سي.إن.إن», «إف.بي.آي», «U.S»).  «ذلك.ثم» (a missing space after
# a real sentence end) has two pieces, the last no domain ending: it still ends the sentence.
DOMAIN_ENDINGS = frozenset(("نت", "كوم", "اورغ", "أورغ", "com", "net", "org", "gov", "edu", "int", "info"))
ABBREVIATION_PIECE = 3  # letters of one piece of a dotted abbreviation
DOTTED_PIECES = 3  # pieces a dotted abbreviation of short pieces has at least («سي.إن.إن»)


def sentence_ends(doc: Any, offsets: list[tuple[int, int]]) -> list[bool]:
    """Which tokens end a sentence: the marks of ``SENTENCE_END``, except a dot inside a dotted name
    (see ``DOMAIN_ENDINGS``) and the dot of an abbreviated initial (one letter, then the dot: «د.
    محمد», «J. Smith»; a one-letter Arabic word is a clitic, never a sentence's last word).
    (URLs, e-mail addresses and decimals are single tokens already: ``matching.TOKEN_RE``.)"""
    n = len(doc)
    is_end = [tok.text in SENTENCE_END for tok in doc]
    letters = [_letters(tok.text) for tok in doc]
    glued = [i > 0 and offsets[i - 1][1] == offsets[i][0] for i in range(n)]  # no space before token i
    i = 0
    while i < n:
        # a run letters (. letters)+ with no space anywhere: piece, dot, piece, dot, ...
        if letters[i]:
            j = i
            while j + 2 < n and doc[j + 1].text == "." and glued[j + 1] and glued[j + 2] and letters[j + 2]:
                j += 2
            pieces = [doc[t].text for t in range(i, j + 1, 2)]
            if len(pieces) >= 2 and (
                pieces[-1].lower() in DOMAIN_ENDINGS
                or (len(pieces) >= DOTTED_PIECES and all(len(p) <= ABBREVIATION_PIECE for p in pieces))
                or all(len(p) == 1 for p in pieces)
            ):
                for t in range(i + 1, j, 2):
                    is_end[t] = False
            i = j + 1
        else:
            i += 1
    for i in range(1, n - 1):
        initial = glued[i] and letters[i - 1] and len(doc[i - 1].text) == 1
        if doc[i].text == "." and initial and (i < 2 or not (glued[i - 1] and letters[i - 2])):
            is_end[i] = False  # «د.», «م.», «J.»: an initial or a title, the name follows
    return is_end


def _letters(text: str) -> bool:
    """The token is letters only (diacritics allowed)."""
    return any(ch.isalpha() for ch in text) and all(ch.isalpha() or unicodedata.combining(ch) for ch in text)


# Words right after a reporting verb that are not its subject: demonstratives and «ما» as objects
# («وأكد ذلك»), the circumstantial «قائلا».
SAYS_THAT = (
    "أن",
    "إن",
    "بأن",
    "أنه",
    "إنه",
    "أنها",
    "إنها",
    "أنهم",
    "إنهم",
    "بأنه",
    "بأنها",
    "بأنهم",
    "إلى",
)  # open the reported clause
THAT_CLAUSE = tuple(word for word in SAYS_THAT if word != "إلى")  # «أن», «إن» and their forms
SUBJECT_WORDS = 6  # words an unnamed subject may have before the clause opens
NOT_SUBJECTS = (
    "ذلك", "هذا", "هذه", "تلك", "ما", "كما", "قائلا", "قائلة", "مضيفا", "مضيفة", "لا", "ليس",
    # a preposition with a pronoun («أكدت فيه أن», «وقال لها إن»)
    "فيه", "فيها", "فيهم", "له", "لها", "لهم", "به", "بها", "بهم", "منه", "منها", "منهم", "عنه", "عنها",
    "عنهم", "عليه", "عليها", "عليهم", "إليه", "إليها", "إليهم", "معه", "معها", "معهم", "لنا", "لي", "لك",
)  # fmt: skip


def unnamed_subject(m: UnitMatches, lexicon: _Lexicon, j: int, s_end: int) -> tuple[int, int] | None:
    """The span of a subject after the verb that the subject rules did not read (a proper name, a number,
    an indefinite noun: «ترمب», «14 خبيرا», «مصادر»), or None when the verb has no subject there: the
    next token is punctuation or a quotation mark, a clause opener («أن», «إن», «إلى», «في», «لـ»), a
    preposition («خلال»), an accusative adverb («رسميا») or one of ``NOT_SUBJECTS``."""
    if j >= s_end or not m.is_word[j] or j in m.cue_positions or j in m.mention_at or j in m.word_at:
        return None  # an alias here was read as the verb's object («يدعو الأمم المتحدة»)
    text = m.doc[j].text
    key = lexicon.key(text)
    if bare_in(lexicon, text, CLAUSE_OPENERS | PREPOSITIONS | keyset(lexicon, NOT_SUBJECTS)):
        return None
    if not key.isdigit() and len(key) >= 4 and key.endswith("ا") and not key.startswith("ال"):
        return None  # indefinite accusative: an adverb or an object («رسميا», «مؤخرا»), not a subject
    k = j + 1
    if key.isdigit() and k < s_end and m.is_word[k] and not m.doc[k].text.isdigit():
        k += 1  # «14 خبيرا»: the counted noun belongs to the number
    elif key in lexicon.view_after_refers or not (
        any(
            bare_in(lexicon, m.doc[t].text, keyset(lexicon, SAYS_THAT)) for t in range(k, min(s_end, k + SUBJECT_WORDS))
        )
        or _opens_after_aside(m, lexicon, k, s_end)
    ):
        # a pro-drop verb's object comes first just as well («وأكدت أهمية ...», «أكدت من جديد دور ...»):
        # a word is read as the subject only when the reported clause opens a few words later
        # («وقال ترمب إن», «وذكرت مصادر القمة أن»), and not when it is a noun of need or importance
        return None
    return j, noun_phrase_end(m.doc, lexicon, j, k, s_end, m.mention_at, m.cue_positions, 8)


ASIDE_WORDS = 20  # words a subject with an apposition or an aside may take before «، إن»


def _opens_after_aside(m: UnitMatches, lexicon: _Lexicon, k: int, s_end: int) -> bool:
    """The reported clause opens with «إن» (the verb is «قال») right after a comma that closes an
    apposition or an aside, within ``ASIDE_WORDS`` words and before any other cue: «قال كبير
    الاقتصاديين في جدوى، الدكتور فهد التركي، في مقابلة مع "العربية"، إن ...»."""
    says = keyset(lexicon, SAYS_THAT)
    for t in range(k, min(s_end, k + ASIDE_WORDS)):
        if t in m.cue_positions:
            return False
        if bare_in(lexicon, m.doc[t].text, says):  # «إنّ» after «قال» (other verbs take «أنّ», an object first)
            return m.doc[t - 1].text in CLAUSE_PUNCTUATION and m.doc[t].text == "إن"
    return False


def reads_as_passive(verb: str) -> bool:
    """An unvocalised masculine reporting verb spelled like its passive.

    Sound verbs keep their letters in the passive («ذكر/ذُكر», «أعلن/أُعلن», «اقترح/اقتُرح»); verbs
    with a long vowel after their first letter change it («قال/قيل», «أضاف/أضيف», «أشار/أشير»,
    «رأى/رُئي», «دعا/دُعي», «لاحظ/لوحظ»).  So: no «ا», «ى» or «آ» after the first letter (a و/ف
    conjunction removed first).  A diacritic on the first letter decides: damma passive, fatha active."""
    bare = verb[1:] if verb[:1] in ("و", "ف") and len(verb) > 3 else verb
    if len(bare) > 1 and unicodedata.combining(bare[1]):
        return bare[1] == "\u064f"
    return not any(ch in "اىآ" for ch in without_marks(bare)[1:])


REFERS_WINDOW = 5  # words between the subject of «يشير/تشير» and its «إلى»


def bare_in(lexicon: _Lexicon, text: str, keys: set[str]) -> bool:
    """The token's key, or its key without a leading و/ف, is one of ``keys``."""
    key = lexicon.key(text)
    return key in keys or (key[:1] in ("و", "ف") and key[1:] in keys)


def not_a_view(m: UnitMatches, lexicon: _Lexicon, hit: CueHit, j: int, k: int, found: list[Mention]) -> str | None:
    """Why the reporting verb at ``hit`` with subject tokens [j, k) reports no stakeholder's view, or None.

    "definitions": a definition frames the sentence before the verb («يُقصد بـ», «المقصود بـ»), the
    subject is a term («يشير مصطلح ... إلى»), or a present-tense «يشير/تشير X إلى Y» where Y opens no
    view (not «إلى أن», «إلى أهمية/ضرورة ...»): "X refers to Y".  "data_references": a present-tense
    "indicate" verb whose subject names no actor («تشير التقديرات إلى أن», «يوضح الجدول»)."""
    doc, i = m.doc, hit.index
    s_start, s_end = m.sentences[m.sentence_of[i]]
    if any(bare_in(lexicon, doc[t].text, lexicon.definition_markers) for t in range(s_start, i)):
        return "definitions"
    if j < s_end and bare_in(lexicon, doc[j].text, lexicon.term_heads):
        return "definitions"
    verb = doc[i].norm_
    if verb in lexicon.refers_verbs:
        # the first «إلى» within a few words after the subject («تشير الحكومة الإلكترونية في هذا التقرير إلى»)
        ila = next(
            (t for t in range(k, min(s_end, k + REFERS_WINDOW)) if lexicon.key(doc[t].text) == lexicon.ila), None
        )
        opens_view = ila is not None and ila + 1 < s_end and lexicon.key(doc[ila + 1].text) in lexicon.view_after_refers
        if ila is not None and not opens_view:
            return "definitions"
    if verb in lexicon.indicate_verbs and k > j and not found:
        return "data_references"
    if verb in keyset(lexicon, CONSIDER_VERBS) and _classifies(m, lexicon, i, s_end, verb, bool(found)):
        return "classifications"
    return None


# A cue word that is no finite reporting verb here (the reason is counted, like not_a_view's):
# "adverbs": after a noun of manner the word is an adjective or a verbal noun («بشكل حذر»: carefully,
# not «حذّر», warned), and so is a word followed by a comma and a «و» conjunct («القراءة بشكل حذر،
# والانتباه», «أن يكون لهم رأي، وأن»): a reporting verb goes on to its subject or clause («وكان ترمب قد
# أعلن، الخميس، إلغاء», «وأكد، في بيان، أن» stay verbs).  "verbal_nouns": after a preposition the word
# is a verbal noun or a noun («إلى تذكر كل ضحية»: to remembering; «دون ذكر», «وفي رأي»).
# "imperatives": a verb with no subject after it, no «أن/إن» before the next punctuation and nothing
# before it in its sentence -- a present «ت» form opening its sentence («تذكر كل ضحية»: remember each
# victim), or any cue opening a quotation («قال: "تذكر ..."») -- reads as an imperative or a second
# person, not a report.  A subject after the verb keeps it («"أكد كيم مجددا أن ..."», «تقول لندن إن»).
MANNER_NOUNS = ("بشكل", "بصورة", "بطريقة", "بأسلوب", "بنحو")
VERBAL_NOUN_PREPOSITIONS = ("إلى", "على", "عن", "في", "من", "حول", "بشأن", "بعد", "قبل", "دون", "عبر", "مع")
OPENING_QUOTES = ('"', "«", "“")
CLAUSE_PUNCTUATION = (",", "،", ";", "؛")
QUANTIFIERS = ("كل", "جميع", "أي")


def not_a_verb(m: UnitMatches, lexicon: _Lexicon, hit: CueHit, j: int, k: int, found: list[Mention]) -> str | None:
    """Why the cue word at ``hit`` is no finite reporting verb (see ``MANNER_NOUNS``), or None;
    [``j``, ``k``) are the tokens of its subject after it (empty when it has none), ``found`` its mentions."""
    doc, i = m.doc, hit.index
    s_start, s_end = m.sentences[m.sentence_of[i]]
    before = lexicon.key(doc[i - 1].text) if i > s_start else ""
    if before in keyset(lexicon, MANNER_NOUNS):
        return "adverbs"
    if i + 2 < s_end and doc[i + 1].text in CLAUSE_PUNCTUATION and lexicon.key(doc[i + 2].text)[:1] == "و":
        return "adverbs"
    if before and bare_in(lexicon, doc[i - 1].text, keyset(lexicon, VERBAL_NOUN_PREPOSITIONS)):
        return "verbal_nouns"
    # a subject after the verb keeps it («اعترف الباحثون», «تقول منظمة ...»); a quantifier alone is none
    # («تذكر كل ضحية»: each victim is the object)
    quantifier = not found and lexicon.key(doc[j].text) in keyset(lexicon, QUANTIFIERS) if k > j else False
    if (k > j and not quantifier) or hit.spec.voice == "passive":
        return None
    says = keyset(lexicon, SAYS_THAT)
    t = i + 1
    while t < s_end and doc[t].text not in CLAUSE_PUNCTUATION and not bare_in(lexicon, doc[t].text, says):
        t += 1
    if t < s_end and doc[t].text not in CLAUSE_PUNCTUATION:
        return None  # «أن/إن» follows: a reported clause
    quoted = i > s_start and doc[i - 1].text in OPENING_QUOTES and _opens_quotation(m, i - 1)
    present = lexicon.key(doc[i].text)[:1] == "ت" and i == s_start  # not «بالمقابل، تذكر وكالة الأنباء»
    return "imperatives" if quoted or present else None


def _opens_quotation(m: UnitMatches, q: int) -> bool:
    """The quotation mark at token ``q`` opens a quotation: «, “, or a straight quote after an even
    number of straight quotes in the unit."""
    mark = m.doc[q].text
    return mark != '"' or sum(1 for t in range(q) if m.doc[t].text == '"') % 2 == 0


# «اعتبر» is a reporting verb («واعتبر الوزير أن ...») and, far more often in news and reports, the copula
# of a classification: «يعتبر الذكاء الاصطناعي من أهم التقنيات» ("AI is considered one of the most
# important ..."), «ويعتبر هذا الهجوم الأكثر دموية», «يعتبر تطبيق X نسخة من ...».  Such a sentence states
# what something is, no one's view: with no clause opener («أن», «إن») in its sentence, a present-tense
# form (usually the passive «يُعتبر») or a complement «من» + superlative / «أحد» is a classification.
CONSIDER_VERBS = ("اعتبر", "اعتبرت", "يعتبر", "تعتبر", "يعتبرون", "اعتبروا", "يعتبران", "تعتبران")
CLASS_WORDS = ("أحد", "إحدى", "واحد", "واحدة", "بين")  # «من بين», «أحد أهم»


def _classifies(m: UnitMatches, lexicon: _Lexicon, i: int, s_end: int, verb: str, named: bool) -> bool:
    """The «اعتبر» verb at ``i`` is the copula of a classification (see ``CONSIDER_VERBS``); ``named``:
    its subject names a group (then a past form is that group's view: «واعتبرت الحكومة الاتفاق أحد ...»)."""
    says = keyset(lexicon, THAT_CLAUSE)  # not «إلى»: «عاملا أساسيا لجذب المستثمرين إلى المملكة»
    if any(bare_in(lexicon, m.doc[t].text, says) for t in range(i + 1, s_end)):
        return False
    if verb[:1] in ("ي", "ت"):
        return True
    if named:
        return False
    classes = keyset(lexicon, CLASS_WORDS)
    for t in range(i + 1, s_end - 1):
        key = lexicon.key(m.doc[t].text)
        nxt = lexicon.key(m.doc[t + 1].text)
        if key in classes or (key == "من" and (nxt in classes or _superlative(nxt))):
            return True
    return False


def _superlative(key: str) -> bool:
    """An elative «أفعل» («أهم», «أكبر», «أبرز», «أكثر»), folded: «ا» + three letters."""
    return len(key) == 4 and key[0] == "ا" and not key.startswith("ال")


def noun_phrase_end(
    doc: Any, lexicon: _Lexicon, j: int, k: int, s_end: int, mention_at: dict, cue_positions: set, max_tokens: int
) -> int:
    """Extend the subject [j, k) over the rest of its noun phrase, for display.

    Definite adjectives and genitives, numbers, and «في»/«من» before a definite word
    («منظمات المجتمع المدني في المنطقة العربية», «الفقرة 69 من ...») belong to the
    subject; another alias directly after it is the verb's object and ends it."""
    while k < s_end and k - j < max_tokens:
        key = lexicon.key(doc[k].text)
        if k in mention_at or k in cue_positions or key in keyset(lexicon, TIME_WORDS):
            break  # «وزير النقل المصري اليوم الاثنين»: the time adverb is not part of the subject
        if key.isdigit() or (key.startswith("ال") and len(key) >= 4 and key not in CLAUSE_OPENERS):
            k += 1
        elif key in ("في", "من", "لدى", "باسم") and k + 1 < s_end and k + 1 not in cue_positions:
            nxt = lexicon.key(doc[k + 1].text)
            if k + 1 in mention_at:
                k = mention_at[k + 1].end
            elif k + 2 in mention_at and k + 2 < s_end and not nxt.startswith("ال") and k + 1 not in mention_at:
                k = mention_at[k + 2].end  # «ناشطة في منظمات المجتمع المدني»: a construct noun before the alias
            elif nxt.startswith("ال") and len(nxt) >= 4:
                k += 2
            else:
                break
        else:
            break
    return k


# Subject-first reported speech (news style): «وزير الخارجية المصري سامح شكري قال إن ...», «الحكومة
# السودانية أكدت أن ...», «وكان أمير الكويت ... قد أعلن أن ...», «وكانت الوزارة أكدت ...».  The subject
# noun phrase opens its clause: it starts at the sentence start or right after one of CLAUSE_STARTS (or a
# comma), holds only words that can belong to a noun phrase (names, adjectives, genitives: no
# preposition, clause opener, negation or reporting verb), and «قد» may stand before the verb.
CLAUSE_STARTS = (
    "كان", "كانت", "وكان", "وكانت", "فكان", "فكانت", "أن", "إن", "بأن", "وأن", "لكن", "ولكن", "بينما",
    "فيما", "حيث", "إذ", "ثم", "و", "ف",
)  # fmt: skip
BEFORE_VERB = ("قد", "لقد", "وقد", "فقد")  # «قد» before a past verb; not part of the subject
SUBJECT_FIRST_WORDS = 10  # words a subject noun phrase before its verb may have («أمير الكويت الشيخ صباح الأحمد»)
REPRESENTS = ("عن", "من")  # after a subject head word: «ممثل عن منظمات المجتمع المدني»
NOT_IN_PHRASE = ("لا", "لم", "لن", "ليس", "ليست", "ما", "الذي", "التي", "الذين", "قد", "سوف", "هو", "هي", "هم")


def subject_first(
    m: UnitMatches, lexicon: _Lexicon, hit: CueHit, feminine_verb: bool | None
) -> tuple[int, int, Mention] | None:
    """``(start, end, head mention)`` of the subject noun phrase before the reporting verb at ``hit`` (see
    ``CLAUSE_STARTS``), or None.

    The phrase must open with an actor mention, or with subject words («ممثل عن», «عدد من») before one, or
    be a definite noun with «من» + an actor («الفقرة 69 من جدول أعمال تونس»); its head agrees with a
    singular verb (:func:`disagrees`; ``feminine_verb`` None for a plural verb).  A verb with a conjunction («وأكدت») continues an earlier clause: no subject before it."""
    doc, i = m.doc, hit.index
    if lexicon.key(doc[i].text) != doc[i].norm_:
        return None
    s_start = m.sentences[m.sentence_of[i]][0]
    end = i
    if end - 1 >= s_start and lexicon.key(doc[end - 1].text) in keyset(lexicon, BEFORE_VERB):
        end -= 1
    end = _before_parenthesis(m, lexicon, s_start, end)
    stops = CLAUSE_OPENERS | PREPOSITIONS | keyset(lexicon, NOT_IN_PHRASE) | keyset(lexicon, SAYS_THAT)
    starts, represents = keyset(lexicon, CLAUSE_STARTS), keyset(lexicon, REPRESENTS)
    p = end
    while p > s_start and end - p < SUBJECT_FIRST_WORDS:
        t = p - 1
        key = lexicon.key(doc[t].text)
        in_phrase = (
            m.is_word[t]
            and t not in m.cue_positions
            and key not in starts
            and (key not in stops or (key in represents and (word_ends_at(m, t) or t + 1 in m.mention_at)))
        )
        if not in_phrase:
            break
        p = t
    if p == end or not opens_clause(m, lexicon, p):
        return None
    head, k = p, p
    while k < end and ((k in m.word_at and m.word_at[k][1] == "subject") or lexicon.key(doc[k].text) in represents):
        k = m.word_at[k][0] if k in m.word_at else k + 1
    mention = m.mention_at.get(k)
    if mention is None and head == k and _definite_noun(lexicon.key(doc[head].text)):
        # «الفقرة 69 من جدول أعمال تونس تؤكد»: the group named after «من» in the phrase speaks
        mention = next(
            (
                m.mention_at[t + 1]
                for t in range(head + 1, end - 1)
                if t + 1 in m.mention_at and lexicon.key(doc[t].text) in represents
            ),
            None,
        )
    if mention is None or mention.end > end:
        return None
    if head < mention.start:
        feminine, title = lexicon.key(doc[head].text).endswith("ه"), False
    else:
        feminine, title = mention.feminine, is_state_title(doc, lexicon, mention)
    if disagrees(feminine, title, feminine_verb):
        return None
    return p, end, mention


# A parenthesis between the subject and its verb, set off by commas or dashes, that opens with a
# preposition: «أن المجلس الاقتصادي والاجتماعي، في قراره 2010/2، قد اعترف», «الوزارة، بحسب البيان، أكدت».
PARENTHESIS_OPENERS = ("في", "ب", "بحسب", "حسب", "وفق", "وفقا", "خلال", "منذ", "عبر", "من خلال")
PARENTHESIS_WORDS = 8  # tokens a parenthesis may hold


def _before_parenthesis(m: UnitMatches, lexicon: _Lexicon, s_start: int, end: int) -> int:
    """Where the subject ends when a parenthesis (see ``PARENTHESIS_OPENERS``) stands between it and the
    verb (``end`` is right after the parenthesis' closing comma or dash); ``end`` itself when there is none."""
    marks = (",", "،", "-", "–")
    if end - 1 <= s_start or m.doc[end - 1].text not in marks:
        return end
    for t in range(end - 2, max(s_start, end - 2 - PARENTHESIS_WORDS), -1):
        if m.doc[t].text in marks:
            first = m.doc[t + 1].text
            opens = bare_in(lexicon, first, keyset(lexicon, PARENTHESIS_OPENERS)) or lexicon.key(first)[:1] == "ب"
            return t if opens and t > s_start else end
    return end


def disagrees(feminine: bool, title: bool, feminine_verb: bool | None) -> bool:
    """A subject head does not agree with its singular verb: a feminine head with a masculine verb («الحكومة
    قال»), or a masculine state title with a feminine one («الرئيس الأميركي قالت»).  A masculine-looking
    head with a feminine verb is left alone: broken plurals of things take one («الدول الأعضاء أكدت»).
    ``feminine_verb`` None (a plural verb) agrees with any head."""
    if feminine_verb is None:
        return False
    return (feminine and not feminine_verb) or (title and not feminine and feminine_verb)


def feminine_verb(lexicon: _Lexicon, verb: Any) -> bool:
    """A singular reporting verb is feminine: «أكدت», «تؤكد» (not a masculine form: «لفت», «قال»)."""
    form = verb.norm_
    return form not in lexicon.masculine and (form.startswith("ت") or form.endswith("ت"))


def word_ends_at(m: UnitMatches, t: int) -> bool:
    """A subject word (``subject.heads``) ends right before token ``t``."""
    return any(start < t and end == t for start, (end, kind) in m.word_at.items() if kind == "subject")


def prepositional(key: str, lemma: str) -> bool:
    """A word (its key and its reading ``lemma``, see ``matching.Token``) carries a preposition: «للسعودية»,
    «بالحكومة», «لمصر» (not «لبنان», «بريطانيا», whose first letter is their own)."""
    bare = key[1:] if key[:1] in ("و", "ف") and len(key) > 3 else key
    return bare[:2] == "لل" or bare[:3] in ("بال", "كال") or (bare[:1] in ("ل", "ب", "ك") and bare[1:] == lemma)


def after_definite(m: UnitMatches, lexicon: _Lexicon, t: int) -> bool:
    """Token ``t`` follows a definite noun in its sentence: the first member of a genitive construct has no
    article, so ``t`` is not its genitive («التعاون البعض»)."""
    return t > m.sentences[m.sentence_of[t]][0] and _definite_noun(lexicon.key(m.doc[t - 1].text))


def opens_clause(m: UnitMatches, lexicon: _Lexicon, t: int) -> bool:
    """Token ``t`` opens a clause: it starts its sentence, or follows a comma, a colon, an opening quotation
    mark or one of ``CLAUSE_STARTS``."""
    if t == m.sentences[m.sentence_of[t]][0]:
        return True
    before = m.doc[t - 1].text
    return before in (",", "،", ":", '"', "«", "“") or lexicon.key(before) in keyset(lexicon, CLAUSE_STARTS)


ADVERBIAL_NOUNS = ("خارج", "داخل", "أنحاء", "أرجاء", "حول", "أمام", "خلف", "وراء", "فوق", "تحت", "لدى", "عند")
NOUN_CUE = CueSpec(lemma="(reporting noun)", voice="noun", forms=[])


def noun_statements(
    m: UnitMatches, lexicon: _Lexicon
) -> list[tuple[CueHit, list[tuple[str, str | None]], str, tuple[int, int] | None]]:
    """Views opened by a reporting noun or participle attached to the clause before it, spoken by that
    clause's subject.

    «وفي قرارها 65/141، أحاطت الجمعية العامة علما بالتقرير مع التسليم بضرورة …»: the noun (a word of
    ``REPORTING_NOUNS`` right after «مع», «من خلال» or «عبر»), or a circumstantial participle
    (``REPORTING_PARTICIPLES``: «وكتب الأمين العام إلى المنظمات طالبا منها …»), has no subject of its
    own, so its agent is the subject of the sentence's verb.  Precision first -- each condition leaves a case out rather
    than guess: the sentence names exactly one group before the noun, and its first actor follows a
    word that is neither a preposition, an adverbial noun (``ADVERBIAL_NOUNS``) nor a clause opener (the verb: «أحاطت الجمعية العامة»; not «إلى
    الأمين العام»); no reporting verb stands in the sentence before the noun (its statement already holds
    the noun's clause); no actor directly follows the noun (agent or addressee, see ``REPORTING_NOUNS``)."""
    doc, out = m.doc, []
    in_mention = {t for mn in m.mentions for t in range(mn.start, mn.end)}
    for k in range(2, len(doc)):
        key = lexicon.key(doc[k].text)
        if k in in_mention or k in m.cue_positions:
            continue
        if key in lexicon.reporting_participles:
            if not m.is_word[k - 1] or bare_in(lexicon, doc[k - 1].text, CLAUSE_OPENERS):
                continue
        elif key in lexicon.reporting_nouns:
            before = (lexicon.key(doc[k - 1].text),), (lexicon.key(doc[k - 2].text), lexicon.key(doc[k - 1].text))
            if not any(b in lexicon.noun_adjuncts for b in before):
                continue
        else:
            continue
        s_start = m.sentences[m.sentence_of[k]][0]
        if k + 1 in m.mention_at or any(t in m.cue_positions for t in range(s_start, k)):
            continue
        named = [mn for mn in m.mentions if s_start <= mn.start and mn.end <= k]
        groups = {mn.group for mn in named}
        if len(groups) != 1 or UNSPECIFIED in groups:
            continue
        first = named[0]
        lead = first.start - 1
        # «من خارج المملكة، ... مع التأكيد على أن» (Vision 2030): after an adverbial noun the actor is a
        # genitive, not the subject of a verb
        governs = CLAUSE_OPENERS | PREPOSITIONS | keyset(lexicon, ADVERBIAL_NOUNS)
        if lead < s_start or not m.is_word[lead] or bare_in(lexicon, doc[lead].text, governs):
            continue
        out.append(
            (CueHit(k, NOUN_CUE, -1), [(first.group, first.organisation)], "noun_adjunct", (first.start, first.end))
        )
    return out
