"""Figures of whole counties kept for the scopes that see every county
(countyfigures.py): never edited, recomputed when a county's version moves.
Low in the imports: the modules that maintain other figures (the training
tally, the reserve counts, the follow-up months) note here what they move."""
from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, Integer, Numeric, String, UniqueConstraint, select

NO_COUNTY = 0  # the key of what has no town (resident cadres with no village)


class CountyVersion(Model):
    """How many times the figures of a county may have moved: every write
    that may move them adds one before it commits."""

    __tablename__ = "va_county_version"
    county_key = Column(Integer, primary_key=True, autoincrement=False)  # a county's id, or NO_COUNTY
    version = Column(Integer, nullable=False, default=0)


class CountyFigure(Model):
    """One figure of one county as computed at its `version`, for one
    reference date and set of parameters (`fingerprint`): `figure` names
    it, `key` the kind or year it is of, `a`, `b`, `c` its numbers."""

    __tablename__ = "va_county_figure"
    __table_args__ = (UniqueConstraint("county_key", "version", "fingerprint", "figure", "key",
                                       name="uq_va_county_figure"),)
    id = Column(Integer, primary_key=True)
    county_key = Column(Integer, nullable=False, index=True)
    version = Column(Integer, nullable=False)
    fingerprint = Column(String(120), nullable=False)
    figure = Column(String(16), nullable=False)
    key = Column(String(32), nullable=False, default="")
    a = Column(BigInteger, nullable=False, default=0)
    b = Column(BigInteger, nullable=False, default=0)
    c = Column(Numeric(14, 1))


# --- what a write moved: noted during the transaction, the counties' versions
# moved just before it commits (countyfigures.py) -----------------------------

DIRTY = "va_county_dirty"


def note(session, towns=(), villages=(), counties=()):
    """Note that the figures of these towns', villages' or counties' counties
    may have moved in `session`'s transaction."""
    dirty = session.info.setdefault(DIRTY, {"towns": set(), "villages": set(), "counties": set()})
    for name, values in (("towns", towns), ("villages", villages), ("counties", counties)):
        dirty[name].update(v for v in values if v is not None)


def move_versions(db, which=None):
    """Add one to the versions of the counties `which` (a condition on
    CountyVersion; None: every county) selects, in the caller's transaction
    (`db`: a session or a connection), their rows locked first in the order
    of their keys: two writes of the same counties take turns, never wait on
    each other."""
    table = CountyVersion.__table__
    query = select(table.c.county_key).order_by(table.c.county_key).with_for_update()
    keys = list(db.execute(query if which is None else query.where(which)).scalars())
    for start in range(0, len(keys), 500):
        db.execute(table.update().where(table.c.county_key.in_(keys[start:start + 500]))
                   .values(version=table.c.version + 1))


def bump_all(db):
    """Every county's figures may have moved (rows written or recounted
    around the write path)."""
    move_versions(db)
