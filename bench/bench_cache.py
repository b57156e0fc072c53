"""Cache benchmark: the cache folder's size on disk against the corpus text, by part, and a cached re-run.

Builds a news corpus (``bench_scale.build_corpus``: ANT news articles, a few per ``.txt`` file),
runs the default config (every stage: phrases, themes, stakeholders, report) on it in a
subprocess with a cold cache, then again with every document in the cache, and prints

* the corpus bytes, the whole ``.cache`` folder's bytes on disk (``du``: allocated blocks, so small
  files cost a whole block) and their ratio (target: at most 4x the corpus text, issue 18), and the
  parts: per-document files (and the memos in them), the themes stage's vector store;
* the wall time of the cold run and of the cached re-run (``run``: every document is read back
  from the cache and every result file rewritten).

    python bench/bench_cache.py                 # 10 MB
    python bench/bench_cache.py --mb 2          # smoke version
    python bench/bench_cache.py --source /work/main   # measure another checkout's code (before/after)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import MB, ROOT, build_corpus, scratch_folder

TARGET_RATIO = 4.0


def disk_usage(folder: Path, documents_only: bool = False) -> tuple[int, int]:
    """(bytes allocated on disk, files) under ``folder``, as ``du`` counts them (512-byte blocks).

    ``documents_only``: the per-document cache alone (its subfolders), without the files at the top
    (the themes stage's sentence-vector store, the lock)."""
    size = files = 0
    for root, _, names in os.walk(folder):
        if documents_only and Path(root) == folder:
            continue
        for name in names:
            stat = os.lstat(os.path.join(root, name))
            size += stat.st_blocks * 512
            files += 1
    return size, files


def parts(folder: Path) -> dict[str, int]:
    """Bytes on disk of each part of the cache folder: the per-document files (split into their
    snapshots and the corpus stages' memos -- actor tags and clause vectors --, by the bytes of the
    msgpack parts), the themes vector store, and anything else at the top."""
    import msgpack

    from pipeline.run.cache import MAGIC, SUFFIX

    out = {"per-document files": 0, "  of which memos (actor tags, clause vectors)": 0}
    for path in folder.glob(f"*/*{SUFFIX}"):
        out["per-document files"] += path.stat().st_blocks * 512
        data = path.read_bytes()
        if data.startswith(MAGIC):
            memo = msgpack.unpackb(data[len(MAGIC) :], raw=False).get("memo") or {}
            out["  of which memos (actor tags, clause vectors)"] += sum(len(v) for v in memo.values())
    for path in folder.iterdir():
        if path.is_file():
            name = "themes vector store" if path.name.startswith("themes-usem3") else f"other: {path.name}"
            out[name] = out.get(name, 0) + path.stat().st_blocks * 512
    return out


def write_config(path: Path, corpus: Path, output: Path, source: Path) -> Path:
    """The default config of ``source`` with ``corpus``/``output`` replaced (its files as absolute paths)."""
    configs = source / "configs"
    data = yaml.safe_load((configs / "default.yaml").read_text(encoding="utf-8"))
    data["corpus"], data["output"] = str(corpus), str(output)
    for spec in data["stages"].values():
        for key, value in (spec.get("options") or {}).items():
            if isinstance(value, str) and (configs / value).exists():
                spec["options"][key] = str((configs / value).resolve())
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def timed_run(config: Path, source: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(source))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "-q", "--config", str(config)],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (default 10)")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout whose code runs (default: this one)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (results, cache)")
    args = parser.parse_args()
    work = scratch_folder("bench-cache-", args.work)
    if work is None:
        return 2
    try:
        corpus, output = work / "corpus", work / "out"
        files, text_bytes = build_corpus(corpus, int(args.mb * MB))
        config = write_config(work / "bench.yaml", corpus, output, args.source.resolve())
        cold = timed_run(config, args.source)
        size, entries = disk_usage(output / ".cache", documents_only=True)
        total, _ = disk_usage(output / ".cache")
        sizes = parts(output / ".cache")  # after the cold run, as the totals
        again = timed_run(config, args.source)
        ratio = total / text_bytes
        print(f"bench_cache: {files} files, {text_bytes / MB:.1f} MB of text, code from {args.source}")
        print(f"  cold run: {cold:.1f} s; cached re-run (run, all documents from the cache): {again:.1f} s")
        print(f"  whole .cache: {total / MB:.1f} MB on disk = {ratio:.2f}x the corpus text")
        for name, part in sizes.items():
            print(f"    {name:<48} {part / MB:7.2f} MB = {part / text_bytes:5.2f}x")
        print(f"  per-document cache alone: {size / MB:.1f} MB in {entries} files = {size / text_bytes:.2f}x")
        ok = ratio <= TARGET_RATIO
        print(f"  [{'ok' if ok else 'MISSED'}] whole .cache <= {TARGET_RATIO:g}x the corpus text")
        if args.keep:
            print(f"  kept: {work}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
