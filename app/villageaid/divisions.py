"""Administrative divisions above the town: province → prefecture → county,
keyed by their GB/T 2260 codes (six digits: 530000 a province, 530400 a
prefecture, 530428 a county).

The level follows from the code's shape and the parent from its first
digits; `home_county` makes the installation's own province, prefecture and
county (setting VILLAGEAID_HOME_COUNTY), to which a town or unit given
without a county belongs.
"""
import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from . import preload

from .models import Division, Town, Unit, utcnow
from .validators import Invalid

PROVINCE, PREFECTURE, COUNTY = "province", "prefecture", "county"
# the level a division's parent has
PARENT_LEVEL = {PROVINCE: None, PREFECTURE: PROVINCE, COUNTY: PREFECTURE}
LEVELS = (PROVINCE, PREFECTURE, COUNTY)
# the level a division's children have
CHILD_LEVEL = {PROVINCE: PREFECTURE, PREFECTURE: COUNTY, COUNTY: None}


def check_code(value):
    """Six ASCII digits (fullwidth digits and spaces are normalised), not
    000000, of a province (xx0000), prefecture (xxxx00) or county."""
    code = "".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if not re.fullmatch(r"[0-9]{6}", code) or code.startswith("00"):
        raise Invalid(_("A division code has six digits (GB/T 2260), e.g. 530000, 530400, 530428."))
    return code


def level_of(code):
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


def parent_code(code):
    """The code of the division a code belongs to (None for a province)."""
    level = level_of(code)
    if level == PROVINCE:
        return None
    if level == PREFECTURE:
        return code[:2] + "0000"
    return code[:4] + "00"


def spec():
    """[(code, name)] of the home province, prefecture and county."""
    from . import defaults

    from flask import has_app_context

    value = (has_app_context() and current_app.config.get("VILLAGEAID_HOME_COUNTY")) or defaults.VILLAGEAID_HOME_COUNTY
    return [(str(code), str(name)) for code, name in value]


def ensure_divisions(conn, entries, user_id=None):
    """The divisions `entries` [(code, name)] (parents first), made when
    missing, on a Core connection; returns {code: id}."""
    table = Division.__table__
    ids = {}
    now = utcnow()
    for code, name in entries:
        found = conn.execute(select(table.c.id).where(table.c.code == code)).scalar()
        if found is None:
            parent = parent_code(code)
            found = conn.execute(table.insert().values(
                code=code, name=name, level=level_of(code), parent_id=ids.get(parent) if parent else None,
                created_on=now, changed_on=now, created_by_fk=user_id, changed_by_fk=user_id, row_version=1,
            )).inserted_primary_key[0]
        ids[code] = found
    return ids


def home_county_on(conn):
    """The home county's id on a Core connection, made when missing."""
    entries = spec()
    table = Division.__table__
    found = conn.execute(select(table.c.id).where(table.c.code == entries[-1][0])).scalar()
    if found is None:
        found = ensure_divisions(conn, entries)[entries[-1][0]]
    return found


def home_county_id(session=None):
    """The id of the home county, made (with its province and prefecture)
    when missing."""
    session = session or current_app.appbuilder.session
    entries = spec()
    with session.no_autoflush:
        found = session.scalar(select(Division.id).where(Division.code == entries[-1][0]))
    if found is not None:
        return found
    return ensure_divisions(session.connection(), entries)[entries[-1][0]]


def ensure_home_county(session=None):
    """First start and `flask villageaid init`: the home county exists."""
    session = session or current_app.appbuilder.session
    home_county_id(session)
    session.commit()


def check_area_code(value):
    """A village's statistical area code (统计用区划代码): 12 digits."""
    code = "".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if not re.fullmatch(r"[0-9]{12}", code):
        raise Invalid(_("A statistical area code has 12 digits."))
    return code


def _related(item, relation, model):
    """The row a record refers to through `relation` once saved (None: none)."""
    from .rules import refers

    if not refers(item, relation):
        return None
    if relation in item.__dict__:
        return item.__dict__[relation]
    return current_app.appbuilder.session.get(model, getattr(item, relation + "_id"))


def _has(model, column, value):
    session = current_app.appbuilder.session
    with session.no_autoflush:
        return session.scalar(select(model.id).where(column == value).limit(1)) is not None


def place_errors(item, before):
    """A division's level follows from its code, its parent is the division
    its code belongs to (taken from the code when not given), a province has
    none; a province's name is unique among provinces. A division with
    divisions under it keeps its code, one with towns or units its level."""
    session = current_app.appbuilder.session
    code = item.code
    if not code:
        return {}
    level = level_of(code)
    if item.id is not None and before.get("code") not in (None, code):
        if _has(Division, Division.parent_id, item.id):
            return {"code": _("A division with divisions under it keeps its code.")}
        if level != before.get("level") and (_has(Town, Town.county_id, item.id) or _has(Unit, Unit.county_id, item.id)):
            return {"code": _("A county with towns or units keeps its level.")}
    item.level = level
    parent = _related(item, "parent", Division)
    expected = parent_code(code)
    if expected is None:
        if parent is not None:
            return {"parent": _("A province belongs to no other division.")}
        with session.no_autoflush:
            twin = session.scalar(select(Division.id).where(
                Division.parent_id.is_(None), Division.name == item.name, Division.id != (item.id or 0)).limit(1))
        if twin is not None:
            return {"name": _("A division of this name already exists under the same parent.")}
        return {}
    if parent is None:
        with session.no_autoflush:
            parent = session.scalar(select(Division).where(Division.code == expected))
        if parent is None:
            return {"parent": _("The division %(code)s, which %(child)s belongs to, does not exist yet: add it first.",
                                code=expected, child=code)}
        item.parent = parent
    elif parent.code != expected:
        return {"parent": _("The division %(child)s belongs to %(code)s by its code.", child=code, code=expected)}
    return {}


def county_errors(item):
    """A town or unit belongs to a county: the home county when not given in
    an installation of one county; with several, it must be named (a unit
    or town filed silently under the home county would be seen by that
    county's users, and its villages with it)."""
    county = _related(item, "county", Division)
    if county is None:
        if several_counties():
            return {"county": _("Choose the county it belongs to: this installation holds several.")}
        session = current_app.appbuilder.session
        item.county = session.get(Division, home_county_id(session))
        return {}
    if county.level != COUNTY:
        return {"county": _("Choose a county, not a province or prefecture.")}
    return {}


# --- how many divisions of each level: read along with the user's scope (preload.py)

COUNTIES = "counties"


def _county_columns():
    # one row: the number of provinces, prefectures and counties (aggregates over the small division table)
    return [func.count(case((Division.level == level, Division.id))) for level in LEVELS]


def _county_load(rows):
    row = rows[0] if rows else [0] * len(LEVELS)
    return {level: int(n or 0) for level, n in zip(LEVELS, row)}


preload.register(COUNTIES, Division, _county_columns, _county_load)


def how_many(level):
    """How many divisions of `level` the installation holds (no statement of its own)."""
    return preload.value(COUNTIES)[level]


def several_counties():
    """Does the installation hold more than one county? Then a town or unit
    is named with its county wherever a person picks or reads it (a name is
    unique within its county only). Read in no statement of its own."""
    return how_many(COUNTY) > 1
