"""The plugin's roles and their default permissions.

Roles say *what* a user may do; the scope policy (scope.py) says *where*.
`sync_roles` creates the roles and adds any default permission they lack; it
never removes a permission an administrator granted. Run it through
`flask villageaid init` after each upgrade.
"""
from .scope import ALL_ROWS_PERMISSION, ALL_ROWS_VIEW, PERSONAL_DATA_PERMISSION

OFFICE, CLERK, INSPECTOR, AUDITOR = "Office", "Clerk", "Inspector", "Auditor"
ROLES = (OFFICE, CLERK, INSPECTOR, AUDITOR)
# 三权分立: Admin administers the system (users, roles), the office the
# records; the auditor reads the logs and nothing else.
AUDIT_AREAS = ("audit", "audit_strict")

# FAB's own permission names; a view names its own further ones next to its
# routes, as `read_permissions`, `write_permissions` and `admin_permissions`
# (without "can_"; the last are the administrator's alone).
READ = {"can_list", "can_show", "can_get", "can_info"}
WRITE = {"can_add", "can_edit", "can_delete", "can_post", "can_put"}
EXPORT = {"can_export"}


def kind_of(view, permission):
    """"read", "write", "export" or None (unknown: granted to no plugin role)."""
    name = permission[4:] if permission.startswith("can_") else permission
    if name in getattr(view, "admin_permissions", ()):
        return "admin"
    if name in getattr(view, "office_permissions", ()):
        return "office"
    if permission in READ or name in getattr(view, "read_permissions", ()):
        return "read"
    if permission in WRITE or name in getattr(view, "write_permissions", ()):
        return "write"
    if permission in EXPORT:
        return "export"
    return None

# Every signed-in role: its own profile and password, and the API's description.
SELF_SERVICE = [
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
]


def grants(role, view, permission, area):
    """Does `role` get `permission` on a plugin view (class) of `area` by default?
    (A view's `office_permissions` are the office's alone, whatever the area.)

    area is "reference" (towns, units: read by all, written by the office),
    "records" (villages, cadres and domain records: scoped writes for clerks),
    "admin" (scope assignments; clerks read their own), "office" (screens
    only the office sees), "audit" (logs the auditor and the office read:
    login and export logs), "audit_strict" (logs only the auditor reads:
    personal data views) or "tool" (lookups and other helpers every role
    uses), "county" (reports frozen over the whole county: the office
    makes them, the inspector reads them). Admin has every permission anyway.
    """
    if role == AUDITOR:
        return area in AUDIT_AREAS and (permission in READ | EXPORT or permission.startswith("menu_access"))
    if area == "audit_strict":
        return False
    if area in ("office", "audit"):
        return role == OFFICE
    if area == "county":
        # reports frozen over the whole county: the office makes them, the
        # inspector reads them; a clerk's scope is not the county
        if role == OFFICE:
            return True
        return role == INSPECTOR and (permission.startswith("menu_access")
                                      or kind_of(view, permission) in ("read", "export"))
    if permission.startswith("menu_access") or area == "tool":
        return True
    kind = kind_of(view, permission)
    if kind == "admin":
        return False
    if kind == "office":  # the office's alone (and the administrator's)
        return role == OFFICE
    if role == OFFICE:
        return True
    if role == INSPECTOR:
        return kind in ("read", "export")
    # Clerk
    if area == "records":
        return kind in ("read", "write", "export")
    if area == "reference":
        return kind in ("read", "export")
    if area == "admin":
        return kind == "read"
    return False


def sync_roles(appbuilder, areas):
    """Create the plugin's roles and add their default permissions.

    `areas` maps each plugin view (and menu) name to (view class or None, area).
    """
    sm = appbuilder.sm
    all_rows = sm.add_permission_view_menu(ALL_ROWS_PERMISSION, ALL_ROWS_VIEW)
    personal = sm.add_permission_view_menu(PERSONAL_DATA_PERMISSION, ALL_ROWS_VIEW)
    for role_name in ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = set()
        for view_name, (view_class, area) in areas.items():
            view = sm.find_view_menu(view_name)
            if view is None:
                continue
            for pv in sm.find_permissions_view_menu(view):
                if grants(role_name, view_class, pv.permission.name, area):
                    wanted.add(pv)
        if role_name in (OFFICE, INSPECTOR, AUDITOR):
            # the auditor reads every user's log rows; it has no domain list to see
            wanted.add(all_rows)
        if role_name in (OFFICE, CLERK):
            wanted.add(personal)
        for permission, view_name in SELF_SERVICE:
            pv = sm.find_permission_view_menu(permission, view_name)
            if pv is not None:
                wanted.add(pv)
        for pv in wanted - set(role.permissions):
            sm.add_permission_role(role, pv)
