"""What a run will read and under which cache keys: the corpus files, their hashes, the package
versions and each stage's chain key (:mod:`pipeline.run.cache`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, file_sha256
from pipeline.run.cache import chain_keys
from pipeline.run.documents import document_slots
from pipeline.run.records import package_versions
from pipeline.stages.ingest import find_corpus_files


@dataclass
class Plan:
    files: list[Path]
    hashes: dict[str, str | None]  # source -> sha256 of the bytes (None: unreadable)
    versions: dict[str, str]
    doc_keys: dict[str, str]  # per-document slot -> chain key
    stage_keys: dict[str, str]  # every configured slot -> chain key (corpus stages too)


def make_plan(config: Config) -> Plan:
    """What a run of ``config`` will read and under which cache keys."""
    files = find_corpus_files(config.corpus)
    hashes: dict[str, str | None] = {}
    for path in files:
        try:
            hashes[str(path)] = file_sha256(path)
        except OSError:
            hashes[str(path)] = None  # ingest reports why
    versions = package_versions()
    stage_keys = chain_keys(config.stages, versions)
    doc_keys = {slot: stage_keys[slot] for slot in document_slots(config.stages)}
    return Plan(files, hashes, versions, doc_keys, stage_keys)
