"""Listings: their models, the taxonomy, bulk loading and the one write path."""
