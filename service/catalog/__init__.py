"""The SQL catalog: the system of record for every listing."""

from service.catalog.repository import Catalog, DuplicateIdError, NotFoundError

__all__ = ["Catalog", "DuplicateIdError", "NotFoundError"]
