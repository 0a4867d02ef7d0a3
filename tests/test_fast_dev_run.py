"""The fast development run (`RG_FAST_DEV_RUN=1`): every loop stops after two batches,
nothing is written, no claim is checked, and the page says so. Counted by hand."""

import pytest
import torch
import torch.nn as nn

import reading_group as rg
from reading_group import profiles, timing, train
from reading_group.batches import Batches
from reading_group.verdicts import NOT_CHECKED, Record, exact, over_seeds


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setenv("RG_FAST_DEV_RUN", "1")


def ten_batches():
    """100 images, batch 10: ten batches."""
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (100, 3, 8, 8), dtype=torch.uint8, generator=g)
    return Batches(images, torch.arange(100) % 10, 10)


@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("0", False), ("off", False), ("No", False),
    ("1", True), ("yes", True), ("true", True),
])
def test_the_switch(monkeypatch, value, expected):
    if value is not None:
        monkeypatch.setenv("RG_FAST_DEV_RUN", value)
    assert profiles.fast_dev_run() is expected


def test_batches_stop_after_two(fast):
    batches = ten_batches()
    assert len(batches) == profiles.FAST_DEV_BATCHES == 2
    assert sum(len(y) for _, y in batches) == 20


def test_batches_run_whole_without_it():
    batches = ten_batches()
    assert len(batches) == 10 and sum(len(y) for _, y in batches) == 100


def test_fit_takes_two_steps_of_one_epoch_from_any_iterable(fast):
    steps = []
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
    dataset = torch.utils.data.TensorDataset(torch.randn(7, 3, 8, 8), torch.arange(7))
    loader = torch.utils.data.DataLoader(dataset, batch_size=1)  # seven batches
    history = train.fit(model, loader, loader, epochs=3, progress=False,
                        after_backward=lambda m, step: steps.append(step))
    assert steps == [0, 1]
    assert len(history) == profiles.FAST_DEV_EPOCHS == 1


def test_evaluation_stops_after_two_batches(fast):
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
    assert len(train.mistakes(model, ten_batches())) == 20
    loss, error = train.evaluate(model, ten_batches())
    assert 0 <= error <= 1 and loss > 0


def test_test_views_are_scored_on_two_chunks(fast):
    views = torch.randint(0, 256, (10, 25, 3, 8, 8), dtype=torch.uint8)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
    probs = train.view_probs(model, views, ten_batches(), chunk=5)
    assert probs.shape == (10, 10, 4)


def test_dropout_mask_passes_stop_after_two(fast):
    head = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3))
    assert len(train.mask_log_probs(head, torch.randn(5, 4), n_masks=40)) == 2


def test_timing_runs_the_statement_a_few_times_not_for_min_run_time(fast):
    runs = []
    seconds = timing.median_seconds("runs.append(1)", runs=runs, min_run_time=10.0)
    # without the fast run, ten seconds of a statement this cheap would be millions of runs
    assert 1 <= len(runs) <= 3 and seconds >= 0


def test_record_checks_nothing_and_writes_nothing(fast, tmp_path):
    record = Record("01_x", papers=["alexnet"], dataset="cifar10", profile="paper")
    assert not record.binding
    record.claim("C01.1", "must hold", paper="p", ours="o", evidence=exact(0, 1, ">", "x"),
                 must_hold=True)  # would raise ClaimFailed in a real paper run
    record.claim("C01.2", "two seeds", paper="p", ours="o",
                 evidence=over_seeds([1.0, 2.0], 0, ">", "points"))  # a paper run needs three
    assert [c["verdict"] for c in record.claims] == [NOT_CHECKED, NOT_CHECKED]
    assert record.claims[0]["evidence"]["estimate"] == 0  # the evidence is kept, not judged
    assert NOT_CHECKED in record.table().column("verdict")
    assert record.save() is None
    assert not list(tmp_path.rglob("*.json"))


def test_the_settings_cell_says_the_numbers_are_meaningless(fast):
    S = rg.settings(smoke=dict(a=1), standard=dict(a=2), paper=dict(a=3))
    assert repr(S).startswith(profiles.FAST_DEV_WARNING)
    assert "meaningless" in S._repr_html_()


def test_no_warning_without_it():
    S = rg.settings(smoke=dict(a=1), standard=dict(a=2), paper=dict(a=3))
    assert "FAST DEVELOPMENT RUN" not in repr(S) + S._repr_html_()
