"""Office-owned parameters (参数设置): the one place the add-on reads them.

Every business rule reads a parameter through `get(name)` — never
`current_app.config` directly — so that where a value comes from (today the
host configuration over the add-on's defaults, `defaults.py`) is decided
here once.
"""
import copy

from flask import current_app

from . import defaults


def get(name):
    """The value of parameter `name` (a VILLAGEAID_* name of defaults.py)."""
    config = current_app.config
    if name in config:
        return config[name]
    return copy.deepcopy(getattr(defaults, name))
