"""Evaluate: gold question sets, ranking metrics, BEIR datasets and reports."""
