"""Timing a statement the careful way, with PyTorch's own benchmark timer.

`torch.utils.benchmark.Timer` repeats a statement in blocks until enough time has passed,
synchronises CUDA, and reports the median, which shrugs off a busy machine better than a
mean. Importing it logs a note about CUDA_HOME on machines without CUDA; that note says
nothing about timing on the CPU, so it is silenced here.

In a fast development run (`profiles.fast_dev_run`) the statement is timed once (after
the timer's own warm-up) instead of for `min_run_time`: the code path is proved, the
number means nothing.
"""

from __future__ import annotations

import logging

from .profiles import fast_dev_run


def median_seconds(stmt: str, *, min_run_time: float = 0.5, **names) -> float:
    """Median seconds of one run of `stmt`, with `names` as its globals."""
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    from torch.utils.benchmark import Timer

    timer = Timer(stmt, globals=names)
    if fast_dev_run():
        return timer.timeit(number=1).median
    return timer.blocked_autorange(min_run_time=min_run_time).median
