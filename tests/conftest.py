"""Fixtures: one app on a fresh database, built by the migrations; every
test starts from the same rows.

SQLite (a temporary file) by default; TEST_DATABASE_URL runs the same suite
on PostgreSQL or MariaDB. TEST_HOST=bare mounts the add-on in a bare
Flask-AppBuilder application (tests/bare_host) instead of this project's
host. The helpers (Browser, Api, ids, count, ...) are in helpers.py.
"""
import os
import tempfile
from contextlib import contextmanager
from datetime import date

import pytest

from villageaid import countyfigures, tally
from flask_migrate import upgrade

from villageaid import bootstrap

from . import helpers
from .isolation import Snapshot

# A password hash that costs nothing: logging in is most of what the tests
# do, and production hashing (scrypt) is slow on purpose.
FAST_HASH = "pbkdf2:sha256:1"

# The settings the tests rely on, whatever the host's own.
TEST_SETTINGS = {
    "TESTING": True,
    "BABEL_DEFAULT_LOCALE": "zh",
    "LANGUAGES": {"zh": {"flag": "cn", "name": "中文"}, "en": {"flag": "gb", "name": "English"}},
    "FAB_ADD_SECURITY_API": True,
    "FAB_API_SWAGGER_UI": True,
    "FAB_API_MAX_PAGE_SIZE": 100,
    "RATELIMIT_ENABLED": False,
    "AUTH_RATE_LIMITED": False,
    "FAB_PASSWORD_HASH_METHOD": FAST_HASH,
    "VILLAGEAID_NEW_CADRE_SINCE": date(2020, 1, 1),
    "VILLAGEAID_FOCUS_THRESHOLD": 100,
    # the second factor has tests of its own (test_totp.py)
    "VILLAGEAID_TOTP_ROLES": [],
}


@contextmanager
def suite_database():
    """TEST_DATABASE_URL, else a temporary SQLite file. Under pytest-xdist
    (`-n 2`) each worker has a database of its own: its own SQLite file, or
    on PostgreSQL and MariaDB one created next to the named database."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        with helpers.scratch_database(worker) as own:
            yield own
    else:
        yield url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "test.db")


def host():
    """create_app and migrations folder of the host the suite runs in."""
    if os.environ.get("TEST_HOST", "project") == "bare":
        from .bare_host import MIGRATIONS_DIR, create_app
    else:
        from app import MIGRATIONS_DIR, create_app
    return create_app, MIGRATIONS_DIR


@pytest.fixture(scope="session")
def app():
    with suite_database() as url:
        yield from app_on(url)


def app_on(url):
    create_app, migrations = host()
    app = create_app(dict(TEST_SETTINGS, SQLALCHEMY_DATABASE_URI=url))
    # FAB's decoy check for unknown users, hashed the same fast way
    from werkzeug.security import generate_password_hash

    app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"] = generate_password_hash("password", FAST_HASH)
    with app.app_context():
        if not url.startswith("sqlite"):
            helpers.drop_everything()  # a clean database even after an interrupted run
        upgrade(directory=migrations, revision="heads")
        bootstrap.init_permissions()
        helpers.build_fixture()
        for username, (role, towns, units) in helpers.USERS.items():
            bootstrap.ensure_user(username, role, password=helpers.PASSWORD)
            if towns or units:
                bootstrap.assign_scope(username, towns, units)
    helpers._APP[:] = [app]
    yield app
    with app.app_context():
        helpers.sqla().session.remove()
        if not url.startswith("sqlite"):
            helpers.drop_everything()
        helpers.sqla().engine.dispose()


@pytest.fixture(scope="session")
def snapshot(app):
    with app.app_context():
        snap = Snapshot(helpers.sqla().engine)
    yield snap
    snap.close()


@pytest.fixture(autouse=True)
def isolated(request):
    """Every table a test wrote to is put back as the fixture left it: rows
    added are deleted, rows changed or deleted are restored. Unit tests have
    no database."""
    if request.node.get_closest_marker("unit"):
        yield
        return
    snapshot = request.getfixturevalue("snapshot")
    snapshot.start()
    yield
    try:
        if request.node.get_closest_marker("http"):
            # whatever the test wrote, the training figures kept per group of
            # cadres are what the cadres give
            with helpers.database():
                difference = tally.out_of_step()
                assert difference is None, "the training tally is out of step with the cadres: %s" % difference
                # and the counties' figures still read as current are what the rows give
                difference = countyfigures.out_of_step()
                assert difference is None, "the county figures are out of step with the rows: %s" % difference
    finally:
        snapshot.restore()


def pytest_collection_modifyitems(items):
    """Tiers: tests/unit/ is `unit`; every other test is `http` unless it is
    marked `browser` or `benchmark` (see pytest.ini)."""
    for item in items:
        if "/tests/unit/" in item.path.as_posix():
            item.add_marker(pytest.mark.unit)
        elif not any(item.get_closest_marker(m) for m in ("browser", "benchmark")):
            item.add_marker(pytest.mark.http)


@pytest.fixture
def browser(app):
    def make(username=None, lang="zh"):
        return helpers.Browser(app, username, lang)

    return make


@pytest.fixture
def api(app):
    def make(username):
        return helpers.Api(app, username)

    return make
