"""`flask villageaid ...` commands, registered by the plugin's manager."""
import click
from flask import current_app
from flask.cli import AppGroup

from . import bootstrap, demo, generate

cli = AppGroup("villageaid", help="Village-aid plugin commands.")


@cli.command("init")
def init_command():
    """Create permissions and the Office, Clerk, Inspector and Auditor roles,
    and recount the maintained reserve figures (idempotent)."""
    from . import reserve

    bootstrap.init_permissions()
    click.echo("permissions and roles are up to date")
    seeded = bootstrap.seed_settings()
    if seeded:
        click.echo("office parameters taken from the configuration: %s" % ", ".join(seeded))
    reserve.recount()
    current_app.appbuilder.session.commit()
    click.echo("reserve counts recounted")
    from . import divisions

    divisions.ensure_home_county()


@cli.command("assign-scope")
@click.argument("username")
@click.option("--town", "towns", multiple=True, help="Town name, or county/name (repeatable).")
@click.option("--unit", "units", multiple=True, help="Unit name, or county/name (repeatable).")
@click.option("--division", "divisions", multiple=True,
              help="Province, prefecture or county by code or name (repeatable): every town and unit under it.")
def assign_scope_command(username, towns, units, divisions):
    """Give USERNAME the rows of the named towns, units and divisions."""
    if not towns and not units and not divisions:
        raise click.UsageError("give at least one --town, --unit or --division")
    try:
        added = bootstrap.assign_scope(username, towns, units, divisions)
    except bootstrap.BootstrapError as exc:
        raise click.ClickException(str(exc))
    click.echo("added: %s" % (", ".join(added) or "nothing new"))


@cli.command("prune-logs")
def prune_logs_command():
    """Remove history and log rows older than VILLAGEAID_HISTORY_RETENTION_DAYS
    (never a younger one); the run itself is recorded in the history."""
    from . import history

    try:
        removed = history.prune(current_app.appbuilder.session)
    except history.RetentionError as exc:
        raise click.ClickException(str(exc))
    click.echo("removed: %s" % ", ".join("%s %d" % (name, n) for name, n in removed.items()))


@cli.command("cleanup")
def cleanup_command():
    """Mark failed the background jobs whose worker stopped (no heartbeat for
    VILLAGEAID_JOB_STALE_MINUTES; recorded in the history), remove import
    previews never committed (older than VILLAGEAID_IMPORT_PREVIEW_HOURS) and
    background jobs' files older than VILLAGEAID_JOBS_RETENTION_HOURS; the
    consumer also does it every hour."""
    from . import jobs

    removed = jobs.cleanup()
    click.echo("removed: %d preview(s), %d job file(s); interrupted: %d job(s)"
               % (removed["previews"], removed["job_files"], removed["interrupted"]))


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


@cli.command("generate")
@click.option("--preset", type=click.Choice(sorted(generate.PRESETS)), default="county", show_default=True,
              help="county: about the demo's size; province: 100,000 cadres; national: 3,000,000 cadres.")
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiply every count of the preset.")
@click.option("--provinces", type=int, help="Provinces the prefectures are grouped in (at most 31).")
@click.option("--prefectures", type=int, help="Prefectures the counties are grouped in.")
@click.option("--counties", type=int, help="Counties the towns, units and villages are grouped in.")
@click.option("--towns", type=int)
@click.option("--units", type=int)
@click.option("--villages", type=int)
@click.option("--cadres", type=int)
@click.option("--sessions", type=int, help="Training sessions (attendance follows from the cadres).")
@click.option("--candidates", type=int, help="Reserve candidates.")
@click.option("--followups", type=int, help="Follow-up records.")
@click.option("--seed", type=int, default=generate.DEFAULT_SEED, show_default=True,
              help="The same counts and seed give the same rows.")
@click.option("--chunk", type=int, default=generate.DEFAULT_CHUNK, show_default=True, help="Rows per insert.")
@click.option("--yes", is_flag=True, help="Add the rows to a database that already holds some.")
@click.option("--clerks", type=int, default=0, help="Also create this many Clerk users (printed with passwords).")
@click.option("--clerk-cadres", type=int,
              help="Cadres each clerk should see (default 0.4% of the cadres: ~4,000 at 1,000,000).")
def generate_command(preset, scale, provinces, prefectures, counties, towns, units, villages, cadres, sessions, candidates, followups,
                     seed, chunk, yes, clerks, clerk_cadres):
    """Bulk-insert generated, valid rows into every domain table (for benchmarks)."""
    try:
        counts = generate.counts_for(preset, scale, provinces=provinces, prefectures=prefectures, counties=counties, towns=towns, units=units,
                                     villages=villages, cadres=cadres, sessions=sessions,
                                     candidates=candidates, followups=followups)
    except generate.GenerateError as exc:
        raise click.UsageError(str(exc))
    if chunk < 1 or clerks < 0:
        raise click.UsageError("--chunk must be positive and --clerks not negative")
    click.echo("generating (seed %d): %s" % (seed, ", ".join("%s %s" % (k, format(v, ","))
                                                           for k, v in vars(counts).items())))
    try:
        summary = generate.generate(counts, seed=seed, chunk=chunk, force=yes, echo=click.echo)
    except generate.GenerateError as exc:
        raise click.ClickException(str(exc))
    for table, (rows, seconds) in summary.items():
        click.echo("  %-24s %12s rows %8.1f s %10s rows/s"
                   % (table, format(rows, ","), seconds, format(round(rows / seconds) if seconds else 0, ",")))
    if clerks:
        target = clerk_cadres or max(1, round((summary.get("va_cadre") or (0, 0))[0] * 0.004))
        try:
            made = generate.make_clerks(clerks, target)
        except (generate.GenerateError, bootstrap.BootstrapError) as exc:
            raise click.ClickException(str(exc))
        for username, password, names, seen in made:
            click.echo("  clerk %-10s password %-18s sees %s cadres; scope: %s"
                       % (username, password or "(existing user, unchanged)", format(seen, ","),
                          "、".join(names) if len(names) <= 5 else "%s … (%d)" % ("、".join(names[:5]), len(names))))


@cli.command("alerts")
def alerts_command():
    """Store the follow-up alerts of the reference date (for a scheduled job):
    each village, kind and period once; a closed alert stays closed, the
    next period opens a new one while the condition holds."""
    from . import followup

    before, stored = followup.store_all_alerts(path="cli")
    click.echo("%d alert(s) on %s, %d stored for the period %s" % (
        before, followup.reference_date().isoformat(), len(stored),
        followup.alert_period_of(followup.reference_date())))
