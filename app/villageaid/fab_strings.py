"""Flask-AppBuilder strings missing from FAB's own Chinese catalogue.

Listed here only so that the extractor puts them into our catalogue, which
FAB merges over its own; this module is never imported.
"""
from flask_babel import lazy_gettext as _l

FAB_STRINGS = [
    _l("Database Error"),
    _l("Must have at least two capital letters, one special character, two digits, three lower case letters and a minimal length of 10."),
    _l("Contains (insensitive)"),
    _l("In"),
    _l("Not In"),
    _l("Either select a role or a group"),
    _l("List Groups"),
    _l("Edit User Information"),
    _l("User information changed"),
    _l("Groups"),
    _l("The user's password for authentication"),
    _l("User(s) exists in the role, cannot delete"),
    _l("Show Group"),
    _l("Add Group"),
    _l("Edit Group"),
    _l("User(s) exists in the group, cannot delete"),
    _l("Add"),
    _l("Add a new record"),  # tooltips of FAB's list buttons, worded as the office says
    _l("Show record"),
    _l("Edit"),
    _l("Show"),
    _l("Delete"),
    _l("Are you sure you want to delete this item?"),
    _l("Sign In with "),
    _l("Yes"),
    _l("No"),
]
