"""The audit trail: who created, changed, withdrew or imported which listing, and every move
of a pair on the broker desk (read from the desk's own history)."""

from service.audit.log import AuditLog
from service.audit.views import AuditAction, AuditEvent, AuditPage

__all__ = ["AuditAction", "AuditEvent", "AuditLog", "AuditPage"]
