"""Reserve cadres (村级后备力量): candidates, villages below target, summary."""
from flask import jsonify, request
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi, expose as api_expose
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, protect
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import not_
from wtforms.validators import Optional

from .. import reserve, scope
from ..eligibility import issues_condition
from ..exports import chosen_encoding, csv_stream, report_body
from ..fields import ChoiceField
from ..queryargs import bad_request
from ..choices import Choices
from ..models import ReserveCandidate, Village
from .base import ScopedInterface, ScopedModelRestApi, ScopedModelView
from .imports import ImportMixin

YES_NO = Choices(("y", _l("Yes")), ("n", _l("No")))


class HasIssuesFilter(BaseFilter):
    name = _l("Is")

    def apply(self, query, value):
        wanted = value[0] if isinstance(value, list) else value
        condition = issues_condition()
        return query.filter(condition if wanted != "n" else not_(condition))


class BelowTargetFilter(BaseFilter):
    name = _l("Below target")

    def apply(self, query, value):
        return query.filter(reserve.below_target_condition())


CANDIDATE_COLUMNS = [
    "name", "village", "village.town.name", "gender", "birth_date", "education", "political_status",
    "background", "target_post", "status", "eligibility",
]


class ReserveCandidateView(ImportMixin, ScopedModelView):
    datamodel = ScopedInterface(ReserveCandidate, filters={"has_issues": [HasIssuesFilter]})
    list_title = show_title = _l("Reserve candidates")
    add_title = _l("Add reserve candidate")
    edit_title = _l("Edit reserve candidate")
    list_columns = CANDIDATE_COLUMNS
    show_fieldsets = [
        (_l("Candidate"), {"fields": [
            "name", "village", "gender", "ethnicity", "id_number", "birth_date", "education",
            "political_status", "party_join_date", "background", "phone"]}),
        (_l("Cultivation"), {"fields": ["target_post", "mentor", "measures", "status", "elected_post", "elected_date", "notes", "eligibility"]}),
        (_l("Record"), {"fields": ["created_by", "created_on", "changed_by", "changed_on"], "expanded": False}),
    ]
    add_columns = edit_columns = [
        "village", "name", "gender", "ethnicity", "id_number", "birth_date", "education",
        "political_status", "party_join_date", "background", "phone", "target_post", "mentor",
        "measures", "status", "elected_post", "elected_date", "notes",
    ]
    search_columns = ["name", "village", "target_post", "status", "education", "political_status", "background", "has_issues"]
    order_columns = ["name", "birth_date", "education", "target_post", "status"]
    base_order = ("name", "asc")
    lookup_keys = {"mentor": "cadre"}
    label_columns = {"name": _l("Full name"), "has_issues": _l("Has eligibility issues")}
    export_extra_columns = ("ethnicity", "id_number", "phone", "party_join_date", "mentor", "elected_post", "elected_date")
    description_columns = {
        "id_number": _l("When given, the birth date is taken from it."),
        "birth_date": _l("Needed when there is no ID number."),
        "mentor": _l("A cadre in your scope who guides the candidate (培养联系人)."),
        "elected_post": _l("Only when the status is “elected”."),
    }
    search_form_extra_fields = {"has_issues": ChoiceField(_l("Has eligibility issues"), [Optional()], options=YES_NO)}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.export_expressions = {"eligibility": reserve.eligibility_export_expression}


class BelowTargetView(ScopedModelView):
    """后备力量不足村: villages with fewer candidates than the target."""

    datamodel = ScopedInterface(Village, undefer=reserve.COUNT_COLUMNS)
    list_title = show_title = _l("Villages below the reserve target")
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = [["id", BelowTargetFilter, None]]
    list_columns = ["name", "town", "unit"] + list(reserve.COUNT_COLUMNS) + ["missing_candidates", "missing_both"]
    show_columns = list_columns
    search_columns = ["name", "town", "unit", "poverty_status"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    related_views = [ReserveCandidateView]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.export_expressions = reserve.count_export_expressions()


class ReserveTools(BaseView):
    """The reserve summary (counts for the user's scope)."""

    route_base = "/villageaid/reserve"
    default_view = "summary"
    method_permission_name = {"summary": "summary", "summary_export": "summary"}
    read_permissions = ("summary",)

    @expose("/summary/")
    @has_access
    def summary(self):
        return self.render_template("villageaid/reserve_summary.html", title=_("Reserve summary"),
                                    tables=reserve.summary_tables(scope.current_viewer()))

    @expose("/summary/export/")
    @has_access
    def summary_export(self):
        key = request.args.get("table", "town")
        tables = {t.key: t for t in reserve.summary_tables(scope.current_viewer())}
        if key not in tables:
            return bad_request(_("Unknown table or encoding."))
        encoding = chosen_encoding()
        if encoding is None:
            return bad_request(_("Unknown encoding; choose UTF-8 or GB18030."))
        table = tables[key]
        rows = [[label] + list(values) for label, values in table.rows]
        return csv_stream(report_body(rows), table.headers,
                          "%s-%s" % (_("Reserve summary"), table.title), encoding)


class ReserveCandidateApi(ScopedModelRestApi):
    resource_name = "reserve_candidate"
    datamodel = ScopedInterface(ReserveCandidate)
    list_columns = show_columns = [
        "id", "village.id", "village.name", "name", "gender", "ethnicity", "id_number", "birth_date",
        "education", "political_status", "party_join_date", "background", "phone", "target_post",
        "mentor.id", "mentor.name", "measures", "status", "elected_post", "elected_date", "notes",
        "eligibility_issues", "row_version",
    ]
    add_columns = edit_columns = [
        "village", "name", "gender", "ethnicity", "id_number", "birth_date", "education",
        "political_status", "party_join_date", "background", "phone", "target_post", "mentor",
        "measures", "status", "elected_post", "elected_date", "notes",
    ]
    search_columns = ["name", "village", "target_post", "status", "education", "political_status", "background"]
    order_columns = ["name", "birth_date", "status"]


class ReserveReportApi(BaseApi):
    """GET /api/v1/reserve/summary and /api/v1/reserve/below_target"""

    resource_name = "reserve"
    allow_browser_login = True
    method_permission_name = {"summary": "get", "below_target": "get"}

    @api_expose("/summary", methods=["GET"])
    @protect()
    def summary(self):
        return jsonify(tables=[t.as_dict() for t in reserve.summary_tables(scope.current_viewer())])

    @api_expose("/below_target", methods=["GET"])
    @protect()
    def below_target(self):
        return jsonify(villages=reserve.below_target_rows(scope.current_viewer()))
