"""Theme evaluation: per-theme precision / recall / F1 / AUROC, macro-F1 with bootstrap intervals.

Two uses:

* :func:`evaluate_run` scores a finished run's ``units.jsonl`` against a gold JSONL
  (``python -m pipeline evaluate-themes``).
* :func:`compare_on_devset` runs every theme method on a blind-labelled development split
  (:func:`pipeline.evaluate.devsets.load_theme_devset`) and reports macro-F1 with a bootstrap 95%
  interval per method, the paired difference to the keyword baseline and to always-most-frequent,
  overall and per document type (policy, news).

How the development split is scored: each gold paragraph becomes its own unit (kind ``paragraph``)
of a corpus made of the split's paragraphs only, taken through the configured normalise and tokenise
stages (the texts are markdown and news, not PDF text, so the repair stage is not applied); the theme
stage then runs on that corpus as in a run.  Corpus-level fitting (phrases, topic models, the
calibration of thresholds) therefore sees only those paragraphs, never their labels.

Macro-F1 on a split is the mean over the themes that have at least one gold paragraph in that split
(a theme absent from the split has an undefined recall).  The bootstrap resamples paragraphs
(``n_boot`` resamples, seeded); a paired difference resamples the same paragraphs for both methods.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import atomic, outputs
from pipeline.errors import InputError

# ---------------------------------------------------------------- per-theme scores


@dataclass
class ThemeEval:
    theme: str
    support: int
    predicted: int
    precision: float
    recall: float
    f1: float
    auroc: float | None


@dataclass
class Evaluation:
    rows: list[ThemeEval]
    units: int
    missing: list[str] = field(default_factory=list)

    @property
    def scored(self) -> list[ThemeEval]:
        """The themes the macro average is over: those the gold or the run gives to some unit (a theme
        with neither has no F1 to speak of; counting it as 0 would lower macro-F1 for nothing)."""
        return [r for r in self.rows if r.support or r.predicted]

    @property
    def macro_f1(self) -> float:
        return float(np.mean([r.f1 for r in self.scored])) if self.scored else 0.0

    @property
    def macro_auroc(self) -> float | None:
        values = [r.auroc for r in self.rows if r.auroc is not None]
        return float(np.mean(values)) if values else None

    def table(self) -> str:
        lines = [f"{'theme':<20} {'support':>7} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'AUROC':>6}"]
        for r in self.rows:
            auc = "  n/a" if r.auroc is None else f"{r.auroc:6.3f}"
            scores = f"{r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}" if r.support or r.predicted else f"{'n/a':>20}"
            lines.append(f"{r.theme:<20} {r.support:>7} {r.predicted:>5} {scores} {auc}")
        auc = "n/a" if self.macro_auroc is None else f"{self.macro_auroc:.3f}"
        left = len(self.rows) - len(self.scored)
        over = f" (over {len(self.scored)} themes; {left} with no gold unit and no prediction left out)" if left else ""
        lines.append(f"macro-F1 {self.macro_f1:.3f}{over}  macro-AUROC {auc}  units {self.units}")
        if self.missing:
            lines.append(f"missing from the run: {len(self.missing)} gold units ({', '.join(self.missing[:5])})")
        return "\n".join(lines)


def read_gold(path: Path) -> dict[str, list[str]]:
    """``{"unit_id": ..., "themes": [...]}`` per line -> unit id -> theme ids.

    Raises InputError naming the file and line (``gold.jsonl:3: not JSON: ...``) for a file that
    is missing, unreadable, not UTF-8, not JSON lines, or not gold records."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: expected a gold file, found a folder")
    if not path.is_file():
        raise InputError(f"{path}: gold file not found")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read gold file: {exc.strerror}") from None
    gold: dict[str, list[str]] = {}
    for n, raw in enumerate(data.split(b"\n"), 1):
        try:  # line by line, so a binary file is reported at its first bad line
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}:{n}: not UTF-8 text (byte {exc.start + 1} of the line); expected JSON lines"
            ) from None
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON: {exc.msg} (column {exc.colno})") from None
        except RecursionError:
            raise InputError(f"{path}:{n}: not a gold record: JSON nested too deeply") from None
        if not isinstance(record, dict) or not isinstance(record.get("unit_id"), str):
            raise InputError(f"{path}:{n}: expected an object with a string 'unit_id'")
        themes = record.get("themes")
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise InputError(f"{path}:{n}: 'themes' must be a list of theme ids")
        gold[record["unit_id"]] = themes
    if not gold:
        raise InputError(f"{path}: no gold labels")
    return gold


def evaluate(
    predicted: dict[str, list[str]],
    scores: dict[str, dict[str, float]],
    gold: dict[str, list[str]],
    theme_ids: list[str] | None = None,
) -> Evaluation:
    """Per-theme P/R/F1 of ``predicted`` and AUROC of ``scores`` against ``gold``."""
    from sklearn.metrics import roc_auc_score

    ids = theme_ids or sorted({t for ts in gold.values() for t in ts})
    units = sorted(gold)
    missing = [u for u in units if u not in predicted]
    rows = []
    for tid in ids:
        truth = np.array([tid in gold[u] for u in units])
        pred = np.array([tid in predicted.get(u, []) for u in units])
        score = np.array([scores.get(u, {}).get(tid, 0.0) for u in units])
        tp = int((truth & pred).sum())
        p = tp / pred.sum() if pred.sum() else 0.0
        r = tp / truth.sum() if truth.sum() else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        auroc = float(roc_auc_score(truth, score)) if 0 < truth.sum() < len(truth) else None
        rows.append(ThemeEval(tid, int(truth.sum()), int(pred.sum()), p, r, f1, auroc))
    return Evaluation(rows, len(units), missing)


def evaluate_run(output_dir: Path, gold_path: Path) -> str:
    """Score ``output_dir/units.jsonl`` against a gold JSONL; returns the printed table."""
    gold = read_gold(gold_path)  # the user's file is checked first: its mistakes need no run to show
    units_path = outputs.path(output_dir, "units")
    if not units_path.is_file():
        raise InputError(f"{units_path}: no run output found; run the pipeline first")
    predicted, scores = {}, {}
    for record in atomic.read_jsonl(units_path):
        predicted[record["unit_id"]] = record.get("themes") or []
        scores[record["unit_id"]] = record.get("theme_scores") or {}
    run_themes = {t for s in scores.values() for t in s}
    unknown = sorted({t for ts in gold.values() for t in ts} - run_themes)
    if run_themes and unknown:  # a typo in the gold would be scored as a theme the run never predicts
        raise InputError(
            f"{gold_path}: theme ids not in this run's taxonomy: {', '.join(unknown[:10])}; "
            f"the run's themes: {', '.join(sorted(run_themes))}"
        )
    theme_ids = sorted(run_themes | {t for ts in gold.values() for t in ts})
    return evaluate(predicted, scores, gold, theme_ids).table()


# ---------------------------------------------------------------- macro-F1 and its bootstrap


def indicator(labels: list[list[str]], theme_ids: list[str]) -> np.ndarray:
    """``(n_units, n_themes)`` booleans: unit i has theme j."""
    return np.array([[t in row for t in theme_ids] for row in labels], dtype=bool).reshape(len(labels), len(theme_ids))


def macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean F1 over the themes (columns) with at least one gold unit; 0 when there is none."""
    present = truth.any(axis=0)
    if not present.any():
        return 0.0
    tp = (truth & pred).sum(axis=0)
    denom = truth.sum(axis=0) + pred.sum(axis=0)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(f1[present].mean())


def bootstrap_macro_f1(
    truth: np.ndarray, preds: dict[str, np.ndarray], n_boot: int = 2000, seed: int = 0
) -> dict[str, np.ndarray]:
    """Macro-F1 of every method on ``n_boot`` paired resamples of the units (the same resample for all
    methods, so differences are paired); a theme counts in a resample only when it has a gold unit there."""
    rng = np.random.default_rng(seed)
    n = len(truth)
    out = {name: np.zeros(n_boot) for name in preds}
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        for name, pred in preds.items():
            out[name][b] = macro_f1(truth[idx], pred[idx])
    return out


def interval(values: np.ndarray) -> tuple[float, float]:
    """Percentile 95% interval."""
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


# ---------------------------------------------------------------- development-set corpus and comparison


def devset_corpus(rows: list[dict[str, Any]], config: Any, output: Path) -> Any:
    """A corpus of the development rows, each its own paragraph unit (``doc_id`` the row's document,
    ``unit_id`` the row id), taken through ``config``'s normalise and tokenise stages with phrases fitted
    on these units only."""
    from pipeline.records import Unit
    from pipeline.run import runner

    processor = runner.DocumentProcessor({k: v for k, v in config.stages.items() if k != "repair"})
    normaliser = processor.built.get("normalise")
    tokeniser = processor.built.get("tokenise")
    units = []
    for n, row in enumerate(rows, 1):
        text = " ".join(row["text"].split())
        unit = Unit(row["doc"], row["id"], "paragraph", n, None, text, raw=row["text"])
        unit.norm = normaliser.normalise(text) if normaliser else text
        unit.text = normaliser.display(text) if normaliser else text
        unit.tokens = tokeniser.features(unit.norm) if tokeniser else []
        units.append(unit)
    if tokeniser is not None and hasattr(tokeniser, "fit_phrases"):
        tokeniser.fit_phrases([u.tokens for u in units])
        for unit in units:
            unit.tokens = tokeniser.transform(unit.tokens)
    output.mkdir(parents=True, exist_ok=True)
    return runner.Corpus(units, [], [], processor.featurize, processor.normalize, config.seed, output, config)


def run_method(corpus: Any, name: str, taxonomy: Path, **options: Any) -> tuple[dict[str, list[str]], Any]:
    """Run the theme method ``name`` on a fresh copy of ``corpus``'s units; (unit id -> themes, the corpus)."""
    from pipeline.registry import lookup

    units = [replace(u, themes=[], theme_scores={}) for u in corpus.units]
    copy = replace(corpus, units=units, results={})
    lookup("themes", name, "themes")(taxonomy=taxonomy, **options).apply(copy)
    return {u.unit_id: list(u.themes) for u in units}, copy


@dataclass
class Comparison:
    """Macro-F1 per method (with bootstrap intervals and paired differences), overall and per doc type."""

    split: str
    theme_ids: list[str]  # themes present in the split (the macro average is over these)
    absent: list[str]
    lines: list[str]
    macro: dict[str, dict[str, float]]  # group -> method -> macro-F1

    def text(self) -> str:
        return "\n".join(self.lines)


def most_frequent(truth: np.ndarray) -> np.ndarray:
    """Always-most-frequent baseline: every unit gets the split's most frequent theme."""
    pred = np.zeros_like(truth)
    if truth.size:
        pred[:, int(np.argmax(truth.sum(axis=0)))] = True
    return pred


def compare(
    rows: list[dict[str, Any]],
    predictions: dict[str, dict[str, list[str]]],
    all_theme_ids: list[str],
    split: str,
    baselines: tuple[str, ...] = ("keywords",),
    n_boot: int = 2000,
    seed: int = 0,
) -> Comparison:
    """The comparison table of ``predictions`` (method -> unit id -> themes) against ``rows``' gold: per
    method macro-F1, its 95% interval, and the paired difference (with its interval) to each baseline
    present in ``predictions`` and to always-most-frequent."""
    present = [t for t in all_theme_ids if any(t in r["themes"] for r in rows)]
    absent = [t for t in all_theme_ids if t not in present]
    lines = [
        f"split {split}: {len(rows)} paragraphs; macro-F1 over the {len(present)} themes present "
        f"(absent: {', '.join(absent) or 'none'}); 95% bootstrap intervals over paragraphs ({n_boot} resamples)"
    ]
    macro: dict[str, dict[str, float]] = {}
    groups = [("all", rows)] + [
        (f"doc_type={kind}", [r for r in rows if r["doc_type"] == kind])
        for kind in sorted({r["doc_type"] for r in rows})
    ]
    for group, subset in groups:
        truth = indicator([r["themes"] for r in subset], present)
        preds = {name: indicator([p.get(r["id"], []) for r in subset], present) for name, p in predictions.items()}
        preds["most_frequent"] = most_frequent(truth)
        boots = bootstrap_macro_f1(truth, preds, n_boot, seed)
        lines.append(f"\n[{group}] {len(subset)} paragraphs, themes with support: {int(truth.any(axis=0).sum())}")
        refs = [b for b in baselines if b in preds] + ["most_frequent"]
        lines.append(f"{'method':<16} {'macro-F1':>8} {'95% CI':>15} " + " ".join(f"{'- ' + r:>22}" for r in refs))
        macro[group] = {}
        for name, pred in preds.items():
            value = macro_f1(truth, pred)
            macro[group][name] = value
            lo, hi = interval(boots[name])
            cells = []
            for ref in refs:
                if ref in boots and ref != name:
                    d = boots[name] - boots[ref]
                    dlo, dhi = interval(d)
                    cells.append(f"{value - macro_f1(truth, preds[ref]):+.3f} [{dlo:+.2f},{dhi:+.2f}]".rjust(22))
                else:
                    cells.append("".rjust(22))
            lines.append(f"{name:<16} {value:8.3f} {f'[{lo:.3f},{hi:.3f}]':>15} " + " ".join(cells))
    return Comparison(split, present, absent, lines, macro)


# ---------------------------------------------------------------- the comparison on a development split

ROOT = Path(__file__).resolve().parents[2]
V1_TAXONOMY = ROOT / "bench" / "themes_v1.yaml"  # the seed lists before issue 15, for the baseline as measured there
# name -> (registered method, options, taxonomy override or None)
METHODS: dict[str, tuple[str, dict[str, Any], Path | None]] = {
    "keywords@v1": ("keywords", {}, V1_TAXONOMY),
    "keywords": ("keywords", {}, None),
    "seeded_lda@v1": ("seeded_lda", {"threshold": "otsu"}, V1_TAXONOMY),
    "seeded_lda": ("seeded_lda", {"threshold": "otsu"}, None),
    "guided_nmf": ("guided_nmf", {"threshold": "otsu"}, None),
    "lda": ("lda", {}, None),
    "embedding": ("embedding", {}, None),
    "semantic": ("semantic", {}, None),
    # fitted on the dev split (bench/themes_decision.py --fit): on dev its figure is in-sample
    "semantic@calibrated": ("semantic", {"decision": "calibrated"}, None),
}
IN_SAMPLE = {"dev": ("semantic@calibrated",)}  # methods whose learned parameters saw this split's labels


def compare_on_devset(
    split: str,
    config_path: Path | None = None,
    methods: list[str] | None = None,
    n_boot: int = 2000,
    per_theme: str | None = "semantic",
) -> str:
    """Run ``methods`` (names of :data:`METHODS`) on the split's paragraphs and return the comparison
    table (plus the per-theme table of ``per_theme``).  Raises FileNotFoundError without ../shared."""
    import tempfile

    from pipeline import config as config_module
    from pipeline.evaluate.devsets import load_theme_devset
    from pipeline.stages.themes.stage import load_taxonomy

    config = config_module.load(config_path or ROOT / "configs" / "default.yaml")
    taxonomy = Path(config.stages["themes"].options["taxonomy"])
    rows = load_theme_devset(split)  # type: ignore[arg-type]
    theme_ids = [t.id for t in load_taxonomy(taxonomy)]
    predictions: dict[str, dict[str, list[str]]] = {}
    out = []
    with tempfile.TemporaryDirectory(prefix="themes-devset-") as tmp:
        corpus = devset_corpus(rows, config, Path(tmp))
        for name in methods or list(METHODS):
            method, options, override = METHODS[name]
            predictions[name], scored = run_method(corpus, method, override or taxonomy, **options)
            if name == per_theme:
                scores = {u.unit_id: u.theme_scores for u in scored.units}
                gold = {r["id"]: r["themes"] for r in rows}
                present = [t for t in theme_ids if any(t in g for g in gold.values())]
                table = evaluate(predictions[name], scores, gold, present).table()
                out.append(f"Per theme (the themes present in the split), {name} on {split}:\n{table}")
    comparison = compare(rows, predictions, theme_ids, split, ("keywords", "keywords@v1"), n_boot)
    seen = [name for name in IN_SAMPLE.get(split, ()) if name in predictions]
    if seen:
        out.append(f"In-sample on {split} (fitted on its labels; see bench/themes_decision.py for the CV estimate): "
                   + ", ".join(seen))  # fmt: skip
    return "\n".join([comparison.text(), "", *out])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Theme methods on a blind-labelled development split")
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--methods", nargs="*", default=None, choices=list(METHODS))
    parser.add_argument("--n-boot", type=int, default=2000)
    args = parser.parse_args(argv)
    print(compare_on_devset(args.split, args.config, args.methods, args.n_boot))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
