"""What the office owns beside the records: its parameters (参数设置) and
its frozen reports (签发报表)."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, Index, Integer, String, Text

from .. import defaults, settings
from .base import Record


class OfficeSetting(Record, Model):
    """One office parameter's value (JSON), set on the settings screen or
    seeded from the host configuration; a parameter without a row takes the
    configuration's value, else the add-on's default."""

    __tablename__ = "va_office_setting"
    __label__ = _l("Office parameter")
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    value = Column(Text, nullable=False)  # JSON
    # "configuration" (seeded from the host's configuration) or "office"
    origin = Column(String(20), nullable=False, default="office")

    def __str__(self):
        meta = defaults.OFFICE.get(self.name)
        return str(meta["label"]) if meta else self.name


class FrozenReport(Record, Model):
    """A report as it stood on a day, kept as it was rendered: its tables
    (JSON: title, headers, rows, totals) and the office parameters it used.
    Never changed once made."""

    __tablename__ = "va_frozen_report"
    __label__ = _l("Frozen report")
    __table_args__ = (Index("ix_va_frozen_report_kind_day", "kind", "as_of"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(40), nullable=False)
    title = Column(String(200), nullable=False)
    as_of = Column(Date, nullable=False)
    reporting_unit = Column(String(200))
    tables = Column(Text, nullable=False)  # JSON: [{key, title, headers, rows, total}]
    settings_used = Column(Text, nullable=False)  # JSON: [[name, label, shown value], ...]
    note = Column(String(500))

    def __str__(self):
        return "%s (%s)" % (self.title, self.as_of.isoformat() if self.as_of else "")


settings.register_preload(OfficeSetting)
