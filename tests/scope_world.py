"""A world of records in and out of each clerk's scope, shared by the scope
matrix and the property-based API run.

Positions (conftest.build_fixture documents who sees what):

- "A": town 甲镇 / unit 一局 — seen by clerk_town and clerk_unit;
- "U": town 乙乡 / unit 一局 — seen by clerk_unit only;
- "B": town 乙乡 / unit 二局 — seen by no clerk.

Office, inspector and admin see every position; clerk_none sees none.
Towns, units and training sessions are reference data every signed-in user
reads (position "A" only).
"""
import itertools
import json
from datetime import date

from sqlalchemy import delete, func, select

from app import db
from villageaid.models import (
    Cadre,
    ExportReceipt,
    FollowUpAlert,
    FollowUpRecord,
    ReserveCandidate,
    ScopeAssignment,
    Division,
    Town,
    TrainingAttendance,
    TrainingSession,
    Unit,
    Village,
)

from villageaid.validators import gender_of

from .helpers import ID_NUMBERS, database

ROLES = ("anonymous", "clerk_town", "clerk_unit", "clerk_none", "inspector", "office", "admin")
SIGNED_IN = ROLES[1:]
CLERKS = ("clerk_town", "clerk_unit", "clerk_none")
ALL_ROWS = ("inspector", "office", "admin")
POSITIONS = ("A", "U", "B")

SEES = {
    "anonymous": set(),
    "clerk_town": {"A"},
    "clerk_unit": {"A", "U"},
    "clerk_none": set(),
    "inspector": set(POSITIONS),
    "office": set(POSITIONS),
    "admin": set(POSITIONS),
}

# Where each position's parents are (town, unit) and its fixture rows.
PLACES = {"A": ("甲镇", "一局"), "U": ("乙乡", "一局"), "B": ("乙乡", "二局")}
VILLAGES = {"A": "甲村", "U": "丙村", "B": "乙村"}
CADRES = {"A": "张一", "U": "钱五", "B": "李二"}
# Villages that exited poverty in 2017 (follow-up records need one) and focus
# non-poor villages, made by the world in the U and B positions.
FOLLOWUP_VILLAGES = {"A": "甲村", "U": "矩阵戊村", "B": "矩阵丁村", "A2": "矩阵己村"}
FOCUS_VILLAGES = {"A": "矩阵重点甲", "U": "矩阵重点丙", "B": "乙村"}
CANDIDATES = {"A": "矩阵候选甲", "U": "矩阵候选丙", "B": "矩阵候选乙"}
PROJECTS = {"A": "矩阵项目甲", "U": "矩阵项目丙", "B": "矩阵项目乙"}
NOTES = {"A": "矩阵参训甲", "U": "矩阵参训丙", "B": "矩阵参训乙"}
ALERTS = {"A": "矩阵预警甲", "U": "矩阵预警丙", "B": "矩阵预警乙"}  # stored alerts' reasons
SESSION = "矩阵轮训班"
SPARE_USER = "matrix_spare"
SPARE_ROLE = "Matrix spare"

# Tables compared before and after a request (export receipts separately).
TABLES = [Division, Town, Unit, Village, Cadre, TrainingSession, TrainingAttendance, ReserveCandidate,
          FollowUpRecord, FollowUpAlert, ScopeAssignment]
CLEAN_ORDER = [FollowUpAlert, FollowUpRecord, ReserveCandidate, TrainingAttendance, TrainingSession, Cadre, Village,
               ScopeAssignment, Unit, Town, Division, ExportReceipt]


def id_number(birth, seq):
    """A valid GB 11643 ID number for area 530428, birth date YYYYMMDD, sequence 0-999."""
    body = "530428%s%03d" % (birth, seq)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


_serial = itertools.count(1)


def fresh_tag():
    return "%d" % next(_serial)


def fresh_id_number():
    n = next(_serial)
    return id_number("1988%02d%02d" % (n // 28 % 12 + 1, n % 28 + 1), n % 997)


class World:
    """Ids of the records of each position, and what may not be shown to whom."""

    def __init__(self):
        self.ids = {}  # (kind, position) -> id
        self.created = []  # (model, id), to remove at the end

    def id(self, kind, position="A"):
        return self.ids[(kind, position)]

    def forbidden(self, role):
        """Strings that must never reach `role`: the names (and ID numbers) of
        records outside its scope that no record in its scope refers to.
        (A record in scope shows the names of the rows it refers to: clerk_unit
        sees 乙村 as the village of 王三, its unit's cadre.)"""
        if role in ALL_ROWS or role == "anonymous":
            hidden = set() if role != "anonymous" else set(POSITIONS)
        else:
            hidden = set(POSITIONS) - SEES[role]
        words = set()
        for pos in hidden:
            words |= {CADRES[pos], ID_NUMBERS[CADRES[pos]], CANDIDATES[pos], PROJECTS[pos], NOTES[pos],
                      FOLLOWUP_VILLAGES[pos], FOCUS_VILLAGES[pos], VILLAGES[pos], ALERTS[pos]}
            words.add(self.candidate_id_numbers[pos])
        if role == "clerk_unit":
            words.discard("乙村")  # the village of 王三 (一局)
        if role == "clerk_town":
            # 王三 (一局, stationed in 乙村) is in no position but outside clerk_town's scope
            words |= {"王三", ID_NUMBERS["王三"]}
        if role in ("clerk_none", "anonymous"):
            words |= {"王三", "赵四", ID_NUMBERS["王三"], ID_NUMBERS["赵四"]}
        return words


def build_world():
    w = World()
    with database() as s:
        town = {t.name: t for t in s.scalars(select(Town))}
        unit = {u.name: u for u in s.scalars(select(Unit))}
        village = {v.name: v for v in s.scalars(select(Village))}
        cadre = {c.name: c for c in s.scalars(select(Cadre))}

        def add(row):
            s.add(row)
            s.flush()
            w.created.append((type(row), row.id))
            return row

        for pos, name in FOLLOWUP_VILLAGES.items():
            if name not in village:
                t, u = PLACES[pos[0]]
                village[name] = add(Village(name=name, town=town[t], unit=unit[u], poverty_status="poor",
                                            exit_year=2017, registered_poor=30))
        for pos, name in FOCUS_VILLAGES.items():
            if name not in village:
                t, u = PLACES[pos]
                village[name] = add(Village(name=name, town=town[t], unit=unit[u], poverty_status="non_poor",
                                            registered_poor=150))
        session = add(TrainingSession(title=SESSION, start_date=date(2021, 3, 1), end_date=date(2021, 3, 2),
                                      hours=8, audience="both"))
        w.candidate_id_numbers = {}
        for pos in POSITIONS:
            w.ids[("town", pos)] = town[PLACES[pos][0]].id
            w.ids[("unit", pos)] = unit[PLACES[pos][1]].id
            w.ids[("village", pos)] = village[VILLAGES[pos]].id
            w.ids[("followup_village", pos)] = village[FOLLOWUP_VILLAGES[pos]].id
            w.ids[("focus_village", pos)] = village[FOCUS_VILLAGES[pos]].id
            w.ids[("cadre", pos)] = cadre[CADRES[pos]].id
            w.ids[("attendance", pos)] = add(TrainingAttendance(
                training_session=session, cadre=cadre[CADRES[pos]], status="enrolled", note=NOTES[pos])).id
            number = fresh_id_number()
            w.candidate_id_numbers[pos] = number
            w.ids[("candidate", pos)] = add(ReserveCandidate(
                village=village[VILLAGES[pos]], name=CANDIDATES[pos], gender="female", id_number=number,
                birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                education="senior_high", political_status="masses", background="other", target_post="member",
                status="identified", mentor=cadre[CADRES[pos]] if pos == "A" else None)).id
            w.ids[("followup", pos)] = add(FollowUpRecord(
                village=village[FOLLOWUP_VILLAGES[pos]], date=date(2021, 5, 1), kind="project",
                project=PROJECTS[pos], rectification="none")).id
            followed = village[FOLLOWUP_VILLAGES[pos]]
            w.ids[("alert", pos)] = add(_alert(followed.id, followed.town_id, ALERTS[pos])).id
        w.ids[("session", "A")] = session.id
        # second rows seen by both clerks, to change a reference to another row in scope
        w.ids[("village", "A2")] = village[FOCUS_VILLAGES["A"]].id
        w.ids[("followup_village", "A2")] = village[FOLLOWUP_VILLAGES["A2"]].id
        w.ids[("cadre", "A2")] = cadre["赵四"].id
        w.ids[("unit", "A2")] = unit["一局"].id
        w.ids[("town", "A2")] = town["甲镇"].id
        county = town["甲镇"].county  # the installation's county, its prefecture and province
        w.ids[("division", "A")] = county.id
        w.ids[("division", "prefecture")] = county.parent_id
        w.ids[("division", "province")] = county.parent.parent_id
        s.commit()
        users = {u: uid for u, uid in s.execute(select(_user_table().c.username, _user_table().c.id))}
        assignment = {a.user_id: a.id for a in s.scalars(select(ScopeAssignment))}
        w.ids[("assignment", "A")] = assignment[users["clerk_town"]]
        w.ids[("assignment", "U")] = assignment[users["clerk_unit"]]
        w.users = users
        w.cadre_names = {c.id: c.name for c in cadre.values()}
        for pos, who in (("A", "office"), ("B", "clerk_town")):
            w.ids[("receipt", pos)] = add(ExportReceipt(
                user_id=users[who], list_name="矩阵导出" + pos, endpoint="matrix", query_string="",
                row_count=0, encoding="utf-8", sha256="0" * 64)).id
        s.commit()
    _spare_accounts(w)
    _store_the_alerts_of_today()
    with database() as s:
        row = ScopeAssignment(user_id=w.users[SPARE_USER], town_id=w.id("town", "B"))
        s.add(row)
        s.commit()
        w.created.append((ScopeAssignment, row.id))
        w.ids[("assignment", "B")] = row.id
    return w


def _user_table():
    from flask_appbuilder.security.sqla.models import User

    return User.__table__


def _spare_accounts(w):
    """A user and a role that only FAB's own security screens are pointed at."""
    from .helpers import PASSWORD, _APP

    sm = _APP[0].appbuilder.sm
    with _APP[0].app_context():
        role = sm.find_role(SPARE_ROLE) or sm.add_role(SPARE_ROLE)
        user = sm.find_user(username=SPARE_USER) or sm.add_user(
            SPARE_USER, "Matrix", "Spare", "matrix_spare@villageaid.invalid", role, password=PASSWORD)
        w.ids[("user", "A")] = user.id
        w.users[SPARE_USER] = user.id
        w.ids[("role", "A")] = role.id
        w.ids[("group", "A")] = sm.add_group("matrix_spare", "Matrix spare", "a group no one is in").id
        w.ids[("permission", "A")] = sm.find_permission("can_list").id
        w.ids[("viewmenu", "A")] = sm.find_view_menu("VillageView").id
        w.ids[("permissionview", "A")] = sm.find_permission_view_menu("can_list", "VillageView").id
        db.session.remove()


# --- throwaway rows, payloads, snapshots ------------------------------------------


def high_water():
    with database() as s:
        return {m: s.scalar(select(func.max(m.id))) or 0 for m in CLEAN_ORDER}


def restore(high):
    """Remove every row made since `high_water()` (a case's throwaways and
    whatever a request wrongly created)."""
    grown = [m for m, top in high_water().items() if top > high[m]]
    if not grown:  # most cases create nothing: no write, no commit
        return
    with database() as s:
        for model in CLEAN_ORDER:
            if model in grown:
                s.execute(delete(model).where(model.id > high[model]))
        s.commit()


# Figures the change hooks maintain from other rows (a candidate's write
# recounts its village): not what a write itself changed.
MAINTAINED = {"va_village": {"candidate_count", "secretary_count", "director_count", "both_count", "member_count"}}


def snapshot_columns(table_name):
    """The names of a table's columns as a snapshot row holds them (in order)."""
    from flask_appbuilder import Model

    return [c.name for c in Model.metadata.tables[table_name].columns
            if c.name not in MAINTAINED.get(table_name, ())]


def snapshot(tables=TABLES):
    """Every row of the domain tables (without the maintained figures), and
    the accounts and roles (without the login counters a sign-in moves), as
    plain tuples."""
    from flask_appbuilder.security.sqla.models import Role, User

    accounts = [User.id, User.username, User.first_name, User.last_name, User.email, User.password, User.active]

    def own_columns(table):
        return [c for c in table.c if c.name not in MAINTAINED.get(table.name, ())]

    with database() as s:
        rows = {
            m.__tablename__: [tuple(r) for r in s.execute(
                select(*own_columns(m.__table__)).order_by(m.__table__.c.id)).all()]
            for m in tables
        }
        rows["ab_user"] = [tuple(r) for r in s.execute(select(*accounts).order_by(User.id)).all()]
        rows["ab_role"] = [tuple(r) for r in s.execute(select(Role.id, Role.name).order_by(Role.id)).all()]
        return rows


def receipts():
    with database() as s:
        return s.scalar(select(func.count()).select_from(ExportReceipt))


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after[name])


def make(w, kind, pos):
    """A throwaway row of `kind` in position `pos`; returns its id."""
    tag = fresh_tag()
    with database() as s:
        s.add(row := _row(w, kind, pos, tag))
        s.commit()
        return row.id


def _alert(village_id, town_id, reason, period="2000-01"):
    """A stored alert of an old period (the alerts of today's are stored by
    _store_the_alerts_of_today)."""
    return FollowUpAlert(village_id=village_id, town_id=town_id, kind="no_record", period=period,
                         raised_on=date(2000, 1, 1), reason=reason, status="open")


def _store_the_alerts_of_today():
    """The alert list and the API store the alerts they show (once per
    period): stored here, viewing them changes nothing."""
    from villageaid import followup, scope

    with database():
        viewer = scope.Viewer(sees_all=True)
        followup.store_alerts(viewer, followup.alerts(viewer), path="cli")


# codes of throwaway divisions: counties of 玉溪市 (530400), then prefectures of 云南省 (530000)
_DIVISION_CODES = iter(["5304%02d" % n for n in range(1, 100) if n != 28]
                       + ["53%02d00" % n for n in range(1, 100) if n != 4])


def fresh_division():
    code = next(_DIVISION_CODES)
    return code, "矩阵区" + code


def _row(w, kind, pos, tag):
    if kind == "division":
        code, name = fresh_division()
        county = code.startswith("5304")
        return Division(code=code, name=name, level="county" if county else "prefecture",
                        parent_id=w.id("division", "prefecture" if county else "province"))
    if kind == "town":
        return Town(name="矩阵镇" + tag, kind="town")
    if kind == "unit":
        return Unit(name="矩阵局" + tag, category="government")
    if kind == "session":
        return TrainingSession(title="矩阵班" + tag, start_date=date(2021, 3, 1), end_date=date(2021, 3, 2),
                               hours=8, audience="both")
    if kind in ("village", "focus_village", "followup_village"):
        if kind == "followup_village":
            return Village(name="矩阵村" + tag, town_id=w.id("town", pos), unit_id=w.id("unit", pos),
                           poverty_status="poor", exit_year=2017, registered_poor=5)
        return Village(name="矩阵村" + tag, town_id=w.id("town", pos), unit_id=w.id("unit", pos),
                       poverty_status="non_poor", registered_poor=150 if kind == "focus_village" else 5)
    if kind == "cadre":
        number = fresh_id_number()
        return Cadre(name="矩阵人" + tag, gender=gender_of(number), id_number=number, kind="village",
                     post="director", village_id=w.id("village", pos), start_date=date(2021, 1, 1),
                     status="active")
    if kind == "attendance":
        return TrainingAttendance(training_session_id=make(w, "session", "A"), cadre_id=w.id("cadre", pos),
                                  status="enrolled")
    if kind == "candidate":
        return ReserveCandidate(village_id=w.id("village", pos), name="矩阵人" + tag, gender="male",
                                birth_date=date(1990, 1, 1), education="senior_high", political_status="masses",
                                background="other", target_post="member", status="identified")
    if kind == "followup":
        return FollowUpRecord(village_id=w.id("followup_village", pos), date=date(2021, 5, 1), kind="visit",
                              rectification="none")
    if kind == "alert":
        return _alert(w.id("followup_village", pos), w.id("town", pos), "矩阵预警" + tag, period="m" + tag)
    if kind == "assignment":
        # clerk_town's own (A), clerk_unit's own (U), the spare user's (B)
        user = {"A": "clerk_town", "U": "clerk_unit", "B": SPARE_USER}[pos]
        target = {"A": {"unit_id": w.id("unit", "A")}, "U": {"town_id": w.id("town", "A")},
                  "B": {"town_id": w.id("town", "B")}}[pos]
        return ScopeAssignment(user_id=w.users[user], **target)
    if kind == "receipt":
        user = {"A": "office", "U": "clerk_unit", "B": "clerk_town"}[pos]
        return ExportReceipt(user_id=w.users[user], list_name="矩阵导出" + tag, endpoint="matrix",
                             row_count=0, encoding="utf-8", sha256="0" * 64)
    raise KeyError(kind)


def payload(w, kind, pos):
    """Valid field values for a new (or edited) row of `kind` in position
    `pos`, with related rows as ids (may create a throwaway session)."""
    tag = fresh_tag()
    if kind == "division":
        code, name = fresh_division()
        return {"code": code, "name": name}
    if kind == "town":
        return {"name": "矩阵镇" + tag, "kind": "town", "code": "MX" + tag}
    if kind == "unit":
        return {"name": "矩阵局" + tag, "category": "government"}
    if kind == "session":
        return {"title": "矩阵班" + tag, "start_date": "2021-03-01", "end_date": "2021-03-02", "hours": 8,
                "audience": "both"}
    if kind == "followup_village":
        return dict(payload(w, "village", pos), poverty_status="poor", exit_year=2017)
    if kind == "receipt":  # nobody adds one: the export writes it
        return {"list_name": "矩阵导出" + tag, "row_count": 0}
    if kind in ("village", "focus_village"):
        return {"name": "矩阵村" + tag, "town": w.id("town", pos), "unit": w.id("unit", pos),
                "poverty_status": "non_poor", "registered_poor": 150 if kind == "focus_village" else 5}
    if kind == "cadre":
        number = fresh_id_number()
        return {"name": "矩阵人" + tag, "gender": gender_of(number), "id_number": number, "kind": "village",
                "post": "director", "village": w.id("village", pos), "start_date": "2021-01-01",
                "status": "active"}
    if kind == "attendance":
        return {"training_session": make(w, "session", "A"), "cadre": w.id("cadre", pos), "status": "enrolled"}
    if kind == "candidate":
        return {"village": w.id("village", pos), "name": "矩阵人" + tag, "gender": "male",
                "birth_date": "1990-01-01", "education": "senior_high", "political_status": "masses",
                "background": "other", "target_post": "member", "status": "identified"}
    if kind == "followup":
        return {"village": w.id("followup_village", pos), "date": "2021-05-01", "kind": "visit",
                "rectification": "none"}
    if kind == "alert":  # taken up, naming the position's unit
        return {"status": "taken_up", "note": "矩阵处置" + tag, "responsible_unit": w.id("unit", pos),
                "deadline": "2021-06-30", "result": ""}
    if kind == "assignment":
        # the spare user's: A a town, U and B a unit (the world gave it 乙乡 already)
        target = "town" if pos == "A" else "unit"
        return {"user": w.id("user"), "town": None, "unit": None, target: w.id(target, pos)}
    raise KeyError(kind)


def as_form(values):
    """Field values as a browser's form sends them (an empty choice as "")."""
    form = {}
    for key, value in values.items():
        if value is False:
            continue
        form[key] = "y" if value is True else "" if value is None else str(value)
    return form


def body_text(resp):
    """The response body as a person (or a program) reads it: JSON decoded,
    so that escaped characters cannot hide a name."""
    data = resp.get_data()
    if resp.is_json:
        try:
            return json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            pass
    return data.decode("utf-8", errors="replace")
