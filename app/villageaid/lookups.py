"""What each search-as-you-type picker may offer: its rows (always through the
scope policy, plus an extra condition for some pickers), the columns typed
text is matched against, and their order."""
from dataclasses import dataclass
from typing import Callable, Optional

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import false, or_, select

from . import scope
from .divisions import several_counties
from .models import Cadre, Division, Town, TrainingSession, Unit, Village


@dataclass
class Lookup:
    model: type
    search: list
    order: list
    where: Optional[Callable] = None  # (viewer) -> extra SQL condition
    # (pattern) -> SQL condition: the rows whose wider place (a town's or
    # unit's county, a village's town) matches the typed text as well
    within: Optional[Callable] = None

    def matching(self, pattern):
        """The rows whose searched columns (or wider place) match `pattern`
        (an escaped LIKE pattern)."""
        found = [c.ilike(pattern, escape="\\") for c in self.search]
        if self.within is not None:
            found.append(self.within(pattern))
        return or_(*found)

    def query(self, viewer):
        query = scope.visible_query(self.model, viewer)
        if self.where is not None:
            query = query.filter(self.where(viewer))
        return query

    def get(self, pk, viewer):
        """The row with this id if the picker may offer it, else None."""
        pk = scope.parse_id(pk)
        if pk is None:
            return None
        return self.query(viewer).filter(self.model.id == pk).one_or_none()


def _followup_villages(viewer):
    from .followup import in_followup_set

    return in_followup_set()


def _alert_units(viewer):
    """The units a user makes responsible for an alert: its own, and those
    stationed in villages it sees (writes.py then checks the alert's own
    village: scope.py, @nameable)."""
    if viewer.sees_all:
        return scope.own_units(viewer)
    stationed = select(Village.unit_id).where(scope.condition(Village, viewer), Village.unit_id.isnot(None))
    return or_(scope.own_units(viewer), Unit.id.in_(stationed))


def _in_county(model):
    """Towns or units of the counties whose name matches (only where the
    installation holds several counties: otherwise every row would)."""

    def condition(pattern):
        if not several_counties():
            return false()
        return model.county_id.in_(select(Division.id).where(
            Division.level == "county", Division.name.ilike(pattern, escape="\\")))

    return condition


def _in_town(pattern):
    """Villages of the towns whose name matches."""
    return Village.town_id.in_(select(Town.id).where(Town.name.ilike(pattern, escape="\\")))


def _counties(viewer):
    return Division.level == "county"


LOOKUPS = {
    "division": Lookup(Division, [Division.name, Division.code], [Division.code]),
    "county": Lookup(Division, [Division.name, Division.code], [Division.code], where=_counties),
    "town": Lookup(Town, [Town.name, Town.code], [Town.name, Town.id], within=_in_county(Town)),
    "unit": Lookup(Unit, [Unit.name], [Unit.name, Unit.id], within=_in_county(Unit)),
    "mytown": Lookup(Town, [Town.name, Town.code], [Town.name, Town.id], where=scope.own_towns,
                     within=_in_county(Town)),
    "myunit": Lookup(Unit, [Unit.name], [Unit.name, Unit.id], where=scope.own_units, within=_in_county(Unit)),
    "alertunit": Lookup(Unit, [Unit.name], [Unit.name, Unit.id], where=_alert_units, within=_in_county(Unit)),
    "village": Lookup(Village, [Village.name], [Village.name, Village.id], within=_in_town),
    "followupvillage": Lookup(Village, [Village.name], [Village.name, Village.id], where=_followup_villages,
                              within=_in_town),
    "cadre": Lookup(Cadre, [Cadre.name], [Cadre.name, Cadre.id]),
    "trainingsession": Lookup(
        TrainingSession,
        [TrainingSession.title, TrainingSession.batch],
        [TrainingSession.start_date.desc(), TrainingSession.id.desc()],
    ),
    # Only the accounts a scope can be assigned to (scope.assignable_users).
    "user": Lookup(User, [User.username, User.first_name, User.last_name], [User.username],
                   where=scope.assignable_users),
}
