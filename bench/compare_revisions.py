"""Do two revisions of the code write byte-identical result files?  (A refactoring must not change results.)

For each revision the package is taken from git (``git archive``), then ``python -m pipeline run``
runs it on the same corpora with the same config under each executor (local, processes, Dask with a
2-process LocalCluster).  Compared: every result file but ``run.json`` (timings, versions of the
code) and ``report.html`` (it shows the run id, times and the run history, which differ by design;
it is built from the files compared here).  Corpora: the bundled report and about 10 MB of ANT news
(``bench/bench_scale.py``'s builder), both through the whole default pipeline.

    python bench/compare_revisions.py --before 755582c --after HEAD
    python bench/compare_revisions.py --before 755582c --after HEAD --news-mb 2 --executors local dask
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import build_corpus, result_files, write_config

ROOT = Path(__file__).resolve().parent.parent


def export(revision: str, target: Path) -> Path:
    """The ``pipeline`` package of ``revision`` in ``target``."""
    data = subprocess.run(["git", "archive", revision, "pipeline"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return target


def run(source: Path, config: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--quiet"],
        cwd=source, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{config}: run failed with {source}:\n{result.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--news-mb", type=float, default=10.0)
    parser.add_argument("--executors", nargs="+", default=["local", "processes", "dask"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = {rev: export(rev, work / f"src-{i}") for i, rev in enumerate((args.before, args.after))}
        corpora = {"bundled report": ROOT / "corpora" / "un-igov-ar"}
        if args.news_mb > 0:
            build_corpus(work / "news", int(args.news_mb * 1_000_000))
            corpora[f"{args.news_mb:g} MB news"] = work / "news"
        failures = 0
        for label, corpus in corpora.items():
            for kind in args.executors:
                files = []
                for i, source in enumerate(sources.values()):
                    output = work / "out" / f"{label}-{kind}-{i}".replace(" ", "_")
                    config = write_config(work / f"c-{i}.yaml", corpus, output, kind, True, 8, corpus_stages=True)
                    run(source, config)
                    # hidden files are no results (the old layout left its lock file, .lock, beside them)
                    files.append({n: b for n, b in result_files(output).items() if not n.startswith(".")})
                same = files[0] == files[1]
                differing = sorted(n for n in set(files[0]) | set(files[1]) if files[0].get(n) != files[1].get(n))
                failures += not same
                print(
                    f"{label:>16} {kind:>9}: {len(files[0])} files {'identical' if same else 'DIFFER: ' + ', '.join(differing)}"
                )
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
