"""Theme-scorer variants on all four consumed labelled sets, each its own corpus (issue 15).

Prints (1) every variant of :data:`pipeline.evaluate.theme_crossset.VARIANTS` (the default, this round's
label-free changes and a few of the earlier rounds'): macro-F1 per set, the mean over the sets and the
pooled macro-F1 over the five common themes, each with a paired bootstrap interval of its difference to
the default; (2) the same for the default scorer on references changed by ``--references`` kinds
(:func:`pipeline.evaluate.theme_crossset.taxonomy_variant`), with each one's macro-AUROC per set; (3) per
set, the default (and ``--also`` variants) against the keyword baseline, with intervals, overall and per
document type; (4) where the default's errors are (:func:`pipeline.evaluate.theme_crossset.diagnostics`).

    PYTHONPATH=$PWD python bench/themes_crossset.py [--shared ../shared/data] [--store /tmp/usem3.sqlite]
        [--n-boot 2000] [--references extra description_items seeds arabic_only none_extra] [--also NAME ...]

Only the consumed sets (dev, heldout, heldout2, heldout3) are read; a set labelled later is not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config as config_module  # noqa: E402
from pipeline.evaluate import theme_crossset as cs  # noqa: E402

EXTRA = {  # --references kind -> (taxonomy_variant kind, YAML of extra sentences)
    "extra": ("extra", ROOT / "bench" / "themes_extra_examples.yaml"),
    "none_extra": ("extra", ROOT / "bench" / "themes_none_examples_extra.yaml"),
    "description_items": ("description_items", None),
    "seeds": ("seeds", None),
    "arabic_only": ("arabic_only", None),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    parser.add_argument("--store", type=Path, default=None, help="SQLite usem3 vector cache (re-runs encode nothing)")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--references", nargs="*", default=list(EXTRA), choices=list(EXTRA))
    parser.add_argument("--also", nargs="*", default=[], help="variants to set against keywords too")
    args = parser.parse_args()
    start = time.perf_counter()
    sets = [cs.load_set(s, args.config, store=args.store, shared=args.shared) for s in cs.CONSUMED]
    decided = cs.decisions(sets, cs.VARIANTS)
    default = [cs.VARIANTS["default"](s.vectors) for s in sets]
    print("Table 1. Variants of the semantic scorer")
    print(cs.cross_table(sets, decided, args.n_boot))
    taxonomy = Path(config_module.load(args.config).stages["themes"].options["taxonomy"])
    aurocs = {"(shipped)": cs.diagnostics(sets, default).splitlines()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.references:
            how, extra = EXTRA[kind]
            changed = cs.taxonomy_variant(taxonomy, how, Path(tmp) / f"{kind}.yaml", extra)
            other = [cs.load_set(s, args.config, changed, args.store, args.shared) for s in cs.CONSUMED]
            scored = [cs.VARIANTS["default"](s.vectors) for s in other]
            decided[f"references: {kind}"] = [d for _, d in scored]
            aurocs[kind] = cs.diagnostics(other, scored).splitlines()[0]
    if args.references:
        print("\nTable 2. The default scorer with other references")
        keep = ["keywords", "default"] + [f"references: {k}" for k in args.references]
        print(cs.cross_table(sets, {k: decided[k] for k in keep}, args.n_boot))
        for kind, line in aurocs.items():
            print(f"references {kind}: {line}")
    print("\nTable 3. Against the keyword baseline, per set")
    print(cs.keyword_table(sets, decided, ["default", *args.also], args.n_boot))
    print("\nTable 4. Where the default's errors are (pooled over the sets; in-sample cuts are upper bounds)")
    print(cs.diagnostics(sets, default))
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
