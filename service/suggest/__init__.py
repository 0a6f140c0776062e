"""Field and keyword suggestion for posting forms."""
