"""Frozen reports (签发报表): the office freezes a report as it stands —
its tables as rendered, who froze it, when, the office parameters used —
and the stored copy never changes.

A report is built from the rows its report function returns (training,
reserve, follow-up), turned into plain tables: {key, title, headers, rows,
total}, every cell text or a number, so that the CSV writer (and an .xlsx
writer) takes them as they are. Columns come from the rows' own keys, so a
report function that gains a column is frozen with it.

A report is frozen as of a chosen date (default: today, or its reference
date): it is computed with that date as its reference date (timefmt.as_of)
— training coverage counts the cadres in post by then and the sessions
ended by then, the follow-up summary the records dated up to then, the
reserve summary the candidates on record by then. What the data kept
cannot tell for a past date (a cadre's post or status then, a candidate's
status then) is said in the report's notes, stored with it. Reports whose
figures for a past date cannot be rebuilt at all (the villages below
target: counts maintained as they stand; the alerts: cadres on duty and
stationed units as they are today) are frozen only as of today or their
own reference date.

Frozen reports cover the whole county: only a user who sees every row
freezes one, and only such users (the office, Admin, the inspector) read
them — a clerk's scope is not the county, and a county table names
villages outside it.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import get_timezone, gettext as _, lazy_gettext as _l

from . import defaults, followup, reserve, settings, timefmt, training, writes
from .labels import label
from .models import FrozenReport
from .timefmt import local_time

# the earliest as-of date (the follow-up summary's calendar starts in 2000)
EARLIEST = date(2000, 1, 1)

# headers of row keys the column labels (labels.py) do not name
HEADERS = {
    "name": _l("Name"),
    "new": _l("New cadres"),
    "trained": _l("Trained"),
    "untrained": _l("Untrained"),
    "percent": _l("Coverage rate"),
    "reason": _l("Reason"),
    "this_period": _l("This period"),
    "last_period": _l("Same period last year"),
}
# row keys that are ids, not figures
SKIPPED = {"key", "id", "village_id", "town_id", "unit_id"}
# figures that are not summed in a totals row
NOT_SUMMED = {"year", "percent", "this_period", "last_period"}


@dataclass
class Report:
    title: object
    settings_used: tuple
    build: object  # (viewer, as-of date or None for the live figures) -> [table dict]
    as_of: object = None  # () -> the date the figures are as of by default (default: today)
    past_notes: object = None  # as-of date -> [note]; None: not to be frozen as of another date


def header(key):
    return str(HEADERS.get(key) or label(key))


def _number(value):
    """A figure that can be summed, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _cell(value):
    """A value as JSON keeps it: text or a number, never None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_of_dicts(key, title, dicts, total=None, cells=None):
    """A table of rows given as dicts (a report function's rows): the
    columns are the dicts' keys but ids; the totals row `total` (a dict) or
    the sum of each column whose every value is a number."""
    cells = cells or {}
    sample = dicts[0] if dicts else (total or {})
    keys = [k for k in sample if k not in SKIPPED]
    rows = [[_cell(cells[k](d.get(k)) if k in cells else d.get(k)) for k in keys] for d in dicts]
    if total is not None:
        total_row = [_cell(total.get(k)) for k in keys]
    else:
        total_row = []
        for i, k in enumerate(keys):
            numbers = [_number(d.get(k)) for d in dicts]
            summable = dicts and k not in NOT_SUMMED and not k.endswith("_change") and None not in numbers
            total_row.append(_cell(sum(numbers)) if summable else "")
        if keys:
            total_row[0] = _("Total")
    for row in rows + [total_row]:
        for i, value in enumerate(row):
            if isinstance(value, Decimal):
                row[i] = str(value)
    return {"key": key, "title": str(title), "headers": [header(k) for k in keys], "rows": rows,
            "total": total_row}


def _coverage(viewer, day=None):
    titles = {"town": _("By town"), "unit": _("By dispatching unit"), "kind": _("By kind of cadre")}
    tables = []
    for by, title in titles.items():
        report = training.coverage(viewer, by, in_post_by=day)
        tables.append(table_of_dicts(by, title, [r.as_dict() for r in report.rows], report.total.as_dict()))
    return tables


def _reserve_summary(viewer, day=None):
    tables = []
    recorded_before = timefmt.start_of_next_day_utc(day) if day is not None else None
    for table in reserve.summary_tables(viewer, recorded_before=recorded_before):
        data = table.as_dict()
        rows = [[_cell(r["label"])] + [_cell(v) for v in r["values"]] for r in data["rows"]]
        total = rows.pop() if rows else []
        tables.append({"key": data["key"], "title": str(data["title"]), "headers": data["headers"],
                       "rows": rows, "total": total})
    return tables


def _below_target(viewer, day=None):
    return [table_of_dicts("villages", _("Villages below the reserve target"), reserve.below_target_rows(viewer))]


def _followup_summary(viewer, day=None):
    return [table_of_dicts("years", _("Yearly follow-up summary"), followup.yearly_rows(viewer))]


def _alerts(viewer, day=None):
    found = [a.as_dict() for a in followup.alerts(viewer)]
    table = table_of_dicts("alerts", _("Follow-up alerts"), found, cells={"kind": followup.alert_label})
    if table["total"]:
        table["total"] = [_("Total")] + [""] * (len(table["headers"]) - 2) + [len(found)]
    return [table]


def _coverage_notes(day):
    return [_("Cadres who started in post by %(date)s and training sessions that ended by that date are counted; "
              "a session ending after it does not make anyone trained.", date=day.isoformat()),
            _("A cadre's status, kind, post, unit and village are those on record today: their values on "
              "%(date)s are not kept. A cadre who has left since is not counted; a cadre who has moved since is "
              "counted where the cadre is now.", date=day.isoformat()),
            _("Attendance is as recorded today: a roll call entered after %(date)s for a session that ended by "
              "then counts.", date=day.isoformat())]


def _reserve_notes(day):
    return [_("Candidates on record by %(date)s are counted, with their status, education and other data as "
              "on record today: their values on that date are not kept. A candidate deleted since is not "
              "counted.", date=day.isoformat()),
            _("Eligibility is judged on the election date, as the rules say, under the rules in force today.")]


def _followup_notes(day):
    return [_("Follow-up records dated up to %(date)s are counted, as on record today (a record entered later "
              "but dated by then counts; one deleted since does not); this year to %(date)s is compared with the "
              "same days of the year before.", date=day.isoformat()),
            _("The follow-up set and each village's town and unit are those of today.")]


REPORTS = {
    "coverage": Report(_l("Training coverage"), ("VILLAGEAID_NEW_CADRE_SINCE",), _coverage,
                       past_notes=_coverage_notes),
    "reserve_summary": Report(_l("Reserve summary"), ("VILLAGEAID_ELECTION_DATE",), _reserve_summary,
                              past_notes=_reserve_notes),
    "below_target": Report(_l("Villages below the reserve target"),
                           ("VILLAGEAID_RESERVE_TARGET", "VILLAGEAID_RESERVE_TARGET_BOTH"), _below_target),
    "followup_summary": Report(_l("Yearly follow-up summary"),
                               ("VILLAGEAID_FOLLOWUP_EXIT_YEARS", "VILLAGEAID_REFERENCE_DATE"), _followup_summary,
                               followup.reference_date, _followup_notes),
    "alerts": Report(_l("Follow-up alerts"),
                     ("VILLAGEAID_FOLLOWUP_EXIT_YEARS", "VILLAGEAID_REFERENCE_DATE",
                      "VILLAGEAID_FOLLOWUP_NO_VISIT_DAYS"), _alerts, followup.reference_date),
}


def settings_of(kind):
    """The office parameters a report rests on: its own, and those declared
    with `reports=(kind, ...)` in defaults.py (a parameter added later names
    the reports it changes there, and nothing else needs to)."""
    names = list(REPORTS[kind].settings_used)
    names += [n for n, meta in defaults.OFFICE.items() if kind in meta.get("reports", ()) and n not in names]
    return names


def used_by(kind):
    """[(name, label, shown value, source)] of the parameters of report `kind`."""
    return settings.used(settings_of(kind)) if kind in REPORTS else []


def local_today():
    return datetime.now(get_timezone()).date()


def reporting_unit():
    return settings.get("VILLAGEAID_REPORTING_UNIT") or str(current_app.config.get("APP_NAME") or "")


def default_as_of(kind):
    """The date report `kind` is frozen as of when none is chosen."""
    return (REPORTS[kind].as_of or local_today)()


def as_of_of(kind, text):
    """The as-of date chosen on the form (text, YYYY-MM-DD; empty: the
    report's default). Refused (writes.Refused) when it is not a date, is in
    the future, is too early, or is another date than its own for a report
    that cannot be rebuilt for it."""
    text = (text or "").strip() if isinstance(text, str) else text
    if not text:
        return default_as_of(kind)
    try:
        day = text if isinstance(text, date) else date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or (isinstance(text, str) and len(text) != 10):
        raise writes.Refused({"as_of": _("The as-of date must be a date (YYYY-MM-DD).")})
    today = local_today()
    if day > today:
        raise writes.Refused({"as_of": _("The as-of date cannot be in the future (today is %(today)s).",
                                         today=today.isoformat())})
    if day < EARLIEST:
        raise writes.Refused({"as_of": _("The as-of date cannot be before %(date)s.", date=EARLIEST.isoformat())})
    report = REPORTS[kind]
    if report.past_notes is None and day not in (today, default_as_of(kind)):
        raise writes.Refused({"as_of": _(
            "“%(report)s” can only be frozen as of %(date)s: its figures for another date cannot be rebuilt "
            "from the data kept.", report=report.title, date=default_as_of(kind).isoformat())})
    return day


def freeze(kind, viewer, note="", as_of=None):
    """Freeze report `kind` as `viewer` sees it, as of the date `as_of`
    (text from the form or a date; empty: the report's default); returns the
    stored FrozenReport. Refused (writes.Refused) unless the viewer sees
    every row, or on a date it cannot be frozen as of."""
    if kind not in REPORTS:
        raise writes.Refused({"kind": _("Not a valid choice.")})
    if not viewer.sees_all:
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "A frozen report covers the whole county: only a user who sees every row may freeze one.")})
    report = REPORTS[kind]
    day = as_of_of(kind, as_of)
    with timefmt.as_of(day):
        tables = report.build(viewer, day)
    notes = report.past_notes(day) if report.past_notes is not None and day < local_today() else []
    item = FrozenReport(
        kind=kind, title=str(report.title), as_of=day,
        reporting_unit=reporting_unit()[:200] or None, note=(note or "").strip()[:500] or None,
        tables=json.dumps(tables, ensure_ascii=False),
        settings_used=json.dumps([[n, l, s] for n, l, s, _src in settings.used(settings_of(kind))],
                                 ensure_ascii=False),
        notes=json.dumps([str(n) for n in notes], ensure_ascii=False) if notes else None,
    )
    writes.save_all([(item, None, None)], viewer, path="web")
    return item


def tables_of(item):
    return json.loads(item.tables)


def settings_used_of(item):
    return json.loads(item.settings_used)


def notes_of(item):
    """The notes on the figures stored with a frozen report ([] if none)."""
    return json.loads(item.notes) if item.notes else []


def current_tables(kind, viewer):
    """The same report with today's figures (for the side-by-side view)."""
    return REPORTS[kind].build(viewer, None)


def official_rows(item, table):
    """A frozen table in the official layout, as rows of cells: title,
    reporting unit, date, frozen by, the parameters used, a blank line, the
    header row, the rows and the totals row."""
    who = item.created_by or ""
    lines = [
        ["%s — %s" % (item.title, table["title"])],
        [_("Reporting unit"), item.reporting_unit or ""],
        [_("As of"), item.as_of.isoformat()],
        [_("Frozen by"), str(who), str(local_time(item.created_on))],
    ]
    for _name, label_text, shown in settings_used_of(item):
        lines.append([_("Parameter"), label_text, shown])
    for text in notes_of(item):
        lines.append([_("Notes on the figures"), text])
    lines.append([])
    lines.append(list(table["headers"]))
    lines.extend(table["rows"])
    if table.get("total"):
        lines.append(list(table["total"]))
    return lines


def compare(frozen_table, today_table):
    """Rows of the side-by-side view: (label, [(frozen, today, differs)])
    matched by the first cell; rows only today has come last."""
    today_rows = {str(r[0]) if r else "": r for r in today_table["rows"]} if today_table else {}
    headers = frozen_table["headers"]
    found, seen = [], set()

    def pair(frozen_row, now_row):
        cells = []
        for i in range(1, len(headers)):
            old = frozen_row[i] if frozen_row and i < len(frozen_row) else ""
            new = now_row[i] if now_row and i < len(now_row) else ""
            cells.append((old, new, str(old) != str(new)))
        return cells

    for row in frozen_table["rows"] + ([frozen_table["total"]] if frozen_table.get("total") else []):
        key = str(row[0]) if row else ""
        seen.add(key)
        now = today_rows.get(key)
        if now is None and today_table and row is frozen_table.get("total"):
            now = today_table.get("total")
        found.append((key, pair(row, now)))
    for key, row in today_rows.items():
        if key not in seen:
            found.append((key, pair(None, row)))
    return found
