"""tui.format writes amounts in a column and counts without Babel (its locale data would
delay the first paint): they must read exactly as Babel writes them, in every language."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from engine.i18n import set_language
from tui import format as fmt


@pytest.fixture(params=sorted(fmt.LOCALES))
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    set_language(request.param)
    yield fmt.LOCALES[request.param]
    set_language("en")


AMOUNTS = [
    "0",
    "0.00",
    "-0.00",
    "0.5",
    "1.005",
    "1.015",
    "12.34",
    "-12.34",
    "999.99",
    "1000",
    "1234.56",
    "-1234.56",
    "1234567.891",
    "-98765432109.99",
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_an_amount_in_a_column_reads_as_babel_writes_it(language: str, text: str) -> None:
    expected = format_decimal(Decimal(text), format="#,##0.00", locale=language)
    assert fmt.amount(Decimal(text)) == expected
    assert fmt.amount(text) == expected  # as a string, as a column may hold it


@pytest.mark.parametrize("value", [0, 7, -7, 999, 1000, -1000, 12500, 100000, 123456789])
def test_a_count_reads_as_babel_writes_it(language: str, value: int) -> None:
    assert fmt.number(value) == format_decimal(value, format="#,##0", locale=language)


@given(cents=st.integers(min_value=-(10**15), max_value=10**15))
def test_any_amount_in_cents_reads_as_babel_writes_it(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    for code, locale in fmt.LOCALES.items():
        set_language(code)
        try:
            assert fmt.amount(amount) == format_decimal(amount, format="#,##0.00", locale=locale)
        finally:
            set_language("en")
