"""Pieces added for notebook 02 (Local Response Normalization), against hand-computed values
and PyTorch's own modules."""

import math

import pytest
import torch
import torch.nn as nn

from reading_group import layers, probes, train, verdicts


def test_lrn_window_sums_by_hand():
    a = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).view(1, 6, 1, 1)
    sums = layers.lrn_window_sums(a, n=5).flatten().tolist()
    # channel 0: 1+4+9; channel 2: 1+4+9+16+25; channel 4: 9+16+25+36; channel 5: 16+25+36
    assert sums == [14, 30, 55, 90, 86, 77]
    assert layers.lrn_window_sums(a, n=1).flatten().tolist() == [1, 4, 9, 16, 25, 36]


@pytest.mark.parametrize("n", [3, 5, 9])
def test_lrn_window_sums_give_pytorchs_denominator(n):
    torch.manual_seed(n)
    a = torch.relu(torch.randn(2, 16, 4, 4)) * 30
    k, alpha, beta = 2.0, 1e-4, 0.75
    ours = a / (k + alpha * layers.lrn_window_sums(a, n)) ** beta
    ref = nn.LocalResponseNorm(n, alpha=alpha * n, beta=beta, k=k)(a.double()).float()
    assert (ours - ref).abs().max().item() < 1e-4
    assert torch.allclose(ours, layers.local_response_norm(a, n, k, alpha, beta), rtol=1e-5)


def test_peak_share_by_hand_and_over_pixels():
    assert probes.peak_share(torch.tensor([1.0, 3.0, 0.0, 4.0]), dim=0) == pytest.approx(0.5)
    maps = torch.zeros(1, 3, 1, 2)
    maps[0, :, 0, 0] = torch.tensor([1.0, 1.0, 2.0])   # share 0.5
    maps[0, :, 0, 1] = torch.tensor([0.0, 5.0, 0.0])   # share 1.0
    assert probes.peak_share(maps) == pytest.approx(0.75)


def test_peak_share_skips_silent_pixels_and_refuses_negative_inputs():
    maps = torch.zeros(1, 4, 1, 2)
    maps[0, :, 0, 0] = 1.0                               # share 0.25; pixel 1 is silent
    assert probes.peak_share(maps) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        probes.peak_share(torch.tensor([1.0, -1.0]), dim=0)
    with pytest.raises(ValueError):
        probes.peak_share(torch.zeros(3), dim=0)


def test_lrn_lowers_the_share_of_a_lone_peak_and_raises_it_beside_a_crowd():
    # The formula in miniature: a unit's own square is in its denominator, so a lone peak is
    # damped most; a plateau of co-active channels is damped more than an isolated peak.
    lone = torch.zeros(1, 12, 1, 1)
    lone[0, 6] = 100.0
    lone[0, :, 0, 0] += 10.0
    crowd = torch.zeros(1, 24, 1, 1)
    crowd[0, 2:12] = 60.0
    crowd[0, 18] = 100.0
    for profile, grows in ((lone, False), (crowd, True)):
        before = probes.peak_share(profile)
        after = probes.peak_share(layers.local_response_norm(profile))
        assert (after > before) == grows


def test_mistakes_agree_with_evaluate():
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    x, y = torch.randn(50, 4), torch.randint(0, 3, (50,))
    batches = [(x[:20], y[:20]), (x[20:], y[20:])]
    wrong = train.mistakes(model, batches)
    assert wrong.dtype == torch.bool and wrong.shape == (50,)
    assert wrong.float().mean().item() == pytest.approx(train.evaluate(model, batches)[1])
    assert torch.equal(wrong, model(x).argmax(1) != y)


def test_paired_gap_by_hand():
    a = torch.tensor([True, False, False, True, False])
    b = torch.tensor([True, True, False, False, True])
    gap, se = verdicts.paired_gap(a, b)
    d = [0, 1, 0, -1, 1]
    mean = sum(d) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / 4)
    assert gap == pytest.approx(0.2)
    assert se == pytest.approx(sd / math.sqrt(5))
    assert verdicts.paired_gap(a, a) == (0.0, 0.0)
    with pytest.raises(ValueError):
        verdicts.paired_gap([True], [False])


def test_paired_gap_is_tighter_than_unpaired_when_models_agree():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(2000, generator=g) < 0.4
    b = a.clone()
    flip = torch.rand(2000, generator=g) < 0.05
    b[flip] = ~b[flip]
    _, se = verdicts.paired_gap(a, b)
    unpaired = math.sqrt(2 * 0.4 * 0.6 / 2000)
    assert se < unpaired / 2

