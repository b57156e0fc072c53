"""stages/repair"""

# Repair counts that are notes, not repairs: documents per damage profile, which reading a searched
# line took (each such line is already one ``fix_visual_order``), lines a ligature set left alone.
# The run summary's and the report's repair totals leave them out.
REPAIR_NOTES = (
    "profile_",
    "fix_visual_order_model",
    "fix_visual_order_rules",
    "fix_visual_order_below_margin",
    "fix_ligature_pairs_intact_lines",
)
