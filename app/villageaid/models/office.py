"""What the office owns beside the records: its parameters (参数设置) and
its frozen reports (签发报表)."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Text, UniqueConstraint

from .. import defaults, dictionaries, settings
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
    # JSON: [text, ...] — what the figures of a past date could not rebuild
    notes = Column(Text)

    def __str__(self):
        return "%s (%s)" % (self.title, self.as_of.isoformat() if self.as_of else "")


class DictionaryEntry(Record, Model):
    """The office's entry in a code list (字典管理): a code it added, or a
    seed code (choices.py) it relabelled or deactivated. The code never
    changes; labels empty take the seed's."""

    __tablename__ = "va_dictionary_entry"
    __label__ = _l("Dictionary entry")
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_va_dictionary_entry_kind_code"),)
    id = Column(Integer, primary_key=True)
    kind = Column(String(30), nullable=False)
    code = Column(String(30), nullable=False)
    label_zh = Column(String(100))
    label_en = Column(String(100))
    sort_order = Column(Integer)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self):
        return "%s: %s" % (self.kind, self.label_zh or self.label_en or self.code)


settings.register_preload(OfficeSetting)
dictionaries.register_preload(DictionaryEntry)
