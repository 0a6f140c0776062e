"""The statistics page and its server-drawn charts."""
