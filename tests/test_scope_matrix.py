"""The scope matrix: every web route (from ``app.url_map``) and every API
operation (from the OpenAPI document), for every role, against records in
and out of the role's scope.

``WEB`` and ``API`` below are the expectation tables: each route (Flask
endpoint, or API method and path) with its HTTP methods, the records it is
tried with, and what each role must get. A route the application serves
without an entry here fails ``test_every_route_has_an_expectation``.

What every case checks:
- the status (anonymous: web → the login page, API → 401);
- GET: no out-of-scope record's name or ID number in the body (scope_world's
  ``forbidden``), the role's own rows shown where a list or page names them,
  and nothing changed in the database (an export writes its receipt, and
  nothing else);
- writes (web forms with a valid CSRF token, API with a token, bulk actions
  with foreign ids): a refused write changes nothing (every domain table,
  the accounts and the roles compared before and after); an allowed one
  makes exactly its change, which is then removed again.

Records: position A (seen by both clerks), U (clerk_unit only), B (no
clerk); "A>B" edits a record of A into position B; "A+B" is a bulk request
naming one row of each.
"""
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest

from . import scope_world as sw
from villageaid.models import TrainingAttendance

from .helpers import Api, Browser, fetch

ROLES = sw.ROLES
READ = frozenset({"list", "show", "export"})
WRITE = frozenset({"add", "edit", "delete", "enrol"})
EVERYTHING = READ | WRITE
ADMIN_WRITES_SKIPPED = "FAB's own account and role writes as admin would change the accounts the suite signs in with"


def grants(area, role):
    """What a role may do in an area (README, "Who uses it"): `reference`
    (towns, units, sessions), `records` (domain records), `admin` (scope
    assignments), `office` (the export log)."""
    if role == "anonymous":
        return frozenset()
    if role in ("office", "admin"):
        return EVERYTHING
    if area == "office":
        return frozenset()
    if role == "inspector":
        return READ
    if area == "records":
        return EVERYTHING
    if area == "admin":  # clerks read their own scope assignments; no export (roles.py)
        return frozenset({"list", "show"})
    return READ


# --- the cases --------------------------------------------------------------------

# about 4,900 cases: minutes, so a tier of its own (run by .ci/run on SQLite and PostgreSQL)
pytestmark = pytest.mark.slow

CHECKED = []  # case ids run, for the count printed at the end


@dataclass
class Outcome:
    status: object  # int or tuple of ints
    effect: Optional[Callable] = None  # (before, after) -> None; None: nothing may change
    shows: tuple = ()  # strings the body must contain
    export: bool = False  # a successful export writes one receipt
    check: Optional[Callable] = None  # (response) -> None, a further check of the answer


class Ctx:
    """Signed-in clients per role, kept for the whole module."""

    def __init__(self, app, world):
        self.app, self.w = app, world
        self._web, self._api, self._tokens = {}, {}, {}

    def web(self, role, fresh=False):
        if fresh:
            return Browser(self.app, None if role == "anonymous" else role)
        if role not in self._web:
            self._web[role] = self.web(role, fresh=True)
        return self._web[role]

    def token(self, role):
        if role not in self._tokens:
            self._tokens[role] = self.web(role).csrf("/login/" if role == "anonymous" else "/resetmypassword/form")
        return self._tokens[role]

    def api(self, role):
        if role not in self._api:
            if role == "anonymous":
                client = self.app.test_client()
                self._api[role] = type("Anonymous", (), {"client": client, "headers": {}})()
            else:
                self._api[role] = Api(self.app, role)
        return self._api[role]


def request(ctx, role, method, url, *, api=False, data=None, json=None, fresh=False):
    if api:
        client = ctx.api(role)
        kw = {"headers": client.headers}
        if json is not None:
            kw["json"] = json
        return client.client.open(url, method=method, **kw)
    browser = ctx.web(role, fresh=fresh)
    if method == "GET":
        return browser.client.get(url)
    form = dict(data or {})
    form.setdefault("csrf_token", ctx.token(role) if not fresh else browser.csrf(
        "/login/" if role == "anonymous" else "/resetmypassword/form"))
    return browser.client.open(url, method=method, data=form)


def run(ctx, role, method, url, outcome, *, api=False, data=None, json=None, fresh=False):
    """One case: snapshot, request, snapshot; check status, body and effect."""
    before, receipts = sw.snapshot(), sw.receipts()
    resp = request(ctx, role, method, url, api=api, data=data, json=json, fresh=fresh)
    text = sw.body_text(resp)
    after, receipts_after = sw.snapshot(), sw.receipts()
    what = "%s %s%s as %s" % (method, url, " %s" % (json,) if json is not None else "", role)
    statuses = (302,) if outcome.status == LOGIN else outcome.status if isinstance(outcome.status, tuple) else (
        outcome.status,)
    assert resp.status_code in statuses, "%s: %d, expected %s\n%s" % (what, resp.status_code, statuses, said(text))
    if outcome.status == LOGIN:
        assert "/login/" in resp.headers.get("Location", ""), "%s: not sent to the login page (%s)" % (
            what, resp.headers.get("Location"))
    leaked = sorted(word for word in ctx.w.forbidden(role) if word in text)
    assert not leaked, "%s: out-of-scope %s in the response" % (what, leaked)
    if resp.status_code == 200:
        missing = [s for s in outcome.shows if s not in text]
        assert not missing, "%s: %s not shown\n%s" % (what, missing, text[:800])
    expected_receipts = 1 if outcome.export and resp.status_code == 200 else 0
    assert receipts_after - receipts == expected_receipts, "%s: %d export receipts written" % (
        what, receipts_after - receipts)
    if outcome.check is not None:
        outcome.check(resp)
    if outcome.effect is None:
        assert before == after, "%s changed %s" % (what, sw.changed_tables(before, after))
    else:
        outcome.effect(before, after, what)
    CHECKED.append(what)
    return resp


LOGIN = "login"  # web, anonymous: a redirect to the login page


def said(text):
    """What a page tells the person (flashed messages, field errors), or the start of the body."""
    found = re.findall(r'class="(?:help-block|alert[^"]*)"[^>]*>(.*?)<', text, re.S)
    found = [m.strip() for m in found if m.strip()]
    return "; ".join(found) if found else text[:800]


# --- effects of allowed writes -------------------------------------------------------


def only_changed(before, after, table, what):
    others = [t for t in sw.changed_tables(before, after) if t != table]
    assert not others, "%s also changed %s" % (what, others)


def added(table, n=1):
    def check(before, after, what):
        only_changed(before, after, table, what)
        assert len(after[table]) - len(before[table]) == n, "%s: %d rows added to %s, expected %d" % (
            what, len(after[table]) - len(before[table]), table, n)
    return check


def changed(table, pk):
    def check(before, after, what):
        only_changed(before, after, table, what)
        old = [r for r in before[table] if r[0] == pk]
        new = [r for r in after[table] if r[0] == pk]
        assert old and new and old != new, "%s did not change row %s of %s" % (what, pk, table)
        assert len(before[table]) == len(after[table]), what
    return check


def deleted(table, *pks):
    """Gone: removed, or (a domain record) in the recycle bin."""
    columns = sw.snapshot_columns(table)
    binned = columns.index("deleted_on") if "deleted_on" in columns else None

    def live(rows):
        return {r[0] for r in rows if binned is None or r[binned] is None}

    def check(before, after, what):
        only_changed(before, after, table, what)
        gone = live(before[table]) - live(after[table])
        assert gone == set(pks), "%s deleted %s from %s, expected %s" % (what, gone, table, set(pks))
    return check


# --- expectation profiles ----------------------------------------------------------


@dataclass
class Entry:
    """One route: its HTTP methods, the records each is tried with, and how a case runs."""

    methods: dict  # method -> tuple of records
    run: Callable  # (ctx, method, role, record) -> None
    skip: dict = field(default_factory=dict)  # (method, role) -> reason


TABLE_OF = {
    "town": "va_town", "unit": "va_unit", "session": "va_training_session", "village": "va_village",
    "focus_village": "va_village", "followup_village": "va_village", "cadre": "va_cadre",
    "attendance": "va_training_attendance", "candidate": "va_reserve_candidate",
    "followup": "va_followup_record", "assignment": "va_scope_assignment", "receipt": "va_export_receipt",
    "alert": "va_followup_alert", "division": "va_division",
}
REFERENCE_KINDS = {"town", "unit", "session", "division"}


def labels(kind):
    """The text a page shows for the world's row of `kind` in each position."""
    return {
        "village": sw.VILLAGES, "focus_village": sw.FOCUS_VILLAGES, "followup_village": sw.FOLLOWUP_VILLAGES,
        "cadre": sw.CADRES, "attendance": sw.NOTES, "candidate": sw.CANDIDATES, "followup": sw.PROJECTS,
        "alert": sw.ALERTS,
        "receipt": {"A": "矩阵导出A", "B": "矩阵导出B"}, "town": {"A": "甲镇"}, "unit": {"A": "一局"},
        "session": {"A": sw.SESSION}, "division": {"A": "元江哈尼族彝族傣族自治县"},
    }.get(kind, {})


def positions(kind):
    if kind in REFERENCE_KINDS:
        return ("A",)
    if kind == "receipt":
        return ("A", "B")
    return sw.POSITIONS


def sees(kind, role):
    """Positions of `kind` a role sees."""
    if role == "anonymous":
        return set()
    if kind in REFERENCE_KINDS:
        return {"A"}
    if kind == "assignment" and role in sw.CLERKS:
        return {"clerk_town": {"A"}, "clerk_unit": {"U"}, "clerk_none": set()}[role]
    return sw.SEES[role]


def denied(role, api=False):
    return 401 if api and role == "anonymous" else (LOGIN if role == "anonymous" else 403)


def model_view(name, kind, area, perms=EVERYTHING, actions=(), list_shows=True, pages=None):
    """A ScopedModelView. `perms`: the permissions the view has at all;
    `actions`: (name, permission, effect kind) of its bulk actions;
    `pages`: its read-only pages of its own (printable ones), endpoint ->
    the permission it takes: "show" (one record: /<endpoint>/<id>) or
    "list" (the list's rows: /<endpoint>/)."""
    pages = pages or {}
    prefix = "/" + name.lower()
    table = TABLE_OF[kind]
    pos = positions(kind)

    def may(role, perm):
        return perm in perms and perm in grants(area, role)

    def read(ctx, role, perm, url, p=None):
        if not may(role, perm):
            return run(ctx, role, "GET", url, Outcome(denied(role)))
        if p is None:
            shown = [labels(kind)[q] for q in sees(kind, role) if q in labels(kind)] if list_shows else []
            return run(ctx, role, "GET", url, Outcome(200, shows=tuple(shown), export=perm == "export"))
        visible = p in sees(kind, role)
        shown = (labels(kind)[p],) if visible and p in labels(kind) and perm == "show" else ()
        return run(ctx, role, "GET", url, Outcome(200 if visible else 404, shows=shown))

    def case(ctx, method, role, record):
        w = ctx.w
        endpoint, _, rec = record.partition(":")
        if endpoint == "list":
            return read(ctx, role, "list", prefix + "/list/")
        if endpoint == "export":
            return read(ctx, role, "export", prefix + "/export/")
        if endpoint == "download":
            return run(ctx, role, "GET", prefix + "/download/matrix.txt", Outcome(404))
        if endpoint == "show":
            return read(ctx, role, "show", "%s/show/%s" % (prefix, w.id(kind, rec)), rec)
        if endpoint in pages and pages[endpoint] == "show":
            return read(ctx, role, "show", "%s/%s/%s" % (prefix, endpoint, w.id(kind, rec)), rec)
        if endpoint in pages:
            return read(ctx, role, "list", "%s/%s/" % (prefix, endpoint))
        if endpoint == "add" and method == "GET":
            return run(ctx, role, "GET", prefix + "/add", Outcome(200 if may(role, "add") else denied(role)))
        if endpoint == "add":
            data = sw.as_form(sw.payload(w, kind, rec))
            if not may(role, "add"):
                return run(ctx, role, "POST", prefix + "/add", Outcome(denied(role)), data=data)
            ok = rec in sees(kind, role) and places_village(kind, role, rec)
            return run(ctx, role, "POST", prefix + "/add", Outcome(302 if ok else 200, added(table) if ok else None),
                       data=data)
        if endpoint == "edit" and method == "GET":
            return read(ctx, role, "edit", "%s/edit/%s" % (prefix, w.id(kind, rec)), rec)
        if endpoint == "edit":
            target, _, dest = rec.partition(">")
            dest = dest or target
            pk = sw.make(w, kind, target)
            data = dict(sw.as_form(sw.payload(w, kind, dest)), row_version="1")
            url = "%s/edit/%d" % (prefix, pk)
            if not may(role, "edit"):
                return run(ctx, role, "POST", url, Outcome(denied(role)), data=data)
            if target not in sees(kind, role):
                return run(ctx, role, "POST", url, Outcome(404), data=data)
            ok = dest in sees(kind, role)
            return run(ctx, role, "POST", url, Outcome(302 if ok else 200, changed(table, pk) if ok else None),
                       data=data)
        if endpoint == "delete":
            pk = sw.make(w, kind, rec)
            url = "%s/delete/%d" % (prefix, pk)
            if not may(role, "delete"):
                return run(ctx, role, method, url, Outcome(denied(role)))
            if method == "GET":  # a GET never deletes
                return run(ctx, role, "GET", url, Outcome(302))
            ok = rec in sees(kind, role)
            return run(ctx, role, "POST", url, Outcome(302 if ok else 404, deleted(table, pk) if ok else None))
        if endpoint == "action":
            # every action of the plugin is a bulk one: refused on one row
            name, _, p = rec.partition("@")
            pk = sw.make(w, kind, p)
            perm = dict((a, q) for a, q, _e in actions).get(name, "none")
            url = "%s/action/%s/%d" % (prefix, name, pk)
            if role == "anonymous":
                return run(ctx, role, "POST", url, Outcome(LOGIN))
            if name not in dict((a, q) for a, q, _e in actions):
                return run(ctx, role, "POST", url, Outcome(404))
            return run(ctx, role, "POST", url, Outcome(404 if may(role, perm) else 403))
        if endpoint == "action_post":
            name, _, spread = rec.partition("@")
            perm, effect = {a: (q, e) for a, q, e in actions}.get(name, ("none", None))
            chosen = spread.split("+")
            pks = [sw.make(w, kind, p) for p in chosen]
            data = {"action": name, "rowid": [str(pk) for pk in pks]}
            url = prefix + "/action_post"
            if role == "anonymous":
                return run(ctx, role, "POST", url, Outcome(LOGIN), data=data)
            if name not in {a for a, _q, _e in actions}:
                return run(ctx, role, "POST", url, Outcome(404), data=data)
            if not may(role, perm):
                return run(ctx, role, "POST", url, Outcome(403), data=data)
            if not set(chosen) <= sees(kind, role):
                return run(ctx, role, "POST", url, Outcome(404), data=data)
            return run(ctx, role, "POST", url, Outcome(302, effect(table, *pks) if effect else None), data=data)
        raise AssertionError(record)

    methods = {
        "list": {"GET": ["list"]},
        "export": {"GET": ["export"]},
        "download": {"GET": ["download"]},
        "show": {"GET": ["show:" + p for p in pos]},
        "add": {"GET": ["add"], "POST": ["add:" + p for p in pos]},
        "edit": {"GET": ["edit:" + p for p in pos],
                 "POST": ["edit:" + p for p in pos] + (["edit:A>B"] if len(pos) == 3 else [])},
        "delete": {"GET": ["delete:" + pos[0], "delete:" + pos[-1]], "POST": ["delete:" + p for p in pos]},
        "action": {"POST": ["action:%s@%s" % (a, p) for a, _q, _e in actions or [("muldelete", "", None)]
                            for p in (pos[0], pos[-1])] + ["action:nosuchaction@A"]},
        "action_post": {"POST": ["action_post:%s@%s" % (a, p) for a, _q, _e in actions
                                 for p in (pos[0], pos[-1], "+".join((pos[0], pos[-1])))]
                        + ["action_post:nosuchaction@A"]},
    }
    for endpoint, perm in pages.items():
        methods[endpoint] = {"GET": ["%s:%s" % (endpoint, p) for p in pos] if perm == "show" else [endpoint]}
    entries = {}
    for endpoint, by_method in methods.items():
        entries["%s.%s" % (name, endpoint)] = Entry(
            methods={m: tuple(records) for m, records in by_method.items()},
            run=case,
        )
    return entries


def marked(table, *pks):
    def check(before, after, what):
        only_changed(before, after, table, what)
        moved = {r[0] for r in after[table] if r not in before[table]}
        assert moved == set(pks), "%s changed rows %s, expected %s" % (what, moved, pks)
        assert len(after[table]) == len(before[table]), what
    return check


def marked_trained(table, *pks):
    """Marking completed: the records change, and so may the date their
    cadres became trained (va_cadre.trained_on, kept by the write path) —
    nothing else of the cadres."""
    def check(before, after, what):
        others = [t for t in sw.changed_tables(before, after) if t not in (table, "va_cadre")]
        assert not others, "%s also changed %s" % (what, others)
        moved = {r[0] for r in after[table] if r not in before[table]}
        assert moved == set(pks), "%s changed rows %s, expected %s" % (what, moved, pks)
        col = _column("va_cadre", "trained_on")

        def without_trained_on(rows):
            return sorted((tuple(r[:col]) + tuple(r[col + 1:]) for r in rows), key=repr)

        assert without_trained_on(before["va_cadre"]) == without_trained_on(after["va_cadre"]), what
    return check


CRUD_ACTIONS = (("muldelete", "delete", deleted),)
WEB = {}
# divisions are not deleted (towns and units hang on them): no delete, no bulk action
WEB.update(model_view("DivisionView", "division", "reference", perms=EVERYTHING - {"delete"}))
WEB.update(model_view("TownView", "town", "reference", actions=CRUD_ACTIONS))
WEB.update(model_view("UnitView", "unit", "reference", actions=CRUD_ACTIONS))
WEB.update(model_view("TrainingSessionView", "session", "reference", actions=CRUD_ACTIONS,
                      pages={"signin": "show"}))  # the sign-in sheet
WEB.update(model_view("VillageView", "village", "records", actions=CRUD_ACTIONS))
WEB.update(model_view("FocusVillageView", "focus_village", "records", actions=CRUD_ACTIONS))
WEB.update(model_view("CadreView", "cadre", "records", actions=CRUD_ACTIONS, pages={"roster": "list"}))
WEB.update(model_view("AttendanceView", "attendance", "records", actions=CRUD_ACTIONS + (
    ("mark_completed", "edit", marked_trained), ("mark_absent", "edit", marked), ("mark_excused", "edit", marked))))
WEB.update(model_view("ReserveCandidateView", "candidate", "records", actions=CRUD_ACTIONS))
WEB.update(model_view("FollowUpRecordView", "followup", "records", actions=CRUD_ACTIONS))
WEB.update(model_view("ScopeAssignmentView", "assignment", "admin", actions=CRUD_ACTIONS, list_shows=False))
WEB.update(model_view("NewCadreTrainingView", "cadre", "records", perms=READ))
WEB.update(model_view("UntrainedCadreView", "cadre", "records", perms=READ | {"enrol"},
                      actions=(("enrol", "enrol", None),)))
WEB.update(model_view("BelowTargetView", "village", "records", perms=READ))
WEB.update(model_view("NoOneShoulderView", "village", "records", perms=READ))
WEB.update(model_view("FollowUpYearView", "followup_village", "records", perms={"list", "export"}))
WEB.update(model_view("FollowUpAlertView", "alert", "records", perms={"list", "show", "edit", "export"}))
WEB.update(model_view("ExportReceiptView", "receipt", "office", perms=READ))


# --- the plugin's tools ------------------------------------------------------------------


def tool(url, area="records", perm="list", export=False, shows=None):
    """A report screen or its CSV: every role holding `perm` in `area` gets
    it, within its scope. `shows(kind positions)`: what it must name."""

    def case(ctx, method, role, record):
        if perm not in grants(area, role):
            return run(ctx, role, "GET", url, Outcome(denied(role)))
        shown = tuple(shows(role)) if shows else ()
        return run(ctx, role, "GET", url, Outcome(200, shows=shown, export=export))

    return Entry(methods={"GET": ("page",)}, run=case)


def visible_labels(kind):
    return lambda role: [labels(kind)[p] for p in sees(kind, role) if p in labels(kind)]


def choose_entry():
    """Pick a session for cadres chosen on a list (GET ?cadre=...)."""

    def case(ctx, method, role, record):
        url = "/villageaid/training/choose?cadre=%d" % ctx.w.id("cadre", record)
        if "enrol" not in grants("records", role):
            return run(ctx, role, "GET", url, Outcome(denied(role)))
        if record in sees("cadre", role):
            return run(ctx, role, "GET", url, Outcome(200, shows=(labels("cadre")[record],)))
        return run(ctx, role, "GET", url, Outcome(302))  # "no row selected", back to the list

    return Entry(methods={"GET": sw.POSITIONS}, run=case)


def enrol_entry():
    """Bulk enrolment of chosen cadres into a session."""

    def case(ctx, method, role, record):
        chosen = record.split("+")
        session = sw.make(ctx.w, "session", "A")
        data = {"training_session": str(session), "cadre": [str(ctx.w.id("cadre", p)) for p in chosen]}
        url = "/villageaid/training/enrol"
        if "enrol" not in grants("records", role):
            return run(ctx, role, "POST", url, Outcome(denied(role)), data=data)
        if not set(chosen) <= sees("cadre", role):
            return run(ctx, role, "POST", url, Outcome(404), data=data)
        return run(ctx, role, "POST", url, Outcome(302, added("va_training_attendance", len(chosen))), data=data)

    return Entry(methods={"POST": sw.POSITIONS + ("A+B",)}, run=case)


# The untrained new cadres each role's scope holds (conftest.build_fixture).
UNTRAINED_IN_SCOPE = {
    "clerk_town": {"张一", "赵四"}, "clerk_unit": {"张一", "赵四", "王三", "钱五"}, "clerk_none": set(),
    "office": {"张一", "李二", "王三", "赵四", "钱五"}, "admin": {"张一", "李二", "王三", "赵四", "钱五"},
}


def enrol_untrained_entry():
    """Enrol every untrained new cadre of the user's scope into a session:
    only the cadres of the scope."""

    def case(ctx, method, role, record):
        session = sw.make(ctx.w, "session", "A") if record == "A" else 999999999
        url = "/villageaid/training/enrol_untrained/%d" % session
        if "enrol" not in grants("records", role):
            return run(ctx, role, "POST", url, Outcome(denied(role)))
        if record != "A":
            return run(ctx, role, "POST", url, Outcome(404))
        expected = UNTRAINED_IN_SCOPE[role]

        def check(before, after, what):
            only_changed(before, after, "va_training_attendance", what)
            new = [r for r in after["va_training_attendance"] if r not in before["va_training_attendance"]]
            cadres = {ctx.w.cadre_names[r[_column("va_training_attendance", "cadre_id")]] for r in new}
            assert cadres == expected, "%s enrolled %s, expected %s" % (what, sorted(cadres), sorted(expected))

        return run(ctx, role, "POST", url, Outcome(302, check))

    return Entry(methods={"POST": ("A", "missing")}, run=case)


def roll_call_entry():
    """The roll call of a session: GET lists the attendance of the user's
    scope; POST saves a status per row — a row outside the scope answers 404
    and changes nothing."""

    def case(ctx, method, role, record):
        session = ctx.w.id("session", "A")
        if method == "GET":
            url = "/villageaid/training/rollcall/%d" % (session if record == "A" else 999999999)
            if "enrol" not in grants("records", role):
                return run(ctx, role, "GET", url, Outcome(denied(role)))
            if record != "A":
                return run(ctx, role, "GET", url, Outcome(404))
            shown = tuple(labels("cadre")[p] for p in sees("attendance", role))
            return run(ctx, role, "GET", url, Outcome(200, shows=shown))
        url = "/villageaid/training/rollcall/%d" % session
        chosen = record.split("+")
        rows = [ctx.w.id("attendance", p) for p in chosen]
        data = {"row": [str(r) for r in rows]}
        for row in rows:
            data["status-%d" % row] = "absent"
            data["version-%d" % row] = str(fetch(TrainingAttendance, row).row_version)
        if "enrol" not in grants("records", role):
            return run(ctx, role, "POST", url, Outcome(denied(role)), data=data)
        if not set(chosen) <= sees("attendance", role):
            return run(ctx, role, "POST", url, Outcome(404), data=data)

        def check(before, after, what):
            only_changed(before, after, "va_training_attendance", what)
            assert len(before["va_training_attendance"]) == len(after["va_training_attendance"]), what

        return run(ctx, role, "POST", url, Outcome(302, check), data=data)

    return Entry(methods={"GET": ("A", "missing"), "POST": sw.POSITIONS + ("A+B",)}, run=case)


def _column(table, name):
    return sw.snapshot_columns(table).index(name)


LOOKUP_KINDS = {
    "town": "town", "unit": "unit", "myunit": "unit", "alertunit": "unit", "village": "village",
    "followupvillage": "followup_village", "cadre": "cadre", "trainingsession": "session", "user": "user",
    "division": "division", "county": "division",
}


def lookup_sees(key, role):
    if role == "anonymous":
        return set()
    if key == "user":  # only to who assigns scopes
        return {"A"} if role in ("office", "admin") else set()
    if key == "myunit":  # units a user may name on a follow-up record
        return set(sw.POSITIONS) if role in sw.ALL_ROWS else {"clerk_unit": {"A", "U"}}.get(role, set())
    if key == "alertunit":  # own units and the units stationed in the villages a user sees (all 一局)
        return set(sw.POSITIONS) if role in sw.ALL_ROWS else {"clerk_unit": {"A", "U"},
                                                              "clerk_town": {"A", "U"}}.get(role, set())
    if key in ("town", "unit"):
        return set(sw.POSITIONS)
    return sees(LOOKUP_KINDS[key], role)


def lookup_entry():
    """The search-as-you-type pickers: a page of rows, or one row by id."""

    def case(ctx, method, role, record):
        key, _, p = record.partition(":")
        if key == "nosuchkey":
            url = "/villageaid/lookup/nosuchkey"
            return run(ctx, role, "GET", url, Outcome(401 if role == "anonymous" else 404))
        if p == "list":
            url = "/villageaid/lookup/%s" % key
        else:
            url = "/villageaid/lookup/%s?id=%d" % (key, ctx.w.id(LOOKUP_KINDS[key], p))
        if role == "anonymous":
            return run(ctx, role, "GET", url, Outcome(401))

        def check(resp):
            results = resp.get_json()["results"]
            if p != "list":
                assert bool(results) == (p in lookup_sees(key, role)), "%s as %s: %s" % (url, role, results)

        return run(ctx, role, "GET", url, Outcome(200, check=check))

    records = ["nosuchkey"]
    for key, kind in LOOKUP_KINDS.items():
        records.append(key + ":list")
        spots = ("A",) if kind in REFERENCE_KINDS or kind == "user" else sw.POSITIONS
        if key in ("town", "unit", "myunit", "alertunit"):
            spots = sw.POSITIONS
        records += [key + ":" + p for p in spots]
    return Entry(methods={"GET": tuple(records)}, run=case)


WEB.update({
    "TrainingTools.choose": choose_entry(),
    "TrainingTools.enrol": enrol_entry(),
    "TrainingTools.enrol_untrained": enrol_untrained_entry(),
    "TrainingTools.roll_call": roll_call_entry(),
    "TrainingTools.coverage": tool("/villageaid/training/coverage/"),
    "TrainingTools.coverage_export": tool("/villageaid/training/coverage/export/", export=True),
    "ReserveTools.summary": tool("/villageaid/reserve/summary/"),
    "ReserveTools.summary_export": tool("/villageaid/reserve/summary/export/", export=True),
    "ReserveTools.election": tool("/villageaid/reserve/election/"),
    "ReserveTools.election_export": tool("/villageaid/reserve/election/export/", export=True),
    "FollowUpTools.alerts": tool("/villageaid/followup/alerts/"),
    "FollowUpTools.alerts_export": tool("/villageaid/followup/alerts/export/", export=True),
    "AlertCountsView.index": tool("/villageaid/alertcounts/"),
    "AlertCountsView.export": tool("/villageaid/alertcounts/export/", export=True),
    "VillageAidLookup.lookup": lookup_entry(),
})


# --- FAB's own screens and the host's ---------------------------------------------------


def fixed(url, statuses, method="GET", data=None, fresh=False):
    """A route whose answer depends on the role only: `statuses(role)`."""

    def case(ctx, m, role, record):
        return run(ctx, role, method, url, Outcome(statuses(role)), data=data, fresh=fresh)

    return Entry(methods={method: ("-",)}, run=case)


def everyone(status):
    return lambda role: status


def signed_in(status):
    return lambda role: LOGIN if role == "anonymous" else status


def admin_only(status):
    return lambda role: status if role == "admin" else denied(role)


def self_service(prefix, bad_form):
    """A signed-in user's own profile or password form: a bad form changes nothing."""
    return {
        "%s.this_form_get" % prefix[0]: fixed(prefix[1], signed_in(200)),
        "%s.this_form_post" % prefix[0]: fixed(prefix[1], signed_in(200), method="POST", data=bad_form),
    }


WEB.update({
    # the home page (工作台): figures of the own scope only, a sign-in prompt for nobody
    "HomeView.index": fixed("/", everyone(200)),
    "LocaleView.index": fixed("/lang/zh", everyone(302)),
    # a wrong password for an account nobody has: no lockout of a real one
    "VillageAidAuthDBView.login": Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, method, "/login/",
        Outcome(200 if role == "anonymous" and method == "GET" else 302),
        data={"username": "matrix-nobody", "password": "not-the-password"})),
    # logout is a POST with the form's token (a real one would end the
    # role's other sessions, which the other cases use): a forged token is refused
    "VillageAidAuthDBView.logout": fixed("/logout/", everyone(400), method="POST", data={"csrf_token": "forged"}),
    "UtilView.back": fixed("/back", everyone(302)),
    "static": fixed("/static/matrix-missing.css", everyone(404)),
    "appbuilder.static": fixed("/static/appbuilder/css/ab.css", everyone(200)),
    "villageaid.static": fixed("/villageaid/static/villageaid.css", everyone(200)),
    "SwaggerView.show": fixed("/swagger/v1", signed_in(200)),
    "UserDBModelView.userinfo": fixed("/users/userinfo/", signed_in(200)),
    "UserStatsChartView.chart": fixed("/userstatschartview/chart/", admin_only(200)),
})

def importer(name, area):
    """A list's import routes (can_import, a write of its area; villages are
    imported by the office, like the reference lists): the page,
    a preview without a file, a commit of a preview that is not at hand, the
    template, the error file of an unknown upload. None of them changes a
    row; the rows an import may touch are tested in test_import.py."""
    prefix = "/" + name.lower() + "/import/"

    def may(role):
        return "add" in grants(area, role)

    def entry(method, url, ok):
        return fixed(url, lambda role: ok if may(role) else denied(role), method=method,
                     data={} if method == "POST" else None)

    page = entry("GET", prefix, 200)
    preview = entry("POST", prefix, 200)
    return {
        name + ".import_page": Entry(methods={"GET": ("-",), "POST": ("+",)}, run=lambda ctx, method, role, record: (
            page if method == "GET" else preview).run(ctx, method, role, record)),
        name + ".import_commit": entry("POST", prefix.replace("/import/", "/import/commit"), 302),
        name + ".import_template": entry("GET", prefix + "template/", 200),
        name + ".import_errors": entry("GET", prefix + "errors/" + "0" * 64, 404),
    }


for _name, _area in (("TownView", "reference"), ("UnitView", "reference"), ("VillageView", "reference"),
                     ("FocusVillageView", "reference"), ("CadreView", "records"), ("AttendanceView", "records"),
                     ("ReserveCandidateView", "records"), ("FollowUpRecordView", "records")):
    WEB.update(importer(_name, _area))
WEB.update({
    # import batches: the office's (and the administrator's); undo of an unknown batch: 404
    "ImportBatches.batches": fixed("/villageaid/imports/", lambda role: (
        200 if "list" in grants("office", role) else denied(role))),
    "ImportBatches.undo": fixed("/villageaid/imports/999999/undo", method="POST", data={}, statuses=lambda role: (
        404 if "edit" in grants("office", role) else denied(role))),
    # background jobs: every signed-in role's own list; a job that is not
    # the user's own (or does not exist) is 404 (test_jobs.py: another user's)
    "JobsView.mine": fixed("/villageaid/jobs/", signed_in(200)),
    "JobsView.show": fixed("/villageaid/jobs/999999/", signed_in(404)),
    "JobsView.progress": fixed("/villageaid/jobs/999999/progress", signed_in(404)),
    "JobsView.file": fixed("/villageaid/jobs/999999/file", signed_in(404)),
})


REFUSED = (302, 403, 404, 405)


def log_view(name, prefix, readers):
    """An append-only log (operation, login, personal data view logs):
    `readers` read and export it; nobody adds, edits or deletes a row."""

    def reads(role):
        return 200 if role in readers else denied(role)

    def export(ctx, method, role, record):
        return run(ctx, role, "GET", prefix + "/export/", Outcome(reads(role), export=role in readers))

    def refused(url, data=None):
        return Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
            ctx, role, method, prefix + url, Outcome(REFUSED), data=data or {}))

    return {
        name + ".list": fixed(prefix + "/list/", reads),
        name + ".show": fixed(prefix + "/show/1", lambda role: (200, 404) if role in readers else denied(role)),
        name + ".export": Entry(methods={"GET": ("-",)}, run=export),
        name + ".download": fixed(prefix + "/download/x", everyone(404)),
        name + ".add": refused("/add"),
        name + ".edit": refused("/edit/1"),
        name + ".delete": refused("/delete/1"),
        name + ".action": fixed(prefix + "/action/muldelete/1", lambda role: REFUSED, method="POST"),
        name + ".action_post": fixed(prefix + "/action_post", lambda role: REFUSED, method="POST",
                                     data={"action": "muldelete", "rowid": "1"}),
    }


WEB.update(log_view("ChangeRecordView", "/changerecordview", ("office", "admin")))
WEB.update(log_view("LoginEventView", "/logineventview", ("office", "admin")))
WEB.update(log_view("PersonalDataViewLogView", "/personaldataviewlogview", ("admin",)))
WEB.update({
    # the recycle bin: read with the records; restore a write of the records;
    # purge the administrator's (a record that is not in the bin: 404)
    "RecycleBin.bin": fixed("/villageaid/bin/cadre/", lambda role: 200 if "list" in grants("records", role) else denied(role)),
    "RecycleBin.restore": fixed("/villageaid/bin/cadre/999999/restore", method="POST", statuses=lambda role: (
        404 if "edit" in grants("records", role) else denied(role))),
    "RecycleBin.purge": fixed("/villageaid/bin/cadre/999999/purge", method="POST", statuses=lambda role: (
        404 if role == "admin" else denied(role))),
    # evidence files: read with the records, written by who writes them; a
    # file that does not exist (or is outside the scope, test_evidence.py): 404
    "EvidenceView.file": fixed("/villageaid/evidence/999999/download", lambda role: (
        404 if "list" in grants("records", role) else denied(role))),
    "EvidenceView.upload": fixed("/villageaid/evidence/followup/999999/upload", method="POST", statuses=lambda role: (
        404 if "edit" in grants("records", role) else denied(role))),
    "EvidenceView.delete": fixed("/villageaid/evidence/999999/delete", method="POST", statuses=lambda role: (
        404 if "edit" in grants("records", role) else denied(role))),
    # the second factor's screens (no role needs one in the tests): nothing
    # there for a person who has no pending sign-in or enrolment
    "va_security.enrol": Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, method, "/security/second-factor/enrol/", Outcome((200, 302, 400)), data={"code": "000000"})),
    "va_security.recovery_codes": fixed("/security/recovery-codes/", lambda role: (200, 302, 404)),
    "va_security.second_factor": Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, method, "/security/second-factor/", Outcome((200, 302, 400)), data={"code": "000000"})),
})
# the office parameters: the office's (and Admin's) alone; a refused value,
# and a reset of a parameter the database does not hold, change nothing
def office_only(status):
    return lambda role: status if role in ("office", "admin") else denied(role)


def county_readers(status):
    """Frozen reports: the office, Admin and the inspector read them."""
    return lambda role: status if role in ("office", "admin", "inspector") else denied(role)


SETTING = "/villageaid/settings/VILLAGEAID_RESERVE_TARGET"
WEB.update({
    "OfficeSettingsView.index": fixed("/villageaid/settings/", office_only(200)),
    "OfficeSettingsView.edit": Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, method, SETTING + "/edit", Outcome(office_only(200 if method == "GET" else 400)(role)),
        data={"value": "-1", "row_version": ""})),
    "OfficeSettingsView.reset": fixed(SETTING + "/reset", office_only(302), method="POST", data={"row_version": "1"}),
    "DictionaryView.index": Entry(methods={"GET": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, "GET", "/villageaid/dictionaries/unit_category/", Outcome(office_only(200)(role)))),
    "DictionaryView.add": fixed("/villageaid/dictionaries/unit_category/add", office_only(400), method="POST",
                                data={"code": "Not A Code", "label_zh": "甲"}),
    "DictionaryView.edit": Entry(methods={"GET": ("-",), "POST": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, method, "/villageaid/dictionaries/unit_category/party/edit",
        Outcome(office_only(200 if method == "GET" else 400)(role)), data={"label_zh": "甲", "sort_order": "x"})),
    "DictionaryView.delete": fixed("/villageaid/dictionaries/unit_category/party/delete", office_only(302),
                                   method="POST", data={"row_version": ""}),
    "FrozenReportsView.index": fixed("/villageaid/frozen/", county_readers(200)),
    "FrozenReportsView.show": fixed("/villageaid/frozen/999999/", county_readers(404)),
    "FrozenReportsView.compare": fixed("/villageaid/frozen/999999/compare/", county_readers(404)),
    "FrozenReportsView.export": fixed("/villageaid/frozen/999999/export/", county_readers(404)),
    "FrozenReportsView.freeze": fixed("/villageaid/frozen/freeze", office_only(302), method="POST",
                                      data={"kind": "nosuch"}),
})
WEB.update(self_service(("ResetMyPasswordView", "/resetmypassword/form"),
                        {"password": "Matrix-pass-1", "conf_password": "Other-pass-2"}))
WEB.update(self_service(("UserInfoEditView", "/userinfoeditview/form"), {"first_name": "", "last_name": ""}))


def fab_security_view(name, prefix, kind, perms, actions=()):
    """FAB's user and role screens: the admin's alone. The admin's own
    writes there are not tried (ADMIN_WRITES_SKIPPED); a GET that would
    change something must not. FAB's own action routes answer a refusal with
    a redirect (no permission check for an action by GET at all), not 403."""

    def case(ctx, method, role, record):
        pk = ctx.w.id(kind)
        endpoint, _, action = record.partition(":")
        url = {
            "list": prefix + "/list/", "show": "%s/show/%d" % (prefix, pk), "add": prefix + "/add",
            "edit": "%s/edit/%d" % (prefix, pk), "delete": "%s/delete/%d" % (prefix, pk),
            "action": "%s/action/%s/%d" % (prefix, action, pk), "action_post": prefix + "/action_post",
            "download": prefix + "/download/matrix.txt",
        }[endpoint]
        data = {"action": action, "rowid": [str(pk)]} if endpoint == "action_post" else {}
        if endpoint == "download":  # the add-on's guard: nothing is served from UPLOAD_FOLDER
            return run(ctx, role, method, url, Outcome(404))
        if endpoint.startswith("action") and action == "nosuchaction":  # the guard: no such action
            return run(ctx, role, method, url, Outcome(LOGIN if role == "anonymous" else 404), data=data)
        if endpoint == "action" and method == "GET":
            return run(ctx, role, method, url, Outcome(302))  # refused before anything else
        if endpoint.startswith("action"):
            return run(ctx, role, method, url, Outcome(302), data=data)  # not permitted: back to the list
        if role != "admin":
            return run(ctx, role, method, url, Outcome(denied(role)), data=data)
        if endpoint not in perms:
            return run(ctx, role, method, url, Outcome(403), data=data)
        if endpoint == "delete":
            return run(ctx, role, method, url, Outcome(302))  # never by GET
        return run(ctx, role, method, url, Outcome(200))

    records = {"list": {"GET": ("list",)}, "show": {"GET": ("show",)}, "add": {"GET": ("add",), "POST": ("add",)},
               "edit": {"GET": ("edit",), "POST": ("edit",)}, "delete": {"GET": ("delete",), "POST": ("delete",)},
               "action": {"GET": tuple("action:" + a for a in actions + ("nosuchaction",)),
                          "POST": tuple("action:" + a for a in actions + ("nosuchaction",))},
               "action_post": {"POST": tuple("action_post:" + a for a in actions + ("nosuchaction",))},
               "download": {"GET": ("download",)}}
    entries = {}
    for endpoint, by_method in records.items():
        skip = {(m, "admin"): ADMIN_WRITES_SKIPPED for m in by_method if m == "POST"}
        if endpoint.startswith("action"):  # as admin: the GET refusal and an unknown action only
            skip = {("POST", "admin"): ADMIN_WRITES_SKIPPED} if actions else {}
        entries["%s.%s" % (name, endpoint)] = Entry(methods=by_method, run=case, skip=skip)
    return entries


FAB_CRUD = {"list", "show", "add", "edit", "delete", "download"}
WEB.update(fab_security_view("UserDBModelView", "/users", "user", FAB_CRUD,
                             actions=("resetmypassword", "resetpasswords", "userinfoedit")))
WEB.update(fab_security_view("RoleModelView", "/roles", "role", FAB_CRUD, actions=("copyrole",)))
WEB.update(fab_security_view("UserGroupModelView", "/groups", "group", FAB_CRUD))
WEB.update(fab_security_view("PermissionModelView", "/permissions", "permission", {"list"}))
WEB.update(fab_security_view("ViewMenuModelView", "/viewmenus", "viewmenu", {"list"}))
WEB.update(fab_security_view("PermissionViewModelView", "/permissionviews", "permissionview", {"list"}))
WEB["ResetPasswordView.this_form_get"] = Entry(
    methods={"GET": ("-",)}, run=lambda ctx, method, role, record: run(
        ctx, role, "GET", "/resetpassword/form?pk=%d" % ctx.w.id("user"), Outcome(admin_only(200)(role))))
WEB["ResetPasswordView.this_form_post"] = Entry(
    methods={"POST": ("-",)}, skip={("POST", "admin"): ADMIN_WRITES_SKIPPED},
    run=lambda ctx, method, role, record: run(
        ctx, role, "POST", "/resetpassword/form?pk=%d" % ctx.w.id("user"), Outcome(denied(role)),
        data={"password": "Matrix-pass-1", "conf_password": "Matrix-pass-1"}))


# --- the REST API ----------------------------------------------------------------------

API_PERMS = {"get": "list", "info": "list", "post": "add", "put": "edit", "delete": "delete"}
# Each resource's references: field -> kind of the row it names.
REFERENCES = {
    "village": {"town": "town", "unit": "unit"},
    "cadre": {"unit": "unit", "village": "village"},
    "attendance": {"training_session": "session", "cadre": "cadre"},
    "candidate": {"village": "village", "mentor": "cadre"},
    "followup": {"village": "followup_village", "unit": "unit"},
}


def reference_value(w, ref_kind, pos):
    if ref_kind == "session":
        return sw.make(w, "session", "A")
    return w.id(ref_kind, pos)


def resource(name, kind, area, perms=EVERYTHING):
    """A model resource: list, _info, one, POST, PUT, DELETE (`perms`: the
    permissions the resource has at all)."""
    base = "/api/v1/%s/" % name
    table = TABLE_OF[kind]
    pos = positions(kind)

    def may(role, perm):
        return perm in perms and perm in grants(area, role)

    def case(ctx, method, role, record):
        w = ctx.w
        op, _, rec = record.partition(":")
        if op in ("list", "info"):
            url = base + ("?q=(page_size:100)" if op == "list" else "_info")
            if not may(role, "list"):
                return run(ctx, role, "GET", url, Outcome(denied(role, api=True)), api=True)
            shown = tuple(visible_labels(kind)(role)) if op == "list" else ()
            return run(ctx, role, "GET", url, Outcome(200, shows=shown), api=True)
        if op == "get":
            url = "%s%d" % (base, w.id(kind, rec))
            if not may(role, "show"):
                return run(ctx, role, "GET", url, Outcome(denied(role, api=True)), api=True)
            ok = rec in sees(kind, role)
            shown = (labels(kind)[rec],) if ok and rec in labels(kind) else ()
            return run(ctx, role, "GET", url, Outcome(200 if ok else 404, shows=shown), api=True)
        if op == "post":
            body = sw.payload(w, kind, rec)
            if not may(role, "add"):
                return run(ctx, role, "POST", base, Outcome(denied(role, api=True)), api=True, json=body)
            ok = rec in sees(kind, role) and places_village(kind, role, rec)
            return run(ctx, role, "POST", base, Outcome(201 if ok else 422, added(table) if ok else None),
                       api=True, json=body)
        if op == "put":
            if rec.startswith("2"):  # two references changed at once
                target = "A"
                changes = dict(part.split("=") for part in rec[1:].split(","))
                body = {ref: reference_value(w, REFERENCES[kind][ref], p) for ref, p in changes.items()}
                dest_ok = may_refer(kind, role, changes)
            else:
                target, _, dest = rec.partition(">")
                body = sw.payload(w, kind, dest or target)
                dest_ok = (dest or target) in sees(kind, role) and (
                    not dest or dest == target or places_village(kind, role, dest))
            pk = sw.make(w, kind, target)
            url = "%s%d" % (base, pk)
            body = dict(body, row_version=1)  # the version the client read (a fresh row)
            if not may(role, "edit"):
                return run(ctx, role, "PUT", url, Outcome(denied(role, api=True)), api=True, json=body)
            if target not in sees(kind, role):
                return run(ctx, role, "PUT", url, Outcome(404), api=True, json=body)
            return run(ctx, role, "PUT", url, Outcome(200 if dest_ok else 422, changed(table, pk) if dest_ok else None),
                       api=True, json=body)
        if op == "delete":
            pk = sw.make(w, kind, rec)
            url = "%s%d" % (base, pk)
            if not may(role, "delete"):
                return run(ctx, role, "DELETE", url, Outcome(denied(role, api=True)), api=True)
            ok = rec in sees(kind, role)
            return run(ctx, role, "DELETE", url, Outcome(200 if ok else 404, deleted(table, pk) if ok else None),
                       api=True)
        raise AssertionError(record)

    puts = ["put:" + p for p in pos] + (["put:A>B"] if len(pos) == 3 else [])
    refs = list(REFERENCES.get(kind, {}))
    if len(refs) == 2:
        # one reference to another row seen by both clerks (A2), the other to a row of B, each
        # first and second in the request
        for first, second in (refs, refs[::-1]):
            puts += ["put:2%s=A2,%s=B" % (first, second), "put:2%s=B,%s=A2" % (first, second)]
    entries = {
        "GET " + base: Entry(methods={"GET": ("list",)}, run=case),
        "GET %s_info" % base: Entry(methods={"GET": ("info",)}, run=case),
        "GET %s{pk}" % base: Entry(methods={"GET": tuple("get:" + p for p in pos)}, run=case),
        "POST " + base: Entry(methods={"POST": tuple("post:" + p for p in pos)}, run=case),
        "PUT %s{pk}" % base: Entry(methods={"PUT": tuple(puts)}, run=case),
    }
    if "delete" in perms:  # a resource never deleted has no DELETE route
        entries["DELETE %s{pk}" % base] = Entry(methods={"DELETE": tuple("delete:" + p for p in pos)}, run=case)
    return entries


# What the clerks are assigned, as positions: clerk_town the town of A, clerk_unit the unit of A and U.
ASSIGNED_TOWNS = {"clerk_town": {"A", "A2"}}
ASSIGNED_UNITS = {"clerk_unit": {"A", "A2", "U"}}
VILLAGE_UNIT = {"A": "A", "A2": "A", "U": "U", "B": "B"}  # the stationed unit of each position's village


def places_village(kind, role, town):
    """A clerk places a village (creates it, or moves it) only into its own
    towns (README: what the scope deliberately allows)."""
    return kind not in ("village", "focus_village") or role in sw.ALL_ROWS or town in ASSIGNED_TOWNS.get(role, set())


def may_refer(kind, role, refs):
    """May `role` save a record of `kind` (a throwaway of position A) whose
    references are changed to rows of these positions? Every newly named row
    must be one the role may pick, and the record must stay in its scope."""
    if role in sw.ALL_ROWS:
        return True
    seen = sw.SEES[role] | ({"A2"} if "A" in sw.SEES[role] else set())
    towns, units = ASSIGNED_TOWNS.get(role, set()), ASSIGNED_UNITS.get(role, set())
    if kind == "village":  # into its own towns only; and the village must stay visible
        if "town" in refs and not places_village(kind, role, refs["town"]):
            return False
        return refs.get("town", "A") in towns or refs.get("unit", "A") in units
    if kind == "cadre":  # any unit may be named; a village only one in scope
        return refs.get("village", "A") in seen
    if kind == "attendance":
        return refs.get("cadre", "A") in seen
    if kind == "candidate":
        return refs.get("village", "A") in seen and refs.get("mentor", "A") in seen
    if kind == "followup":  # a clerk names its own units, or the village's stationed unit
        village = refs.get("village", "A")
        unit = refs.get("unit", "A")
        return village in seen and (unit in units or VILLAGE_UNIT[village] == VILLAGE_UNIT.get(unit))
    raise KeyError(kind)


def api_fixed(method, url, statuses, json=None, shows=None):
    def case(ctx, m, role, record):
        shown = tuple(shows(role)) if shows and role != "anonymous" else ()
        return run(ctx, role, method, url, Outcome(statuses(role), shows=shown), api=True, json=json)

    return Entry(methods={method: ("-",)}, run=case)


def api_signed_in(status):
    return lambda role: 401 if role == "anonymous" else status


def api_admin_only(status):
    return lambda role: status if role == "admin" else denied(role, api=True)


API = {}
for _name, _kind, _area in [
    ("town", "town", "reference"), ("unit", "unit", "reference"), ("training_session", "session", "reference"),
    ("village", "village", "records"), ("cadre", "cadre", "records"),
    ("training_attendance", "attendance", "records"), ("reserve_candidate", "candidate", "records"),
    ("followup_record", "followup", "records"),
]:
    API.update(resource(_name, _kind, _area))
API.update(resource("division", "division", "reference", perms=EVERYTHING - {"delete"}))
API.update({
    "GET /api/v1/training/coverage": api_fixed("GET", "/api/v1/training/coverage?by=unit", api_signed_in(200)),
    "GET /api/v1/reserve/summary": api_fixed("GET", "/api/v1/reserve/summary", api_signed_in(200)),
    "GET /api/v1/reserve/election": api_fixed("GET", "/api/v1/reserve/election", api_signed_in(200)),
    "GET /api/v1/reserve/below_target": api_fixed("GET", "/api/v1/reserve/below_target", api_signed_in(200),
                                                  shows=visible_labels("village")),
    "GET /api/v1/followup/alerts": api_fixed("GET", "/api/v1/followup/alerts", api_signed_in(200)),
    "GET /api/v1/followup/summary": api_fixed("GET", "/api/v1/followup/summary?year=2021", api_signed_in(200),
                                              shows=visible_labels("followup_village")),
    # FAB's menu API: the plugin's roles are not given it (roles.SELF_SERVICE)
    "GET /api/v1/menu/": api_fixed("GET", "/api/v1/menu/", api_admin_only(200)),
    "GET /api/{version}/_openapi": api_fixed("GET", "/api/v1/_openapi", api_signed_in(200)),
    "POST /api/v1/security/login": api_fixed("POST", "/api/v1/security/login", everyone(401), json={
        "username": "admin", "password": "not-the-password", "provider": "db"}),
    "POST /api/v1/security/refresh": api_fixed("POST", "/api/v1/security/refresh", api_signed_in(422)),
})


def security_api(path, methods, kind=None):
    """FAB's security API: the admin's alone; the admin's writes are not tried."""
    entries = {}
    for method in methods:
        def case(ctx, m, role, record, path=path, kind=kind):
            pk = ctx.w.id(kind) if kind else 1
            url = path.replace("{pk}", str(pk)).replace("{role_id}", str(ctx.w.id("role")))
            if m == "GET":
                return run(ctx, role, m, url, Outcome(api_admin_only(200)(role)), api=True)
            return run(ctx, role, m, url, Outcome(denied(role, api=True)), api=True, json={})

        entries["%s %s" % (method, path)] = Entry(
            methods={method: ("-",)}, run=case,
            skip={(method, "admin"): ADMIN_WRITES_SKIPPED} if method != "GET" else {})
    return entries


for _path, _kind in [("groups", "group"), ("permissions-resources", "permissionview"), ("resources", "viewmenu"),
                     ("roles", "role"), ("users", "user")]:
    API.update(security_api("/api/v1/security/%s/" % _path, ("GET", "POST")))
    API.update(security_api("/api/v1/security/%s/_info" % _path, ("GET",)))
    API.update(security_api("/api/v1/security/%s/{pk}" % _path, ("GET", "PUT", "DELETE"), _kind))
API.update(security_api("/api/v1/security/permissions/", ("GET",)))
API.update(security_api("/api/v1/security/permissions/_info", ("GET",)))
API.update(security_api("/api/v1/security/permissions/{pk}", ("GET",), "permission"))
API.update(security_api("/api/v1/security/roles/{role_id}/groups", ("PUT",)))
API.update(security_api("/api/v1/security/roles/{role_id}/permissions", ("POST",)))
API.update(security_api("/api/v1/security/roles/{role_id}/permissions/", ("GET",)))
API.update(security_api("/api/v1/security/roles/{role_id}/users", ("PUT",)))


# --- known holes (strict: a fixed hole fails here until its line is removed) ------------

FAB_SCREENS = ("UserDBModelView", "RoleModelView", "UserGroupModelView", "PermissionModelView",
               "ViewMenuModelView", "PermissionViewModelView")
HOLES = [
    # (table, key, method, role, record) -> bool, and what is wrong (strict
    # xfails: a hole fixed fails until its line goes). None known today.
]



def known_hole(*case):
    for matches, reason in HOLES:
        if matches(*case):
            return reason
    return None


# --- the tests ---------------------------------------------------------------------------


def all_cases():
    for table_name, table in (("web", WEB), ("api", API)):
        for key in sorted(table):
            entry = table[key]
            for method, records in sorted(entry.methods.items()):
                for role in ROLES:
                    for record in records:
                        case_id = "%s %s %s %s" % (key, method, role, record)
                        marks = []
                        reason = entry.skip.get((method, role))
                        if reason:
                            marks.append(pytest.mark.skip(reason=reason))
                        hole = known_hole(table_name, key, method, role, record)
                        if hole:
                            marks.append(pytest.mark.xfail(strict=True, reason=hole))
                        yield pytest.param(table_name, key, method, role, record, id=case_id, marks=marks)


CASES = list(all_cases())


@pytest.fixture(scope="module")
def ctx(app, snapshot):
    world = sw.build_world()
    snapshot.push()  # the world is what each case's test returns to
    yield Ctx(app, world)
    snapshot.pop()  # and it goes with the module


@pytest.fixture
def restored():
    high = sw.high_water()
    yield
    sw.restore(high)


def discovered_web_routes(app):
    """(endpoint, methods) of every web route; the API is discovered from its OpenAPI document."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        routes.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return routes


def discovered_api_operations(ctx):
    spec = ctx.api("admin").client.get("/api/v1/_openapi", headers=ctx.api("admin").headers).get_json()
    return {"%s %s" % (method.upper(), path) for path, ops in spec["paths"].items() for method in ops
            if method in ("get", "post", "put", "delete", "patch")}


def test_every_route_has_an_expectation(app, ctx):
    missing, extra = [], []
    for endpoint, methods in sorted(discovered_web_routes(app).items()):
        entry = WEB.get(endpoint)
        declared = set(entry.methods) if entry else set()
        for method in sorted(methods - declared):
            missing.append("web route %s %s (%s) needs an entry in WEB" % (
                method, endpoint, [r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint]))
        extra += ["WEB declares %s %s, which the app does not serve" % (m, endpoint)
                  for m in sorted(declared - methods)]
    operations = discovered_api_operations(ctx)
    missing += ["API operation %s needs an entry in API" % op for op in sorted(operations - set(API))]
    extra += ["API declares %s, which the OpenAPI document does not list" % op for op in sorted(set(API) - operations)]
    # an /api/ route missing from the OpenAPI document would escape the matrix
    documented = {op.split(" ", 1)[1].replace("{", "<").replace("}", ">") for op in operations}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            pattern = rule.rule
            for conv in ("int:", "string:"):
                pattern = pattern.replace("<" + conv, "<")
            if pattern not in documented:
                missing.append("API route %s (%s) is not in the OpenAPI document" % (rule.rule, rule.endpoint))
    assert not missing and not extra, "\n".join(missing + extra)


@pytest.mark.parametrize("table, key, method, role, record", CASES)
def test_matrix(ctx, restored, table, key, method, role, record):
    entry = (WEB if table == "web" else API)[key]
    entry.run(ctx, method, role, record)


def test_zz_count_of_cases(capsys):
    """route × role × record cases checked (the whole matrix must have run)."""
    skipped = [c for c in CASES if any(m.name == "skip" for m in c.marks)]
    holes = [c for c in CASES if any(m.name == "xfail" for m in c.marks) and c not in skipped]
    with capsys.disabled():
        print("\nscope matrix: %d route × role × record cases checked and passed, %d known holes (xfail), "
              "%d skipped, %d declared" % (len(CHECKED), len(holes), len(skipped), len(CASES)))
    if len(CHECKED) < len(CASES) - len(skipped) - len(holes):
        pytest.skip("only part of the matrix ran or passed (%d of %d cases)" % (
            len(CHECKED), len(CASES) - len(skipped) - len(holes)))
