"""What each search-as-you-type picker may offer: its rows (always through the
scope policy, plus an extra condition for some pickers), the columns typed
text is matched against, and their order."""
from dataclasses import dataclass
from typing import Callable, Optional

from flask_appbuilder.security.sqla.models import User

from . import scope
from .models import Cadre, Town, TrainingSession, Unit, Village


@dataclass
class Lookup:
    model: type
    search: list
    order: list
    where: Optional[Callable] = None  # () -> extra SQL condition

    def query(self):
        query = scope.visible_query(self.model)
        if self.where is not None:
            query = query.filter(self.where())
        return query

    def get(self, pk):
        """The row with this id if the picker may offer it, else None."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        return self.query().filter(self.model.id == pk).one_or_none()


def _followup_villages():
    from .followup import in_followup_set

    return in_followup_set()


def _my_units():
    """Units a user may name on a record: every unit for those who see all
    rows, the assigned units for the others."""
    if scope.sees_all_rows():
        return Unit.id.isnot(None)
    _towns, units = scope.assigned()
    return Unit.id.in_(list(units))


LOOKUPS = {
    "town": Lookup(Town, [Town.name, Town.code], [Town.name]),
    "unit": Lookup(Unit, [Unit.name], [Unit.name]),
    "myunit": Lookup(Unit, [Unit.name], [Unit.name], where=_my_units),
    "village": Lookup(Village, [Village.name], [Village.name, Village.id]),
    "followupvillage": Lookup(Village, [Village.name], [Village.name, Village.id], where=_followup_villages),
    "cadre": Lookup(Cadre, [Cadre.name], [Cadre.name, Cadre.id]),
    "trainingsession": Lookup(
        TrainingSession,
        [TrainingSession.title, TrainingSession.batch],
        [TrainingSession.start_date.desc(), TrainingSession.id.desc()],
    ),
    # Users have no scope rule: only users who see every row find any.
    "user": Lookup(User, [User.username, User.first_name, User.last_name], [User.username]),
}
