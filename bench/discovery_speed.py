"""Theme discovery: the quality and time of the SVD solver and the number of k-means restarts.

Clusters a class-balanced sample of the ANT news corpus (../shared; as bench/eval_themes.py table 2)
into 6 clusters with :func:`pipeline.stages.themes.discovery.cluster` and prints, per variant and
seed, the NMI against the news category and the seconds, then the median per variant.  Every
variant runs in this one process with BLAS/OpenMP pinned to one thread (as in a run), so the
ratios between variants are what count on a shared machine.

    PYTHONPATH=$PWD python bench/discovery_speed.py [--per-class 300] [--seeds 0 1 2 3 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_themes import NEWS, news_sample  # noqa: E402

from pipeline.run.threads import pinned  # noqa: E402
from pipeline.stages.themes.discovery import cluster  # noqa: E402
from pipeline.stages.themes.features import _FallbackAnalyzer  # noqa: E402

VARIANTS = {  # name -> (SVD solver, k-means restarts)
    "arpack, 10 restarts (before)": ("arpack", 10),
    "randomized, 10 restarts": ("randomized", 10),
    "randomized, 5 restarts (default)": ("randomized", 5),
    "randomized, 3 restarts": ("randomized", 3),
    "randomized, 1 restart": ("randomized", 1),
}


def main() -> int:
    from sklearn.metrics import normalized_mutual_info_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    if not NEWS.is_file():
        print(f"{NEWS} not found: the benchmark needs ../shared beside the project", file=sys.stderr)
        return 2
    texts, cats = news_sample(args.per_class, 0)
    analyzer = _FallbackAnalyzer()
    docs = [analyzer(t) for t in texts]
    print(f"discovery on {len(docs)} news items, {len(set(cats))} categories, 6 clusters, seeds {args.seeds}")
    rows: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    with pinned(1):
        for seed in args.seeds:
            for name, (algorithm, restarts) in VARIANTS.items():
                started = time.perf_counter()
                labels, _ = cluster(docs, 6, seed, algorithm=algorithm, restarts=restarts)
                seconds = time.perf_counter() - started
                nmi = normalized_mutual_info_score(cats, labels)
                rows[name].append((nmi, seconds))
                print(f"  seed {seed}  {name:<34} NMI {nmi:.3f}  {seconds:6.2f} s", flush=True)
    print("median over seeds (min-max NMI):")
    base = statistics.median(s for _, s in rows[next(iter(VARIANTS))])
    for name, values in rows.items():
        nmis = [n for n, _ in values]
        seconds = statistics.median(s for _, s in values)
        print(
            f"  {name:<34} NMI {statistics.median(nmis):.3f} ({min(nmis):.3f}-{max(nmis):.3f})  "
            f"{seconds:6.2f} s  {base / seconds:4.1f}x the speed of the first"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
