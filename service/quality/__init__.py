"""Matching quality: evaluation sets, metrics, tuning and the quality report."""
