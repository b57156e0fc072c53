"""Compare the stemmers FeatureTokeniser offers, to choose its default by measurement.

For each stemmer the features of a word (normalise -> stop words -> clitics -> stem, exactly as
the pipeline computes them) are scored on:

* quality, on tests/fixtures/stem_groups.tsv (~100 hand-made groups of inflected forms of one
  lemma, all attested in the seed or the news sample):
  - collapsed: share of groups whose forms all get one and the same feature;
  - pair recall: share of same-lemma form pairs that get the same feature;
  - collisions: pairs of groups of *different* families that share a feature (unrelated
    lemmas merged, e.g. معلومات with علم); merges inside a family (دولة with دولي, a noun and
    its nisba adjective) are counted apart because they do little harm to topic features;
  - seed terms: the three pairs the theme stage relies on (البيانات/بيانات, الشخصية/الشخصي,
    الإنترنت/بالإنترنت/للإنترنت);
* vocabulary reduction: 1 - distinct features / distinct (unstemmed) content words, on the
  repaired seed plus the first MB of the news sample;
* speed: distinct words stemmed per second (no cache).

Usage: ``python bench/compare_stemmers.py [--news-mb 2]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.errors import ConfigError  # noqa: E402
from pipeline.stages.normalise import CamelNormaliser  # noqa: E402
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair  # noqa: E402
from pipeline.stages.tokenise import FeatureTokeniser, make_stemmer  # noqa: E402

GROUPS = ROOT / "tests" / "fixtures" / "stem_groups.tsv"
SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
NEWS = ROOT.parent / "shared" / "data" / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
STEMMERS = ("none", "light", "snowball", "arlstem2", "farasa")
SEED_TERMS = (("البيانات", "بيانات"), ("الشخصية", "الشخصي"), ("الإنترنت", "بالإنترنت", "للإنترنت"))


def read_groups(path: Path = GROUPS) -> list[tuple[str, str, list[str]]]:
    """(lemma, family, forms) per line of the fixture."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("lemma\t") or not line.strip():
            continue
        lemma, _root, family, forms = line.split("\t")
        groups.append((lemma, family, forms.split()))
    return groups


def corpus_texts(news_mb: float) -> Iterator[str]:
    """The repaired seed, then news texts up to ``news_mb`` MB (if the shared data is there)."""
    seed = SEED.read_text(encoding="utf-8")
    yield PdfArtefactRepair().fit(seed).repair(seed)
    if not NEWS.exists():
        print(f"note: {NEWS} absent; vocabulary measured on the seed only", file=sys.stderr)
        return
    budget = news_mb * 1e6
    with NEWS.open(encoding="utf-8") as lines:
        for line in lines:
            text = json.loads(line)["text"]
            budget -= len(text.encode())
            yield text
            if budget <= 0:
                return


def feature_of(tokeniser: FeatureTokeniser, normaliser: CamelNormaliser, word: str) -> str:
    features = tokeniser.features(normaliser.normalise(word))
    return features[0] if len(features) == 1 else ""


def score_groups(name: str, normaliser: CamelNormaliser, groups) -> dict[str, object]:
    tokeniser = FeatureTokeniser(stemmer=name)
    stems = [{feature_of(tokeniser, normaliser, form) for form in forms} for _, _, forms in groups]
    collapsed = sum(len(found) == 1 and "" not in found for found in stems)
    same = total = 0
    for (_, _, forms), _found in zip(groups, stems, strict=True):
        features = [feature_of(tokeniser, normaliser, form) for form in forms]
        for left, right in itertools.combinations(features, 2):
            total += 1
            same += bool(left) and left == right
    collisions, family_merges = [], 0
    for a, b in itertools.combinations(range(len(groups)), 2):
        shared = (stems[a] & stems[b]) - {""}
        if not shared:
            continue
        if groups[a][1] == groups[b][1]:
            family_merges += 1
        else:
            collisions.append(f"{groups[a][0]}~{groups[b][0]}")
    seed_ok = sum(len({feature_of(tokeniser, normaliser, w) for w in terms} - {""}) == 1 for terms in SEED_TERMS)
    return {
        "collapsed": collapsed / len(groups),
        "pair_recall": same / total,
        "collisions": collisions,
        "family_merges": family_merges,
        "seed_terms": f"{seed_ok}/{len(SEED_TERMS)}",
    }


def content_words(normaliser: CamelNormaliser, texts: list[str]) -> list[str]:
    """Distinct Arabic non-stop words of the corpus, in order of first occurrence."""
    plain = FeatureTokeniser(stemmer="none")
    seen: dict[str, None] = {}
    for text in texts:
        seen.update(dict.fromkeys(plain.features(normaliser.normalise(text))))
    return list(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news-mb", type=float, default=1.0, help="MB of the news sample for vocabulary and speed")
    args = parser.parse_args()

    normaliser = CamelNormaliser()
    groups = read_groups()
    words = content_words(normaliser, list(corpus_texts(args.news_mb)))
    print(
        f"sample: {len(groups)} lemma groups, {sum(len(forms) for _, _, forms in groups)} forms; "
        f"vocabulary: {len(words)} distinct content words (seed + {args.news_mb:g} MB news)\n"
    )

    rows = []
    for name in STEMMERS:
        try:
            stem = make_stemmer(name)
        except ConfigError as exc:  # farasa is optional
            print(f"skipped {name}: {exc}\n")
            continue
        stem("كتاب")  # load models/tables outside the timing
        started = time.perf_counter()
        stems = {stem(word) for word in words}
        elapsed = time.perf_counter() - started
        scores = score_groups(name, normaliser, groups)
        rows.append((name, scores, 1 - len(stems) / len(words), len(words) / elapsed))

    print(
        "| stemmer | groups collapsed | pair recall | unrelated collisions | family merges | seed terms | vocab reduction | words/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, scores, reduction, speed in rows:
        print(
            f"| {name} | {scores['collapsed']:.0%} | {scores['pair_recall']:.0%} | {len(scores['collisions'])} | "
            f"{scores['family_merges']} | {scores['seed_terms']} | {reduction:.0%} | {speed:,.0f} |"
        )
    print()
    for name, scores, _, _ in rows:
        if scores["collisions"]:
            print(f"{name} collisions: {', '.join(scores['collisions'])}")


if __name__ == "__main__":
    main()
