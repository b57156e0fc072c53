"""Ingestion: every supported encoding decodes to the same text; bad files get a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.stages.ingest import FileIngestor, decode_text, find_corpus_files
from tests.conftest import SEED

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256", "iso8859_6"]


def encodable_seed(encoding: str, chars: int = 4000) -> str:
    """The seed's first characters, minus what the legacy code pages cannot hold.

    The seed carries the PDF's Cyrillic kashida (ѧ) and Farsi yeh (ی); a file
    really saved in cp1256 or ISO-8859-6 would have had neither.
    """
    text = SEED.read_text(encoding="utf-8")[:chars].replace("\u0467", "").replace("\u06cc", "\u064a")
    return text.encode(encoding, errors="ignore").decode(encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_encoding_decodes_to_the_original_text(tmp_path: Path, encoding: str) -> None:
    expected = encodable_seed(encoding)
    path = tmp_path / f"seed-{encoding}.txt"
    path.write_bytes(expected.encode(encoding))
    doc = FileIngestor().read(path)
    assert doc.text == expected
    assert doc.encoding.replace("-", "_") == encoding.replace("-", "_")


def test_cp1256_and_iso8859_6_are_told_apart() -> None:
    # The same Arabic text has different bytes in the two pages; each must decode to Arabic.
    text = encodable_seed("iso8859_6")
    for encoding in ("cp1256", "iso8859_6"):
        decoded, name = decode_text(text.encode(encoding), "x.txt")
        assert decoded == text, encoding
        assert name.replace("-", "_") == encoding


def test_crlf_is_normalised_and_metadata_attached(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes("سطر أول\r\nسطر ثان\r\n".encode())
    (tmp_path / "metadata.yaml").write_text("doc.txt: {symbol: X/1, year: 2020}\n", encoding="utf-8")
    doc = FileIngestor().read(tmp_path / "doc.txt")
    assert doc.text == "سطر أول\nسطر ثان\n"
    assert doc.meta == {"symbol": "X/1", "year": 2020}
    assert doc.doc_id == "doc"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"  \n\t\n", "file is empty"),
        (bytes(range(256)) * 8, "cannot decode"),
        (b"\x00\x01\x02\x03" * 200, "binary file"),
        (b"only latin text here\n", "no Arabic text found"),
    ],
)
def test_bad_files_get_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        FileIngestor().read(path)
    message = str(info.value)
    assert message.startswith(str(path)) and reason in message
    assert "\n" not in message


def test_unreadable_file_gets_a_reason(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        FileIngestor().read(tmp_path / "missing.txt")


def test_corpus_spec_folder_file_and_glob(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("نص", encoding="utf-8")
    (tmp_path / "metadata.yaml").write_text("{}", encoding="utf-8")
    assert [p.name for p in find_corpus_files(str(tmp_path))] == ["a.txt", "b.txt", "c.txt"]
    assert [p.name for p in find_corpus_files(str(tmp_path / "a.txt"))] == ["a.txt"]
    assert [p.name for p in find_corpus_files(str(tmp_path / "*.txt"))] == ["a.txt", "b.txt"]
    with pytest.raises(InputError, match="corpus not found"):
        find_corpus_files(str(tmp_path / "nowhere"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="corpus has no files"):
        find_corpus_files(str(empty))


def test_pdf_goes_through_the_same_ingestor(tmp_path: Path) -> None:
    from tests.fixtures.make_pdfs import make_arabic_pdf, make_image_only_pdf

    lines = ["تعزيز التعاون بشأن قضايا السياسة العامة", "المتعلقة بالإنترنت في عام 2011"]
    doc = FileIngestor().read(make_arabic_pdf(tmp_path / "report.pdf", [lines]))
    assert doc.encoding == "pdf"
    assert doc.text.split() == " ".join(lines).split()
    with pytest.raises(InputError, match="no text layer"):
        FileIngestor().read(make_image_only_pdf(tmp_path / "scan.pdf"))


def test_a_scanned_pdf_is_reported_and_the_corpus_still_runs(tmp_path: Path) -> None:
    from pipeline import config
    from pipeline.run import runner
    from tests.conftest import default_config_data
    from tests.fixtures.make_pdfs import make_arabic_pdf, make_image_only_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_arabic_pdf(corpus / "good.pdf", [["أولا - مقدمة", "1 - تعزيز التعاون بشأن قضايا السياسة العامة."]])
    make_image_only_pdf(corpus / "scan.pdf")
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(corpus)
    data["stages"] = {k: v for k, v in data["stages"].items() if k in ("ingest", "structure", "repair", "normalise")}
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    summary = runner.run(config.load(path), quiet=True)
    assert summary.documents == 1
    assert len(summary.failed) == 1 and "scan.pdf: PDF has no text layer" in summary.failed[0]
