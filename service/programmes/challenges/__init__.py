"""揭榜挂帅: challenges, applications, review, selection and stages (``api.py`` for routes)."""
