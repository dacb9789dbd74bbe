"""Sign-in security and audit tables: login counters, the login log, each
user's session generation and second factor, and the log of every view of
unmasked personal data. FAB's own tables are not changed."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy import event
from sqlalchemy.orm import relationship

from ..choices import Choices
from .base import utcnow

LOGIN_OUTCOMES = Choices(
    ("success", _l("Signed in")),
    ("password_expired", _l("Signed in, password expired")),
    ("logout", _l("Signed out")),
    ("idle_timeout", _l("Signed out after inactivity")),
    ("wrong_password", _l("Wrong password")),
    ("unknown_user", _l("Unknown account")),
    ("inactive", _l("Account inactive")),
    ("locked", _l("Refused: locked")),
    ("totp_failed", _l("Wrong one-time code")),
    ("totp_missing", _l("One-time code missing")),
    ("totp_not_enrolled", _l("Second factor not set up")),
    ("password_expired_refused", _l("Refused: password expired")),
)
LOGIN_CHANNELS = Choices(("web", _l("Web")), ("api", _l("API")))
PERSONAL_RECORD_TYPES = Choices(("Cadre", _l("Cadre")), ("ReserveCandidate", _l("Reserve candidate")))
DISCLOSURE_CHANNELS = Choices(("page", _l("Page")), ("api", _l("API")), ("export", _l("Export")))


class LoginThrottle(Model):
    """Failed sign-ins counted per (account, address), and per account with
    an empty address. Kept in the database so that every worker shares them."""

    __tablename__ = "va_login_throttle"
    __table_args__ = (UniqueConstraint("username", "address", name="uq_va_login_throttle"),)
    id = Column(Integer, primary_key=True)
    username = Column(String(256), nullable=False)
    address = Column(String(64), nullable=False, default="")
    failures = Column(Integer, nullable=False, default=0)
    window_start = Column(DateTime, nullable=False, default=utcnow)
    locked_until = Column(DateTime)


class LoginEvent(Model):
    """登录日志: every sign-in attempt, sign-out and ended session (append-only)."""

    __tablename__ = "va_login_event"
    __label__ = _l("Login log")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    username = Column(String(256), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    channel = Column(String(10), nullable=False, info={"choices": LOGIN_CHANNELS})
    outcome = Column(String(30), nullable=False, index=True, info={"choices": LOGIN_OUTCOMES})
    success = Column(Boolean, nullable=False)
    address = Column(String(64))
    user_agent = Column(String(500))


class UserSecurity(Model):
    """Per user: the session generation (every web session and API token
    carries it; raising it ends them all), when the password was last set,
    and the TOTP second factor."""

    __tablename__ = "va_user_security"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    generation = Column(Integer, nullable=False, default=1)
    password_changed_on = Column(DateTime, nullable=False, default=utcnow)
    totp_secret = Column(String(64))
    totp_enabled = Column(Boolean, nullable=False, default=False)
    totp_last_step = Column(Integer)


class RecoveryCode(Model):
    """Single-use second-factor recovery codes, stored hashed."""

    __tablename__ = "va_recovery_code"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash = Column(String(256), nullable=False)
    used_on = Column(DateTime)


class PersonalDataView(Model):
    """个人信息查看记录: who saw whose unmasked ID number, phone or birth date,
    where and when — one row per request and record; an export, one row."""

    __tablename__ = "va_personal_data_view"
    __label__ = _l("Personal data views")
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, default=utcnow, nullable=False, index=True)
    username = Column(String(256), nullable=False, index=True)  # kept if the user is deleted
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    record_type = Column(String(50), nullable=False, index=True, info={"choices": PERSONAL_RECORD_TYPES})
    record_id = Column(Integer, index=True)
    fields = Column(String(200), nullable=False)
    channel = Column(String(10), nullable=False, info={"choices": DISCLOSURE_CHANNELS})
    path = Column(String(300), nullable=False)
    detail = Column(String(300))


def refuse_change(mapper, connection, target):
    raise PermissionError("%s rows are append-only" % type(target).__name__)


for _model in (LoginEvent, PersonalDataView):
    event.listen(_model, "before_update", refuse_change)
    event.listen(_model, "before_delete", refuse_change)
