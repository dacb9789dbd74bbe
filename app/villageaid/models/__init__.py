"""The plugin's tables, one module per area. FAB's own tables (ab_*) are not changed."""
from .access import ExportReceipt, ScopeAssignment
from .base import Record, Recyclable, current_user_id, recyclable, focus_threshold, new_cadre_since, utcnow
from .reference import Cadre, Division, Town, Unit, Village
from .followup import CalendarYear, FollowUpAlert, FollowUpMonth, FollowUpRecord, FollowUpYear, Money
from .history import ChangeRecord
from .evidence import Evidence
from .office import DictionaryEntry, FrozenReport, OfficeSetting
from .imports import ImportBatch
from .jobs import Job
from .reserve import ReserveCandidate
from .training import TrainingAttendance, TrainingSession, TrainingTally, TrainingTallyState
from .figures import NO_COUNTY, CountyFigure, CountyVersion
from .security import LoginEvent, LoginThrottle, PersonalDataView, RecoveryCode, UserSecurity
from .reference import add_computed_columns

add_computed_columns()

__all__ = [
    "Cadre", "Division", "ExportReceipt", "Record", "Recyclable", "recyclable", "ScopeAssignment", "Town", "Unit", "Village",
    "CalendarYear", "ChangeRecord", "DictionaryEntry", "Evidence", "FollowUpAlert", "FollowUpMonth", "FrozenReport", "ImportBatch", "Job", "OfficeSetting", "FollowUpRecord", "FollowUpYear", "Money",
    "CountyFigure", "CountyVersion", "NO_COUNTY",
    "ReserveCandidate", "TrainingAttendance", "TrainingSession", "TrainingTally", "TrainingTallyState",
    "LoginEvent", "LoginThrottle", "PersonalDataView", "RecoveryCode", "UserSecurity",
    "current_user_id", "focus_threshold", "new_cadre_since", "utcnow",
]
