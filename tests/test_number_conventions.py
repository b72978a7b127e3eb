"""Numbers as text: one convention per column, and "1.500" never read 1000x off.

"1.500" is 1500 in a German export (dots group thousands) and 1.5 in an English
one with three decimals. A value that can be read one way only ("2,50",
"1.234,50", "12.50", "0.500") settles the column; a column in which nothing
settles it is refused, naming the column, a value and its row, and the option
that settles it (``decimal=``, ``--decimal``).
"""

from __future__ import annotations

import ast
import math
import re
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.errors import ParameterError, SchemaError
from segkit.transactions import number_convention, parse_numbers

TWO_WAYS = (
    "column 'Betrag' has numbers that read two ways: '1.500' at index 0 is 1500 if dots "
    "group thousands and 1.5 if a dot is the decimal point, and no value settles which "
    "(such as '2,50', '1.234,50', '12.50' or '0.500'); pass decimal=',' (German style, "
    "1.500 = 1500) or decimal='.' (1.500 = 1.5)"
)


def read(values: list[object], **options: object) -> list[float]:
    out = parse_numbers(pd.Series(values, dtype=object, name="Betrag"), **options).tolist()
    return [None if isinstance(v, float) and math.isnan(v) else v for v in out]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1.500", "2,50"], [1500.0, 2.5]),  # "2,50" settles it: German
        (["1.500", "12.25"], [1.5, 12.25]),  # "12.25" settles it: English
        (["1.500", "0.500"], [1.5, 0.5]),  # nobody writes 500 as "0.500"
        (["1.500", "1234.500"], [1.5, 1234.5]),  # nor 1234500 as "1234.500"
        (["0,500", "1,500"], [0.5, 1.5]),  # the same for the comma
        (["1.234.567", "1,5"], [1234567.0, 1.5]),
        (["-1.500", "(2.000)", "€ 3,10"], [-1500.0, -2000.0, 3.1]),
        (["1.234,56", "7"], [1234.56, 7.0]),
        (["1,234.50", "1.5E3", "(12.50)"], [1234.5, 1500.0, -12.5]),
        (["1.500E3", "7"], [1500.0, 7.0]),  # an exponent: the dot is a decimal point
        (["¥12,800", "300"], [12800.0, 300.0]),  # a comma and three digits group them
        (["1 500", "250"], [1500.0, 250.0]),  # spaces group, and settle nothing
        (["250", "12", None], [250.0, 12.0, None]),  # no separator: nothing to settle
    ],
)
def test_the_column_settles_the_convention(values, expected):
    assert read(values) == expected


@pytest.mark.parametrize(
    ("values", "decimal", "expected"),
    [
        (["1.500", "250", "2.000"], ",", [1500.0, 250.0, 2000.0]),
        (["1.500", "250", "2.000"], ".", [1.5, 250.0, 2.0]),
        (["1.234.567", "1,5", "1,234"], ",", [1234567.0, 1.5, 1.234]),
        (["1,500", "1,234.5", "0.990"], ".", [1500.0, 1234.5, 0.99]),
        # a value written the other way is no number (the readers then name its row)
        (["1.500", "12.50", "1.2.3"], ",", [1500.0, None, None]),
        (["1.500", "12,50"], ".", [1.5, None]),
        ([12.5, Decimal("3.25"), "1.500"], ",", [12.5, 3.25, 1500.0]),
    ],
)
def test_decimal_states_the_convention(values, decimal, expected):
    assert read(values, decimal=decimal) == expected


def test_the_defect_from_the_user_trial_is_refused():
    # whole euros with a German thousands separator: [1.5, 250, 2.0] before, silently
    with pytest.raises(SchemaError) as info:
        read(["1.500", "250", "2.000"])
    assert str(info.value) == TWO_WAYS


@pytest.mark.parametrize(
    ("values", "index", "shown"),
    [
        (["250", "£2.000", "3.000"], ["a", "b", "c"], "'£2.000' at index 'b' is 2000"),
        (["7", "12.000"], [10, 20], ("'12.000' at index 20 is 12000 if dots group "
         "thousands and 12.0 if a dot is the decimal point")),
        (["0.990", "1.250"], None, None),  # settled by "0.990": English, read below
    ],
)  # fmt: skip
def test_the_message_names_column_value_and_row(values, index, shown):
    series = pd.Series(values, index=index, name="Preis")
    before = series.copy()
    if shown is None:
        assert parse_numbers(series).tolist() == [0.99, 1.25]
    else:
        with pytest.raises(
            SchemaError, match=r"^column 'Preis' has numbers that read two ways: "
        ) as info:
            parse_numbers(series)
        assert shown in str(info.value)
        assert "pass decimal=','" in str(info.value)
    pd.testing.assert_series_equal(series, before)


def test_the_convention_alone():
    assert number_convention(pd.Series(["1.500", "2,50"])) == ","
    assert number_convention(pd.Series(["1,500"])) == "."
    assert number_convention(pd.Series([1.5, 2.0])) == "."
    assert number_convention(pd.Series(["1.500"]), decimal=",") == ","
    with pytest.raises(SchemaError, match="read two ways"):
        number_convention(pd.Series(["1.500"], name="Betrag"))


@pytest.mark.parametrize("decimal", [";", "comma", "", 1])
def test_decimal_is_a_point_or_a_comma(decimal):
    message = f"decimal must be '.' or ',' (the decimal separator; the other one groups digits), not {decimal!r}"
    with pytest.raises(ParameterError) as info:
        parse_numbers(pd.Series([1.0]), decimal=decimal)
    assert str(info.value) == message


# --------------------------------------------------------------------------- #
# Properties: amounts written either way come back exactly, or are refused
# --------------------------------------------------------------------------- #
def written(value: Decimal, places: int, comma: bool, groups: bool) -> str:
    text = f"{value:,.{places}f}" if groups else f"{value:.{places}f}"
    return text.translate(str.maketrans(",.", ".,")) if comma else text


#: (cents of 1/1000, how many decimals the shop writes); up to 10 million
AMOUNTS = st.tuples(st.integers(-(10**10), 10**10), st.sampled_from([0, 2, 3]))


def amounts_in(column: list[tuple[int, int]]) -> tuple[list[Decimal], list[int]]:
    values = [Decimal(k).scaleb(-3).quantize(Decimal(1).scaleb(-d)) for k, d in column]
    return values, [d for _, d in column]


@settings(max_examples=300, deadline=None)
@given(column=st.lists(AMOUNTS, min_size=1, max_size=8), comma=st.booleans(), groups=st.booleans())
def test_stated_convention_reads_every_amount_back(column, comma, groups):
    values, places = amounts_in(column)
    text = pd.Series([written(v, d, comma, groups) for v, d in zip(values, places, strict=True)])
    before = text.copy()
    out = parse_numbers(text, decimal="," if comma else ".")
    assert out.tolist() == [float(v) for v in values]
    pd.testing.assert_series_equal(text, before)


@settings(max_examples=300, deadline=None)
@given(
    column=st.lists(AMOUNTS, min_size=1, max_size=8),
    comma=st.booleans(),
    groups=st.booleans(),
)
def test_unstated_convention_reads_right_or_refuses(column, comma, groups):
    # German with three decimals and nothing else ("1,500" for 1.5) reads as digit
    # groups, as every yen and won amount is written: the documented exception.
    if comma:
        column = [(k, 2 if d == 3 else d) for k, d in column]
    values, places = amounts_in(column)
    text = pd.Series([written(v, d, comma, groups) for v, d in zip(values, places, strict=True)])
    try:
        out: list[float] | str = parse_numbers(text).tolist()
    except SchemaError as exc:
        out = str(exc)
    if isinstance(out, str):
        named = re.search(
            r"^the values have numbers that read two ways: (.+?) at index \d+ is ", out
        )
        assert named is not None, out
        value = ast.literal_eval(named.group(1))
        # only "1.500"-like values do: one dot, three digits after it
        assert re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", value), value
        assert value in text.tolist()
    else:
        assert out == [float(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1000, 999_999), min_size=1, max_size=6), st.integers(0, 5))
def test_a_column_of_one_dot_group_alone_is_always_refused(wholes, plain):
    texts = [str(p) for p in range(plain)] + [f"{w:,}".replace(",", ".") for w in wholes]
    with pytest.raises(SchemaError, match="read two ways"):
        parse_numbers(pd.Series(texts))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1000, 999_999_999), max_size=5),
    st.integers(1_000_000, 999_999_999),
    st.booleans(),
)
def test_two_dot_groups_settle_a_decimal_comma(wholes, millions, comma):
    # "1.000.000" can only group digits with its dots: 1.5 has one decimal point
    texts = [f"{w:,}".replace(",", ".") for w in [*wholes, millions]]
    assert parse_numbers(pd.Series(texts)).tolist() == [float(w) for w in [*wholes, millions]]
    # and so can "1,000,000" with its commas: an English column
    english = [f"{w:,}" for w in [*wholes, millions]]
    assert parse_numbers(pd.Series(english)).tolist() == [float(w) for w in [*wholes, millions]]
    with pytest.raises(SchemaError, match=r"^the values write numbers two ways"):
        parse_numbers(pd.Series([*(texts if comma else english), "2.5" if comma else "2,5"]))


def test_a_column_written_both_ways_names_decimal():
    with pytest.raises(SchemaError) as info:
        read(["1,234.50", "1.234,50"])
    assert str(info.value) == (
        "column 'Betrag' writes numbers two ways: with a decimal comma ('1.234,50') and with "
        "a decimal point ('1,234.50'); write them one way, or pass decimal=',' or "
        "decimal='.' to read the column one way (a value written the other way is then no "
        "number)"
    )
    assert read(["1,234.50", "1.234,50"], decimal=",") == [None, 1234.5]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1.000", "1.000.000"], [1000.0, 1000000.0]),  # "1.000.000": dots group digits
        (["1,000", "1,000,000", "0.500"], [1000.0, 1000000.0, 0.5]),
        (["1.500", "2.000.000,5"], [1500.0, 2000000.5]),
        (["1,500", "2,000,000.", "7"], [1500.0, 2000000.0, 7.0]),
    ],
)
def test_repeated_separators_settle_the_convention(values, expected):
    assert read(values) == expected


@pytest.mark.parametrize(
    ("values", "comma", "point"),
    [
        (["1,234,567", "2,5"], "2,5", "1,234,567"),  # [nan, 2.5] before, silently
        (["1.234.567", "12.50"], "1.234.567", "12.50"),
        (["3", "1.000.000,25", "1,000,000"], "1.000.000,25", "1,000,000"),
    ],
)
def test_repeated_separators_written_both_ways_are_refused(values, comma, point):
    with pytest.raises(SchemaError) as info:
        read(values)
    assert str(info.value).startswith(
        f"column 'Betrag' writes numbers two ways: with a decimal comma ({comma!r}) and with "
        f"a decimal point ({point!r}); "
    )


def test_the_messages_of_unnamed_values_say_the_values():
    with pytest.raises(SchemaError) as info:
        parse_numbers(pd.Series(["1.500", "250"]))
    assert str(info.value).startswith(
        "the values have numbers that read two ways: '1.500' at index 0 is 1500 if dots "
    )
    with pytest.raises(SchemaError) as info:
        number_convention(pd.Series(["1,50", "1.50"]))
    assert str(info.value).startswith(
        "the values write numbers two ways: with a decimal comma ('1,50') and with a decimal "
        "point ('1.50'); "
    )
    with pytest.raises(SchemaError, match=r"^column 'Preis' has numbers that read two ways"):
        parse_numbers(pd.Series(["1.500", "250"]), "Preis")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # French and German Excel money formats: a no-break space before the sign
        ("12,50\u00a0€", 12.5),
        ("€\u00a012.50", 12.5),
        ("CHF\u00a012.50", 12.5),
        ("1\u202f234,50\u00a0€", 1234.5),
        ("-12,50\u2009€", -12.5),
        ("(\u00a012,50\u00a0€\u00a0)", -12.5),
        ("\u00a0\u00a012,5\u00a0", 12.5),
        ("12,50\u3000円", 12.5),
    ],
)
def test_no_break_spaces_around_the_number(text, expected):
    assert read([text]) == [expected]
    assert read([text, "7"], decimal="," if "," in text else ".") == [expected, 7.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100 ₽", 100.0),
        ("₺100", 100.0),
        ("₫50000", 50000.0),
        ("₪10", 10.0),
        ("₱100", 100.0),
        ("฿100", 100.0),
        ("Rs. 1,200", 1200.0),
        ("Rs.1,200", 1200.0),
        ("S/ 100", 100.0),
        ("S/. 100", 100.0),
        ("100 руб.", 100.0),
        ("-100 руб.", -100.0),
        ("руб. -100", -100.0),
        ("(₹1,200.50)", -1200.5),
        ("₿0.25", 0.25),
        ("1.5E3", 1500.0),
        ("1.5E3 €", 1500.0),
        ("€1.5e-3", 0.0015),
        ("12e3", 12000.0),
        ("12 EUR", 12.0),
    ],
)
def test_currency_signs_and_words_of_any_script(text, expected):
    assert read([text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,50 zł", 12.5), ("12,50 Kč", 12.5), ("1.234,50 ₴", 1234.5), ("₾ 12,50", 12.5),
     ("12,50 лв.", 12.5), ("1.000.000 ₫", 1000000.0)],
)  # fmt: skip
def test_currency_words_with_a_decimal_comma(text, expected):
    assert read([text, "7"]) == [expected, 7.0]


def test_a_currency_word_with_a_dot_settles_nothing():
    # "руб." and "Rs." are words: their dots say nothing of the number
    assert read(["1.500 руб.", "2,50 руб."]) == [1500.0, 2.5]
    assert read(["Rs. 1,200", "Rs. 2,50"]) == [1.2, 2.5]
    with pytest.raises(SchemaError, match=r"read two ways: '1\.500 руб\.' at index 0"):
        read(["1.500 руб.", "250 руб."])
    # "1.500E3 €": an exponent, the dot is a decimal point and settles nothing either
    assert read(["1.500E3 €", "7 €"]) == [1500.0, 7.0]
    with pytest.raises(SchemaError, match=r"read two ways: '1\.000 €' at index 1 is 1000 "):
        read(["1.500E3 €", "1.000 €"])


@pytest.mark.parametrize(
    "text",
    ["E3", "e3", "12e", "12E", "1e", "€E3", "12 e", "e", "E", "12%", "#12", "12½", "²12", "x",
     "€", "EUR", "-", ".", "S/", "Rs.", "12_", "1,2,3", "12.5.5", "€-", "*12", "12?"],
)  # fmt: skip
def test_what_is_no_number_stays_no_number(text):
    assert read([text]) == [None]
