"""Evaluation code: gold sets, metrics and damage simulation.  A run never imports this package."""
