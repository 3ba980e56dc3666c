"""All models, imported here so that Alembic and the app see every table."""
from .audit import AuditLog
from .cases import Attachment, Case, CaseEvent, Deadline, IdentityAccess, Party
from .units import AdminUnit, Agency
from .users import User, UserRole

__all__ = [
    "AdminUnit", "Agency", "Attachment", "AuditLog", "Case", "CaseEvent", "Deadline",
    "IdentityAccess", "Party", "User", "UserRole",
]
