"""Training rotations (轮训): sessions and attendance."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .. import choices
from .base import Record, Recyclable
from .reference import Cadre


class TrainingSession(Record, Recyclable, Model):
    """轮训班次."""

    __tablename__ = "va_training_session"
    __label__ = _l("Training session")
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ck_va_training_session_dates"),
        CheckConstraint("hours > 0", name="ck_va_training_session_hours"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="ck_va_training_session_capacity"),
        # the session's natural key (imports name a session by title and start date)
        UniqueConstraint("title", "start_date", name="uq_va_training_session_title_start"),
    )
    __unique_messages__ = {
        "uq_va_training_session_title_start": _l("A session with this title already starts on this date."),
    }
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, index=True)
    batch = Column(String(50), index=True)
    organiser = Column(String(200))
    start_date = Column(Date, nullable=False, index=True)
    end_date = Column(Date, nullable=False, index=True)
    place = Column(String(200))
    hours = Column(Numeric(6, 1))
    audience = Column(String(20), nullable=False, index=True, info={"choices": choices.AUDIENCES})
    capacity = Column(Integer)
    content = Column(Text)

    def __str__(self):
        return "%s（%s）" % (self.title, self.batch) if self.batch else self.title

    def admits(self, cadre):
        """Is the cadre's kind in this session's audience?"""
        return cadre.kind in choices.AUDIENCE_KINDS.get(self.audience, ())


class TrainingAttendance(Record, Recyclable, Model):
    """参训记录: one per (session, cadre)."""

    __tablename__ = "va_training_attendance"
    __label__ = _l("Attendance")
    __table_args__ = (
        UniqueConstraint("training_session_id", "cadre_id", name="uq_va_attendance_session_cadre"),
        # a cadre's completed attendances: the look-up that keeps `trained_on`;
        # without statistics (a new SQLite file) the planner would otherwise
        # take the index of `completed` alone and read every completed row per cadre
        Index("ix_va_training_attendance_cadre_completed", "cadre_id", "completed"),
    )
    __unique_messages__ = {
        "uq_va_attendance_session_cadre": _l("This cadre already has a record in this session."),
    }
    id = Column(Integer, primary_key=True)
    training_session_id = Column(Integer, ForeignKey("va_training_session.id"), nullable=False, index=True)
    training_session = relationship(TrainingSession, lazy="joined", innerjoin=True)
    cadre_id = Column(Integer, ForeignKey("va_cadre.id"), nullable=False, index=True)
    cadre = relationship(Cadre, lazy="joined", innerjoin=True)
    status = Column(
        String(20), nullable=False, default="enrolled", index=True,
        info={"choices": choices.ATTENDANCE_STATUSES},
    )
    completed = Column(Boolean, nullable=False, default=False, index=True)
    note = Column(Text)

    def __str__(self):
        return "%s · %s" % (self.training_session, self.cadre)


class TrainingTally(Model):
    """The rotation's figures of one group of counted cadres (active, new):
    their town (a township cadre's own, else its village's), dispatching unit,
    the unit stationed in their village and their kind — how many, how many
    trained and their hours by the reference date `TrainingTallyState.as_of`.
    Kept by tally.py on every write that changes them, so that coverage is a
    sum over groups (what the towns cost), not over cadres. Never edited."""

    __tablename__ = "va_training_tally"
    id = Column(Integer, primary_key=True)
    town_id = Column(Integer, index=True)  # empty: a resident cadre with no village
    unit_id = Column(Integer, index=True)
    village_unit_id = Column(Integer, index=True)
    kind = Column(String(20), nullable=False)
    new = Column(Integer, nullable=False)
    trained = Column(Integer, nullable=False)
    hours = Column(Numeric(14, 1))  # empty: no counted session has hours


class TrainingTallyState(Model):
    """One row: the reference date and the "new cadre" date the tally holds."""

    __tablename__ = "va_training_tally_state"
    id = Column(Integer, primary_key=True, autoincrement=False)
    as_of = Column(Date, nullable=False)
    new_since = Column(Date, nullable=False)
