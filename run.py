"""Quick start: `python run.py`.

Creates or upgrades the database (SQLite under instance/ unless DATABASE_URL
is set), creates permissions and roles, creates the admin account (password
from ADMIN_PASSWORD, else generated and printed once), loads demo data into
an empty database (DEMO_DATA=0 disables it), starts the background jobs'
consumer in threads of this process and serves on
http://127.0.0.1:${PORT:-8080}. (Production runs the consumer as a process
of its own: `huey_consumer jobs_worker.huey`, see README.)
"""
import os
import subprocess
import sys
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))


def install_requirements():
    """`python run.py` in an environment made before a requirement was
    added (or changed) would stop at an import: install what
    requirements.txt pins first, as `bin/run` does."""
    path = os.path.join(HERE, "requirements.txt")
    stale = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.split("#")[0].strip()
            name, _, version = line.partition("==")
            if not version:
                continue
            try:
                if metadata.version(name.split("[")[0]) != version:
                    stale.append(line)
            except metadata.PackageNotFoundError:
                stale.append(line)
    try:
        metadata.version("villageaid")  # the add-on itself (`-e .`)
    except metadata.PackageNotFoundError:
        stale.append("villageaid")
    if stale:
        print("installing the pinned requirements first (%s)" % ", ".join(stale))
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               "-r", path], cwd=HERE)


install_requirements()

from flask_migrate import upgrade  # noqa: E402  (after the requirements are in)

from app import MIGRATIONS_DIR, create_app  # noqa: E402
from villageaid import bootstrap, divisions, followup, jobs, reserve
from villageaid.cli import load_demo


def prepare(app):
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="heads")
        bootstrap.init_permissions()
        bootstrap.seed_settings()
        divisions.ensure_home_county()  # the installation's county (VILLAGEAID_HOME_COUNTY)
        # figures kept on rows, counted afresh (an upgraded database starts them at 0)
        reserve.recount()
        app.appbuilder.session.commit()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        _user, password = bootstrap.ensure_user(
            username, app.config["AUTH_ROLE_ADMIN"], password=os.environ.get("ADMIN_PASSWORD")
        )
        if password and not os.environ.get("ADMIN_PASSWORD"):
            print("admin account created: %s  password %s" % (username, password))
        if app.config["AUTH_ROLE_ADMIN"] in (app.config.get("VILLAGEAID_TOTP_ROLES") or ()):
            print(
                "%s signs in with a second factor: the first sign-in shows a QR code for an "
                "authenticator app (FreeOTP, Google or Microsoft Authenticator) and then "
                "recovery codes; VILLAGEAID_TOTP_ROLES='[]' turns it off for a trial" % username
            )
        if os.environ.get("DEMO_DATA", "1") != "0":
            load_demo()
        # what a daily `flask villageaid alerts` job does in production: the
        # home page and the handling list count stored alerts
        found, _stored = followup.store_all_alerts(path="cli")
        print("follow-up alerts as of today: %d" % found)


def main():
    app = create_app()
    prepare(app)
    jobs.start_consumer(app, workers=int(os.environ.get("JOB_WORKERS", "2")))
    port = int(os.environ.get("PORT", "8080"))
    print("serving on http://127.0.0.1:%d" % port)
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
