"""Market statistics counted in SQL."""
