"""Evidence (佐证材料): photos and scans attached to a follow-up record, a
training session (a signed sign-in sheet) or the handling of a follow-up
alert. The file lives in the evidence
store (evidence.py); the row says what it is and where."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from .base import Record, Recyclable
from .followup import FollowUpAlert, FollowUpRecord
from .training import TrainingSession


# exactly one of the references is set (CASE: booleans do not add up on
# PostgreSQL)
ONE_RECORD = ("(CASE WHEN followup_record_id IS NULL THEN 0 ELSE 1 END"
              " + CASE WHEN training_session_id IS NULL THEN 0 ELSE 1 END"
              " + CASE WHEN followup_alert_id IS NULL THEN 0 ELSE 1 END) = 1")


class Evidence(Record, Recyclable, Model):
    """One file of one record (exactly one of the three references is set).
    Who uploaded it and when are `created_by` and `created_on`."""

    __tablename__ = "va_evidence"
    __label__ = _l("Evidence")
    __table_args__ = (
        CheckConstraint(ONE_RECORD, name="ck_va_evidence_one_record"),
    )
    # deleting its record puts the evidence in the recycle bin with it
    # (evidence.py), so it does not hold the record's delete back
    __goes_with_its_record__ = True
    __field_labels__ = {
        "followup_record": _l("Follow-up record"), "training_session": _l("Training session"),
        "followup_alert": _l("Follow-up alert"),
        "file_name": _l("File"), "content_type": _l("Type"), "size": _l("Size (bytes)"), "sha256": _l("SHA-256"),
    }
    id = Column(Integer, primary_key=True)
    followup_record_id = Column(Integer, ForeignKey("va_followup_record.id"), index=True)
    followup_record = relationship(FollowUpRecord, lazy="select")
    training_session_id = Column(Integer, ForeignKey("va_training_session.id"), index=True)
    training_session = relationship(TrainingSession, lazy="select")
    # the handling of an alert (预警处置): alerts are never deleted, so this
    # evidence goes to the recycle bin only by its own delete
    followup_alert_id = Column(Integer, ForeignKey("va_followup_alert.id"), index=True)
    followup_alert = relationship(FollowUpAlert, lazy="select")
    file_name = Column(String(255), nullable=False)
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    stored_path = Column(String(300), nullable=False)  # inside the evidence store
    # put in the bin by its record's delete: comes back with its restore
    binned_with_record = Column(Boolean, nullable=False, default=False)

    @property
    def record(self):
        if self.followup_record_id is not None:
            return self.followup_record
        if self.followup_alert_id is not None:
            return self.followup_alert
        return self.training_session

    @property
    def scope_owner(self):
        """Whose scope the evidence has (scope.history_keys)."""
        return self.record

    def __str__(self):
        return self.file_name
