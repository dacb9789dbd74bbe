"""The add-on's Alembic branch (label ``villageaid``).

Its revisions (``versions/``) create only the add-on's tables; the first
depends on the revision labelled ``fab``, which the host provides and which
creates Flask-AppBuilder's tables. A host lists this folder among its
version locations, with Flask-Migrate:

    from villageaid.migrations import add_version_location
    migrate.configure(add_version_location)

and brings both branches up with ``flask db upgrade heads``.
"""
import os

VERSIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "versions")


def add_version_location(config):
    """Add the add-on's versions folder to an Alembic config's version
    locations (the host's own ``versions/`` stays first). Returns the config,
    as Flask-Migrate's configure callbacks must."""
    locations = config.get_version_locations_list() or [
        os.path.join(config.get_main_option("script_location"), "versions")
    ]
    if VERSIONS_DIR not in locations:
        locations.append(VERSIONS_DIR)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations).replace("%", "%%"))
    return config
