"""Publishing: the one write path for listings (``writes.py``) and bulk loading (``loader.py``).

It sits above the catalog, accounts and the audit trail, which it writes through; everything
that changes a listing (API, pages, command line, import, seed) goes through ``ListingWriter``.
"""
