"""Server-rendered pages of the marketplace (Jinja2), mounted by the service's app factory."""
