"""The home page (工作台), FAB's index view in the add-on's words: the
figures of the user's scope, each linking to the list behind it with the
matching filter, a to-do block and two charts (ECharts, from the add-on's
own static files; every chart's numbers are in a plain table too)."""
from flask import current_app, url_for
from flask_appbuilder import IndexView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_babel import gettext as _, lazy_gettext as _l

from .. import home, scope
from ..choices import ALERT_KINDS, ALERT_STATUSES
from .crud import filter_arg
from .training import _coverage_links

AUDIT_LINKS = [("ChangeRecordView", _l("Operation log")), ("LoginEventView", _l("Login log")),
               ("ExportReceiptView", _l("Export log")), ("PersonalDataViewLogView", _l("Personal data views"))]


def may_list(view_name):
    return current_app.appbuilder.sm.has_access("can_list", view_name)


def alert_link(**wanted):
    """The alert list with status other than closed, plus `wanted` filters."""
    query = {filter_arg("FollowUpAlertView", "status", FilterNotEqual): "closed"}
    if "kind" in wanted:
        query[filter_arg("FollowUpAlertView", "kind", FilterEqual)] = wanted["kind"]
    if wanted.get("overdue"):
        from .followup import OverdueFilter

        query[filter_arg("FollowUpAlertView", "overdue", OverdueFilter)] = "y"
    return url_for("FollowUpAlertView.list", **query)


def workbench(viewer):
    """What the home page shows `viewer` (None: a figure its role may not see)."""
    page = {"signed_in": not viewer.anonymous, "has_scope": home.has_scope(viewer)}
    if viewer.anonymous or not page["has_scope"]:
        return page
    if may_list("NewCadreTrainingView"):
        by = home.coverage_grouping(viewer)
        report = home.coverage(viewer)
        page["coverage"] = {
            "by": by, "report": report, "total": report.total,
            "links": lambda row: _coverage_links(by, row),
        }
    if may_list("UntrainedCadreView"):
        total = page["coverage"]["total"].untrained if "coverage" in page else None
        if total is None:
            total = home.coverage(viewer).total.untrained
        page["untrained"] = {"count": total, "link": url_for("UntrainedCadreView.list")}
    if may_list("BelowTargetView"):
        page["below_target"] = {"count": home.below_target_count(viewer), "link": url_for("BelowTargetView.list")}
    if may_list("FollowUpAlertView"):
        found = home.alerts(viewer)
        page["alerts"] = {
            "found": found, "open_link": alert_link(), "overdue_link": alert_link(overdue=True),
            "by_kind": [(kind, ALERT_KINDS.label(kind), n, late, alert_link(kind=kind),
                         alert_link(kind=kind, overdue=True)) for kind, n, late in found.by_kind],
            "status_label": ALERT_STATUSES.label, "kind_label": ALERT_KINDS.label,
        }
    if may_list("FollowUpYearView"):
        figures = home.followup_to_date(viewer)
        year_filter = filter_arg("FollowUpYearView", "year", FilterEqual)
        page["followup"] = {"figures": figures,
                            "link": url_for("FollowUpYearView.list", **{year_filter: figures.year})}
    return page


class HomeView(IndexView):
    """工作台: replaces FAB's empty welcome page (the add-on's security
    manager names it the index view unless the host chose its own)."""

    index_template = "villageaid/home.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        viewer = scope.current_viewer()
        audit = [(view, str(label), url_for(view + ".list")) for view, label in AUDIT_LINKS
                 if not viewer.anonymous and may_list(view)]
        return self.render_template(self.index_template, appbuilder=self.appbuilder, title=_("Workbench"),
                                    page=workbench(viewer), audit=audit)
