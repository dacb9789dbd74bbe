"""Shared parts of the plugin's tables: who and when, row version, settings."""
from datetime import datetime, timezone

from flask import current_app, has_request_context
from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import declared_attr, relationship
from .. import settings


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def current_user_id():
    """The signed-in user's id (web session or API token), else None."""
    if not has_request_context():
        return None
    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # no user loader yet, or an anonymous request
        return None
    return getattr(user, "id", None)


def focus_threshold():
    return settings.get("VILLAGEAID_FOCUS_THRESHOLD")


def new_cadre_since():
    return settings.get("VILLAGEAID_NEW_CADRE_SINCE")


class Record:
    """Who created and changed a row and when (UTC), and a row version that
    refuses to overwrite an edit made by someone else in the meantime."""

    created_on = Column(DateTime, default=utcnow, nullable=False)
    changed_on = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)

    @declared_attr
    def created_by_fk(cls):
        return Column(Integer, ForeignKey("ab_user.id"), default=current_user_id)

    @declared_attr
    def changed_by_fk(cls):
        return Column(
            Integer,
            ForeignKey("ab_user.id"),
            default=current_user_id,
            onupdate=current_user_id,
        )

    @declared_attr
    def created_by(cls):
        return relationship("User", foreign_keys=[cls.created_by_fk], lazy="select")

    @declared_attr
    def changed_by(cls):
        return relationship("User", foreign_keys=[cls.changed_by_fk], lazy="select")

    @declared_attr
    def row_version(cls):
        return Column(Integer, nullable=False, default=1)

    @declared_attr
    def __mapper_args__(cls):
        return {"version_id_col": cls.row_version}


class Recyclable:
    """A domain record that a delete puts in the recycle bin (回收站) rather
    than removing: `deleted_on` set, and the scope policy shows it nowhere
    but in the bin, until it is restored or purged."""

    @declared_attr
    def deleted_on(cls):
        return Column(DateTime, index=True)

    @declared_attr
    def deleted_by_fk(cls):
        return Column(Integer, ForeignKey("ab_user.id"))

    @declared_attr
    def deleted_by(cls):
        return relationship("User", foreign_keys=[cls.deleted_by_fk], lazy="select")


def recyclable(model):
    return issubclass(model, Recyclable)
