"""Ingestion: find the corpus files and decode each into a :class:`Document`.

Formats, by extension (``SUFFIXES``): ``.txt`` and ``.md`` in any common Arabic
encoding (UTF-8 with or without BOM, UTF-16, Windows-1256, ISO-8859-6; Markdown
read with markdown-it-py, its front matter as metadata); ``.pdf`` through its text
layer, with blank lines at the paragraph breaks its line geometry shows
(:mod:`pipeline.stages.pdf_text`); ``.docx`` and ``.html``/``.htm``/``.xhtml``
(:mod:`pipeline.stages.formats`: every block's text, tables as pipe rows; HTML
navigation, footers and scripts stripped; a banner `<header>` only for its title heading).
Files with other extensions are skipped with a note (:func:`skipped_corpus_files`),
never read.  A file that cannot be read is reported with a reason and skipped --
one bad file never stops the others.

Document ids are the path relative to the corpus root without the extension
(``sub/report``), so equal file names in different folders are different documents.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from pipeline.errors import InputError
from pipeline.names import path_text, quoted
from pipeline.records import Document, DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.stages.formats import docx_text, html_text, markdown_text

PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
MARKDOWN_SUFFIXES = (".md", ".markdown")
DOCX_SUFFIXES = (".docx",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUFFIXES = (*TEXT_SUFFIXES, *PDF_SUFFIXES, *DOCX_SUFFIXES, *HTML_SUFFIXES)
METADATA_NAMES = ("metadata.yaml", "metadata.yml")
# Base letters and their presentation forms: a file typed wholly in presentation forms is Arabic
# too (the repair stage folds them).
# Tatweel (U+0640), the presentation forms of marks (U+FE70-FE7F) and the ornate parentheses
# (U+FD3E-FD3F) are not letters: a file of only those has no text.
ARABIC_LETTER = re.compile("[\u0621-\u063f\u0641-\u064a\ufb50-\ufd3d\ufd50-\ufdff\ufe80-\ufefc]")
# Control characters other than tab/newline/CR/form feed mean "binary", not text.
BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# charset-normalizer guesses by name; these are the names of the Arabic code pages.
ARABIC_CODEPAGES = ("cp1256", "iso8859_6")


def find_corpus_files(spec: str, output: str | os.PathLike | None = None) -> list[Path]:
    """Files named by a corpus spec (folder, file or glob) with a readable extension, sorted (see :func:`discover`).

    Raises InputError when the spec names nothing or nothing readable.
    """
    return discover(spec, output).files


def skipped_corpus_files(spec: str, output: str | os.PathLike | None = None) -> list[str]:
    """Notes for what a corpus spec holds but a run does not read, one line each (see :func:`discover`)."""
    try:
        return discover(spec, output).skipped
    except InputError:
        return []


def corpus_root(spec: str) -> Path:
    """The folder document ids are relative to: the folder itself, a file's folder, or a glob's fixed prefix."""
    path = Path(spec)
    if path.is_dir():
        return path
    if path.is_file():
        return path.parent
    parts = []
    for part in path.parts:
        if any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


@dataclass
class Discovery:
    """What a corpus spec names: ``files`` to read (sorted) and ``skipped`` notes, one line each
    (``"<path>: not read (<why>)"``) for the files and folders found but not read."""

    files: list[Path]
    skipped: list[str]


def discover(spec: str, output: str | os.PathLike | None = None) -> Discovery:
    """The files of a corpus spec (a folder, a file or a glob) and what is skipped, and why.

    Read: files with a readable extension (``SUFFIXES``).  Skipped, each with a note: other
    extensions; hidden files and folders (name starting with ``.``; a hidden folder is one note);
    the run's ``output`` folder when it is inside the corpus (a run never reads its own results or
    cache; when it *is* the corpus folder, its result files and folders); a file or folder reached a
    second time through a symbolic link (the file itself is read, or the first link to it in (depth,
    name) order), a link to a folder of the corpus (its files are read where they are) and a link to a
    folder holding the corpus (a loop).  Metadata files (``metadata.yaml``) and other ``.yaml``/``.yml``
    files are neither read nor listed.  Raises InputError when the spec names nothing to read.
    """
    path = Path(spec)
    if path.is_dir():
        found, skipped = _walk(path, output)
    elif path.is_file():
        found, skipped = [path], []
    elif any(ch in spec for ch in "*?["):
        root = corpus_root(spec)
        pattern = _glob_regex(Path(spec).relative_to(root).as_posix() if root != Path(".") else spec)
        found, skipped = _walk(root, output) if root.is_dir() else ([], [])
        found = [p for p in found if pattern.fullmatch(os.path.relpath(p, root).replace(os.sep, "/"))]
        hidden = (f"({HIDDEN_FOLDER})", f"({HIDDEN_FILE})")
        skipped = [note for note in skipped if not note.endswith(hidden)]  # a glob never names hidden files
    else:
        raise InputError(f"{quoted(spec)}: corpus not found (expected a folder, a file or a glob)")
    files: list[Path] = []
    first: dict[str, Path] = {}
    for p in sorted(found, key=lambda p: (p.is_symlink(), len(p.parts), os.fsencode(p))):
        if p.name in METADATA_NAMES or p.suffix.lower() in (".yaml", ".yml"):
            continue
        if p.suffix.lower() not in SUFFIXES:
            skipped.append(f"{quoted(path_text(p))}: not read (extension {p.suffix.lower() or 'none'})")
            continue
        real = os.path.realpath(p)
        if real in first:
            skipped.append(f"{quoted(path_text(p))}: not read (the same file as {quoted(path_text(first[real]))})")
            continue
        first[real] = p
        files.append(p)
    if not files:
        note = f" ({len(skipped)} skipped: {skipped[0]}{', ...' if len(skipped) > 1 else ''})" if skipped else ""
        raise InputError(f"{quoted(spec)}: corpus has no files to read{note}")
    return Discovery(sorted(files, key=os.fsencode), sorted(skipped, key=os.fsencode))


def _walk(root: Path, output: str | os.PathLike | None) -> tuple[list[Path], list[str]]:
    """Every file under ``root``, symbolic links followed but each real folder entered once and never
    one holding ``root``; notes on the hidden, output and repeated entries left out."""
    from pipeline.outputs import path as result_path

    found: list[Path] = []
    skipped: list[str] = []
    top = os.path.realpath(root)
    out = os.path.realpath(output) if output is not None else None
    entered: set[str] = set()
    other_runs: list[str] = []  # real paths of other runs' folders left out (their files too, through links)
    for folder, dirs, names in os.walk(root, followlinks=True):
        entered.add(os.path.realpath(folder))
        keep = []
        for name in sorted(dirs):
            sub = os.path.join(folder, name)
            real = os.path.realpath(sub)
            why = (
                HIDDEN_FOLDER if name.startswith(".")
                else "the run's output folder" if real == out or _is_result(out, sub)
                else "a link to a folder holding the corpus" if top == real or top.startswith(real + os.sep)
                else "a link to a folder of the corpus" if real.startswith(top + os.sep) and os.path.islink(sub)
                else "the same folder as one read already" if real in entered
                else OTHER_RUN if os.path.isfile(result_path(sub, "run"))
                else None
            )  # fmt: skip
            if why == OTHER_RUN:
                other_runs.append(real + os.sep)
            if why is None:
                keep.append(name)
                entered.add(real)
            else:
                skipped.append(f"{quoted(path_text(sub))}{os.sep}: not read ({why})")
        dirs[:] = keep
        for name in sorted(names):
            file = Path(folder, name)
            if name.startswith("."):
                skipped.append(f"{quoted(path_text(file))}: not read ({HIDDEN_FILE})")
            elif _is_result(out, str(file)):
                skipped.append(f"{quoted(path_text(file))}: not read (the run's output folder)")
            elif os.path.islink(file) and _in_other_run(file, other_runs):
                skipped.append(f"{quoted(path_text(file))}: not read ({OTHER_RUN})")
            elif file.is_file():
                found.append(file)
    return found, skipped


def _in_other_run(link: Path, other_runs: list[str]) -> bool:
    """Whether a linked file is a result of a run: inside a run folder left out, or beside a run.json
    in another folder (a published link, ``report.html -> runs/<id>/report.html``)."""
    from pipeline.outputs import path as result_path

    real = os.path.realpath(link)
    folder = os.path.dirname(real)
    beside = folder != os.path.realpath(link.parent) and os.path.isfile(result_path(folder, "run"))
    return beside or real.startswith(tuple(other_runs))


HIDDEN_FOLDER, HIDDEN_FILE = "hidden folder", "hidden file"
OTHER_RUN = "results of a pipeline run (it holds run.json)"  # an earlier output folder inside the corpus


def _is_result(output: str | None, path: str) -> bool:
    """Whether ``path`` (as walked, links unresolved: results are links into ``runs/``) is one of the
    names a run writes at the top of ``output`` (resolved), :data:`commit.OUTPUT_NAMES`."""
    from pipeline.run.commit import OUTPUT_NAMES

    return (
        output is not None
        and os.path.basename(path) in OUTPUT_NAMES
        and os.path.realpath(os.path.dirname(path)) == output
    )


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob pattern (``/``-separated, ``**`` for any folders, ``*``, ``?``, ``[...]``) as a regex over
    ``/``-separated relative paths (:func:`glob.glob`'s matching, without following the file system)."""
    out = []
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        j = 0
        while j < len(part):
            ch = part[j]
            if ch == "*":
                out.append("[^/]*")
            elif ch == "?":
                out.append("[^/]")
            elif ch == "[" and (end := _class_end(part, j)) > 0:
                body = part[j + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                j = end
            else:
                out.append(re.escape(ch))
            j += 1
        if not last:
            out.append("/")
    return re.compile("".join(out), re.DOTALL)


def _class_end(part: str, start: int) -> int:
    """The index of the ``]`` closing the ``[`` at ``start`` (a ``]`` first in the class is a member), or -1."""
    first = start + 1 + (part[start + 1 : start + 2] == "!")
    return part.find("]", first + 1) if first < len(part) else -1


def decode_text(data: bytes, where: str) -> tuple[str, str]:
    """Decode the bytes of a text file; returns (text, encoding name).

    BOMs decide first; then strict UTF-8; then UTF-16 without BOM (many NULs);
    then charset-normalizer, restricted to the Arabic code pages when the bytes
    are 8-bit, because its generic guess confuses cp1256 with other Latin pages.
    """
    if not data.strip():
        raise InputError(f"{where}: file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[3:].decode("utf-8", errors="strict"), "utf-8-sig", where)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16"), "utf-16", where)
    try:
        text = data.decode("utf-8")
        if not BINARY_CONTROL.search(text):  # Arabic UTF-16 is valid ASCII byte by byte, but full of controls
            return _checked(text, "utf-8", where)
    except UnicodeDecodeError:
        pass
    for name in ("utf-16-le", "utf-16-be"):  # UTF-16 without a BOM
        text = _plausible_utf16(data, name)
        if text is not None:
            return _checked(text, name, where)
    if data.count(0) > len(data) // 8:
        raise InputError(f"{where}: binary file (not text)")
    return _checked(*_guess_codepage(data, where), where)


def _plausible_utf16(data: bytes, name: str) -> str | None:
    """``data`` decoded as ``name`` if that yields mostly Arabic/ASCII text, else None.

    Arabic UTF-16 has no NUL bytes to give it away, but decoded with the wrong
    byte order or from an 8-bit page it turns into CJK and symbols.
    """
    if len(data) % 2:
        return None
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return None
    sample = text[:20_000]
    plausible = sum(
        1 for ch in sample if ch < "\u0080" or "\u0600" <= ch <= "\u06ff" or ch in "\u00ab\u00bb\u2013\u2014"
    )
    return text if plausible >= 0.95 * len(sample) else None


def _guess_codepage(data: bytes, where: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(ARABIC_CODEPAGES)).best()
    if best is None:
        raise InputError(f"{where}: cannot decode: not UTF-8, UTF-16, Windows-1256 or ISO-8859-6 text")
    return str(best), best.encoding


def _checked(text: str, encoding: str, where: str) -> tuple[str, str]:
    if BINARY_CONTROL.search(text):
        raise InputError(f"{where}: binary file (not text)")
    if not text.strip():
        raise InputError(f"{where}: file is empty")
    return text, encoding


def doc_id_for(path: Path, root: str | Path = "") -> str:
    """A stable, readable id: the path relative to ``root`` without extension, ``/``-separated (``sub/report``).

    When the file's folder holds another readable file with the same name but another extension
    (``report.txt`` beside ``report.pdf``), the extension stays on (``report.txt``, ``report.pdf``):
    both are analysed, under distinct ids.  Undecodable bytes of a name appear as ``\\xNN``
    (:func:`path_text`).  Without a root, or for a path outside it, the file name.  The path is not
    resolved: a file reached through a symbolic link is named by where the corpus has it.
    """
    path = Path(path)
    name = path.name if path.stem in twin_stems(path.parent) else path.stem
    relative = Path(name)
    if root:
        real_root = os.path.realpath(root)
        absolute = Path(os.path.abspath(path))
        for parent in absolute.parents:
            if os.path.realpath(parent) == real_root:
                relative = absolute.parent.relative_to(parent) / name
                break
    return path_text(relative.as_posix())


def twin_stems(folder: str | os.PathLike) -> frozenset[str]:
    """The file stems that two or more readable files in ``folder`` share (``report`` for ``report.txt``
    and ``report.pdf``): their ids keep the extension.  Read again when the folder changes (its mtime)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset()
    return _twin_stems(os.fspath(folder), stamp)


@functools.lru_cache(maxsize=256)
def _twin_stems(folder: str, stamp: int) -> frozenset[str]:
    stems: dict[str, int] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            stem, suffix = os.path.splitext(entry.name)
            if suffix.lower() in SUFFIXES and not entry.name.startswith(".") and entry.is_file():
                stems[stem] = stems.get(stem, 0) + 1
    return frozenset(stem for stem, n in stems.items() if n > 1)


def load_metadata(folder: Path) -> dict[str, dict]:
    """Per-file metadata from ``metadata.yaml`` beside the documents, if any."""
    from pipeline.config import load_yaml

    for name in METADATA_NAMES:
        path = folder / name
        if path.is_file():
            data = load_yaml(path, "corpus metadata file") or {}
            if not isinstance(data, dict):
                raise InputError(f"{path}: expected a mapping of file name -> metadata")
            return {str(k): v for k, v in data.items() if isinstance(v, dict)}
    return {}


@register("ingest", "files")
@dataclass
class FileIngestor(DocumentStage):
    """Reads .txt/.md (any common Arabic encoding), .pdf (text layer), .docx and .html files."""

    min_arabic_letters: Annotated[int, Field(ge=0)] = (
        1  # a "document" with fewer Arabic letters is reported, not analysed
    )
    fix_mojibake: bool = True  # UTF-8 Arabic read as Windows-1252 («Ø§Ù„», ftfy) or -1256 («ط§ظ„») decoded again
    # a PDF stream (page content, form, font) or a .docx part inflating to more is a decompression bomb: not read
    max_inflated_mb: Annotated[float, Field(ge=0)] = 64
    root: str = ""  # corpus folder document ids are relative to (set by the config loader from ``corpus``)

    def process(self, state: DocumentState) -> dict[str, int]:
        """Read ``state.path`` into ``state.document``; counts: documents, characters."""
        state.document = self.read(state.path)
        return {"documents": 1, "characters": len(state.document.text), **state.document.fixes}

    def read(self, path: Path) -> Document:
        """Decode one file; raises InputError with the reason when it cannot."""
        where = quoted(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{where}: cannot read file: {exc.strerror}") from None
        sha = hashlib.sha256(data).hexdigest()
        suffix = path.suffix.lower()
        found: dict[str, str] = {}  # a page's <title>, a .docx's core properties, a page's charset
        if suffix in PDF_SUFFIXES or data.startswith(b"%PDF"):
            from pipeline.stages.pdf_text import extract_pdf_text

            text, encoding = extract_pdf_text(path, paragraphs=True, max_stream_mb=self.max_inflated_mb), "pdf"
        elif suffix in DOCX_SUFFIXES:
            text, encoding = docx_text(path, self.max_inflated_mb, found), "docx"
        elif suffix in HTML_SUFFIXES:
            text = html_text(data, where, found)
            encoding = f"html:{found.pop('encoding')}"
        else:
            text, encoding = decode_text(data, where)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        front_matter: dict = {}
        if suffix in MARKDOWN_SUFFIXES:
            text, front_matter = markdown_text(text, where)
        fixes: dict[str, int] = {}
        if self.fix_mojibake:
            from pipeline.stages.mojibake import fix_mojibake

            text, fixes = fix_mojibake(text)
        if len(ARABIC_LETTER.findall(text, 0, 200_000)) < self.min_arabic_letters:
            if fixes.get("mojibake_unfixed"):
                raise InputError(f"{where}: mojibake (UTF-8 Arabic read as Windows-1252) that could not be decoded")
            raise InputError(f"{where}: no Arabic text found")
        # the file's own metadata (a <title>, .docx properties), then front matter, then metadata.yaml
        meta = {**found, **front_matter, **load_metadata(path.parent).get(path.name, {})}
        return Document(
            doc_id=doc_id_for(path, self.root),
            source=path_text(path),
            text=text,
            encoding=encoding,
            sha256=sha,
            meta=meta,
            fixes=fixes,
        )
