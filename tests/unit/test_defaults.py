"""The add-on's defaults (defaults.py) fill in what a host did not set."""
from datetime import date

from villageaid import defaults


def test_every_setting_the_add_on_reads_has_a_default():
    import pathlib
    import re

    source = pathlib.Path(defaults.__file__).parent
    read = set()
    for path in source.rglob("*.py"):
        read |= set(re.findall(r"(?:config(?:\[|\.get\()|settings\.get\()\s*[\"'](VILLAGEAID_\w+)",
                               path.read_text(encoding="utf-8")))
    for path in source.rglob("*.html"):
        read |= set(re.findall(r"config\.(VILLAGEAID_\w+)|va_setting\([\"'](VILLAGEAID_\w+)", path.read_text(encoding="utf-8")))
    read = {name for found in read for name in (found if isinstance(found, tuple) else (found,)) if name}
    assert read and read <= set(defaults.settings())


def test_every_office_parameter_has_a_default_a_kind_and_a_label():
    from villageaid.settingkinds import KINDS, kind_of

    assert defaults.OFFICE
    for name, meta in defaults.OFFICE.items():
        assert name in defaults.settings() and meta["kind"] in KINDS and str(meta["label"])
        kind = kind_of(meta)
        value = getattr(defaults, name)
        assert kind.load(kind.dump(value)) == value  # kept in the database and read back as it was


def test_a_host_setting_wins():
    config = {"VILLAGEAID_RESERVE_TARGET": 5}
    filled = defaults.apply(config)
    assert config["VILLAGEAID_RESERVE_TARGET"] == 5 and "VILLAGEAID_RESERVE_TARGET" not in filled
    assert config["VILLAGEAID_RESERVE_TARGET_BOTH"] == 1
    assert config["VILLAGEAID_NEW_CADRE_SINCE"] == date(2020, 1, 1)


def test_defaults_are_copies():
    first, second = {}, {}
    defaults.apply(first)
    first["VILLAGEAID_ELIGIBILITY"]["both"]["max_age"] = 99
    defaults.apply(second)
    assert second["VILLAGEAID_ELIGIBILITY"]["both"]["max_age"] == 50 == defaults.VILLAGEAID_ELIGIBILITY["both"]["max_age"]
