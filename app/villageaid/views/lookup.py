"""Search-as-you-type endpoint behind the related-row pickers of forms and
filters. Returns at most one page of rows, always through the scope policy."""
from flask import current_app, jsonify, request
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access_api
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import or_

from .. import scope
from ..fields import option_label
from ..models import Cadre, Town, TrainingSession, Unit, Village

# key -> (model, columns searched, ordering)
LOOKUPS = {
    "town": (Town, [Town.name, Town.code], [Town.name]),
    "unit": (Unit, [Unit.name], [Unit.name]),
    "village": (Village, [Village.name], [Village.name, Village.id]),
    "cadre": (Cadre, [Cadre.name], [Cadre.name, Cadre.id]),
    "trainingsession": (
        TrainingSession,
        [TrainingSession.title, TrainingSession.batch],
        [TrainingSession.start_date.desc(), TrainingSession.id.desc()],
    ),
    # Users have no scope rule: only users who see every row find any.
    "user": (User, [User.username, User.first_name, User.last_name], [User.username]),
}


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class VillageAidLookup(BaseView):
    route_base = "/villageaid/lookup"
    default_view = "lookup"

    @expose("/<key>")
    @has_access_api
    def lookup(self, key):
        if key not in LOOKUPS:
            return jsonify(results=[], pagination={"more": False}), 404
        model, columns, order = LOOKUPS[key]
        query = scope.visible_query(model)
        pk = request.args.get("id")
        if pk:
            row = scope.get_visible(model, pk)
            results = [{"id": row.id, "text": option_label(row)}] if row else []
            return jsonify(results=results, pagination={"more": False})
        term = (request.args.get("q") or "").strip()[:50]
        if term:
            pattern = "%" + _escape_like(term) + "%"
            query = query.filter(or_(*[c.ilike(pattern, escape="\\") for c in columns]))
        size = current_app.config.get("VILLAGEAID_LOOKUP_PAGE_SIZE", 20)
        try:
            page = max(int(request.args.get("page", 1)), 1)
        except ValueError:
            page = 1
        rows = query.order_by(*order).offset((page - 1) * size).limit(size + 1).all()
        return jsonify(
            results=[{"id": r.id, "text": option_label(r)} for r in rows[:size]],
            pagination={"more": len(rows) > size},
        )
