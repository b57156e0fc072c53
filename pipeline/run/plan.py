"""What a run will read and under which cache keys: the corpus files, their hashes, the package
versions and each stage's chain key (:mod:`pipeline.run.cache`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, file_sha256
from pipeline.names import path_text
from pipeline.run.cache import chain_keys, folder_contexts
from pipeline.run.documents import document_slots
from pipeline.run.records import package_versions
from pipeline.stages.ingest import discover


@dataclass
class Plan:
    files: list[Path]
    skipped: list[str]  # what the corpus holds but the run does not read, one note each (see ``discover``)
    hashes: dict[str, str | None]  # source -> sha256 of the bytes (None: unreadable)
    versions: dict[str, str]
    doc_keys: dict[str, str]  # per-document slot -> chain key
    stage_keys: dict[str, str]  # every configured slot -> chain key (corpus stages too)
    metadata: str = ""  # hash of the metadata files beside the documents (a title edit is a change too)


def make_plan(config: Config) -> Plan:
    """What a run of ``config`` will read and under which cache keys."""
    found = discover(config.corpus, config.output)
    hashes: dict[str, str | None] = {}
    for path in found.files:
        try:
            hashes[path_text(path)] = file_sha256(path)
        except OSError:
            hashes[path_text(path)] = None  # ingest reports why
    versions = package_versions()
    stage_keys = chain_keys(config.stages, versions)
    doc_keys = {slot: stage_keys[slot] for slot in document_slots(config.stages)}
    folders = sorted({str(path.parent) for path in found.files})
    metadata = folder_contexts(folders)
    return Plan(found.files, found.skipped, hashes, versions, doc_keys, stage_keys, metadata)
