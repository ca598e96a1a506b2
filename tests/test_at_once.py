"""jobs/lake/at_once.py: work side by side, results in order, nothing left running on an error."""

from __future__ import annotations

import threading

import pytest

from jobs.lake.at_once import at_once


def test_results_come_back_in_argument_order_from_work_that_really_overlaps():
    both_started = threading.Barrier(2, timeout=10)  # breaks (raises) unless both run at once

    def first():
        both_started.wait()
        return "first"

    def second():
        both_started.wait()
        return "second"

    assert at_once(first, second) == ["first", "second"]
    assert at_once() == []


def test_every_item_runs_to_its_end_and_the_first_error_in_order_is_raised():
    finished = []

    def slow_ok():
        threading.Event().wait(0.2)
        finished.append("slow")

    def fails(message):
        def work():
            raise ValueError(message)

        return work

    with pytest.raises(ValueError, match=r"^one$"):
        at_once(fails("one"), slow_ok, fails("two"))
    assert finished == ["slow"]  # the others were not abandoned halfway
