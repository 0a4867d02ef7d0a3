"""Notebook 03's pieces: dropout statistics, averaging over dropout masks, the conv net with
AlexNet's fully connected head, and `fit`'s clean training error."""

import pytest
import torch
import torch.nn as nn

from reading_group import layers, small_nets, train
from reading_group.batches import Batches


def scaled_by(scale):
    """A dropout that keeps survivors scaled by `scale`, with nn.Dropout's masks."""
    def dropout(x, p, training=True):
        if not training:
            return x
        return x * (torch.rand_like(x) >= p) * scale(p)
    return dropout


def statistics_of(fn):
    return lambda x, p, training=True: layers.dropout_statistics(x, fn(x, p, training))


def nn_dropout(x, p, training=True):
    return nn.Dropout(p).train(training)(x)


X = torch.rand(1_000_000) + 0.5
CASES = [(X, 0.2), (X, 0.5), (X, 0.8), (X, 0.5, False)]


def test_statistics_of_a_known_mask_by_hand():
    x = torch.tensor([1.0, 2.0, 0.0, 3.0])
    out = torch.tensor([2.0, 0.0, 0.0, 6.0])
    zeroed, mean_ratio, square_ratio = layers.dropout_statistics(x, out).tolist()
    assert zeroed == pytest.approx(1 / 3)
    assert mean_ratio == pytest.approx(8 / 6)
    assert square_ratio == pytest.approx(40 / 14)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_statistics_of_nn_dropout_are_the_expected_values(p):
    torch.manual_seed(0)
    stats = statistics_of(nn_dropout)(X, p)
    assert torch.allclose(stats, torch.tensor([p, 1, 1 / (1 - p)], dtype=torch.float64),
                          rtol=0.01)


def test_paper_form_statistics_while_training():
    g = torch.Generator().manual_seed(0)
    out = layers.dropout(X, 0.3, training=True, inverted=False, generator=g)
    stats = layers.dropout_statistics(X, out)
    assert torch.allclose(stats, torch.tensor([0.3, 0.7, 0.7], dtype=torch.float64), rtol=0.01)


def check_quietly(answer, capsys):
    torch.manual_seed(1)
    from reading_group.exercises import check
    result = check(statistics_of(answer), statistics_of(nn_dropout), CASES, tolerance=0.02)
    capsys.readouterr()
    return result


def test_a_correct_inverted_dropout_passes_the_statistical_check(capsys):
    for seed in range(2):
        torch.manual_seed(seed)
        assert check_quietly(scaled_by(lambda p: 1 / (1 - p)), capsys)
    assert check_quietly(lambda x, p, training=True: layers.dropout(x, p, training), capsys)


@pytest.mark.parametrize("wrong", [lambda p: 1.0, lambda p: 1 / p, lambda p: 1 - p])
def test_a_wrong_scaling_fails_the_statistical_check(wrong, capsys):
    assert not check_quietly(scaled_by(wrong), capsys)


def test_dropping_at_test_time_fails_the_statistical_check(capsys):
    always = lambda x, p, training=True: x * (torch.rand_like(x) >= p) / (1 - p)  # noqa: E731
    assert not check_quietly(always, capsys)


def test_mask_log_probs_differ_per_mask_and_average_to_the_eval_pass_for_a_linear_head():
    torch.manual_seed(0)
    head = nn.Sequential(layers.Dropout(0.5), nn.Linear(20, 5))
    x = torch.randn(3, 20)
    head.train()
    logs = train.mask_log_probs(head, x, 1000)
    assert logs.shape == (1000, 3, 5)
    assert head.training, "modes are restored"
    assert not torch.equal(logs[0], logs[1])
    # dropout before a linear layer: the logits averaged over masks are the eval logits
    logits = torch.stack([head[1](layers.dropout(x, 0.5)) for _ in range(1000)]).mean(0)
    assert torch.allclose(logits, head.eval()(x), atol=0.1)
    assert torch.allclose(logs.exp().sum(-1), torch.ones(1000, 3), atol=1e-5)


def test_mask_log_probs_leave_batchnorm_in_eval_mode_and_work_with_nn_dropout():
    torch.manual_seed(0)
    net = nn.Sequential(nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3))
    net[0].running_mean.fill_(5.0)
    x = torch.randn(6, 8) + 5
    logs = train.mask_log_probs(net, x, 2)
    assert not torch.equal(logs[0], logs[1])
    with torch.no_grad():
        net[1].p = 0.0
        expected = torch.log_softmax(net.eval()(x), -1)
    net[1].p = 0.5
    single = train.mask_log_probs(nn.Sequential(net[0], nn.Identity(), net[2]), x, 1)[0]
    assert torch.allclose(single, expected, atol=1e-6)
    assert not net[0].training


def test_conv_fc_net_shapes_and_where_dropout_sits():
    net = small_nets.ConvFCNet(width=8, hidden=64, p=0.5)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    kinds = [type(m) for m in net.classifier]
    assert kinds == [layers.Dropout, nn.Linear, nn.ReLU, layers.Dropout, nn.Linear, nn.ReLU,
                     nn.Linear]
    head = sum(p.numel() for p in net.classifier.parameters())
    assert net.classifier[1].in_features == 2 * 8 * 4 * 4
    assert head > 0.9 * sum(p.numel() for p in net.parameters())


def test_conv_fc_net_is_random_in_training_and_deterministic_in_eval():
    torch.manual_seed(0)
    net = small_nets.ConvFCNet(width=8, hidden=64, p=0.5)
    x = torch.randn(2, 3, 32, 32)
    assert not torch.equal(net.train()(x), net(x))
    assert torch.equal(net.eval()(x), net(x))
    plain = small_nets.ConvFCNet(width=8, hidden=64, p=0.0)
    plain.load_state_dict(net.state_dict())
    assert torch.equal(plain.train()(x), net.eval()(x))


def test_paper_form_net_with_halved_weights_matches_the_inverted_net_at_test_time():
    torch.manual_seed(0)
    inverted = small_nets.ConvFCNet(width=8, hidden=64, p=0.5).eval()
    paper = small_nets.ConvFCNet(width=8, hidden=64, p=0.5, inverted=False).eval()
    paper.load_state_dict(inverted.state_dict())
    with torch.no_grad():
        for i in (1, 4):  # the linear layers after each dropout
            paper.classifier[i].weight.mul_(2)
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(paper(x), inverted(x), atol=1e-5)


def test_fit_records_the_clean_training_error_in_eval_mode():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (40, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (40,), generator=g)
    batches = Batches(images, labels, 16, shuffle=True, seed=0)
    clean = Batches(images, labels, 64)
    net = small_nets.ConvFCNet(width=4, hidden=16, p=0.5)
    h = train.fit(net, batches, epochs=2, lr=0.01, train_eval_batches=clean, progress=False,
                  device="cpu")
    loss, error = train.evaluate(net, clean, "cpu")
    assert h.final("clean_train_error") == pytest.approx(error)
    assert h.final("clean_train_loss") == pytest.approx(loss)
    assert "clean_train_error" not in train.fit(net, batches, epochs=1, progress=False,
                                                device="cpu").epochs[0]


def test_papers_figures_of_notebook_03():
    from reading_group import papers
    # 32 x 32 crop offsets of a 256x256 image at 224x224, times two for the mirror images
    assert papers.value("alexnet.augment_factor") == (256 - 224) ** 2 * 2
    assert papers.value("alexnet.dropout_slowdown") == 2
    assert papers.get("alexnet.dropout_slowdown").where == "Section 4.2"
    assert papers.get("alexnet.pca_gain_top1").where == "Section 4.1"
