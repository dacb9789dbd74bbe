"""The signed-in user's permissions, read once per request.

FAB asks the database once per `has_access` check (one query per menu entry
and button: 26–37 per page); here the permissions of the user's database
roles are read in one query the first time a request asks and kept on
`flask.g` for the rest of it. Roles stay editable: the next request reads
them again. FAB's built-in roles (FAB_ROLES) are answered as FAB does.

The add-on's security manager (security/manager.py) mixes it in.
"""
from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import (
    Group, Permission, PermissionView, ViewMenu, assoc_permissionview_role,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload


class RequestPermissionsMixin:
    def get_user_by_id(self, pk):
        """The signed-in user with its roles and groups, in one statement
        (FAB loads each lazily: three per request)."""
        model = self.user_model
        return (
            self.session.query(model)
            .options(joinedload(model.roles), joinedload(model.groups).joinedload(Group.roles))
            .filter(model.id == pk)
            .one_or_none()
        )

    def permission_set(self, user):
        """{(permission, view)} of the user's database roles, once per request."""
        roles = self.get_user_roles(user)
        key = (getattr(user, "id", None), tuple(sorted(r.id for r in roles)))
        if has_request_context():
            cached = g.get("_va_permissions")
            if cached is not None and cached[0] == key:
                return cached[1]
        db_role_ids = [r.id for r in roles if r.name not in self.builtin_roles]
        found = set()
        if db_role_ids:
            found = set(self.session.execute(
                select(Permission.name, ViewMenu.name)
                .select_from(PermissionView)
                .join(Permission, Permission.id == PermissionView.permission_id)
                .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                .join(assoc_permissionview_role,
                      assoc_permissionview_role.c.permission_view_id == PermissionView.id)
                .where(assoc_permissionview_role.c.role_id.in_(db_role_ids))
            ).all())
        if has_request_context():
            g._va_permissions = (key, found)
        return found

    def _has_view_access(self, user, permission_name, view_name):
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles
               and self._has_access_builtin_roles(role, permission_name, view_name)
               for role in roles):
            return True
        return (permission_name, view_name) in self.permission_set(user)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        roles = self.get_user_roles(user)
        granted = {v for p, v in self.permission_set(user) if p == permission_name}
        return {
            name for name in view_menus_name
            if name in granted or any(
                role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, name)
                for role in roles
            )
        }
