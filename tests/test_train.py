"""`train` against manual error counts, hand-written histories and hand-computed losses."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from helpers import wrapped_net

import reading_group as rg
from reading_group import alexnet, layers, small_nets, train
from reading_group.batches import Batches
from reading_group.train import History

KEYS = {"epoch", "train_loss", "train_error", "test_loss", "test_error", "seconds", "lr"}


def tiny_data(n=96, size=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)
    # labels a simple function of the colour, so the task can be learnt
    labels = (images.float().mean(dim=(2, 3)).argmax(1) * 3 + (images[:, 0, 0, 0] > 127).long())
    return images, labels % 10


def batch_pair(seed=0, **kwargs):
    images, labels = tiny_data(seed=seed)
    tr = Batches(images[:64], labels[:64], 16, shuffle=True, padding=1, flip=True, seed=0,
                 **kwargs)
    te = Batches(images[64:], labels[64:], 16)
    return tr, te


def mlp(dropout=0.5, size=6):
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * size * size, 32), nn.ReLU(),
                         nn.Dropout(dropout), nn.Linear(32, 10))


def fixed_batches(n_batches=3, batch=8, seed=0, size=6):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(batch, 3, size, size, generator=g),
             torch.randint(0, 10, (batch,), generator=g)) for _ in range(n_batches)]


def test_history_has_one_record_per_epoch_with_every_key():
    tr, te = batch_pair()
    torch.manual_seed(0)
    h = train.fit(mlp(), tr, te, epochs=3, lr=0.05, device="cpu", progress=False, label="mlp")
    assert len(h) == 3 and h.label == "mlp"
    for i, record in enumerate(h.epochs, start=1):
        assert set(record) == KEYS
        assert record["epoch"] == i
        assert record["lr"] == 0.05
        assert 0 <= record["train_error"] <= 1 and 0 <= record["test_error"] <= 1
        assert record["train_loss"] > 0 and record["test_loss"] > 0
        assert record["seconds"] >= 0
    assert h["epoch"] == [1, 2, 3]
    assert h.final("lr") == 0.05
    assert h.to_dict() == {"label": "mlp", "epochs": h.epochs}


def test_without_test_batches_the_test_entries_are_none():
    tr, _ = batch_pair()
    h = train.fit(mlp(), tr, epochs=2, device="cpu", progress=False)
    assert h["test_loss"] == [None, None] and h["test_error"] == [None, None]


def run(seed=0, fit_seed=0):
    torch.manual_seed(seed)
    model = mlp()
    tr, te = batch_pair()
    h = train.fit(model, tr, te, epochs=3, lr=0.05, seed=fit_seed, device="cpu", progress=False)
    return model, h


def without_seconds(h):
    return [{k: v for k, v in e.items() if k != "seconds"} for e in h.epochs]


def test_fit_is_deterministic_on_the_cpu():
    m1, h1 = run()
    m2, h2 = run()
    assert without_seconds(h1) == without_seconds(h2)
    for (name, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), name


def test_fit_seed_changes_the_dropout_masks():
    m1, h1 = run(fit_seed=0)
    m2, h2 = run(fit_seed=1)
    assert without_seconds(h1) != without_seconds(h2)
    assert not torch.equal(m1[1].weight, m2[1].weight)


def test_fit_learns():
    data = fixed_batches(3)  # 24 random images to memorise
    torch.manual_seed(0)
    h = train.fit(mlp(dropout=0.0), data, data, epochs=30, lr=0.05, device="cpu",
                  progress=False)
    assert h.final("train_loss") < 0.3 * h["train_loss"][0]
    assert h.final("test_error") < 0.2


def test_evaluate_matches_a_manual_count():
    torch.manual_seed(0)
    model = mlp()
    data = fixed_batches(4)
    model.train()
    loss, error = train.evaluate(model, data)
    assert model.training  # mode restored
    model.eval()
    with torch.no_grad():
        x = torch.cat([b[0] for b in data])
        y = torch.cat([b[1] for b in data])
        logits = model(x)
    wrong = sum(int(logits[i].argmax()) != int(y[i]) for i in range(len(y)))
    assert error == wrong / len(y)
    assert loss == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-5)


def test_evaluate_keeps_eval_mode():
    model = mlp().eval()
    train.evaluate(model, fixed_batches(1))
    assert not model.training


class WithAux(nn.Module):
    """A main head and an auxiliary head; the auxiliary output only in training mode."""

    def __init__(self, n_aux=1):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 16), nn.ReLU())
        self.main = nn.Linear(16, 10)
        self.aux = nn.ModuleList(nn.Linear(16, 10) for _ in range(n_aux))

    def forward(self, x):
        h = self.body(x)
        if self.training:
            return (self.main(h), *(a(h) for a in self.aux))
        return self.main(h)


def test_total_loss_adds_weighted_auxiliary_losses():
    g = torch.Generator().manual_seed(0)
    main, a1, a2 = (torch.randn(8, 10, generator=g) for _ in range(3))
    y = torch.randint(0, 10, (8,), generator=g)
    out, loss = train.total_loss((main, a1, a2), y)
    assert out is main
    expected = (F.cross_entropy(main, y) + 0.3 * F.cross_entropy(a1, y)
                + 0.3 * F.cross_entropy(a2, y))
    torch.testing.assert_close(loss, expected)
    _, loss_half = train.total_loss((main, a1), y, aux_weight=0.5)
    torch.testing.assert_close(loss_half, F.cross_entropy(main, y) + 0.5 * F.cross_entropy(a1, y))
    out, plain = train.total_loss(main, y)
    assert out is main
    torch.testing.assert_close(plain, F.cross_entropy(main, y))


def test_fit_trains_on_main_plus_auxiliary_loss():
    torch.manual_seed(0)
    model = WithAux()
    data = fixed_batches(3)
    # learning rate 0: the weights stay put, so the recorded loss can be recomputed
    h = train.fit(model, data, data, epochs=1, lr=0.0, momentum=0.0, device="cpu",
                  progress=False)
    model.train()
    with torch.no_grad():
        total, wrong, n = 0.0, 0, 0
        for x, y in data:
            main, aux = model(x)
            total += (F.cross_entropy(main, y) + 0.3 * F.cross_entropy(aux, y)).item() * len(y)
            wrong += (main.argmax(1) != y).sum().item()
            n += len(y)
    assert h.final("train_loss") == pytest.approx(total / n, rel=1e-5)
    assert h.final("train_error") == wrong / n
    # the test loss is the main head's alone, in eval mode
    model.eval()
    with torch.no_grad():
        x = torch.cat([b[0] for b in data])
        y = torch.cat([b[1] for b in data])
        assert h.final("test_loss") == pytest.approx(
            F.cross_entropy(model(x), y).item(), rel=1e-5)


def test_auxiliary_heads_receive_gradients():
    torch.manual_seed(0)
    model = WithAux(n_aux=2)
    before = [a.weight.clone() for a in model.aux]
    train.fit(model, fixed_batches(2), epochs=1, lr=0.1, device="cpu", progress=False)
    assert all(not torch.equal(b, a.weight) for b, a in zip(before, model.aux))


def test_step_lr_lowers_the_learning_rate_each_epoch():
    h = train.fit(mlp(), fixed_batches(2), epochs=4, lr=0.1, device="cpu", progress=False,
                  scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5))
    assert h["lr"] == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_step_lr_with_a_longer_step():
    h = train.fit(mlp(), fixed_batches(1), epochs=5, lr=0.1, device="cpu", progress=False,
                  scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.1))
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001])


class RecordingPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def step(self, metrics, *args, **kwargs):
        self.seen.append(float(metrics))
        return super().step(metrics, *args, **kwargs)


class Frozen(nn.Module):
    """Fixed logits whatever the input: the loss never improves."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        return torch.arange(10.0).expand(len(x), 10) + 0 * self.w


def test_reduce_on_plateau_is_stepped_with_the_test_loss():
    made = []

    def plateau(opt):
        made.append(RecordingPlateau(opt, factor=0.5, patience=0))
        return made[-1]

    data = fixed_batches(2)
    h = train.fit(Frozen(), data, data, epochs=4, lr=0.1, device="cpu", progress=False,
                  scheduler=plateau)
    assert made[0].seen == pytest.approx(h["test_loss"])
    # epoch 1 sets the best loss; every later epoch fails to improve on it
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_reduce_on_plateau_without_test_set_uses_the_training_loss():
    made = []

    def plateau(opt):
        made.append(RecordingPlateau(opt, factor=0.5, patience=0))
        return made[-1]

    h = train.fit(Frozen(), fixed_batches(2), epochs=3, lr=0.1, device="cpu", progress=False,
                  scheduler=plateau)
    assert made[0].seen == pytest.approx(h["train_loss"])
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05])


def test_after_backward_sees_every_step_with_gradients():
    calls = []
    model = mlp()

    def probe(m, step):
        assert m is model
        calls.append((step, all(p.grad is not None for p in m.parameters()),
                      m[1].weight.grad.norm().item(), m[1].weight.detach().clone()))

    data = fixed_batches(3)
    train.fit(model, data, epochs=2, lr=0.1, device="cpu", progress=False,
              after_backward=probe)
    assert [c[0] for c in calls] == list(range(6))
    assert all(c[1] for c in calls)
    assert all(c[2] > 0 for c in calls)
    # called before the update: the weights it sees are those before that step
    assert not torch.equal(calls[0][3], calls[1][3])


def test_a_given_optimizer_is_used():
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    h = train.fit(model, fixed_batches(2), epochs=1, optimizer=opt, device="cpu",
                  progress=False)
    assert h.final("lr") == 3e-3
    assert opt.state  # Adam kept moments: it did the steps


def test_progress_bar_can_be_switched_off(capsys):
    train.fit(mlp(), fixed_batches(2), epochs=1, device="cpu", progress=False)
    assert capsys.readouterr().err == ""
    train.fit(mlp(), fixed_batches(2), epochs=1, device="cpu", progress=True, label="bar")
    assert "bar" in capsys.readouterr().err


def test_rg_progress_switches_the_default_bar_off(capsys, monkeypatch):
    monkeypatch.setenv("RG_PROGRESS", "0")
    train.fit(mlp(), fixed_batches(2), epochs=1, device="cpu", label="quiet")
    assert "quiet" not in capsys.readouterr().err
    monkeypatch.setenv("RG_PROGRESS", "1")
    train.fit(mlp(), fixed_batches(2), epochs=1, device="cpu", label="loud")
    assert "loud" in capsys.readouterr().err


def hand_history():
    h = History("hand")
    for epoch, (err, secs) in enumerate([(0.8, 2.0), (0.5, 3.0), (0.3, 4.0), (0.2, 5.0)], 1):
        h.epochs.append({"epoch": epoch, "train_error": err, "test_error": None,
                         "seconds": secs})
    return h


def test_history_first_epoch_below():
    h = hand_history()
    assert h.first_epoch_below("train_error", 0.5) == 2    # at or below
    assert h.first_epoch_below("train_error", 0.49) == 3
    assert h.first_epoch_below("train_error", 0.9) == 1
    assert h.first_epoch_below("train_error", 0.1) is None
    assert h.first_epoch_below("test_error", 1.0) is None  # never measured


def test_history_totals_and_columns():
    h = hand_history()
    assert h.total_seconds == 14.0
    assert h["train_error"] == [0.8, 0.5, 0.3, 0.2]
    assert h.final("train_error") == 0.2


# ---------------------------------------------------------------------------------------
# History.crossing


def crossing_history():
    h = History("hand")
    for i, (err, sec) in enumerate([(0.8, 1.0), (0.6, 2.0), (0.4, 3.0)], start=1):
        h.epochs.append({"epoch": i, "train_error": err, "seconds": sec})
    return h


def test_crossing_interpolates_between_epochs():
    h = crossing_history()
    # 0.5 lies half-way between epoch 2 (0.6, 3 s so far) and epoch 3 (0.4, 6 s so far)
    assert h.crossing("train_error", 0.5) == pytest.approx(2.5)
    assert h.crossing("train_error", 0.5, x="seconds") == pytest.approx(4.5)
    assert h.crossing("train_error", 0.45) == pytest.approx(2.75)
    assert h.crossing("train_error", 0.6) == 2.0  # reached exactly at an epoch's end
    assert h.first_epoch_below("train_error", 0.5) == 3  # the whole-epoch answer rounds up


def test_crossing_at_the_first_epoch_and_never():
    h = crossing_history()
    assert h.crossing("train_error", 0.9) == 1.0
    assert h.crossing("train_error", 0.9, x="seconds") == 1.0
    assert h.crossing("train_error", 0.1) is None
    with pytest.raises(ValueError):
        h.crossing("train_error", 0.5, x="steps")


# ---------------------------------------------------------------------------------------
# Losses, mistakes and predictions


def test_total_loss_weights_each_head_by_hand():
    torch.manual_seed(0)
    outputs = (torch.randn(4, 10), torch.randn(4, 10), torch.randn(4, 10))
    y = torch.tensor([1, 0, 9, 3])

    def nll(logits):  # cross-entropy written out
        return -(logits.log_softmax(1)[torch.arange(4), y]).mean()

    for w in (0.0, 0.3, 1.0):
        _, loss = train.total_loss(outputs, y, aux_weight=w)
        by_hand = nll(outputs[0]) + w * (nll(outputs[1]) + nll(outputs[2]))
        assert loss.item() == pytest.approx(by_hand.item(), rel=1e-6)


def test_mistakes_agree_with_evaluate():
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    x, y = torch.randn(50, 4), torch.randint(0, 3, (50,))
    batches = [(x[:20], y[:20]), (x[20:], y[20:])]
    wrong = train.mistakes(model, batches)
    assert wrong.dtype == torch.bool and wrong.shape == (50,)
    assert wrong.float().mean().item() == pytest.approx(train.evaluate(model, batches)[1])
    assert torch.equal(wrong, model(x).argmax(1) != y)


def test_view_probs_averages_softmax_in_eval_mode():
    torch.manual_seed(0)
    data = rg.data.synthetic(n_train=40, n_test=16)
    _, test = rg.batches.for_dataset(data, 8, augment=False)
    net = alexnet.cifar(8, 32)
    net.train()
    views = rg.batches.ten_crop(data.test.images, padding=4)
    probs = train.view_probs(net, views, test, chunk=5)
    assert probs.shape == (10, 16, 10)
    torch.testing.assert_close(probs.sum(-1), torch.ones(10, 16))
    assert net.training  # mode restored
    net.eval()
    with torch.no_grad():
        centre = torch.softmax(net(test.make(data.test.images)), 1)
    torch.testing.assert_close(probs[4], centre)  # dropout off: the centre view is the image


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


# ---------------------------------------------------------------------------------------
# fit on the notebooks' nets


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


def test_fit_trains_a_wrapped_net_and_adds_the_heads_loss():
    net, model = wrapped_net()
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (64,), generator=g)
    batches = Batches(images, labels, 32)
    head_grads = []
    h = train.fit(model, batches, batches, epochs=1, lr=0.01, device="cpu", progress=False,
                  after_backward=lambda m, step: head_grads.append(
                      m.heads[0].classifier.weight.grad is not None))
    assert all(head_grads) and len(head_grads) == 2
    assert h.final("test_error") is not None


def test_split_outputs_separates_the_main_logits_from_the_heads():
    main, a, b = torch.zeros(2, 3), torch.ones(2, 3), torch.full((2, 3), 2.0)
    got_main, aux = train.split_outputs((main, a, b))
    assert got_main is main and len(aux) == 2 and aux[0] is a and aux[1] is b
    got_main, aux = train.split_outputs([main])
    assert got_main is main and aux == []
    got_main, aux = train.split_outputs(main)
    assert got_main is main and aux == []


def test_fit_stops_at_the_first_epoch_that_reaches_the_target():
    data = fixed_batches(3)
    torch.manual_seed(0)
    full = train.fit(mlp(dropout=0.0), data, epochs=30, lr=0.05, device="cpu", progress=False)
    target = full["train_error"][9]  # reached by epoch 10 at the latest
    first = full.first_epoch_below("train_error", target)
    torch.manual_seed(0)
    stopped = train.fit(mlp(dropout=0.0), data, epochs=30, lr=0.05, device="cpu",
                        progress=False, stop_at=("train_error", target))
    assert len(stopped) == first < 30
    assert without_seconds(stopped) == without_seconds(full)[:first]


def test_fit_runs_every_epoch_when_the_target_is_never_reached():
    tr, _ = batch_pair()
    h = train.fit(mlp(), tr, epochs=2, device="cpu", progress=False,
                  stop_at=("train_error", -1.0))
    assert len(h) == 2


def test_fit_refuses_zero_epochs():
    tr, _ = batch_pair()
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        train.fit(mlp(), tr, epochs=0, device="cpu", progress=False)


def batches_with_a_nan(at=4, n_batches=3):
    """Three batches an epoch, an epoch being one pass; the `at`-th step (1-based, counted
    over the epochs) holds a NaN pixel."""
    clean = fixed_batches(n_batches)

    class Passes:
        def __init__(self):
            self.step = 0

        def __len__(self):
            return n_batches

        def __iter__(self):
            for x, y in clean:
                self.step += 1
                if self.step == at:
                    x = x.clone()
                    x[0, 0, 0, 0] = float("nan")
                yield x, y

    return Passes()


@pytest.mark.parametrize("device", [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="the GPU path needs a GPU")),
])
def test_a_nan_loss_stops_training_naming_the_step_epoch_and_label(device):
    torch.manual_seed(0)
    model = mlp(dropout=0.0)
    with pytest.raises(train.NonFiniteLossError) as info:
        train.fit(model, batches_with_a_nan(at=5), epochs=3, device=device, label="tiny MLP",
                  progress=False)
    message = str(info.value)
    assert "step 5" in message and "batch 2 of epoch 2" in message
    assert "'tiny MLP'" in message and "nan" in message and "lr" in message
    assert isinstance(info.value, FloatingPointError)
    if device == "cpu":  # stopped before the bad step's update: the weights are still finite
        assert all(torch.isfinite(p).all() for p in model.parameters())


def test_an_infinite_loss_names_the_model_class_without_a_label():
    model = mlp(dropout=0.0)
    with torch.no_grad():
        model[-1].bias[0] = float("inf")
    with pytest.raises(train.NonFiniteLossError, match="Sequential.*step 1 .batch 1 of epoch 1"):
        train.fit(model, fixed_batches(), epochs=1, device="cpu", progress=False)

