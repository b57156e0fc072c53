"""The stance scorer's clause vectors, cached per document with the actor tags: a missing or damaged
cached vector is encoded again, and the scores are the same as with the vectors tag_document made."""

from __future__ import annotations

import copy

from pipeline.records import Unit
from pipeline.stages.stakeholders.stage import StakeholderPositions, load_axes
from tests.conftest import ROOT


def test_a_missing_or_damaged_clause_vector_is_encoded_again_with_the_same_scores() -> None:
    stage = StakeholderPositions(
        actors=ROOT / "configs" / "stakeholders.yaml", positions=ROOT / "configs" / "positions.yaml"
    )
    axes = load_axes(ROOT / "configs" / "positions.yaml")
    units = [
        Unit("d", "d/p1", "paragraph", 1, None, "وأكدت الحكومات أهمية النهج المتعدد أصحاب المصلحة في إدارة الإنترنت."),
        Unit("d", "d/p2", "paragraph", 2, None, "وطالب المجتمع المدني بدور أكبر للأمم المتحدة في إدارة الإنترنت."),
    ]
    found, _, vectors = stage.tag_document(units, lambda text: text)
    statements = [s for unit in units for s in found.get(unit.unit_id, [])]
    assert len(statements) >= 2 and set(vectors) == {s.statement_id for s in statements}
    assert all(len(v) == 1024 for v in vectors.values())  # float16

    def scores(given: dict[str, bytes]) -> list:
        copies = copy.deepcopy(statements)
        stage.score_stance(copies, axes, given)
        return [(s.statement.scores, {a: x.to_json() for a, x in s.stance.items()}) for s in copies]

    wanted = scores(vectors)
    first = statements[0].statement_id
    assert scores({}) == wanted  # none cached: encoded here, one call per document, as tag_document does
    assert scores({**vectors, first: b"\xff" * 1024}) == wanted  # NaN
    assert scores({**vectors, first: b"\x00" * 12}) == wanted  # the wrong size
