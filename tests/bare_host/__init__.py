"""A bare Flask-AppBuilder application, as another project would write
one, mounting the add-on only through ADDON_MANAGERS, its default settings
and its migration branch. No VILLAGEAID_* setting, no catalogue of its own.

`TEST_HOST=bare bin/test` runs the add-on's tests in it, and
scripts/check-install uses it as the host of a fresh installation
(DATABASE_URL names its database there).
"""
import os

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from villageaid.migrations import add_version_location

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")

db = get_sqla_class()()
csrf = CSRFProtect()
migrate = Migrate()
migrate.configure(add_version_location)


def create_app(overrides=None):
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="bare-host-of-the-tests-not-a-secret-key",
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite://"),
        FAB_CREATE_DB=False,  # tables come from migrations,
        FAB_UPDATE_PERMS=False,  # permissions and roles from `flask villageaid init`
        ADDON_MANAGERS=["villageaid.manager.VillageAidManager"],
        # the add-on's sign-in security and per-request permissions
        FAB_SECURITY_MANAGER_CLASS="villageaid.security.manager.VillageAidSecurityManager",
        FAB_PASSWORD_COMPLEXITY_ENABLED=True,
        SESSION_COOKIE_SAMESITE="Lax",  # as any host should
    )
    app.config.update(overrides or {})
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    with app.app_context():
        AppBuilder().init_app(app, db.session)
    return app
