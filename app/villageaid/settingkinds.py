"""Kinds of office parameters (参数设置): how each is kept in the database
(JSON), read back, shown, put in a form and checked when the office edits it.

A kind's `parse(form)` takes the posted form (a MultiDict) and returns
(value, errors): errors as {field: translated message}, value None when
there are errors. Fields are named `value`, except the eligibility rules,
one field per target post and rule (`<post>-<rule>`).
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from .choices import EDUCATION, TARGET_POSTS

MAX_INT = 2**31 - 1


class Kind:
    name = "text"

    def __init__(self, meta):
        self.meta = meta

    def dump(self, value):
        """The value as JSON."""
        return value

    def load(self, raw):
        """The value from JSON (raises ValueError or TypeError on a bad one)."""
        return raw

    def show(self, value):
        """The value as a person reads it."""
        if value is None:
            return ""
        return str(value)

    def form_value(self, value):
        """What the edit form's field holds for `value`."""
        return self.show(value)

    def parse(self, form):
        return (form.get("value") or "").strip(), {}


class Text(Kind):
    name = "text"

    def load(self, raw):
        if not isinstance(raw, str):
            raise TypeError(raw)
        return raw

    def parse(self, form):
        text = (form.get("value") or "").strip()
        if len(text) > 200:
            return None, {"value": _("At most %(n)d characters.", n=200)}
        return text, {}


def _whole(text, maximum=MAX_INT):
    """A whole number 0..maximum from text, else None."""
    text = (text or "").strip()
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if number <= maximum else None


class Int(Kind):
    name = "int"

    def load(self, raw):
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(raw)
        return raw

    def parse(self, form):
        maximum = self.meta.get("maximum", MAX_INT)
        number = _whole(form.get("value"), maximum)
        if number is None:
            return None, {"value": _("Enter a whole number from 0 to %(max)d.", max=maximum)}
        return number, {}


class DecimalKind(Kind):
    name = "decimal"

    def dump(self, value):
        return str(value)

    def load(self, raw):
        value = Decimal(str(raw))
        if not value.is_finite() or value < 0:
            raise ValueError(raw)
        return value

    def parse(self, form):
        places = self.meta.get("places", 2)
        text = (form.get("value") or "").strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if (value is None or not value.is_finite() or value < 0 or value >= 10**10
                or value.as_tuple().exponent < -places):
            return None, {"value": _("Enter a number of at least 0 with at most %(places)d decimals.",
                                     places=places)}
        return value, {}


def _date(text):
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


class Date(Kind):
    name = "date"

    def dump(self, value):
        return value.isoformat()

    def load(self, raw):
        return date.fromisoformat(raw)

    def show(self, value):
        return value.isoformat() if value else ""

    def parse(self, form):
        day = _date(form.get("value"))
        if day is None or not 1949 <= day.year <= 2100:
            return None, {"value": _("Enter a date as YYYY-MM-DD.")}
        return day, {}


class OptionalDate(Date):
    name = "optional_date"

    def dump(self, value):
        return None if value is None else value.isoformat()

    def load(self, raw):
        return None if raw is None else date.fromisoformat(raw)

    def show(self, value):
        return value.isoformat() if value else _("today")

    def form_value(self, value):
        return value.isoformat() if value else ""

    def parse(self, form):
        if not (form.get("value") or "").strip():
            return None, {}
        return super().parse(form)


class Years(Kind):
    name = "years"

    def load(self, raw):
        if not isinstance(raw, list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in raw):
            raise TypeError(raw)
        return raw

    def show(self, value):
        return ", ".join(str(y) for y in value or [])

    def parse(self, form):
        text = (form.get("value") or "").replace("，", ",").replace("、", ",")
        parts = [p.strip() for p in text.split(",") if p.strip()]
        years = [_whole(p, 2100) for p in parts]
        if not parts or any(y is None or y < 1949 for y in years):
            return None, {"value": _("Enter one or more years from 1949 to 2100, separated by commas.")}
        return sorted(set(years)), {}


class Bool(Kind):
    name = "bool"

    def load(self, raw):
        if not isinstance(raw, bool):
            raise TypeError(raw)
        return raw

    def show(self, value):
        return _("Yes") if value else _("No")

    def form_value(self, value):
        return value

    def parse(self, form):
        return form.get("value") in ("y", "on", "1", "true"), {}


class Choice(Kind):
    name = "choice"

    @property
    def choices(self):
        return self.meta["choices"]

    def load(self, raw):
        if raw not in self.choices:
            raise ValueError(raw)
        return raw

    def show(self, value):
        return self.choices.label(value)

    def form_value(self, value):
        return value

    def parse(self, form):
        value = form.get("value")
        if value not in self.choices:
            return None, {"value": _("Not a valid choice.")}
        return value, {}


# the rules of one target post, in the order the form shows them
ELIGIBILITY_RULES = ("max_age", "min_education", "party_member", "min_party_years")


class Eligibility(Kind):
    name = "eligibility"
    posts = TARGET_POSTS
    educations = EDUCATION

    def load(self, raw):
        if not isinstance(raw, dict):
            raise TypeError(raw)
        for post, rules in raw.items():
            if post not in TARGET_POSTS or not isinstance(rules, dict):
                raise ValueError(post)
        return raw

    def show(self, value):
        parts = []
        for post, label in TARGET_POSTS:
            rules = (value or {}).get(post)
            if rules is None:
                continue
            text = [_("age ≤ %(n)s", n=rules.get("max_age"))] if rules.get("max_age") is not None else []
            if rules.get("min_education"):
                text.append(_("education ≥ %(level)s", level=EDUCATION.label(rules["min_education"])))
            if rules.get("party_member"):
                text.append(_("party member ≥ %(n)s year(s)", n=rules.get("min_party_years") or 0))
            parts.append("%s: %s" % (label, ", ".join(text) or _("no rule")))
        return "; ".join(parts)

    def form_value(self, value):
        return value or {}

    def parse(self, form):
        value, errors = {}, {}
        for post, _label in TARGET_POSTS:
            field = "%s-%%s" % post
            max_age = (form.get(field % "max_age") or "").strip()
            rules = {"max_age": None, "min_education": None,
                     "party_member": form.get(field % "party_member") in ("y", "on"),
                     "min_party_years": 0}
            if max_age:
                rules["max_age"] = _whole(max_age, 150)
                if rules["max_age"] is None:
                    errors[field % "max_age"] = _("Enter a whole number from 0 to %(max)d.", max=150)
            education = form.get(field % "min_education") or ""
            if education:
                if education not in EDUCATION:
                    errors[field % "min_education"] = _("Not a valid choice.")
                rules["min_education"] = education
            years = (form.get(field % "min_party_years") or "0").strip()
            rules["min_party_years"] = _whole(years, 100)
            if rules["min_party_years"] is None:
                errors[field % "min_party_years"] = _("Enter a whole number from 0 to %(max)d.", max=100)
            value[post] = rules
        return (None, errors) if errors else (value, {})


KINDS = {k.name: k for k in (Text, Int, DecimalKind, Date, OptionalDate, Years, Bool, Choice, Eligibility)}


def kind_of(meta):
    return KINDS[meta["kind"]](meta)
