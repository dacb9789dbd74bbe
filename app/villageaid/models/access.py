"""Who sees what, and what they took away: scope assignments and export receipts."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .. import choices
from .base import Record, utcnow
from .reference import Division, Town, Unit


class ScopeAssignment(Record, Model):
    """Which town, unit or administrative division (province, prefecture,
    county: every town and unit under it) a user's records belong to (one
    per row)."""

    __tablename__ = "va_scope_assignment"
    __label__ = _l("Scope assignment")
    __table_args__ = (
        UniqueConstraint("user_id", "town_id", "unit_id", name="uq_va_scope_assignment"),
        CheckConstraint(
            "(CASE WHEN town_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN division_id IS NULL THEN 0 ELSE 1 END) = 1", name="ck_va_scope_one_target"
        ),
    )
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    town_id = Column(Integer, ForeignKey("va_town.id"), index=True)
    town = relationship(Town, lazy="joined")
    unit_id = Column(Integer, ForeignKey("va_unit.id"), index=True)
    unit = relationship(Unit, lazy="joined")
    note = Column(Text)
    division_id = Column(Integer, ForeignKey("va_division.id"), index=True)
    division = relationship(Division, lazy="joined")

    def __str__(self):
        return "%s → %s" % (self.user, self.town or self.unit or self.division)


class ExportReceipt(Model):
    """导出记录: one row per CSV export — who, when, which list, which query,
    how many rows, the SHA-256 of the exact bytes sent, and whether the file
    was sent complete."""

    __tablename__ = "va_export_receipt"
    __label__ = _l("Export log")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    list_name = Column(String(200), nullable=False, index=True)
    endpoint = Column(String(300), nullable=False)
    query_string = Column(Text)
    row_count = Column(Integer, nullable=False)
    encoding = Column(String(20), nullable=False)
    sha256 = Column(String(64), nullable=False)
    # complete, failed (an error on the server) or interrupted (the client left)
    status = Column(String(20), nullable=False, default="complete", index=True,
                    info={"choices": choices.EXPORT_STATUSES})
