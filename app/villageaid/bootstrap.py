"""Setting up a database for use: permissions, roles, the first admin,
scope assignments. Used by the CLI and by run.py."""
from flask import current_app
from sqlalchemy import select

from .models import ScopeAssignment, Town, Unit
from .security.passwords import generate_password, policy_problem


class BootstrapError(ValueError):
    pass


def manager():
    from .manager import VillageAidManager

    for addon in current_app.appbuilder.addon_managers.values():
        if isinstance(addon, VillageAidManager):
            return addon
    raise BootstrapError("the village-aid add-on is not loaded")


def init_permissions():
    """Create every view's permissions and the plugin's roles (idempotent)."""
    ab = current_app.appbuilder
    config = current_app.config
    admin = ab.sm.find_role(config["AUTH_ROLE_ADMIN"]) or ab.sm.add_role(config["AUTH_ROLE_ADMIN"])
    if ab.sm.find_role(config["AUTH_ROLE_PUBLIC"]) is None:
        ab.sm.add_role(config["AUTH_ROLE_PUBLIC"])
    ab.add_permissions(update_perms=True)
    manager().sync_roles()
    every = ab.session.query(ab.sm.permissionview_model).all()
    for pv in set(every) - set(admin.permissions):
        ab.sm.add_permission_role(admin, pv)


def seed_settings():
    """First start: the office parameters the host configures go into the
    database (settings.seed); returns their names."""
    from . import settings
    from .scope import Viewer

    return settings.seed(Viewer(sees_all=True), path="cli")


def ensure_user(username, role_name, password=None, first_name="", last_name="", email=None):
    """Create a user if missing; returns (user, password or None if it existed).
    A given password must meet the password policy; a generated one does."""
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=username)
    if user is not None:
        return user, None
    password = password or generate_password()
    problem = policy_problem(password)
    if problem:
        raise BootstrapError("%s: %s" % (username, problem))
    role = sm.find_role(role_name)
    if role is None:
        raise BootstrapError("role %s does not exist; run `flask villageaid init`" % role_name)
    user = sm.add_user(
        username,
        first_name or username,
        last_name,
        email or "%s@villageaid.invalid" % username,
        role,
        password=password,
    )
    if not user:
        raise BootstrapError("could not create user %s" % username)
    return user, password


def find_named(model, name, session=None):
    """The town or unit named `name` — "county/name" (the county by its code
    or name) when the name is used in several counties — or the division
    of that code or name; raises BootstrapError."""
    from .models import Division

    session = session or current_app.appbuilder.session
    query = select(model)
    if model is Division:
        query = query.where((Division.code == name) | (Division.name == name))
    elif "/" in name:
        county, name = name.split("/", 1)
        query = query.join(Division, Division.id == model.county_id).where(
            model.name == name, (Division.code == county) | (Division.name == county))
    else:
        query = query.where(model.name == name)
    rows = session.scalars(query.limit(2)).all()
    if not rows:
        raise BootstrapError("no %s named %s" % (model.__tablename__[3:], name))
    if len(rows) > 1:
        raise BootstrapError("several %ss are named %s: write county/name" % (model.__tablename__[3:], name))
    return rows[0]


def assign_scope(username, towns=(), units=(), divisions=()):
    """Give a user the named towns, units and administrative divisions
    (adds; never removes)."""
    from .models import Division

    session = current_app.appbuilder.session
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise BootstrapError("no user named %s" % username)
    added, new = [], []
    for model, names, column in ((Town, towns, "town_id"), (Unit, units, "unit_id"),
                                 (Division, divisions, "division_id")):
        for name in names:
            row = find_named(model, name, session)
            exists = session.scalar(
                select(ScopeAssignment).where(
                    ScopeAssignment.user_id == user.id, getattr(ScopeAssignment, column) == row.id
                )
            )
            if exists is None:
                new.append((ScopeAssignment(user_id=user.id, **{column: row.id}), None, None))
                added.append(name)
    if new:
        # through the write path, so that the history keeps the assignment
        from . import scope, writes

        try:
            writes.save_all(new, scope.Viewer(sees_all=True), path="cli")
        except writes.Refused as exc:
            raise BootstrapError(exc.message()) from exc
    session.commit()
    return added
