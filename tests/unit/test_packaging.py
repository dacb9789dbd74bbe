"""The wheel carries every subpackage and every template of the add-on
(a module or a template missing from pyproject.toml is missing from an
installed host, and only scripts/check-install would notice)."""
import fnmatch
import os
import tomllib

import pytest

pytestmark = pytest.mark.unit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(ROOT, "app", "villageaid")


def config():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]


def test_every_subpackage_is_packaged():
    found = set()
    for folder, _dirs, files in os.walk(SOURCE):
        if "__init__.py" in files:
            rel = os.path.relpath(folder, SOURCE)
            found.add(".".join(["villageaid"] + ([] if rel == "." else rel.split(os.sep))))
    assert found == set(config()["packages"])


def test_every_template_and_static_file_is_package_data():
    patterns = config()["package-data"]["villageaid"]
    for sub in ("templates", "static"):
        for folder, _dirs, files in os.walk(os.path.join(SOURCE, sub)):
            for name in files:
                path = os.path.relpath(os.path.join(folder, name), SOURCE).replace(os.sep, "/")
                assert any(fnmatch.fnmatchcase(path, p) and path.count("/") == p.count("/") for p in patterns), path
