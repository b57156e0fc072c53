"""Country names as speakers: «وقالت مصر إن ...», «وأكدت المملكة العربية السعودية أن ...».

A country named as the subject of a reporting verb speaks through its government, so every country
name is an alias of one group (the stage's ``country_group``, ``governments`` by default).  The names
are the Arabic territory names of the Unicode CLDR, as shipped by Babel (``babel.Locale("ar").territories``,
maintained upstream), plus the short forms news use for a few long official names (``SHORT_FORMS``).
The organisation of such a statement is the country's English CLDR name («مصر» -> "Egypt").

Left out: CLDR's regions that are not countries (``NOT_COUNTRIES``: the EU, the UN, "unknown region"
...), and names that are also common words (``COMMON_WORDS``: «مالي» is "financial", «بنين» "sons").
A name equal to an alias of the actors file is left to that file.

Beyond the names (:func:`state_mentions`, matched per unit): a title of state office with a country's
adjective or name («الرئيس الأميركي», «أمير قطر») is a mention of the same group; the country
adjectives (nisba) are derived from the same CLDR names (:func:`country_adjectives`); and a body whose
name has the shape of a regional or international organisation («البنك الإسلامي للتنمية», «الاتحاد
الأوروبي») is a mention of the ``body_group`` (``intergovernmental``).  Each list below says what it
leaves out and why.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from pipeline.stages.stakeholders.actors import ActorSpec
from pipeline.stages.stakeholders.matching import Mention, _Lexicon, _readings, fold, stem

NOT_COUNTRIES = frozenset(("ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"))
COMMON_WORDS = frozenset(("مالي", "بنين"))
# Short forms of long official names that news use more than the CLDR name, and the bare «المملكة»
# of Saudi and Moroccan news («وأكدت المملكة أن ...»: the kingdom of the paper's own country).
SHORT_FORMS = {
    "SA": ("السعودية", "المملكة"),
    "AE": ("الإمارات",),
    "US": ("أمريكا", "أميركا", "الولايات المتحدة الأمريكية", "الولايات المتحدة الأميركية"),
    "GB": ("بريطانيا",),
    "PS": ("فلسطين", "دولة فلسطين"),
}


# Seats of government that news name for the government («وقال البيت الأبيض إن», «وأعلن الكرملين»).
SEATS = {
    "البيت الأبيض": "US",
    "البنتاغون": "US",
    "البنتاجون": "US",
    "الكرملين": "RU",
    "الإليزيه": "FR",
    "قصر الإليزيه": "FR",
    "داونينغ ستريت": "GB",
}


@functools.lru_cache(maxsize=1)
def country_names() -> tuple[tuple[str, str], ...]:
    """``(Arabic name, English name)`` of every country: CLDR names (Babel) and ``SHORT_FORMS``, sorted."""
    from babel import Locale

    english = Locale("en").territories
    return tuple(sorted({(name, english.get(code, code)) for name, code in _names_by_code()}))


def seat_names() -> tuple[tuple[str, str], ...]:
    """``(Arabic name, English country name)`` of ``SEATS``."""
    from babel import Locale

    english = Locale("en").territories
    return tuple(sorted((name, english[code]) for name, code in SEATS.items()))


@functools.cache
def place_organisations() -> frozenset[str]:
    """The organisations of place mentions (countries and seats of government): their English names.
    After «في» such a mention is where the subject is («الشركة في مصر»), not whom it works for
    («كبير الاقتصاديين في البنك الدولي»)."""
    return frozenset(english for _, english in (*country_names(), *seat_names()))


AFFILIATION_WORDS = ("في", "من", "لدى", "باسم")  # «مسؤول في الحكومة», «خبير من البنك الدولي», «المتحدث باسم الوزارة»


def employers(mention_at: dict[int, Mention], keys: list[str], start: int, end: int) -> list[Mention]:
    """The mentions inside a subject span ``[start, end)`` that say whom its head speaks for: right after
    one of ``AFFILIATION_WORDS`` (``keys``: the tokens' keys) and no place (:func:`place_organisations`):
    «كبير الاقتصاديين في البنك الدولي» speaks for the World Bank, «المتحدث في الرياض» for nobody named."""
    places = place_organisations()

    def after_affiliation(t: int) -> bool:
        # «في البنك الدولي», or a construct noun before a definite genitive: «في منظمات المجتمع المدني» (not
        # «في اجتماع لوزراء الخارجية»: an event, the ministers its genitive); or the genitive of an office
        # itself: «محافظ البنك المركزي», «رئيس اتحاد الصناعات»
        if t == start + 1:
            return not keys[start].startswith("ال")
        return keys[t - 1] in AFFILIATION_WORDS or (
            t - 2 > start
            and keys[t - 2] in AFFILIATION_WORDS
            and not keys[t - 1].startswith("ال")
            and keys[t].startswith("ال")
        )

    return [
        mention_at[t]
        for t in range(start + 1, end)
        if t in mention_at and after_affiliation(t) and mention_at[t].organisation not in places
    ]


def with_countries(actors: ActorSpec, group: str | None, body_group: str | None = "intergovernmental") -> ActorSpec:
    """``actors`` with every country name (:func:`country_names`) and seat of government (``SEATS``) as an
    alias of ``group``, state titles
    with a country (``STATE_TITLES``) read as ``group`` and regional bodies (``BODY_HEADS``) as ``body_group``
    (see :func:`state_mentions`).

    Each part is left out when its group is None or not a group of ``actors`` (``actors`` itself is
    returned when both are); a country name that is already an alias (of any group) keeps its group
    from the actors file."""
    group = group if group in actors.groups else None
    body_group = body_group if body_group in actors.groups else None
    if group is None and body_group is None:
        return actors
    aliases = actors.aliases
    if group is not None:
        taken = {_key(alias) for _, alias, _ in actors.aliases}
        names = [*country_names(), *seat_names()]
        aliases = [*aliases, *((group, name, en) for name, en in names if _key(name) not in taken)]
    return dataclasses.replace(actors, aliases=aliases, country_group=group, body_group=body_group)


def _key(alias: str) -> tuple[str, ...]:
    """An alias as the matcher compares it (folded, article removed), for telling names apart."""
    return tuple(stem(fold(word)) for word in alias.split())


# -- country adjectives and state titles -----------------------------------------------------------
#
# A nisba (relational adjective) names a country as well as its name does: «الرئيس الأميركي», «وزير
# الخارجية السعودي», «الحكومة المصرية», «السلطات الإيرانية».  The forms are derived from the CLDR names
# above by the regular rule of Arabic grammar (the article dropped; a final «ا», «ة» or the «ا» of «-يا»
# dropped; «ي» added unless the stem already ends in it: «مصر» -> «مصري», «سوريا» -> «سوري», «كندا» ->
# «كندي», «السعودية» -> «سعودي», «الإمارات» -> «إماراتي»), from single-word names only, plus the
# irregular ones (``IRREGULAR_ADJECTIVES``: «النمسا» -> «نمساوي», «أفغانستان» -> «أفغاني», two-word forms
# of two-word names).  Each masculine form gives the feminine («-ية») and the sound plurals («-يون»,
# «-يين»).  «المملكة» (a short form, "the kingdom") makes no adjective.
IRREGULAR_ADJECTIVES = {
    "AT": ("نمساوي",),
    "AF": ("أفغاني",),
    "DK": ("دنماركي",),
    "BA": ("بوسني",),
    "KR": ("كوري جنوبي",),
    "KP": ("كوري شمالي",),
    "ZA": ("جنوب أفريقي", "جنوب إفريقي"),
    "SS": ("جنوب سوداني",),
    "CF": ("أفريقي أوسطي",),
}
NO_ADJECTIVE = frozenset(("المملكة",))


def _masculine_adjective(name: str) -> str:
    """The regular masculine nisba of a one-word country name (see above)."""
    stem_ = name[2:] if name.startswith("ال") else name
    if stem_.endswith(("ا", "ة")):  # «سوريا» -> «سوري», «كندا» -> «كند», «السعودية» -> «سعودي»
        stem_ = stem_[:-1]
    return stem_ if stem_.endswith("ي") else stem_ + "ي"


def _inflections(masculine: str) -> tuple[str, ...]:
    """Masculine, feminine and sound plural forms of a nisba; each word of a two-word form inflects."""
    words = masculine.split()
    return tuple(" ".join(w + ending for w in words) for ending in ("", "ة", "ون", "ين"))


@functools.lru_cache(maxsize=1)
def country_adjectives() -> tuple[tuple[str, str], ...]:
    """``(adjective form, English country name)``: every form of every country's nisba, sorted."""
    from babel import Locale

    english = Locale("en").territories
    by_code: dict[str, set[str]] = {}
    for name, code in _names_by_code():
        if " " not in name and name not in NO_ADJECTIVE:
            by_code.setdefault(code, set()).add(_masculine_adjective(name))
    for code, forms in IRREGULAR_ADJECTIVES.items():
        by_code.setdefault(code, set()).update(forms)
    out = set()
    for code, forms in by_code.items():
        for masculine in forms:
            out.update((form, english.get(code, code)) for form in _inflections(masculine))
    return tuple(sorted(out))


@functools.lru_cache(maxsize=1)
def _names_by_code() -> tuple[tuple[str, str], ...]:
    """``(Arabic name, territory code)`` of :func:`country_names`' countries."""
    from babel import Locale

    out = set()
    for code, name in Locale("ar").territories.items():
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES and name not in COMMON_WORDS:
            out.add((name, code))
            out.update((short, code) for short in SHORT_FORMS.get(code, ()))
    return tuple(sorted(out))


# Titles of state office that speak for their country's government when a country names them: followed
# by its nisba («الرئيس الأميركي», «السفارة الفرنسية», «مسؤول إسرائيلي») or its name («أمير الكويت»,
# «ملك المغرب»).  Alone they name no group: «الرئيس» may chair a company.  «مسؤول» ("official"): news
# call a state's officials so («قال مسؤول أمريكي»); an official of a company is named by the company.
STATE_TITLES = (
    "رئيس", "نائب رئيس", "أمير", "ملك", "عاهل", "ولي العهد", "ولي عهد", "سفير", "سفارة", "الرئاسة",
    "نائب الرئيس", "الخارجية", "مسؤول", "مسؤولون", "مسؤولين", "الجانب",
    "مبعوث", "دبلوماسي", "دبلوماسيون", "دبلوماسيين", "جيش", "شرطة", "برلمان", "قوات", "سلطات",
)  # fmt: skip
# «قوات», «سلطات»: plurals of things, which take a feminine singular adjective («القوات الروسية»).
FEMININE_PLURAL_TITLES = ("قوات", "سلطات")
# «الجانب الإيراني» (the Iranian side) speaks for its state as a title does.
# «أمير» with a country's name is its ruler («أمير قطر»), with an adjective any prince («الأمير السعودي»).
NAME_ONLY_TITLES = ("أمير",)

# Regional and international bodies not in the actors file: a body's head noun, then a modifier of
# international or regional scope (``BODY_SCOPES``; optionally after one definite word), then for some heads
# a «لل»-complement: «البنك الإسلامي للتنمية», «صندوق النقد العربي», «بنك التنمية الآسيوي», «الاتحاد
# الأوروبي», «مجلس الأمن الدولي», «المنظمة الدولية للهجرة».  Per head (``BODY_HEADS``): its gender,
# the scopes it takes (None: all), whether a complement belongs to the name, and whether it needs the word
# between or the complement.  Chosen on ANT news (all six categories; the bench lists what it finds):
# a bank or fund needs the word between or the complement (a commercial bank has neither: «البنك
# العربي», «بنك دبي الإسلامي», whose word between has no article); a union (اتحاد) of states is
# European, African or of the Gulf -- «الاتحاد الدولي», «الاتحاد الآسيوي» are federations of sports
# clubs; a council (مجلس) with «العربي», «الإسلامي», «العالمي» or «الإقليمي» is national or private
# («مجلس الشورى الإسلامي», «مجلس الأزياء العربي», «المجلس العالمي للنقل النظيف», an Israeli «المجلس
# الإقليمي»), and a complement after a council or union is not part of its name («المجلس
# الأوروبي للعلاقات الخارجية» is a think tank: read as the European Council).
# Left out: sport anywhere in the name («الاتحاد الأوروبي لكرة القدم», «اللجنة الأولمبية الدولية»),
# two NGOs of the same shape («منظمة العفو الدولية», «منظمة الشفافية الدولية»), and a country adjective
# after the scope (a national body: «البنك الإسلامي الأردني»).
UNIONS = ("أوروبي", "أوروبى", "اوروبي", "أفريقي", "إفريقي", "خليجي")
COUNCILS = ("دولي", "أوروبي", "أوروبى", "اوروبي", "خليجي", "أممي")
BODY_HEADS = {  # head: (feminine, scopes or None for all, complement is part of the name, needs word between or complement)
    "بنك": (False, None, True, True),
    "صندوق": (False, None, True, True),
    "منظمة": (True, None, True, False),
    "هيئة": (True, None, True, False),
    "وكالة": (True, None, True, False),
    "اتحاد": (False, UNIONS, False, False),
    "مجلس": (False, COUNCILS, False, False),
}
BODY_SCOPES = (
    "دولي", "عالمي", "عربي", "إسلامي", "أفريقي", "إفريقي", "آسيوي", "أوروبي", "أوروبى", "خليجي", "إقليمي", "أممي",
)  # fmt: skip
NOT_STATE_BODIES = (
    "كرة", "لكرة", "للعبة", "الألعاب", "للألعاب", "الأولمبية", "الأولمبي", "الرياضة", "للرياضة", "الرياضي",
    "العفو", "الشفافية",
)  # fmt: skip
# Sport news call UEFA and CAF «الاتحاد الأوروبي», «الاتحاد الأفريقي» without «لكرة القدم»: a union is read
# as a union of states only in a paragraph with none of these words.
SPORT_WORDS = (
    "كرة", "مباراة", "لاعب", "نادي", "الدوري", "منتخب", "بطولة", "التحكيم", "ملعب", "فيفا", "يويفا",
    "ويفا", "الكاف", "كاف",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class _Tables:
    """The lists above keyed like a lexicon's text (stemmed keys), built once per lexicon."""

    adjectives: dict[tuple[str, ...], str]  # nisba keys -> English country name
    adjective_first: frozenset[str]
    titles: tuple[tuple[str, ...], ...]  # longest first
    title_first: frozenset[str]
    feminine_titles: frozenset[tuple[str, ...]]
    name_only: frozenset[tuple[str, ...]]
    countries: frozenset[str]  # English names of countries (a mention's organisation)
    heads: dict[str, tuple[bool, frozenset[str], bool, bool]]  # body head key -> BODY_HEADS' entry, keyed
    unions: frozenset[str]  # the scopes of «اتحاد»
    scopes: frozenset[str]
    not_state: frozenset[str]
    sport: frozenset[str]


def _tables(lexicon: _Lexicon) -> _Tables:
    found = lexicon.__dict__.get("_gazetteer_tables")
    if found is not None:
        return found

    def keys(phrase: str) -> tuple[str, ...]:
        return tuple(stem(lexicon.key(word)) for word in phrase.split())

    adjectives = {keys(form): english for form, english in country_adjectives()}
    titles = tuple(sorted({keys(t) for t in STATE_TITLES}, key=len, reverse=True))

    def scope_keys(words: tuple[str, ...]) -> frozenset[str]:
        return frozenset(stem(lexicon.key(w + ending)) for w in words for ending in ("", "ة"))

    scopes = scope_keys(BODY_SCOPES)
    heads = {
        stem(lexicon.key(head)): (feminine, scopes if allowed is None else scope_keys(allowed), complement, more)
        for head, (feminine, allowed, complement, more) in BODY_HEADS.items()
    }
    found = _Tables(
        adjectives=adjectives,
        adjective_first=frozenset(k[0] for k in adjectives),
        titles=titles,
        title_first=frozenset(t[0] for t in titles),
        feminine_titles=frozenset(
            t for t in titles if t[0].endswith("ه") or t in {keys(w) for w in FEMININE_PLURAL_TITLES}
        ),
        name_only=frozenset(keys(t) for t in NAME_ONLY_TITLES),
        countries=frozenset(english for _, english in country_names()),
        heads=heads,
        unions=heads[stem(lexicon.key("اتحاد"))][1],
        scopes=scopes,
        not_state=frozenset(stem(lexicon.key(w)) for w in NOT_STATE_BODIES),
        sport=frozenset(stem(lexicon.key(w)) for w in SPORT_WORDS),
    )
    lexicon.__dict__["_gazetteer_tables"] = found
    return found


def country_adjective_at(doc: Any, lexicon: _Lexicon, t: int) -> tuple[int, str] | None:
    """``(end, English country name)`` of a country nisba starting at token ``t`` («المصرية», «الكوري
    الجنوبي»), or None."""
    tables = _tables(lexicon)
    if t >= len(doc) or stem(lexicon.key(doc[t].text)) not in tables.adjective_first:
        return None
    for size in (2, 1):
        if t + size <= len(doc):
            found = tables.adjectives.get(tuple(stem(lexicon.key(doc[u].text)) for u in range(t, t + size)))
            if found is not None:
                return t + size, found
    return None


def state_mentions(doc: Any, lexicon: _Lexicon, mentions: list[Mention]) -> list[Mention]:
    """``mentions`` with the mentions of state titles (``STATE_TITLES``, group ``country_group``) and of
    regional bodies (``BODY_HEADS``, group ``body_group``) of the actors (see :func:`with_countries`)
    added, in text order; a new mention replaces the mentions inside it (the country of «أمير الكويت»).

    ``doc``: the unit's tokens (:class:`matching.Token`)."""
    actors = lexicon.actors
    if actors.country_group is None and actors.body_group is None:
        return mentions
    tables = _tables(lexicon)
    covered = {t: mention for mention in mentions for t in range(mention.start, mention.end)}
    added = []
    t = 0
    while t < len(doc):
        new = None
        starts = None if t in covered else _starts(lexicon, tables, doc[t].text)
        if starts is not None:
            readings_ = set(_readings(lexicon.key(doc[t].text)))
            # not right after another mention: «وزير الخارجية السعودي» is one phrase, «الخارجية» its genitive
            after_mention = t - 1 in covered
            if actors.country_group is not None and not after_mention and readings_ & tables.title_first:
                new = _title_at(doc, lexicon, t, tables, covered, actors.country_group)
            if new is None and actors.body_group is not None and readings_ & tables.heads.keys():
                new = _body_at(doc, lexicon, t, tables, readings_, actors.body_group)
        if new is not None and all(
            covered[u].start >= t and covered[u].end <= new.end for u in range(t, new.end) if u in covered
        ):
            added.append(new)
            t = new.end
        else:
            t += 1
    if not added:
        return mentions
    spans = [(m.start, m.end) for m in added]
    kept = [m for m in mentions if not any(s <= m.start and m.end <= e for s, e in spans)]
    return sorted(kept + added, key=lambda m: m.start)


FIRST_WORDS = 500_000  # distinct words whose first-word test is kept per lexicon (see matching.TOKEN_CACHE)


def _starts(lexicon: _Lexicon, tables: _Tables, text: str) -> bool | None:
    """True when the word ``text`` may open a state title or a body (one of its readings is a first word),
    else None; kept per word, so each distinct word is read once per lexicon."""
    cache = lexicon.__dict__.setdefault("_gazetteer_starts", {})
    found = cache.get(text, False)
    if found is False:
        readings_ = _readings(lexicon.key(text))
        found = True if any(r in tables.title_first or r in tables.heads for r in readings_) else None
        if len(cache) >= FIRST_WORDS:
            cache.clear()
        cache[text] = found
    return found


def is_state_title(doc: Any, lexicon: _Lexicon, mention: Mention) -> bool:
    """``mention`` is a state title with its country (:func:`state_mentions`: «الرئيس الأميركي»; not an
    alias of the actors file such as «رئيس الوزراء»)."""
    tables = _tables(lexicon)
    return mention.organisation in tables.countries and bool(
        tables.title_first.intersection(_readings(lexicon.key(doc[mention.start].text)))
    )


def opens_with_title(doc: Any, lexicon: _Lexicon, mention: Mention) -> bool:
    """``mention`` opens with a word of a state title (``STATE_TITLES``), with or without its country:
    «ولي العهد السعودي», and the actors file's «ولي العهد», «رئيس الجمهورية»: a person's title."""
    return bool(_tables(lexicon).title_first.intersection(_readings(lexicon.key(doc[mention.start].text))))


def _title_at(doc: Any, lexicon: _Lexicon, t: int, tables: _Tables, covered: dict, group: str) -> Mention | None:
    """A state title at token ``t`` followed by a country adjective or a country's name, or None."""
    first = set(_readings(lexicon.key(doc[t].text)))
    for title in tables.titles:
        end = t + len(title)
        if end >= len(doc) or title[0] not in first:
            continue
        if any(stem(lexicon.key(doc[u].text)) != title[u - t] for u in range(t + 1, end)):
            continue
        adjective = None if title in tables.name_only else country_adjective_at(doc, lexicon, end)
        if adjective is not None and _agrees(title, lexicon.key(doc[adjective[0] - 1].text), tables):
            return Mention(t, adjective[0], group, adjective[1], title in tables.feminine_titles)
        country = covered.get(end)
        if country is not None and country.start == end and country.organisation in tables.countries:
            return Mention(t, country.end, group, country.organisation, title in tables.feminine_titles)
    return None


def _agrees(title: tuple[str, ...], adjective: str, tables: _Tables) -> bool:
    """The adjective (its last word's key) agrees with the title: feminine «-ية» after a feminine title,
    the plural «-يون/-يين» after a plural one, the masculine «-ي» after the others."""
    if title in tables.feminine_titles:
        return adjective.endswith("ه")
    if title[-1].endswith(("ون", "ين")):
        return adjective.endswith(("ون", "ين"))
    return adjective.endswith("ي")


def _body_at(doc: Any, lexicon: _Lexicon, t: int, tables: _Tables, first: set[str], group: str) -> Mention | None:
    """A regional or international body at token ``t`` (see ``BODY_HEADS``), or None."""
    head = next(h for h in tables.heads if h in first)
    feminine, scopes, takes_complement, needs_more = tables.heads[head]
    n = len(doc)
    u = t + 1
    between = False
    if u < n and stem(lexicon.key(doc[u].text)) not in tables.scopes and _definite(lexicon.key(doc[u].text)):
        u, between = u + 1, True
    if u >= n or stem(lexicon.key(doc[u].text)) not in scopes:
        return None
    end = u + 1
    # «للتنمية», «للهجرة»: a definite «لل» noun names the body's field; «لإيجاد», «لعام» do not
    complement = takes_complement and end < n and lexicon.key(doc[end].text).startswith("لل")
    if complement:
        end += 1
    if needs_more and not (between or complement):
        return None  # «البنك العربي»: a commercial bank
    window = {stem(lexicon.key(doc[v].text)) for v in range(t + 1, min(n, end + 2))}
    if window & tables.not_state or country_adjective_at(doc, lexicon, end) is not None:
        return None  # sport, an NGO, a national body
    if scopes is tables.unions and any(tables.sport.intersection(_readings(lexicon.key(tok.text))) for tok in doc):
        return None  # «الاتحاد الأوروبي» in a paragraph on football: UEFA
    words = [doc[v].text for v in range(t, end)]
    return Mention(t, end, group, " ".join([_without_proclitic(words[0]), *words[1:]]), feminine)


def _definite(key: str) -> bool:
    return key.startswith("ال") and len(key) >= 4


def _without_proclitic(word: str) -> str:
    """«للاتحاد» -> «الاتحاد», «والبنك» -> «البنك», for the organisation's name."""
    if word.startswith("لل"):
        return "ال" + word[2:]
    if word[:1] in ("و", "ف", "ب", "ل", "ك") and word[1:3] == "ال":
        return word[1:]
    return word
