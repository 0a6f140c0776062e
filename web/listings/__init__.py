"""Listing pages: a listing with its matches, posting and editing forms, my listings, import."""
