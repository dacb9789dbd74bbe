"""Field checks shared by web forms and the REST API.

Each `check_*` function takes a value and returns the normalised value or
raises `Invalid` with a message in the user's language. `FieldCheck` adapts
one to a WTForms validator; the API uses the functions directly.
"""
import datetime
import decimal
import re
import unicodedata

import phonenumbers
from flask_babel import gettext as _, lazy_gettext as _l
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError
from wtforms.validators import StopValidation

from .models import utcnow


class Invalid(ValueError):
    """A value a person entered is not acceptable; the message says why."""


def check_id_number(value):
    """GB 11643 citizen ID number: 18 characters, checksum, real birth date.

    Compatibility forms are normalised first (NFKC: fullwidth ５３０４ and
    superscript digits, ideographic spaces) and spaces dropped, then only the ASCII digits and
    X may remain; other scripts' digits (٥٣٠, ५३०) are refused, so that the
    stored value, and the uniqueness check on it, is always plain ASCII.
    A lowercase x is accepted and stored as X. The area code is not checked
    against today's list: numbers issued under a code that no longer exists
    are still real people's numbers.
    """
    number = "".join(ric.compact(unicodedata.normalize("NFKC", str(value or ""))).split())
    if not number.isascii():
        raise Invalid(_("An ID number may contain only the digits 0–9 and a final X."))
    if len(number) != 18:
        raise Invalid(_("An ID number has 18 characters."))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise Invalid(_("An ID number has 17 digits followed by a digit or X."))
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise Invalid(_("The birth date in this ID number does not exist."))
    if birth < datetime.date(1900, 1, 1) or birth > utcnow().date():
        raise Invalid(_("The birth date in this ID number is not plausible."))
    if number[17] != ric.calc_check_digit(number):
        raise Invalid(_("The check digit of this ID number is wrong; please check for a typing error."))
    return number


def birth_date_of(id_number):
    """The birth date in a (checked) ID number."""
    return ric.get_birth_date(id_number)


def gender_of(id_number):
    """The gender code in a (checked) ID number: the 17th digit is odd for a man."""
    return "male" if int(id_number[16]) % 2 else "female"


def check_phone(value):
    """A Chinese mobile or landline number (with area code); returned in the
    form people write it: 13812345678 or 0871-65123456."""
    text = (value or "").strip()
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise Invalid(_("Not a phone number."))
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise Invalid(_("Not a valid Chinese mobile or landline number (landlines need the area code)."))
    parts = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).split()
    if parts[0].startswith("0"):  # landline: area code, then the local number
        return parts[0] + "-" + "".join(parts[1:])
    return "".join(parts)


def check_not_future(value):
    if value and value > utcnow().date():
        raise Invalid(_("The date cannot be in the future."))
    return value


def check_year(value):
    if value is None:
        return value
    if not 1949 <= int(value) <= utcnow().year:
        raise Invalid(_("The year must be between 1949 and this year."))
    return value


def check_non_negative(value):
    if value is not None and value < 0:
        raise Invalid(_("The value cannot be negative."))
    return value


def check_positive(value):
    if value is not None and value <= 0:
        raise Invalid(_("The value must be greater than zero."))
    return value


LARGEST_AMOUNT = decimal.Decimal("10000000000")  # 万元; far inside the column's range


def check_money(value):
    """An amount in 万元: a finite number, not negative, below
    LARGEST_AMOUNT, exact to the fen: at most six decimals (never rounded
    nor cut). Accepts
    text, a Decimal, an int or a float (JSON numbers: by their shortest
    decimal form, so 0.1 is 0.10, not 0.1000000000000000055…)."""
    if value is None:
        return value
    if isinstance(value, bool):
        raise Invalid(_("Not a valid amount."))
    try:
        amount = decimal.Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        raise Invalid(_("Not a valid amount."))
    if not amount.is_finite():
        raise Invalid(_("Not a valid amount."))
    if amount < 0:
        raise Invalid(_("The amount cannot be negative."))
    if amount >= LARGEST_AMOUNT:
        raise Invalid(_("The amount is too large."))
    if amount.as_tuple().exponent < -6 and amount != amount.quantize(decimal.Decimal("0.000001")):
        raise Invalid(_("The amount is exact to the fen: at most six decimals of 10k yuan."))
    two = amount.quantize(decimal.Decimal("0.01"))
    return two if two == amount else amount.quantize(decimal.Decimal("0.000001"))


def money_text_of(value):
    """An amount in 万元 as text: two decimals, or six when it needs them."""
    amount = decimal.Decimal(value)
    two = amount.quantize(decimal.Decimal("0.01"))
    return "%s" % (two if two == amount else amount.quantize(decimal.Decimal("0.000001")))


class FieldCheck:
    """WTForms validator running a check_* function; the field keeps the
    normalised value. Empty optional values are left to Optional/DataRequired."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            field.data = self.check(field.data)
        except Invalid as exc:
            raise StopValidation(str(exc))


REQUIRED_MESSAGE = _l("This field is required.")
