"""Hypothesis strategies (and their deterministic siblings) for "Create a Recording"."""
