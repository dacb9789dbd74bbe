"""Masking of personal data (personal.py): what a role without
can_view_personal_data sees, in Python and in SQL alike."""
from datetime import date

import pytest
from sqlalchemy import create_engine, literal, select

from villageaid.personal import PersonalMask, mask_birth_date, mask_id_number, mask_phone


def test_id_numbers_keep_area_and_last_four():
    assert mask_id_number("530428198001010015") == "530428********0015"
    assert mask_id_number("53042819800101") == "********"  # not 18 characters: nothing shown


def test_phones_keep_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0871-65123456") == "087****3456"
    assert mask_phone("1234567") == "********"


def test_birth_dates_keep_the_year():
    assert mask_birth_date(date(1990, 3, 3)) == "1990-**-**"


def test_outside_a_request_nobody_may_see_personal_data():
    assert PersonalMask("id_number")("530428198001010015") == "530428********0015"
    assert PersonalMask("phone")("") == "" and PersonalMask("phone")(None) is None


@pytest.mark.parametrize("column, value", [
    ("id_number", "530428198001010015"), ("id_number", "123"), ("phone", "13812345678"),
    ("phone", "0871-65123456"), ("phone", "1234"), ("birth_date", "1990-03-03"),
])
def test_the_sql_mask_equals_the_python_mask(column, value):
    """Exports mask in SQL: the same text as the screens."""
    mask = PersonalMask(column)
    with create_engine("sqlite://").connect() as conn:
        in_sql = conn.scalar(select(mask.sql(literal(value))))
    assert in_sql == mask.mask(value)
