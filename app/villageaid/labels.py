"""Column labels, one place for screens, exports, the API and messages."""
from flask_babel import lazy_gettext as _l

LABELS = {
    "id": _l("ID"),
    "name": _l("Name"),
    "kind": _l("Kind"),
    "code": _l("Code"),
    "category": _l("Category"),
    "contact": _l("Contact person"),
    "phone": _l("Phone"),
    "town": _l("Town"),
    "town.name": _l("Town"),
    "town.id": _l("Town ID"),
    "unit.id": _l("Unit ID"),
    "village.id": _l("Village ID"),
    "row_version": _l("Row version"),
    "unit": _l("Dispatching unit"),
    "unit.name": _l("Dispatching unit"),
    "village": _l("Village"),
    "village.name": _l("Village"),
    "village.town.name": _l("Town"),
    "poverty_status": _l("Poverty status"),
    "exit_year": _l("Exit year"),
    "registered_poor": _l("Registered poor population"),
    "is_focus": _l("Focus non-poor village"),
    "gender": _l("Gender"),
    "id_number": _l("ID number"),
    "post": _l("Post"),
    "start_date": _l("Start date"),
    "status": _l("Status"),
    "is_new": _l("New cadre"),
    "user": _l("User"),
    "note": _l("Note"),
    "created_on": _l("Created on"),
    "changed_on": _l("Changed on"),
    "created_by": _l("Created by"),
    "changed_by": _l("Changed by"),
}


def label(column):
    return LABELS.get(column, column)
