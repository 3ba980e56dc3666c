"""All models, imported here so that Alembic and the app see every table."""
from .alerts import Alert, Notification
from .audit import AuditLog
from .documents import DocumentRegister, DocumentTemplate, IssuedDocument  # noqa: F401
from .engagement import (Commitment, Conclusion, Dialogue, Rating, ReceptionSession, ReceptionVisit,
                         VoterMeeting)
from .monitoring import ExportJob, Urging, urging_cases
from .settings import CalendarOverride, DeadlineSetting
from .settings import CaseAnonymisation, RetentionSetting  # noqa: F401
from .citizens import CitizenSession
from .cases import Attachment, Case, CaseEvent, Deadline, IdentityAccess, Party
from .privacy import PseudonymisedCopy, Redaction  # noqa: F401
from .summaries import ReportDay  # noqa: F401
from .units import AdminUnit, Agency
from .users import SignInThrottle, User, UserRole, UserSession

__all__ = [
    "Commitment", "Conclusion", "Dialogue", "Rating", "ReceptionSession", "ReceptionVisit", "VoterMeeting",
    "ExportJob", "Urging", "urging_cases", "Alert", "Notification", "AdminUnit", "Agency", "Attachment", "AuditLog", "CalendarOverride", "Case", "CaseEvent", "CitizenSession", "Deadline",
    "DeadlineSetting",
    "IdentityAccess", "Party", "SignInThrottle", "User", "UserRole", "UserSession",
]
