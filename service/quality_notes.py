"""The written part of the quality report: what the figures mean, and what they do not."""

NOTES = """
## Notes

_to be written_
"""
