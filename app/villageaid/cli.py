"""`flask villageaid ...` commands, registered by the plugin's manager."""
import click
from flask import current_app
from flask.cli import AppGroup

from . import bootstrap, demo

cli = AppGroup("villageaid", help="Village-aid plugin commands.")


@cli.command("init")
def init_command():
    """Create permissions and the Office, Clerk, Inspector and Auditor roles (idempotent)."""
    bootstrap.init_permissions()
    click.echo("permissions and roles are up to date")


@cli.command("assign-scope")
@click.argument("username")
@click.option("--town", "towns", multiple=True, help="Town name (repeatable).")
@click.option("--unit", "units", multiple=True, help="Unit name (repeatable).")
def assign_scope_command(username, towns, units):
    """Give USERNAME the rows of the named towns and units."""
    if not towns and not units:
        raise click.UsageError("give at least one --town or --unit")
    try:
        added = bootstrap.assign_scope(username, towns, units)
    except bootstrap.BootstrapError as exc:
        raise click.ClickException(str(exc))
    click.echo("added: %s" % (", ".join(added) or "nothing new"))


@cli.command("reset-second-factor")
@click.argument("username")
def reset_second_factor_command(username):
    """Turn off USERNAME's second factor and recovery codes (a lost phone);
    the next sign-in enrols again if the role needs one. Ends the user's
    sessions and tokens."""
    from .security import totp

    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise click.ClickException("no user named %s" % username)
    totp.disable(user.id)
    click.echo("second factor of %s turned off" % username)


@cli.command("demo")
@click.option("--users/--no-users", default=True, help="Also create the demo accounts.")
def demo_command(users):
    """Load the demo county into an empty database and create demo accounts."""
    load_demo(users, echo=click.echo)


def load_demo(users=True, echo=print):
    session = current_app.appbuilder.session
    if not demo.is_empty(session):
        echo("the database already holds villages: demo data not loaded")
        return False
    summary = demo.load(session)
    echo("demo data loaded: %(towns)d towns, %(units)d units, %(villages)d villages, %(cadres)d cadres, "
         "%(sessions)d training sessions, %(candidates)d reserve candidates, %(records)d follow-up records" % summary)
    if users:
        for username, role, towns, units, last, first in demo.demo_users():
            _user, password = bootstrap.ensure_user(username, role, first_name=first, last_name=last)
            if towns or units:
                bootstrap.assign_scope(username, towns, units)
            if password:
                where = "; ".join(towns + units) or "all rows"
                echo("  demo user %-10s password %s  (role %s, scope: %s)" % (username, password, role, where))
    return True
