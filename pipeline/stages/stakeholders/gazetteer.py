"""Country names as speakers: «وقالت مصر إن ...», «وأكدت المملكة العربية السعودية أن ...».

A country named as the subject of a reporting verb speaks through its government, so every country
name is an alias of one group (the stage's ``country_group``, ``governments`` by default).  The names
are the Arabic territory names of the Unicode CLDR, as shipped by Babel (``babel.Locale("ar").territories``,
maintained upstream), plus the short forms news use for a few long official names (``SHORT_FORMS``).
The organisation of such a statement is the country's English CLDR name («مصر» -> "Egypt").

Left out: CLDR's regions that are not countries (``NOT_COUNTRIES``: the EU, the UN, "unknown region"
...), and names that are also common words (``COMMON_WORDS``: «مالي» is "financial", «بنين» "sons").
A name equal to an alias of the actors file is left to that file.
"""

from __future__ import annotations

import dataclasses
import functools

from pipeline.stages.stakeholders.actors import ActorSpec
from pipeline.stages.stakeholders.matching import fold, stem

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


@functools.lru_cache(maxsize=1)
def country_names() -> tuple[tuple[str, str], ...]:
    """``(Arabic name, English name)`` of every country: CLDR names (Babel) and ``SHORT_FORMS``, sorted."""
    from babel import Locale

    arabic, english = Locale("ar").territories, Locale("en").territories
    out = set()
    for code, name in arabic.items():
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES and name not in COMMON_WORDS:
            out.add((name, english.get(code, code)))
            out.update((short, english.get(code, code)) for short in SHORT_FORMS.get(code, ()))
    return tuple(sorted(out))


def with_countries(actors: ActorSpec, group: str | None) -> ActorSpec:
    """``actors`` with every country name (:func:`country_names`) as an alias of ``group``.

    Unchanged when ``group`` is None or not a group of ``actors``; a country name that is already an
    alias (of any group) keeps its group from the actors file."""
    if group is None or group not in actors.groups:
        return actors
    taken = {_key(alias) for _, alias, _ in actors.aliases}
    extra = [(group, name, english) for name, english in country_names() if _key(name) not in taken]
    return dataclasses.replace(actors, aliases=[*actors.aliases, *extra])


def _key(alias: str) -> tuple[str, ...]:
    """An alias as the matcher compares it (folded, article removed), for telling names apart."""
    return tuple(stem(fold(word)) for word in alias.split())
