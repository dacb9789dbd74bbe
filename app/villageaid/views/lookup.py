"""Search-as-you-type endpoint behind the related-row pickers of forms and
filters. Returns at most one page of rows, always through the scope policy."""
from flask import jsonify, request
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access_api

from ..fields import option_label
from .. import scope
from ..lookups import LOOKUPS
from .. import settings


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
        lookup = LOOKUPS[key]
        viewer = scope.current_viewer()
        query = lookup.query(viewer)
        pk = request.args.get("id")
        if pk:
            row = lookup.get(pk, viewer)
            results = [{"id": row.id, "text": option_label(row)}] if row else []
            return jsonify(results=results, pagination={"more": False})
        term = (request.args.get("q") or "").strip()[:50]
        if term:
            pattern = "%" + _escape_like(term) + "%"
            query = query.filter(lookup.matching(pattern))
        size = settings.get("VILLAGEAID_LOOKUP_PAGE_SIZE")
        try:
            page = min(max(int(request.args.get("page", 1)), 1), 10000)
        except ValueError:
            page = 1
        rows = query.order_by(*lookup.order).offset((page - 1) * size).limit(size + 1).all()
        return jsonify(
            results=[{"id": r.id, "text": option_label(r)} for r in rows[:size]],
            pagination={"more": len(rows) > size},
        )
