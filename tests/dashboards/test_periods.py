import datetime as dt

import pytest

from dashboards.periods import Period, preset_period

AS_OF = dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("Last 7 days", dt.date(2026, 3, 25), AS_OF),
        ("Last 30 days", dt.date(2026, 3, 2), AS_OF),
        ("Last 90 days", dt.date(2026, 1, 1), AS_OF),
        ("This month", dt.date(2026, 3, 1), AS_OF),
        ("Last month", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ],
)
def test_presets_count_back_from_the_as_of_date(preset, start, end):
    assert preset_period(preset, AS_OF) == Period(start, end)


def test_last_month_in_january_is_december():
    assert preset_period("Last month", dt.date(2026, 1, 15)) == Period(
        dt.date(2025, 12, 1), dt.date(2025, 12, 31)
    )


def test_previous_period_has_equal_length_and_ends_the_day_before():
    period = Period(dt.date(2026, 3, 25), dt.date(2026, 3, 31))
    assert period.previous() == Period(dt.date(2026, 3, 18), dt.date(2026, 3, 24))
    february = Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert february.previous() == Period(dt.date(2026, 1, 4), dt.date(2026, 1, 31))
