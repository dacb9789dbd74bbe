"""Host application: creates Flask, the database and Flask-AppBuilder.

Everything domain-specific lives in the plugin (villageaid), which FAB
loads through ADDON_MANAGERS.
"""
import logging
import os

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from villageaid.migrations import add_version_location

db = get_sqla_class()()
migrate = Migrate()
# Our migrations create FAB's tables (branch `fab`); the add-on's own branch
# (`villageaid`) comes with the installed package.
migrate.configure(add_version_location)
csrf = CSRFProtect()
log = logging.getLogger(__name__)
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


class AddonLoadError(RuntimeError):
    """An add-on named in ADDON_MANAGERS did not load."""


def create_app(overrides=None):
    app = Flask(__name__, instance_path=None)
    app.config.from_object("config")
    if overrides:
        app.config.update(overrides)
    proxies = app.config.get("PROXY_FIX_X_FOR") or 0
    if proxies:
        # behind a reverse proxy: the client's address (login throttle, login
        # log) and scheme come from the X-Forwarded-* headers it sets
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    appbuilder = AppBuilder()
    with app.app_context():
        appbuilder.init_app(app, db.session)
        _require_addons(app, appbuilder)
    return app


def _require_addons(app, appbuilder):
    """FAB only logs an add-on that fails; a records system must not start
    without its screens, so stop here with the reason."""
    missing = [
        name
        for name in app.config.get("ADDON_MANAGERS", [])
        if name not in appbuilder.addon_managers
    ]
    if missing:
        raise AddonLoadError(
            "add-on(s) failed to load: %s (the log above shows why)" % ", ".join(missing)
        )
