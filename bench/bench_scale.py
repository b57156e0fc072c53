"""Scale benchmark: throughput, peak memory and no-change re-run cost at about 10 MB and 100 MB.

Builds corpora from the ANT news sample (``/work/shared/data/news-ant/...jsonl``,
field ``text``): articles are grouped a few per ``.txt`` file and the sample is
replicated with distinct file names (= document ids) until the corpus reaches
the target size.  For each size it runs ``python -m pipeline`` in a subprocess

1. ``run`` with the local executor on an empty output folder (cold cache),
2. ``reanalyse`` with nothing changed (the scheduled case),
3. ``run`` with the dask executor (2-process LocalCluster) on an empty output folder,

and prints documents/s, MB/s, peak resident memory (the pipeline process and,
separately, the whole process tree including Dask workers), the re-run time as
a share of the first run, the dask speed-up, and the checks against the targets:

* time grows linearly: the 100 MB run takes at most 12x the 10 MB run;
* peak memory of the 100 MB run under 2 GB;
* a no-change re-run under 5% of the first run;
* the 2-process dask run at least 1.5x faster than local.

The bench config runs the per-document stages (ingest, structure, repair,
normalise, tokenise) with phrase learning off: gensim ``Phrases`` is a serial
corpus-level fit (about 1 s per MB here) -- pass ``--phrases`` to include it.
``--corpus-stages`` adds the default config's themes, stakeholders and report
stages (and phrases): they read the units as a stream (``pipeline.run.corpora``),
so peak memory must stay under the target with them too.  They run in one
process, so the dask speed-up target applies to the per-document run only.
Every run also checks that local and dask wrote byte-identical result files.  Each line shows the
CPU seconds of the run's process tree and the 1-minute load average: on a 2-core machine a load
above about 2 means other work shared the CPUs and stretched the wall times (the dask run, which
wants both cores, suffers most).

    python bench/bench_scale.py            # 10 MB and 100 MB (about 10 minutes on 2 cores)
    python bench/bench_scale.py --quick    # 2 MB and 10 MB smoke version
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
MB = 1_000_000
ARTICLES_PER_FILE = 8  # about 30 KB per file: the size of a short policy document


def build_corpus(folder: Path, target_bytes: int) -> tuple[int, int]:
    """Write ``.txt`` files of a few articles each until ``target_bytes``; returns (files, bytes)."""
    texts = []
    with open(SAMPLE, encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line).get("text") or ""
            if text.strip():
                texts.append(text.strip())
    groups = [
        "\n\n".join(texts[i : i + ARTICLES_PER_FILE]).encode("utf-8") for i in range(0, len(texts), ARTICLES_PER_FILE)
    ]
    folder.mkdir(parents=True)
    written = files = 0
    replica = 0
    while written < target_bytes:
        for index, data in enumerate(groups):
            if written >= target_bytes:
                break
            # a subfolder per replica keeps folders small; the name makes every document id distinct
            path = folder / f"r{replica:02d}" / f"news-r{replica:02d}-{index:04d}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            written += len(data)
            files += 1
        replica += 1
    return files, written


def corpus_stages_yaml() -> str:
    """The default config's themes, stakeholders and report stages, with its files as absolute paths."""
    import yaml

    configs = ROOT / "configs"
    stages = yaml.safe_load((configs / "default.yaml").read_text(encoding="utf-8"))["stages"]
    picked = {}
    for slot in ("themes", "stakeholders", "report"):
        spec = stages[slot]
        options = spec.get("options") or {}
        for key, value in options.items():
            if isinstance(value, str) and (configs / value).is_file():
                options[key] = str((configs / value).resolve())
        picked[slot] = spec
    text = yaml.safe_dump(picked, allow_unicode=True, sort_keys=False)
    return "".join(f"  {line}\n" for line in text.splitlines())


def write_config(
    path: Path, corpus: Path, output: Path, kind: str, phrases: bool, chunk_size: int, corpus_stages: bool = False
) -> Path:
    path.write_text(
        f"""name: bench
corpus: {corpus}
output: {output}
executor: {{kind: {kind}, workers: 2, chunk_size: {chunk_size}}}
stages:
  ingest: {{impl: files}}
  structure: {{impl: un_document}}
  repair: {{impl: pdf_artefacts}}
  normalise: {{impl: camel}}
  tokenise: {{impl: camel_words, options: {{phrases: {str(phrases).lower()}}}}}
"""
        + (corpus_stages_yaml() if corpus_stages else ""),
        encoding="utf-8",
    )
    return path


def snapshot_code(work: Path) -> Path:
    """Copy the package into ``work``: every run then measures the same code, even if the tree is edited meanwhile.

    (The cache keys include the source of each stage's module, so an edit between the first run
    and the re-run would, rightly, recompute -- and spoil the measurement.)
    """
    source = work / "src"
    shutil.copytree(ROOT / "pipeline", source / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    return source


def measure(command: list[str], cwd: Path) -> dict[str, float]:
    """Run ``command``; wall time and peak RSS of the process itself and of its whole tree (sampled)."""
    started = time.perf_counter()
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"self": 0, "tree": 0}
    done = threading.Event()

    def sample() -> None:
        try:
            parent = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            try:
                own = parent.memory_info().rss
                tree = own
                for child in parent.children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        tree += child.memory_info().rss
            except psutil.NoSuchProcess:
                return
            peak["self"] = max(peak["self"], own)
            peak["tree"] = max(peak["tree"], tree)
            done.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = process.communicate()
    done.set()
    thread.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{err[-3000:]}")
    # CPU seconds of the whole tree (waited-for descendants count too): other work on the machine
    # stretches wall time, not this.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "load": max(load, os.getloadavg()[0]),
        "rss_self": peak["self"] / MB,
        "rss_tree": peak["tree"] / MB,
        "stdout": out,
    }


def result_files(folder: Path) -> dict[str, bytes]:
    """The result files as bytes, but for run.json (timings) and report.html: the report also shows the
    run history (the local output folder has three runs by then, the dask one a single run) and the
    config file's name, which differ by design; it is built from the files compared here."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in ("run.json", "report.html")
    }


def bench_size(
    work: Path, source: Path, target_mb: float, phrases: bool, chunk_size: int, corpus_stages: bool = False
) -> dict:
    corpus = work / f"corpus-{target_mb:g}mb"
    files, size = build_corpus(corpus, int(target_mb * MB))
    python = sys.executable
    row: dict = {"target_mb": target_mb, "files": files, "mb": size / MB}
    for kind in ("local", "dask"):
        output = work / f"out-{target_mb:g}mb-{kind}"
        config = write_config(
            work / f"bench-{target_mb:g}-{kind}.yaml", corpus, output, kind, phrases, chunk_size, corpus_stages
        )
        first = measure([python, "-m", "pipeline", "run", "-q", "--config", str(config)], source)
        row[kind] = first
        if kind == "local":
            from bench_cache import disk_usage  # the per-document cache's size against the text (issue 18)

            cached, entries = disk_usage(output / ".cache", documents_only=True)
            print(
                f"  {target_mb:g} MB cache: {cached / MB:.1f} MB in {entries} files = {cached / size:.2f}x the text (<= 4x)"
            )
        print(
            f"  {target_mb:g} MB {kind:<5}: {first['seconds']:7.1f} s  {files / first['seconds']:7.1f} docs/s  "
            f"{size / MB / first['seconds']:5.2f} MB/s  peak RSS {first['rss_self']:6.0f} MB "
            f"(with workers {first['rss_tree']:6.0f} MB)  CPU {first['cpu']:6.1f} s  load {first['load']:.1f}",
            flush=True,
        )
        if kind == "local":
            again = measure([python, "-m", "pipeline", "reanalyse", "-q", "--config", str(config)], source)
            row["rerun"] = again
            print(
                f"  {target_mb:g} MB no-change reanalyse: {again['seconds']:5.2f} s "
                f"= {100 * again['seconds'] / first['seconds']:.1f}% of the first run",
                flush=True,
            )
            # `run` (not `reanalyse`) always rewrites the outputs, reading every document back from the cache.
            forced = measure([python, "-m", "pipeline", "run", "-q", "--config", str(config)], source)
            print(
                f"  {target_mb:g} MB no-change run (all documents from the cache, outputs rewritten): "
                f"{forced['seconds']:5.2f} s = {100 * forced['seconds'] / first['seconds']:.1f}% of the first run, "
                f"peak RSS {forced['rss_self']:.0f} MB",
                flush=True,
            )
    same = result_files(work / f"out-{target_mb:g}mb-local") == result_files(work / f"out-{target_mb:g}mb-dask")
    row["identical"] = same
    print(f"  {target_mb:g} MB local and dask results byte-identical: {same}", flush=True)
    for kind in ("local", "dask"):
        shutil.rmtree(work / f"out-{target_mb:g}mb-{kind}", ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 MB and 10 MB instead of 10 MB and 100 MB")
    parser.add_argument("--phrases", action="store_true", help="include gensim phrase learning (serial)")
    parser.add_argument("--chunk-size", type=int, default=16, help="documents per executor task")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument(
        "--corpus-stages",
        action="store_true",
        help="also run the default config's themes, stakeholders and report stages (implies --phrases)",
    )
    args = parser.parse_args()
    args.phrases = args.phrases or args.corpus_stages
    if not SAMPLE.is_file():
        print(f"{SAMPLE} not found: the benchmark needs ../shared beside the project", file=sys.stderr)
        return 2
    sizes = (2.0, 10.0) if args.quick else (10.0, 100.0)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=args.work))
    print(
        f"bench_scale: sizes {sizes} MB, phrases {'on' if args.phrases else 'off'}, "
        f"corpus stages {'on' if args.corpus_stages else 'off'}, chunk size {args.chunk_size}"
    )
    try:
        source = snapshot_code(work)
        rows = [bench_size(work, source, size, args.phrases, args.chunk_size, args.corpus_stages) for size in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    small, large = rows
    growth = large["local"]["seconds"] / small["local"]["seconds"]
    size_ratio = large["mb"] / small["mb"]
    peak = max(large["local"]["rss_self"], large["dask"]["rss_self"])
    rerun = large["rerun"]["seconds"] / large["local"]["seconds"]
    speedup = large["local"]["seconds"] / large["dask"]["seconds"]
    checks = [
        (
            f"time grows linearly: {large['mb']:.0f} MB / {small['mb']:.0f} MB = {growth:.1f}x the time "
            f"for {size_ratio:.1f}x the data",
            growth <= 1.2 * size_ratio,
        ),
        (f"peak memory at {large['mb']:.0f} MB: {peak:.0f} MB (< 2000 MB)", peak < 2000),
        (f"no-change re-run: {100 * rerun:.1f}% of the first run (< 5%)", rerun < 0.05),
        (f"dask 2 processes vs local: {speedup:.2f}x faster (>= 1.5x)", speedup >= 1.5),
        ("local and dask results byte-identical", all(r["identical"] for r in rows)),
    ]
    print("targets:")
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
