"""`timing.median_seconds` against a statement that runs and one that cannot."""

import pytest

from reading_group import timing


def test_median_seconds_times_a_statement_with_its_names():
    seconds = timing.median_seconds("sum(xs)", min_run_time=0.01, xs=list(range(100)))
    assert isinstance(seconds, float) and seconds > 0


def test_median_seconds_needs_the_names_it_uses():
    with pytest.raises(NameError):
        timing.median_seconds("undefined_name + 1", min_run_time=0.01)
