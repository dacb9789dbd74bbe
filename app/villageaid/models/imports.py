"""批量导入: one row per committed import — who, when, which list, which file
(name and SHA-256), and what it did. Each record it created or changed links
to it through its change history (ChangeRecord.import_batch_id)."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from .base import utcnow


class ImportBatch(Model):
    __tablename__ = "va_import_batch"
    __label__ = _l("Import batch")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    list_name = Column(String(100), nullable=False, index=True)  # the list's view
    file_name = Column(String(255), nullable=False)
    sha256 = Column(String(64), nullable=False, index=True)
    row_count = Column(Integer, nullable=False, default=0)
    created_count = Column(Integer, nullable=False, default=0)
    updated_count = Column(Integer, nullable=False, default=0)
    unchanged_count = Column(Integer, nullable=False, default=0)
    # what undo needs: {"model", "created": [ids], "updated": {id: {column: value before}}}
    undo_data = Column(Text)
    undone_on = Column(DateTime)
    undone_by_fk = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"))

    def __str__(self):
        return "%s #%s" % (self.file_name, self.id)
