"""Helpers the tests share: the fixture's users and rows, direct database
access, and clients that act as a person would (Browser) or as an API
client (Api). Fixtures live in conftest.py."""
import os
import re
import tempfile
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import create_engine, event, func, make_url, select, text

from villageaid import bootstrap, tally
from villageaid.models.figures import bump_all
from villageaid.models import Cadre, Town, Unit, Village
from villageaid.validators import gender_of

PASSWORD = "Test-pass-123"

USERS = {
    # username: (role, towns, units)
    "admin": ("Admin", [], []),
    "office": ("Office", [], []),
    "inspector": ("Inspector", [], []),
    "clerk_town": ("Clerk", ["甲镇"], []),
    "clerk_unit": ("Clerk", [], ["一局"]),
    "clerk_none": ("Clerk", [], []),
}

# Valid ID numbers (GB 11643 check digit computed), one per cadre.
ID_NUMBERS = {
    "张一": "530428198001010015",
    "李二": "530428198502020027",
    "王三": "530428199003030030",
    "赵四": "530428199504040042",
    "钱五": "530428197505050059",
}


@contextmanager
def scratch_database(suffix):
    """An empty database of the suite's kind (TEST_DATABASE_URL), dropped
    afterwards: a temporary SQLite file, or on PostgreSQL and MariaDB a
    database named after the suite's with `_<suffix>` added."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + os.path.join(tempfile.mkdtemp(), suffix + ".db")
        return
    url = make_url(url)
    name = "%s_%s" % (url.database, suffix)
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    create = "CREATE DATABASE %s" % name
    if url.get_backend_name() == "mysql":
        create += " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    with server.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS %s" % name))
        conn.execute(text(create))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.execute(text("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name))
            else:
                conn.execute(text("DROP DATABASE IF EXISTS %s" % name))
        server.dispose()


def sqla():
    """The host's Flask-SQLAlchemy object (whichever host the suite runs in)."""
    return current_app.extensions["sqlalchemy"]


def drop_everything():
    from flask_appbuilder import Model

    db = sqla()
    db.session.remove()
    Model.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        if db.engine.dialect.supports_sequences:
            for table in Model.metadata.tables.values():
                for column in table.columns:
                    seq = getattr(column, "default", None)
                    if seq is not None and seq.is_sequence:
                        conn.exec_driver_sql("DROP SEQUENCE IF EXISTS %s" % seq.name)


def build_fixture():
    """Two towns, two units, three villages, five cadres:

    village 甲村 (town 甲镇, unit 一局); 乙村 (乙乡, 二局); 丙村 (乙乡, 一局)
    张一: village cadre of 甲村; 李二: resident of 二局 in 乙村;
    王三: resident of 一局 in 乙村; 赵四: resident of 二局 in 甲村;
    钱五: village cadre of 丙村.

    clerk_town (甲镇) sees 甲村; cadres 张一, 赵四.
    clerk_unit (一局) sees 甲村, 丙村; cadres 张一, 赵四, 王三, 钱五.
    """
    s = sqla().session
    t1, t2 = Town(name="甲镇", kind="town", code="T1"), Town(name="乙乡", kind="township", code="T2")
    u1, u2 = Unit(name="一局", category="government"), Unit(name="二局", category="party")
    v1 = Village(name="甲村", town=t1, unit=u1, poverty_status="poor", exit_year=2017, registered_poor=150)
    v2 = Village(name="乙村", town=t2, unit=u2, poverty_status="non_poor", registered_poor=120)
    v3 = Village(name="丙村", town=t2, unit=u1, poverty_status="non_poor", registered_poor=80)
    s.add_all([t1, t2, u1, u2, v1, v2, v3])
    rows = [
        ("张一", "village", "secretary", None, v1),
        ("李二", "resident", "team_leader", u2, v2),
        ("王三", "resident", "first_secretary", u1, v2),
        ("赵四", "resident", "team_member", u2, v1),
        ("钱五", "village", "director", None, v3),
    ]
    for name, kind, post, unit, village in rows:
        s.add(
            Cadre(
                name=name, gender=gender_of(ID_NUMBERS[name]), id_number=ID_NUMBERS[name], phone="13812345678",
                kind=kind, post=post, unit=unit, village=village,
                start_date=date(2020, 6, 1), status="active",
            )
        )
    s.commit()
    tally.rebuild(s)  # the cadres were added around the write path
    s.commit()


_APP = []


@contextmanager
def database():
    """Direct database access for a test, in an app context of its own: a
    context held open across requests would share `g` between them."""
    with _APP[0].app_context():
        session = sqla().session()
        # what a test writes here goes around the write path, as a bulk load
        # does: the training figures kept per group of cadres are recomputed
        event.listen(session, "before_commit", _rebuild_tally)
        try:
            yield sqla().session
        finally:
            event.remove(session, "before_commit", _rebuild_tally)
            sqla().session.remove()


def _rebuild_tally(session):
    session.flush()
    if tally.out_of_step(session) is not None:
        tally.rebuild(session, tally.held_date(session))
    bump_all(session)  # and the counties' figures are no longer current


def clerk_without(app, username, permission, towns=("甲镇",)):
    """A user with every Clerk permission but one, scoped to `towns`."""
    sm = app.appbuilder.sm
    with app.app_context():
        clerk = sm.find_role("Clerk")
        role_name = "Clerk without " + permission
        role = sm.find_role(role_name) or sm.add_role(role_name)
        for pv in clerk.permissions:
            if pv.permission.name != permission:
                sm.add_permission_role(role, pv)
        if sm.find_user(username=username) is None:
            sm.add_user(username, username, "", "%s@villageaid.invalid" % username, role, password=PASSWORD)
        bootstrap.assign_scope(username, list(towns), [])
    return username


def ids(model, *names):
    """Primary keys by name (looked up directly, outside any scope)."""
    with database() as s:
        found = dict(s.execute(select(model.name, model.id).where(model.name.in_(names))).all())
    return [found[n] for n in names]


def fetch(model, pk):
    with database() as s:
        row = s.get(model, pk)
        if row is not None:
            s.expunge(row)
        return row


def deleted(model, pk):
    """Gone from every list: removed, or in the recycle bin."""
    row = fetch(model, pk)
    return row is None or getattr(row, "deleted_on", None) is not None


def count(model, *where):
    with database() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def insert(row):
    with database() as s:
        s.add(row)
        s.commit()
        return row.id


class Browser:
    """A FAB test client that logs in through the login form and sends the
    CSRF token a real form would carry."""

    def __init__(self, app, username=None, lang="zh"):
        self.client = app.test_client()
        self.client.get("/lang/%s" % lang)
        if username:
            self.login(username)

    def csrf(self, url="/login/"):
        html = self.client.get(url).get_data(as_text=True)
        match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, "no CSRF token on %s" % url
        return match.group(1)

    def login(self, username, password=PASSWORD):
        token = self.csrf("/login/")
        resp = self.client.post(
            "/login/", data={"username": username, "password": password, "csrf_token": token}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return resp

    def row_version(self, edit_url):
        """The row version an edit form was made from, as a browser would send it back."""
        html = self.client.get(edit_url).get_data(as_text=True)
        return re.search(r'name="row_version" type="hidden" value="(\d+)"', html).group(1)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, token_from=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(token_from or url))
        return self.client.post(url, data=data, **kw)

    def post_raw(self, url, data=None, **kw):
        return self.client.post(url, data=data or {}, **kw)


def api_token(app, username, password=PASSWORD):
    client = app.test_client()
    resp = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["access_token"]


class Api:
    def __init__(self, app, username):
        self.client = app.test_client()
        self.headers = {"Authorization": "Bearer " + api_token(app, username)}

    def __getattr__(self, method):
        func = getattr(self.client, method)

        def call(url, **kw):
            kw.setdefault("headers", self.headers)
            return func(url, **kw)

        return call


def listed_count(client, link):
    """The number of rows the list at `link` says it holds (共 N 条), or 0
    where it says it holds none."""
    resp = client.get(link)
    assert resp.status_code == 200, link
    page = resp.get_data(as_text=True)
    found = re.search(r"共 (\d+) 条", page)
    if found:
        return int(found.group(1))
    assert "No records found" in page or "没有" in page or "暂无" in page, page[-2000:]
    return 0


@contextmanager
def sent_statements(app, keep=lambda statement, parameters: statement):
    """Every SQL statement the app sends inside the block, as `keep` makes
    of it (by default the statement's text)."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(keep(statement, parameters))

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
