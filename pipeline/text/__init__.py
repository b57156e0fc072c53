"""Shared text utilities: Arabic letter tables and folds (:mod:`.arabic`), the seed-term matcher (:mod:`.gazetteer`)."""
