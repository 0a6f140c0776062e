"""The SQL catalog: the system of record for every listing."""

from service.catalog.db import CatalogBusyError, retry_when_locked
from service.catalog.repository import Catalog, DuplicateIdError, NotFoundError
from service.catalog.schema import SchemaOutdatedError

__all__ = [
    "Catalog",
    "CatalogBusyError",
    "DuplicateIdError",
    "NotFoundError",
    "SchemaOutdatedError",
    "retry_when_locked",
]
