"""Matching and search above the index backends: retrieval, fusion, features, explanations."""
