import math

import pytest

from dashboards import ui


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(None, "–"), (math.nan, "–"), (45, "45 min"), (89.4, "89 min"), (90, "1.5 h"),
     (47 * 60, "47.0 h"), (3 * 1440, "3.0 d")],
)  # fmt: skip
def test_duration_reads_like_a_manager_would_say_it(minutes, shown):
    assert ui.duration(minutes) == shown


def test_exclusion_codes_in_words_even_when_new():
    assert ui.excluded_reason(None) == "counted"
    assert ui.excluded_reason("draft") == "draft"
    assert ui.excluded_reason("some_new_rule") == "some new rule"
