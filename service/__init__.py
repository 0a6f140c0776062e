"""TechMatch service: catalog, matching, JSON API and the command line."""

__version__ = "0.1.0"
