"""All models, imported here so that Alembic and the app see every table."""
from .alerts import Alert, Notification
from .audit import AuditLog
from .settings import CalendarOverride, DeadlineSetting
from .cases import Attachment, Case, CaseEvent, Deadline, IdentityAccess, Party
from .units import AdminUnit, Agency
from .users import User, UserRole

__all__ = [
    "Alert", "Notification", "AdminUnit", "Agency", "Attachment", "AuditLog", "CalendarOverride", "Case", "CaseEvent", "Deadline",
    "DeadlineSetting",
    "IdentityAccess", "Party", "User", "UserRole",
]
