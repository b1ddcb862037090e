"""Models, one module per aggregate; imported here so Alembic sees every table."""
from directory.models.audit import AuditEvent
from directory.models.booking import (ACTIVE_STATUSES, ApiToken, Appointment, AppointmentKind,
                                      AppointmentStatus, AvailabilityRule, IdempotentRequest, TimeOff)
from directory.models.course import CheckIn, Course, CourseDecision, CourseStatus, ReviewDecision
from directory.models.geocode import GeocodeCacheEntry
from directory.models.licence import BoardStatus, Licence, VerificationState
from directory.models.outbox import OutboxMessage
from directory.models.practitioner import Clinic, ListingState, Practitioner
from directory.models.review import Review, ReviewFlag
from directory.models.roster import RosterEntry, RosterImport, RosterImportResult
from directory.models.safety import ReactionReport, TriageLevel
from directory.models.search import SearchCell, SearchEntry
from directory.models.search_generation import SearchGeneration
from directory.models.user import Role, User

__all__ = [
    "ACTIVE_STATUSES", "ApiToken", "Appointment", "AppointmentKind", "AppointmentStatus",
    "AuditEvent", "AvailabilityRule", "BoardStatus", "CheckIn", "Clinic", "Course",
    "CourseDecision", "CourseStatus", "GeocodeCacheEntry", "IdempotentRequest", "Licence",
    "ListingState", "OutboxMessage", "Practitioner", "ReactionReport", "Review", "ReviewDecision",
    "ReviewFlag", "Role", "RosterEntry", "RosterImport", "RosterImportResult", "SearchCell",
    "SearchEntry", "SearchGeneration", "TimeOff", "TriageLevel", "User", "VerificationState",
]
