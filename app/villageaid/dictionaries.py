"""Dictionaries (字典管理): the code lists the office extends — posts of
cadres, unit categories, candidate backgrounds, kinds of follow-up record
(choices.Dictionary) — merged from their seed in choices.py and the
office's entries in the database.

The entries are read once per request, along with the user's scope
(preload.py), and merged once per request and language, so lists and
exports label every row without a further statement. Every change goes
through the one write path (change history). A code never changes; a code
records use cannot be deleted, and a seed code is deactivated rather than
deleted.
"""
import re

from flask import current_app, g, has_app_context
from flask_babel import force_locale, get_locale, gettext as _
from sqlalchemy import func, select

from . import preload
from .choices import DICTIONARIES, _SOURCE, Union

KEY = "dictionaries"
CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
DEFAULT_STEP = 10  # a seed entry's place: 10, 20, ...; an added one's: after them


def _columns():
    from .models import DictionaryEntry as E

    return [E.kind, E.code, E.label_zh, E.label_en, E.sort_order, E.active]


def _load(rows):
    """{kind: {code: (label_zh, label_en, sort_order, active)}}"""
    found = {}
    for kind, code, zh, en, order, active, *_rest in rows:
        # along with the scope statement every column comes as text (preload.py)
        order = None if order is None else int(order)
        active = active in (True, 1, "1", "true", "t", "True")
        found.setdefault(kind, {})[code] = (zh, en, order, active)
    return found


def register_preload(model):
    preload.register(KEY, model, _columns, _load)


def _language():
    try:
        return str(get_locale() or "zh")[:2]
    except Exception:  # outside a request
        return "zh"


def entries(dictionary):
    """[(code, label, active, seeded, entry or None)] in the order forms
    offer them, in the user's language."""
    stored = preload.value(KEY).get(dictionary.kind, {}) if has_app_context() else {}
    chinese = _language() == "zh"
    rows = []
    for place, (code, seed_label) in enumerate(dictionary.seed):
        own = stored.get(code)
        rows.append(_entry(code, seed_label, own, (place + 1) * DEFAULT_STEP, chinese, True))
    seeded = {code for code, _label in dictionary.seed}
    extra = (len(dictionary.seed) + 1) * DEFAULT_STEP
    for code, own in stored.items():
        if code not in seeded:
            rows.append(_entry(code, None, own, extra, chinese, False))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[1:] for r in rows]


def _entry(code, seed_label, own, place, chinese, seeded):
    zh, en, order, active = own if own is not None else (None, None, None, True)
    label = (zh if chinese else en) or (str(seed_label) if seed_label is not None else None) or zh or en or code
    return (place if order is None else order, code, label, active, seeded, own)


def _current(dictionary):
    """(pairs, {code: label}, active pairs) of this request and language."""
    if not has_app_context():
        return dictionary.seed, dict(dictionary.seed), dictionary.seed
    key = "_va_dictionary_%s_%s" % (dictionary.kind, _language())
    cached = g.get(key)
    if cached is None:
        listed = entries(dictionary)
        cached = ([(code, label) for code, label, _a, _s, _o in listed],
                  {code: label for code, label, _a, _s, _o in listed},
                  [(code, label) for code, label, active, _s, _o in listed if active])
        setattr(g, key, cached)
    return cached


_SOURCE[:] = [_current]


def forget():
    preload.forget(KEY)
    if has_app_context():
        for name in [n for n in g if n.startswith("_va_dictionary_")]:
            g.pop(name, None)


def columns_using(dictionary):
    """The table columns whose codes come from `dictionary`."""
    from flask_appbuilder import Model

    found = []
    for table in Model.metadata.tables.values():
        for column in table.columns:
            options = column.info.get("choices")
            if options is dictionary or (isinstance(options, Union) and dictionary in options.parts):
                found.append(column)
    return found


def usage(dictionary, code, session=None):
    """How many records (the recycle bin's too) use `code`."""
    session = session or current_app.appbuilder.session
    return sum(session.scalar(select(func.count()).select_from(c.table).where(c == code)) or 0
               for c in columns_using(dictionary))


def code_for(dictionary, text):
    """The code of a label (in either language) or of a code itself, else
    None: what an import maps a cell back with."""
    text = (text or "").strip()
    if text in dictionary:
        return text
    stored = preload.value(KEY).get(dictionary.kind, {}) if has_app_context() else {}
    for code, seed_label in dictionary.seed:
        zh, en, _o, _a = stored.get(code, (None, None, None, True))
        if text in (zh, en) or text in _in_both_languages(seed_label):
            return code
    for code, (zh, en, _o, _a) in stored.items():
        if text in (zh, en):
            return code
    return None


def _in_both_languages(label):
    if not has_app_context():
        return {str(label)}
    found = set()
    for language in ("zh", "en"):
        with force_locale(language):
            found.add(str(label))
    return found


def _row(kind, code, session=None):
    from .models import DictionaryEntry

    session = session or current_app.appbuilder.session
    return session.execute(select(DictionaryEntry).where(DictionaryEntry.kind == kind,
                                                         DictionaryEntry.code == code)).scalar_one_or_none()


def row_versions(dictionary):
    """{code: row version} of the office's entries in `dictionary`."""
    from .models import DictionaryEntry as E

    session = current_app.appbuilder.session
    return dict(session.execute(select(E.code, E.row_version).where(E.kind == dictionary.kind)).all())


def parse(form, adding):
    """(values, errors) of the entry form: code (when adding), labels, order, active."""
    errors, values = {}, {}
    if adding:
        values["code"] = (form.get("code") or "").strip()
        if not CODE.match(values["code"]):
            errors["code"] = _("A code is 1 to 30 lowercase letters, digits or underscores, starting with a letter.")
    for field in ("label_zh", "label_en"):
        values[field] = (form.get(field) or "").strip() or None
        if values[field] and len(values[field]) > 100:
            errors[field] = _("At most %(n)d characters.", n=100)
    if adding and not values["label_zh"]:
        errors["label_zh"] = _("A new entry needs a Chinese label.")
    order = (form.get("sort_order") or "").strip()
    values["sort_order"] = None
    if order:
        if order.isdigit() and order.isascii() and int(order) <= 9999:
            values["sort_order"] = int(order)
        else:
            errors["sort_order"] = _("Enter a whole number from 0 to %(max)d.", max=9999)
    values["active"] = form.get("active") in ("y", "on") if not adding else True
    return values, errors


def save(dictionary, code, values, viewer, *, version, path="web"):
    """Add an entry (`code` None: values carry it) or change one."""
    from . import writes
    from .models import DictionaryEntry

    adding = code is None
    code = values["code"] if adding else code
    known = code in dictionary
    if adding and known:
        raise writes.Refused({"code": _("This code is already in the list.")})
    if not adding and not known:
        raise writes.Refused({writes.WHOLE_RECORD: _("Not a valid choice.")})
    item = _row(dictionary.kind, code)
    if item is None:
        if version not in (None, ""):
            raise writes.Stale()
        item, before, version = DictionaryEntry(kind=dictionary.kind, code=code), None, None
    else:
        before = writes.snapshot(item)
    item.label_zh, item.label_en, item.sort_order = values["label_zh"], values["label_en"], values["sort_order"]
    item.active = values["active"]
    try:
        writes.save_all([(item, before, version)], viewer, path=path)
    finally:
        forget()
    return item


def delete(dictionary, code, viewer, *, version, path="web"):
    """Delete an added code no record uses. Refused, with the reason, for a
    code in use (how many records) and for a seed code (deactivate it)."""
    from . import writes

    if code not in dictionary:
        raise writes.Refused({writes.WHOLE_RECORD: _("Not a valid choice.")})
    used = usage(dictionary, code)
    if used:
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "“%(label)s” is used by %(n)d record(s) and cannot be deleted; deactivate it instead.",
            label=dictionary.label(code), n=used)})
    if code in dict(dictionary.seed):
        raise writes.Refused({writes.WHOLE_RECORD: _(
            "“%(label)s” belongs to the standard list and cannot be deleted; deactivate it instead.",
            label=dictionary.label(code))})
    item = _row(dictionary.kind, code)
    if item is None or str(version) != str(item.row_version):
        raise writes.Stale(item)
    try:
        writes.delete_all([item], viewer, path=path)
    finally:
        forget()


def all_dictionaries():
    return DICTIONARIES
