"""后台任务: one row per background job (a large import's preview or
commit, a large .xlsx export) — who started it, on which list, with what,
and how far it is. The application checks ownership and progress here;
the queue (jobs.py) only carries the job's id."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from .. import choices

from .base import utcnow


class Job(Model):
    __tablename__ = "va_job"
    __label__ = _l("Job")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    user = relationship("User", foreign_keys=[user_id])
    kind = Column(String(30), nullable=False)  # import_preview, import_commit, export
    list_name = Column(String(100), nullable=False)  # the list's view
    title = Column(String(255), nullable=False, default="")  # the list's title, the file's name
    # what the job needs: the request's path and query, the language, the file's SHA-256
    parameters = Column(Text, nullable=False, default="{}")
    sha256 = Column(String(64), index=True)
    status = Column(String(20), nullable=False, default="queued",
                    info={"choices": choices.JOB_STATUSES})  # queued, running, done, failed
    done = Column(Integer, nullable=False, default=0)
    total = Column(Integer, nullable=False, default=0)
    message = Column(Text)
    result = Column(Text)  # JSON: counts, errors shown
    result_file = Column(String(255))  # under the jobs folder; None when there is none (or removed)
    started_on = Column(DateTime)
    finished_on = Column(DateTime)

    def __str__(self):
        return "%s #%s" % (self.title, self.id)
