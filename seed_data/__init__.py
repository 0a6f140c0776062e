"""The seed data of TechMatch: taxonomy, listings, dictionary and gold judgments (data only)."""

from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
