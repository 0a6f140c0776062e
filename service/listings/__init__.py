"""Listings: their models (`schemas.py`), the taxonomy and the import columns: the types every
other package builds on. It imports no other package of `service/`."""
