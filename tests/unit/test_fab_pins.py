"""The add-on replaces a few of FAB's private methods (views/crud.py,
views/api.py say why). These pins fail when FAB's originals change, so that
an upgrade of FAB is read against the replacements before it lands."""
import hashlib
import inspect

import flask_appbuilder
import pytest
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.baseviews import BaseCRUDView

COPIED_FROM = "5.3.0"
PINS = {
    (BaseCRUDView, "_add"): "a025a0c68594773e8ef24772ea1a04f1d50e627a4ff99a4558f36f645a747811",
    (BaseCRUDView, "_edit"): "d761e7bd3d3ff992293f764092c2604a34ab94995d7cdac8daf05f6ffeea9342",
    (BaseCRUDView, "_delete"): "8fdf8f052341e35a33e4a8f1175b023ab3b35b26902078ae63be378c4c249bb2",
    (ModelRestApi, "post_headless"): "eec466c5aaa8aff8683ccf59361153c88079a02f0923fd9a2487a2265415099e",
    (ModelRestApi, "put_headless"): "9c4e2918d65deb5704e47816f77b629aed7560355f28da1e061030fa0a05fe35",
    (ModelRestApi, "delete_headless"): "0a82c9ff4a4c69d3d69cc3598c7ac41b411903ae0eee6ff054f3efe4a813f6c2",
}

pytestmark = pytest.mark.unit


def test_fab_version_is_the_one_the_replacements_follow():
    assert flask_appbuilder.__version__ == COPIED_FROM


@pytest.mark.parametrize("owner,name", list(PINS), ids=lambda v: getattr(v, "__name__", v))
def test_replaced_fab_method_is_unchanged(owner, name):
    source = inspect.getsource(getattr(owner, name))
    assert hashlib.sha256(source.encode()).hexdigest() == PINS[(owner, name)], (
        "FAB's %s.%s changed since %s: compare it with the add-on's replacement, then update the pin"
        % (owner.__name__, name, COPIED_FROM)
    )
