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

from flask_migrate import upgrade

from app import MIGRATIONS_DIR, create_app
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
