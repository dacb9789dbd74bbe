"""Change history (操作日志): one row per record written, append-only."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .. import choices
from .base import utcnow


class ChangeRecord(Model):
    """Who changed which record, when, by which path, and each field before
    and after (JSON). The scope keys are those the record had at the time,
    so that a deleted record's history stays in the scope it had."""

    __tablename__ = "va_change"
    __label__ = _l("Change history")
    __table_args__ = (Index("ix_va_change_record", "model", "record_id"),)
    id = Column(Integer, primary_key=True)
    changed_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    path = Column(String(10), nullable=False, index=True, info={"choices": choices.CHANGE_PATHS})
    action = Column(String(10), nullable=False, index=True, info={"choices": choices.CHANGE_ACTIONS})
    model = Column(String(50), nullable=False, index=True, info={"choices": choices.CHANGE_MODELS})
    record_id = Column(Integer, nullable=False)
    record_label = Column(String(200), nullable=False)
    changes = Column(Text, nullable=False)  # JSON: [[field, before, after], ...]
    # scope keys at the time of the change (scope.py reads them)
    public = Column(Boolean, nullable=False, default=False, index=True)
    town_id = Column(Integer, index=True)
    unit_id = Column(Integer, index=True)
    village_unit_id = Column(Integer, index=True)
    # the import batch that made this change (imports.py), else None
    import_batch_id = Column(Integer, ForeignKey("va_import_batch.id"), index=True)

    def __str__(self):
        return "%s #%s" % (self.model, self.record_id)


def refuse_delete(mapper, connection, target):
    raise PermissionError("%s rows are only removed by their retention (prune-logs)" % type(target).__name__)


event.listen(ChangeRecord, "before_delete", refuse_delete)
