"""ID numbers (GB 11643), phones and money, as the forms and the API check them."""
from decimal import Decimal

import pytest

from villageaid.validators import Invalid, birth_date_of, check_id_number, check_money, check_phone

VALID_ID = "530428198001010015"


def with_check_digit(first17):
    """The GB 11643 check digit, computed here from the standard's weights."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def test_a_valid_id_number_is_kept():
    assert check_id_number(VALID_ID) == VALID_ID
    assert check_id_number(" 530428198001010015 ") == VALID_ID
    assert birth_date_of(VALID_ID).isoformat() == "1980-01-01"


def test_a_lowercase_x_is_stored_as_capital(context):
    number = with_check_digit("11010519491231002")
    assert number.endswith("X")
    assert check_id_number(number.lower()) == number


def test_an_area_code_that_no_longer_exists_is_accepted():
    # 4209xx: a prefecture code abolished long ago; still a real person's number
    number = with_check_digit("42090019700101001")
    assert check_id_number(number) == number


@pytest.mark.parametrize("value, message", [
    ("53042819800101001", "18 characters"),
    ("5304281980010100155", "18 characters"),
    ("53042819800101001A", "17 digits followed by a digit or X"),
    ("530428198002300015", "does not exist"),  # 30 February
    ("530428180001010015", "not plausible"),  # born 1800
    ("530428198001010016", "check digit"),
    ("", "18 characters"),
    (None, "18 characters"),
])
def test_bad_id_numbers_say_why(context, value, message):
    with pytest.raises(Invalid) as info:
        check_id_number(value)
    assert message in str(info.value)


def test_a_birth_date_in_the_future_is_refused(context):
    with pytest.raises(Invalid, match="not plausible"):
        check_id_number(with_check_digit("53042821000101001"))


@pytest.mark.parametrize("value, stored", [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("0871-65123456", "0871-65123456"),
    ("087165123456", "0871-65123456"),
    ("010 12345678", "010-12345678"),
])
def test_phones_are_stored_as_people_write_them(value, stored):
    assert check_phone(value) == stored


@pytest.mark.parametrize("value", ["1381234567", "65123456", "+1 202 555 0143", "电话", "", "12345678901"])
def test_bad_phones_are_refused(context, value):
    with pytest.raises(Invalid):
        check_phone(value)


@pytest.mark.parametrize("value, amount", [
    ("12.34", Decimal("12.34")),
    ("0", Decimal("0")),
    (Decimal("0.10"), Decimal("0.10")),
    ("9999999999.99", Decimal("9999999999.99")),
    ("0.03505", Decimal("0.03505")),  # 350.50 yuan
    ("9999999999.999999", Decimal("9999999999.999999")),
    (None, None),
])
def test_money_is_exact(value, amount):
    assert check_money(value) == amount


@pytest.mark.parametrize("value, message", [
    ("-0.01", "negative"),
    ("1.0000005", "six decimals"),  # never rounded
    ("10000000000", "too large"),
])
def test_bad_money_says_why(context, value, message):
    with pytest.raises(Invalid, match=message):
        check_money(value)
