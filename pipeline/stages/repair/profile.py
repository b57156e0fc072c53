"""A document's damage profile: which calibrated maps apply to it, with the evidence.

:func:`calibrate_document` runs in :meth:`PdfArtefactRepair.fit`.  It measures, on the whole
document, what each candidate map would do (:mod:`pipeline.stages.repair.calibrate`) and keeps
the maps that raise the known-word share by a clear margin.  The result is a JSON-ready dict
(the run records it per document in run.json, and the report shows it):

``{"profiles": ["ligature_pairs", ...], "known_share": {"before": 0.66, "after": 0.99},
"ligature_pairs": {"pairs": ["لم", "في"], "tokens": 812, ...}, "line_reversal": {"lines": 3},
"presentation_forms": {"characters": 120}, "mojibake": {...}}``

:func:`apply_calibrated_maps` applies the mojibake and line-reversal maps to one unit (the
ligature pairs are applied by the stage, word by word, after its glyph steps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.stages.mojibake import fix_mojibake, may_hold_mojibake  # ftfy is imported when needed
from pipeline.stages.repair import calibrate, glyphs, ligature_parts, ligatures

if TYPE_CHECKING:
    from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair

_SAMPLE = 3_000  # characters (whole lines) of a document its known-word share is measured on before repair
_AFTER_TOKENS = 500  # tokens of the repaired units the share after repair is measured on


def _head(text: str) -> str:
    """The first whole lines of ``text``, up to ``_SAMPLE`` characters."""
    if len(text) <= _SAMPLE:
        return text
    head = text[:_SAMPLE]
    return head[: head.rfind("\n") + 1] or head


def calibrate_document(repairer: PdfArtefactRepair, text: str) -> tuple[str, dict]:
    """(``text`` with the maps that act before the glyph steps applied, the profile so far)."""
    profile: dict = {"profiles": []}
    repairer.reversed_lines_ = frozenset()  # the lines put back here (ligature evidence leaves them out)
    head = _head(text)
    if repairer.fix_mojibake and may_hold_mojibake(text):
        text, counts = fix_mojibake(text)
        if counts.get("mojibake_fixed"):
            profile["profiles"].append("mojibake")
            profile["mojibake"] = counts
    forms = glyphs._has_presentation_forms(text)
    # Only lines the pre-check flags (found in one scan of the whole text) can be reversed.
    candidates = (
        calibrate.lines_looking_reversed(text)
        if repairer.reverse_lines and calibrate.may_hold_reversed_lines(text, forms)
        else []
    )
    if candidates:  # some line looks_reversed
        lines = text.split("\n")
        flagged = [False] * len(lines)
        for index in candidates:
            flagged[index] = calibrate.should_reverse(lines[index])
        if any(flagged):  # a document with reversed lines: check every line (see apply_calibrated_maps)
            flagged = [calibrate.should_reverse(line, always_check=True) for line in lines]
        stored_reversed = [line for index, line in enumerate(lines) if flagged[index]]
        # How this producer wrote marks, from all its reversed lines (one line may show no evidence) ...
        marks = calibrate.mark_convention([calibrate._reverse_keeping_ltr(line) for line in stored_reversed])
        # ... and numbers and Latin words: drawn left to right (a display's order) or reversed too
        ltr = calibrate.ltr_convention(stored_reversed) or "kept"
        reversed_lines = 0
        for index, line in enumerate(lines):
            if flagged[index]:
                lines[index] = calibrate.reverse_line(line, marks or "stream", ltr)
                reversed_lines += 1
        if reversed_lines:
            text = "\n".join(lines)
            repairer.reversed_lines_ = frozenset(i for i, f in enumerate(flagged) if f)
            profile["profiles"].append("line_reversal")
            profile["line_reversal"] = {
                "lines": reversed_lines,
                "of_lines": len(lines),
                "marks": marks or "stream",
                "ltr": ltr,
            }
    if repairer.fold_presentation_forms and forms:
        forms = len(glyphs._PRESENTATION_RE.findall(text))
        text = glyphs._fold_presentation_forms(text)
        profile["profiles"].append("presentation_forms")
        profile["presentation_forms"] = {"characters": forms}
    profile["head"] = head  # measured in finish_profile, only if the document shows damage
    return text, profile


def finish_profile(profile: dict) -> None:
    """The known-word share before repair, for a document with a damage profile (clean ones skip it)."""
    head = profile.pop("head", "")
    if not profile["profiles"]:
        return
    known, tokens = calibrate.known_share(glyphs._fold_presentation_forms(head))
    profile["known_share"] = {"before": round(known / tokens, 4) if tokens else None, "tokens": tokens}


def learn_ligatures(repairer: PdfArtefactRepair, text: str, glyph_damaged: bool) -> frozenset[str]:
    """The document's ligature pairs (:func:`ligatures.learn_ligature_pairs`), recorded in the profile.

    Not on a document that shows the seed font's glyph damage (``glyph_damaged``).
    """
    if not repairer.fix_ligature_pairs or glyph_damaged:
        # One producer's damage per document: the seed font's glyph map and a word processor's
        # ligatures do not meet in one text layer, and skipping keeps the damaged path as fast as it was.
        return frozenset()
    # Ligature evidence comes from the lines the document stored in order: a line stored reversed, once
    # put back, spells its pairs right, which would read as "this font has no such ligature".
    if repairer.reversed_lines_:
        text = "\n".join(line for i, line in enumerate(text.split("\n")) if i not in repairer.reversed_lines_)
    found = ligatures.learn_ligature_pairs(text)
    if found.pairs or found.tokens:
        # Signs of the damage: is it a file of two parts (two fonts, files concatenated)?  The pairs
        # learnt on its damaged lines are spelt in logical order by some other lines.
        parts = ligature_parts.learn_ligature_parts(text)
        if parts.pairs and (not found.pairs or ligature_parts.has_intact_part(text, parts.pairs)):
            found = parts
    repairer.ligature_parts_ = found.parts
    if not found.pairs:
        return frozenset()
    repairer.profile["profiles"].append("ligature_pairs")
    repairer.profile["ligature_pairs"] = {
        "pairs": sorted({unit[:2] for unit in found.pairs}),
        # Where each pair was learnt to be swapped (a font's ligature glyph is a contextual form).
        "positions": {
            pair: sorted(ligatures.POSITION_NAMES[unit[2]] for unit in found.pairs if unit[:2] == pair)
            for pair in sorted({unit[:2] for unit in found.pairs})
        },
        "tokens": found.tokens,
        **({"damaged_lines": found.damaged_lines, "of_lines": found.lines} if found.parts else {}),
        "known_share_before": round(found.share_before, 4),
        "known_share_after": round(found.share_after, 4),
        "evidence": [
            {
                "pair": item.pair[:2],
                "position": ligatures.POSITION_NAMES.get(item.pair[2:], "any"),
                "repaired": item.repaired_tokens,
                "broken": item.broken_tokens,
                "logical": item.logical,
                "reversed": item.reversed,
                "rate_ratio": item.ratio,
            }
            for item in found.evidence[:12]
        ],
    }
    return found.pairs


def record_after(repairer: PdfArtefactRepair, repaired: str) -> None:
    """Count the known words of a repaired unit into the profile's ``known_share.after``.

    Only for a document with a damage profile, and only until ``_AFTER_TOKENS`` tokens are
    counted: the share after repair is measured on what the stage really wrote, at the cost of
    one lexicon look-up per token of the damaged documents' first units.
    """
    share = repairer.profile.get("known_share")
    if not share or not repairer.profile.get("profiles"):
        return
    counted = share.setdefault("after_tokens", 0)
    if counted >= _AFTER_TOKENS:
        return
    known, tokens = calibrate.known_share(_head(repaired))
    share["after_known"] = share.get("after_known", 0) + known
    share["after_tokens"] = counted + tokens
    share["after"] = round(share["after_known"] / share["after_tokens"], 4) if share["after_tokens"] else None


def apply_calibrated_maps(repairer: PdfArtefactRepair, text: str) -> str:
    """``text`` with mojibake re-decoded and reversed lines put in order (counted)."""
    if repairer.fix_mojibake and may_hold_mojibake(text):
        text, counts = fix_mojibake(text)
        if counts.get("mojibake_fixed"):
            repairer.counts["fix_mojibake"] += counts["mojibake_fixed"]
    profiles = repairer.profile["profiles"] if repairer.profile else None
    everywhere = profiles is not None and "line_reversal" in profiles
    # A fitted repairer checks units only for the damage its document showed; an unfitted one
    # (the CLI on standard input, an actor alias) checks each text on its own evidence.
    check = everywhere or (profiles is None and calibrate.looks_reversed(text))
    if repairer.reverse_lines and check:
        lines = text.split("\n")
        changed = False
        for index, line in enumerate(lines):
            # In a document with reversed lines every line is checked, not only those the pre-check flags.
            if calibrate.should_reverse(line, always_check=everywhere):
                reversal = repairer.profile["line_reversal"] if everywhere else {}
                lines[index] = calibrate.reverse_line(line, reversal.get("marks"), reversal.get("ltr", "kept"))
                repairer.counts["reverse_lines"] += 1
                changed = True
        if changed:
            text = "\n".join(lines)
    return text
