"""Tokenising and matching for the stakeholder stage: the token pattern, the fold and readings
of a token, and the spaCy phrase matchers for aliases, reporting verbs, subject words and pole terms.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import ConfigError
from pipeline.stages.stakeholders.actors import ActorSpec, AxisSpec, CueSpec
from pipeline.text.arabic import light_fold

SENTENCE_END = {
    ".",
    "…",
    "؟",
    "?",
    "!",
    "؛",
    ";",
}  # «…»: display keeps the ellipsis, which ends a sentence as «...» does
RELATIVE_PRONOUNS = frozenset(light_fold(w) for w in ("الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "اللاتي"))
# URLs, e-mail addresses and decimals are single tokens, so their dots never end a sentence;
# then words (digits apart: «2010دعا» is two tokens), then single punctuation marks.
TOKEN_RE = re.compile(
    r"(?:https?://|www\.)\S*[^\s.,،؛;:!?)\]»]"  # a URL; a dot or comma after it is punctuation
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|\d+(?:[.,٫]\d+)+"  # 3.5, 1,000, ٣٫٥
    r"|\d+|(?:[^\W\d]|[\u0610-\u061a\u064b-\u065f\u0670])+|[^\w\s]"
)
# Words that open the reported clause (or a prepositional object): a subject never runs
# across them, not even as the one stray word a damaged subject may hold.
# Written in plain Arabic and folded like the text (the fold makes «إلى» «الي»: unfolded, «الى» never matched).
CLAUSE_OPENERS = frozenset(
    light_fold(w)
    for w in ("أن", "بأن", "لأن", "وأن", "على", "إلى", "عن", "في", "ب", "ل", "حول", "بشأن", "أنه", "أنها", "بأنه")
)
# After the first alias of a subject only these continue it (plus a conjunction attached
# to the next alias): «معظم المساهمات من الحكومات والمنظمات الدولية».  An alias that
# follows without one is the verb's object: «وحثت الحكومة الأمم المتحدة على ...».
CONTINUERS = frozenset(light_fold(w) for w in ("من", "و", "أو"))
# Definitions are not views.  Words that frame a definition before a reporting verb in its sentence
# («ويُقصد بالتعاون المعزز ما أشارت إليه ...»), and words that make the verb's subject a term
# («يشير مصطلح المجتمع المدني إلى ...»); written in plain Arabic, keyed like the text (see _Lexicon).
DEFINITION_MARKERS = ("يقصد", "المقصود", "تعريف", "ويعرف", "وتعرف")
TERM_HEADS = ("مصطلح", "المصطلح", "مفهوم", "المفهوم", "عبارة", "تعبير", "كلمة", "لفظ", "لفظة", "الاختصار", "اسم")
# «يشير X إلى Y» / «تشير X إلى Y» in the present tense is "X refers to / denotes Y" -- a definition --
# unless what follows «إلى» opens a view: a clause («إلى أن») or a noun of need or importance.
REFERS_VERBS = ("يشير", "تشير")
VIEW_AFTER_REFERS = ("أن", "أنه", "أنها", "أنهم", "أهمية", "ضرورة", "الحاجة", "حاجة")
# "indicate" verbs in the present tense: with a subject that names no actor («تشير التقديرات إلى أن»,
# «يوضح الجدول») the text or the data speaks, not a stakeholder.
INDICATE_VERBS = ("يشير", "تشير", "يوضح", "توضح", "يبين", "تبين", "يفيد", "تفيد")
# Negation of a cue term (see ``cues.negator_before``).  Verbal particles negate a term up to
# NEGATION_WINDOW words after them in the same clause: the term may be the object or subject of the
# negated verb («لا تعالجها الآليات القائمة»), or the agent of a negated passive after its cognate
# object («ولم تعالج معالجة كافية من قبل الآليات القائمة», six words); «عدم» negates the verbal noun
# it governs and that noun's complement («عدم كفاية الآليات القائمة», two words); «غير» only the word
# right after it («غير السيادية»): «المنظمات غير الحكومية والآليات القائمة» is not a negation of the
# mechanisms.  Written in plain Arabic, keyed like the text, with an optional و/ف.
# Reporting nouns (verbal nouns of reporting verbs) that open a view as an adjunct of the clause before
# them: «أحاطت الجمعية العامة علما بالتقرير مع التسليم بضرورة …», «ورد الأمين العام من خلال دعوة …».
# Such a noun has no subject of its own; its agent is the subject of the clause it modifies (see
# ``clauses.noun_statements``).  A noun with a genitive actor after it is left out: that actor is
# the agent of «تسليم الحكومات بأن» but the addressee of «دعوة الحكومات إلى».
REPORTING_NOUNS = (
    "التسليم", "تسليم", "الاعتراف", "اعتراف", "التأكيد", "تأكيد", "التشديد", "تشديد",
    "دعوة", "الدعوة", "اقتراح", "الاقتراح", "مطالبة", "المطالبة",
)  # fmt: skip
NOUN_ADJUNCTS = ("مع", "من خلال", "عبر")  # the words that attach such a noun to the clause before it
# Circumstantial participles (حال, accusative masculine singular) do the same without a linking word:
# «وكتب الأمين العام إلى المنظمات طالبا منها …».  Feminine and other forms are left out: «طالبة» is also
# "a student", «مسلما» "a Muslim".
# Prepositions: an actor right after one is not the subject of the clause («مع الحكومات», «لدى الأمين العام»).
PREPOSITIONS = frozenset(
    light_fold(w) for w in ("من", "مع", "لدى", "عند", "بين", "نحو", "عبر", "ضد", "دون", "خلال", "قبل", "بعد", "منذ")
)
REPORTING_PARTICIPLES = ("طالبا", "داعيا", "مؤكدا", "مشيرا", "مقترحا", "مشددا", "معربا")
VERB_NEGATORS = ("لا", "لم", "لن", "ليس", "ليست", "ليسوا", "لسنا")
NOUN_NEGATORS = {"عدم": 2, "بعدم": 2, "لعدم": 2, "غير": 1, "بغير": 1}  # word -> its reach in words
NEGATION_WINDOW = 6
# Fixed phrases that hold a negation particle but affirm: «لا بد» (must), «لا سيما» (especially),
# «لا يزال» (still), «لا غنى عن» (indispensable); the word after the particle is checked.
NOT_NEGATING_NEXT = ("بد", "سيما", "يزال", "تزال", "يزالون", "زال", "زالت", "غنى", "مناص")
# Words that end a particle's reach: a new clause, or the exclusive «لا … إلا» ("only"), which affirms.
NEGATION_BARRIERS = ("أن", "بأن", "إن", "لأن", "وأن", "لكن", "ولكن", "بل", "إلا", "الذي", "التي", "الذين")


def fold(text: str) -> str:
    """The matching fold (:func:`pipeline.text.arabic.light_fold`), applied to aliases and text alike,
    on top of the pipeline's normalisation."""
    return light_fold(text)


def readings(key: str) -> list[str]:
    """The token itself and every reading with proclitics و ف, ب ك ل and the article ال removed.

    «وللحكومات» -> {وللحكومات, للحكومات, لحكومات, حكومات, الحكومات ...}.  A stripped
    reading keeps at least two letters, so short words are not reduced to noise.
    """
    return list(_readings(key))


@functools.lru_cache(maxsize=1 << 17)
def _readings(key: str) -> tuple[str, ...]:
    # cached: a run asks for the readings of the same few tens of thousands of words again and again
    # (1.01 M calls for 83 k distinct words on 50 MB of news, 4.8 s uncached)
    out = {key}
    level = {key}
    for prefixes in (("و", "ف"), ("ب", "ك", "ل")):
        nxt = set()
        for word in level:
            for p in prefixes:
                if word.startswith(p) and len(word) - len(p) >= 2:
                    nxt.add(word[len(p) :])
        out |= nxt
        level = level | nxt
    for word in list(out):
        if word.startswith("لل") and len(word) >= 4:  # ل + ال with the alef dropped
            out.add(word[2:])
            out.add("ال" + word[2:])
        if word.startswith("ال") and len(word) >= 4:
            out.add(word[2:])
    return tuple(sorted(out))


def _feminine(keys: tuple[str, ...], alias: str = "") -> bool:
    """Whether an alias (its folded, article-less keys; ``alias`` as written) is a feminine noun phrase.

    Its head ends in teh marbuta or the sound feminine plural («الحكومة», «الحكومات»), or
    its last adjective agrees in the feminine («الأمم المتحدة»).  A construct phrase -- an
    indefinite head before a definite noun, «رئيس الحكومة», «مجلس الأمن» -- takes its head's gender:
    its last word is a genitive, not an adjective.  Used for verb-subject agreement: a masculine
    verb («يدعو») cannot have a feminine phrase as its subject."""
    if not keys:
        return False
    if keys[0].endswith(("ه", "ات")):
        return True
    words = alias.split()
    construct = len(words) > 1 and not words[0].startswith("ال") and words[1].startswith(("ال", "لل"))
    return len(keys) > 1 and keys[-1].endswith("ه") and not construct


def _masculine_forms(cues: list[CueSpec], keys: Callable[[str], tuple[str, ...]]) -> set[str]:
    """Single-word cue forms marked masculine: imperfect «ي...» or a past form whose «...ت» is also listed."""
    by_lemma: dict[str, set[str]] = defaultdict(set)
    for cue in cues:
        for form in cue.forms:
            k = keys(form)
            if len(k) == 1:
                by_lemma[cue.lemma].add(k[0])
    out = set()
    for forms in by_lemma.values():
        for form in forms:
            if form.startswith("ي") or form + "ت" in forms:
                out.add(form)
    return out


def _definite_noun(key: str) -> bool:
    """A word with the article (after an optional و/ف), not a clause opener: a possible subject head."""
    if key[:1] in ("و", "ف") and key[1:3] == "ال":
        key = key[1:]
    return key.startswith("ال") and len(key) >= 4 and key not in CLAUSE_OPENERS


def stem(key: str) -> str:
    """Canonical reading of an alias token: its article removed (aliases carry no other proclitic)."""
    return key[2:] if key.startswith("ال") and len(key) >= 4 else key


@dataclass
class Mention:
    start: int  # token indices, end exclusive
    end: int
    group: str
    organisation: str | None
    feminine: bool = False  # the alias reads as a feminine noun phrase («الحكومة», «الأمم المتحدة»)


@dataclass
class CueHit:
    index: int  # token index of the verb
    spec: CueSpec
    number: int  # position of ``spec`` in the cue list


# A token holds a letter or digit (str.isalnum for one of its characters): ``\w`` less the underscore.
_ALNUM = re.compile(r"[^\W_]")
TOKEN_CACHE = 500_000  # distinct words kept per lexicon (83 k on 50 MB of news)


class Token:
    """One token of a unit: its text, the reading alias phrases match on (``lemma_``), the reading cue
    forms match on (``norm_``), and whether it holds a letter or digit (``is_word``).  The attribute
    names are spaCy's, which these tokens replaced: building a spaCy ``Doc`` per unit took 17.2 of
    the 24.4 s of actor tagging on 50 MB of news, and no spaCy pipeline component runs on it."""

    __slots__ = ("is_word", "lemma_", "norm_", "text")

    def __init__(self, text: str, lemma: str, norm: str, is_word: bool):
        self.text, self.lemma_, self.norm_, self.is_word = text, lemma, norm, is_word

    def __repr__(self) -> str:
        return f"Token({self.text!r}, lemma={self.lemma_!r}, norm={self.norm_!r})"


class PhraseTable:
    """Exact phrase matching on one token attribute, like spaCy's ``PhraseMatcher(attr=...)``: every
    occurrence of every phrase, overlapping ones included, as ``(name, start, end)`` in token indices
    (end exclusive).  A dict from a phrase's first key to its phrases: one lookup per token."""

    def __init__(self, attr: str):
        self.attr = attr
        self.first: dict[str, dict[tuple[str, ...], list[str]]] = {}

    def add(self, name: str, keys: tuple[str, ...]) -> None:
        names = self.first.setdefault(keys[0], {}).setdefault(tuple(keys), [])
        if name not in names:
            names.append(name)

    def __call__(self, tokens: list[Token]) -> list[tuple[str, int, int]]:
        values = [getattr(t, self.attr) for t in tokens]
        out = []
        for start, value in enumerate(values):
            phrases = self.first.get(value)
            if phrases is None:
                continue
            for keys, names in phrases.items():
                end = start + len(keys)
                if end <= len(values) and (len(keys) == 1 or tuple(values[start:end]) == keys):
                    out.extend((name, start, end) for name in names)
        return out


class _Lexicon:
    """Phrase matchers for aliases, cues, subject words and pole terms, all keyed the same way.

    Every token of the text gets, as its ``lemma_``, the longest of its readings
    (see :func:`readings`) that some alias, subject word or pole term uses, and as
    its ``norm_`` the reading of a cue form (only و/ف removed); phrases are then
    matched exactly on those attributes (:class:`PhraseTable`).  A token depends only on its
    text, so each distinct word is read once per lexicon (:meth:`token`).
    """

    def __init__(self, actors: ActorSpec, axes: list[AxisSpec], normalize: Callable[[str], str]):
        self.actors, self.axes = actors, axes

        self.normalize = normalize
        self._keys: dict[str, str] = {}
        self._tokens: dict[str, Token] = {}
        self.labels: dict[str, tuple] = {}
        phrases: dict[str, list[tuple[tuple, tuple[str, ...]]]] = defaultdict(list)
        seen: dict[tuple[str, ...], str] = {}
        for group, alias, org in actors.aliases:
            keys = self._phrase_keys(alias)
            if not keys:
                raise ConfigError(f"{actors.where(group, alias)}: alias {alias!r} is empty after normalisation")
            if keys in seen and seen[keys] != group:
                raise ConfigError(
                    f"{actors.where(group, alias)}: alias {alias!r} is given for both {seen[keys]!r} and {group!r}"
                )
            seen[keys] = group
            phrases["actors"].append((("actor", group, org, _feminine(keys, alias)), keys))
        self.skip_keys: dict[int, set[str]] = {}
        self.masculine: set[str] = _masculine_forms(actors.cues, lambda form: self._phrase_keys(form, verb=True))
        for number, cue in enumerate(actors.cues):
            self.skip_keys[number] = {stem(k) for s in cue.skip for k in self._phrase_keys(s)}
            for form in cue.forms:
                phrases["cues"].append((("cue", number), self._phrase_keys(form, verb=True)))
        for kind, words in (("subject", actors.quantifiers + actors.heads), ("adverb", actors.adverbs)):
            for word in words:
                phrases["words"].append(((kind,), self._phrase_keys(word)))
        for axis in axes:
            for side, terms in ((-1, axis.negative_terms), (1, axis.positive_terms)):
                for term in terms:
                    phrases["terms"].append((("term", axis.id, side, term), self._phrase_keys(term)))
        self.stems = {k for kind in ("actors", "words", "terms") for _, keys in phrases[kind] for k in keys}
        self.definition_markers = {self.key(w) for w in DEFINITION_MARKERS}
        self.term_heads = {self.key(w) for w in TERM_HEADS}
        self.refers_verbs = {self.key(w) for w in REFERS_VERBS}
        self.view_after_refers = {self.key(w) for w in VIEW_AFTER_REFERS}
        self.indicate_verbs = {self.key(w) for w in INDICATE_VERBS}
        self.ila = self.key("إلى")
        self.reporting_nouns = {self.key(w) for w in REPORTING_NOUNS}
        self.reporting_participles = {self.key(w) for w in REPORTING_PARTICIPLES}
        self.noun_adjuncts = {tuple(self.key(w) for w in phrase.split()) for phrase in NOUN_ADJUNCTS}
        self.verb_negators = {self.key(w) for w in VERB_NEGATORS}
        self.noun_negators = {self.key(w): reach for w, reach in NOUN_NEGATORS.items()}
        self.not_negating_next = {self.key(w) for w in NOT_NEGATING_NEXT}
        self.negation_barriers = {self.key(w) for w in NEGATION_BARRIERS}
        self.verbs = {k for _, keys in phrases["cues"] for k in keys}
        self.matchers = {}
        for kind in ("actors", "cues", "words", "terms"):
            matcher = PhraseTable("norm_" if kind == "cues" else "lemma_")
            for label, keys in phrases[kind]:
                if not keys:
                    continue
                name = "|".join(map(str, label))
                self.labels[name] = label
                matcher.add(name, keys)
            self.matchers[kind] = matcher

    def key(self, text: str) -> str:
        found = self._keys.get(text)
        if found is None:
            found = fold("".join(self.normalize(text).split()))
            self._keys[text] = found
        return found

    def _phrase_keys(self, phrase: str, verb: bool = False) -> tuple[str, ...]:
        keys = [self.key(m.group(0)) for m in TOKEN_RE.finditer(self.normalize(phrase))]
        keys = [k for k in keys if k]
        return tuple(keys if verb else (stem(k) for k in keys))

    def token(self, text: str) -> Token:
        """The token ``text`` with its readings (the same object for every occurrence of the word)."""
        found = self._tokens.get(text)
        if found is not None:
            return found
        key = self.key(text) or text
        known = [r for r in _readings(key) if r in self.stems]
        verb = key
        if key not in self.verbs and key[:1] in ("و", "ف") and key[1:] in self.verbs:
            verb = key[1:]
        found = Token(
            text, max(known, key=lambda r: (len(r), r)) if known else key, verb, _ALNUM.search(text) is not None
        )
        if len(self._tokens) >= TOKEN_CACHE:  # a bound on memory over very large corpora
            self._tokens.clear()
        self._tokens[text] = found
        return found

    def doc(self, text: str) -> tuple[list[Token], list[tuple[int, int]]]:
        """The tokens of ``text`` (:data:`TOKEN_RE`, readings set) and each token's character span."""
        matches = list(TOKEN_RE.finditer(text))
        token = self.token
        return [token(m.group(0)) for m in matches], [m.span() for m in matches]

    def spans(self, matcher: PhraseTable, doc: list[Token]) -> list[tuple[int, int, tuple]]:
        """Matches as (start, end, label), longest first when they overlap, in text order."""
        found = sorted(
            ((s, e, self.labels[name]) for name, s, e in matcher(doc)),
            key=lambda x: (-(x[1] - x[0]), x[0], x[2]),
        )
        taken: set[int] = set()
        kept = []
        for s, e, label in found:
            if taken.isdisjoint(range(s, e)):
                kept.append((s, e, label))
                taken.update(range(s, e))
        return sorted(kept)
