"""Training and evaluation: `fit` returns a per-epoch history and shows a progress bar.

The loop is the plain one the papers describe: mini-batch SGD (or any optimiser) on the
cross-entropy loss, an optional learning-rate schedule stepped once per epoch, and, for
GoogLeNet's auxiliary classifiers (Szegedy et al., 2014, Section 5), a model that returns
``(main, aux1, aux2, ...)`` in training mode has its auxiliary losses added with a weight
(0.3 in the paper).

Departures: the training loss and error of an epoch are the running averages over its
mini-batches (augmented, weights changing), as the papers' training curves are; they are
not re-measured on clean images at the epoch's end.

Evaluation beyond one pass: `mistakes` (which images a model gets wrong, for paired
comparisons), `view_probs` (softmax over several test views, AlexNet's ten crops) and
`mask_log_probs` (many dropout masks at test time, AlexNet Section 4.2). In a fast
development run (`profiles.fast_dev_run`) `fit`, `evaluate` and `mistakes` stop after two
batches.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .layers import Dropout
from .profiles import (
    FAST_DEV_BATCHES,
    FAST_DEV_EPOCHS,
    fast_dev_limit,
    fast_dev_run,
    progress_enabled,
)
from .profiles import device as default_device


@dataclass
class History:
    """Per-epoch records of one training run; `seconds` is the training time of each epoch."""

    label: str = ""
    epochs: list[dict] = field(default_factory=list)

    def __len__(self):
        return len(self.epochs)

    def __getitem__(self, key: str) -> list:
        return [e.get(key) for e in self.epochs]

    @property
    def total_seconds(self) -> float:
        return float(sum(self["seconds"]))

    def final(self, key: str):
        return self.epochs[-1][key]

    def first_epoch_below(self, key: str, target: float):
        """The first epoch (1-based) whose `key` is at or below `target`, else None."""
        for e in self.epochs:
            if e[key] is not None and e[key] <= target:
                return e["epoch"]
        return None

    def crossing(self, key: str, target: float, x: str = "epoch"):
        """When `key` first reaches `target`, in epochs (``x="epoch"``) or cumulative
        training seconds (``x="seconds"``), interpolated linearly between the two epoch-end
        records either side of the crossing; None when it never does.

        Finer than `first_epoch_below`, which rounds up to a whole epoch.
        A run already at the target after its first epoch gives that epoch's end: nothing
        earlier was recorded.
        """
        if x not in ("epoch", "seconds"):
            raise ValueError(f"x must be 'epoch' or 'seconds', got {x!r}")
        previous, elapsed = None, 0.0
        for e in self.epochs:
            elapsed += e["seconds"]
            here = (e["epoch"] if x == "epoch" else elapsed, e[key])
            if here[1] is not None and here[1] <= target:
                if previous is None or previous[1] is None:
                    return float(here[0])
                share = (previous[1] - target) / (previous[1] - here[1])
                return float(previous[0] + share * (here[0] - previous[0]))
            previous = here
        return None

    def to_dict(self) -> dict:
        return {"label": self.label, "epochs": self.epochs}


class NonFiniteLossError(FloatingPointError):
    """A training loss that became NaN or infinite: `fit` stops there instead of training on."""


def non_finite_loss(value: float, *, step: int, batch: int, epoch: int, label: str,
                    model: nn.Module, lr: float) -> NonFiniteLossError:
    """The error for a NaN or infinite loss, naming the run, where it happened and the fix."""
    who = f"{label!r} ({type(model).__name__})" if label else type(model).__name__
    return NonFiniteLossError(
        f"The training loss of {who} became {value} at step {step} (batch {batch} of epoch "
        f"{epoch}); training stopped there, as every weight would be NaN after it. Fix: lower "
        f"the learning rate (lr was {lr:g}), check the inputs for NaN or infinite values, or "
        f"initialise the weights smaller.")


def split_outputs(outputs):
    """(main logits, [auxiliary logits]) from a model's output."""
    if isinstance(outputs, (tuple, list)):
        return outputs[0], list(outputs[1:])
    return outputs, []


def total_loss(outputs, targets, aux_weight: float = 0.3):
    """Cross-entropy of the main output plus `aux_weight` times each auxiliary head's."""
    main, aux = split_outputs(outputs)
    loss = F.cross_entropy(main, targets)
    for logits in aux:
        loss = loss + aux_weight * F.cross_entropy(logits, targets)
    return main, loss


@torch.no_grad()
def evaluate(model: nn.Module, batches, device=None) -> tuple[float, float]:
    """Mean cross-entropy and error rate (0-1) of the model in eval mode."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    loss_sum, wrong, count = 0.0, 0, 0
    for x, y in fast_dev_limit(batches):
        x, y = x.to(device), y.to(device)
        logits, _ = split_outputs(model(x))
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        wrong += (logits.argmax(1) != y).sum().item()
        count += len(y)
    model.train(was_training)
    return loss_sum / count, wrong / count


@torch.no_grad()
def mistakes(model: nn.Module, batches, device=None) -> torch.Tensor:
    """A bool per example of `batches`, in their order: True where the model (in eval mode)
    gets it wrong. Two models' mistakes on the same test images give a paired comparison
    (`verdicts.paired_gap`)."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    wrong = []
    for x, y in fast_dev_limit(batches):
        logits, _ = split_outputs(model(x.to(device)))
        wrong.append((logits.argmax(1) != y.to(device)).cpu())
    model.train(was_training)
    return torch.cat(wrong)


def fit(model: nn.Module, train_batches, test_batches=None, *, epochs: int = 1,
        lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0,
        optimizer: torch.optim.Optimizer | None = None, scheduler=None,
        aux_weight: float = 0.3, after_backward=None, seed: int | None = 0,
        device=None, label: str = "", progress: bool | None = None,
        train_eval_batches=None, stop_at: tuple[str, float] | None = None) -> History:
    """Train `model` and return its History.

    Arguments:
        train_batches, test_batches: iterables of ``(x, y)``, such as
            `reading_group.batches.Batches`.
        lr, momentum, weight_decay: for the default optimiser, SGD.
        optimizer: use this one instead.
        scheduler: a function ``optimizer -> torch.optim.lr_scheduler`` stepped each epoch;
            ``ReduceLROnPlateau`` is stepped with the test loss (the training loss without a
            test set).
        aux_weight: weight of auxiliary heads' losses when the model returns several outputs.
        after_backward: ``f(model, step)`` called after each backward pass, before the update
            (for gradient probes).
        seed: seeds PyTorch before training, so dropout masks repeat run to run.
        progress: show a progress bar (default: unless `RG_PROGRESS=0`).
        train_eval_batches: training images without augmentation; when given, each epoch
            also records ``clean_train_loss`` and ``clean_train_error``, measured on them in
            eval mode (no dropout masks, weights as they are at the epoch's end), beside the
            running averages of ``train_loss`` and ``train_error``.
        stop_at: ``(key, target)``, such as ``("train_error", 0.25)``: stop after the first
            epoch whose `key` is at or below `target` (AlexNet's Figure 1 times nets to a
            training error); `epochs` is then the most it may take.

    A NaN or infinite loss stops training with a `NonFiniteLossError` naming the step, the
    epoch and `label`. On the CPU it is caught at once, before its backward pass. On a GPU
    a check per step would wait for the GPU at every step, so the epoch's summed loss
    (read back at the epoch's end anyway) shows it, and that epoch's losses, kept on the
    device, name the first bad step. The check reads values only: results do not change.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    device = torch.device(device) if device else default_device()
    if seed is not None:
        torch.manual_seed(seed)
    model.to(device)
    opt = optimizer or torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                                       weight_decay=weight_decay)
    sched = scheduler(opt) if scheduler else None
    history = History(label)
    step = 0
    per_epoch = len(train_batches)
    if fast_dev_run():
        epochs, per_epoch = min(epochs, FAST_DEV_EPOCHS), min(per_epoch, FAST_DEV_BATCHES)
    bar = tqdm(total=epochs * per_epoch, desc=label or "training", unit="batch",
               disable=not (progress_enabled() if progress is None else progress),
               mininterval=0.5)
    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        wrong = torch.zeros((), device=device, dtype=torch.int64)
        count = 0
        losses = []  # this epoch's losses, on an accelerator only (see the docstring)
        for batch, (x, y) in enumerate(fast_dev_limit(train_batches), 1):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            main, loss = total_loss(model(x), y, aux_weight)
            if device.type != "cpu":
                losses.append(loss.detach())
            elif not torch.isfinite(loss.detach()):
                bar.close()
                raise non_finite_loss(loss.item(), step=step + 1, batch=batch, epoch=epoch,
                                      label=label, model=model, lr=opt.param_groups[0]["lr"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if after_backward is not None:
                after_backward(model, step)
            opt.step()
            step += 1
            loss_sum += loss.detach() * len(y)
            wrong += (main.detach().argmax(1) != y).sum()
            count += len(y)
            bar.update()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        train_loss = loss_sum.item() / count
        finite = torch.isfinite(torch.stack(losses)).cpu() if (
            losses and not math.isfinite(train_loss)) else None
        if finite is not None and not finite.all():
            first = int((~finite).nonzero()[0])
            bar.close()
            raise non_finite_loss(losses[first].item(), step=step - len(losses) + first + 1,
                                  batch=first + 1, epoch=epoch, label=label, model=model,
                                  lr=opt.param_groups[0]["lr"])
        record = {"epoch": epoch, "train_loss": train_loss,
                  "train_error": wrong.item() / count, "test_loss": None, "test_error": None,
                  "seconds": seconds, "lr": opt.param_groups[0]["lr"]}
        if test_batches is not None:
            record["test_loss"], record["test_error"] = evaluate(model, test_batches, device)
        if train_eval_batches is not None:
            record["clean_train_loss"], record["clean_train_error"] = evaluate(
                model, train_eval_batches, device)
        history.epochs.append(record)
        stop = stop_at is not None and record[stop_at[0]] is not None and \
            record[stop_at[0]] <= stop_at[1]
        test_error = record["test_error"]
        bar.set_postfix(train_err=f"{record['train_error']:.3f}",
                        test_err="-" if test_error is None else f"{test_error:.3f}")
        if sched is not None:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(record["test_loss"] if record["test_loss"] is not None
                           else record["train_loss"])
            else:
                sched.step()
        if stop:
            break
    bar.close()
    return history


@torch.no_grad()
def view_probs(model: nn.Module, views: torch.Tensor, batches, chunk: int = 500) -> torch.Tensor:
    """Softmax outputs ``[V, N, classes]`` for uint8 views ``[V, N, 3, H, W]``.

    `batches` is a test `batches.Batches` (no augmentation): its `make` normalises each view
    as training batches were. The model runs in eval mode and is left in the mode it had.
    A fast development run scores the first two chunks of images only (``N`` is then at most
    ``2 * chunk``): callers compare with the labels of ``N`` images, not of all.
    """
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    starts = list(fast_dev_limit(range(0, views.shape[1], chunk)))
    out = []
    for view in views:
        out.append(torch.cat([F.softmax(model(batches.make(view[i:i + chunk]).to(dev)), dim=1)
                              for i in starts]))
    model.train(was_training)
    return torch.stack(out).cpu()


DROPOUT_TYPES = (nn.Dropout, Dropout)


@torch.no_grad()
def mask_log_probs(model: nn.Module, x: torch.Tensor, n_masks: int) -> torch.Tensor:
    """Log-softmax outputs ``[n_masks, N, classes]`` of `n_masks` passes over x, each with
    fresh dropout masks: the model runs in eval mode except for its dropout layers.

    Averaging the softmax of these passes estimates the average prediction of the thinned
    nets that dropout trains; AlexNet (Section 4.2) instead runs every unit once with its
    output scaled, which the paper calls a reasonable approximation of the geometric mean of
    those predictions. With inverted dropout that scaled pass is the ordinary eval pass.
    The model's train/eval modes are restored afterwards. Each pass is an evaluation loop:
    a fast development run makes at most two (`profiles.FAST_DEV_BATCHES`), so callers
    count the passes they got with ``len(...)``.
    """
    if fast_dev_run():
        n_masks = min(n_masks, FAST_DEV_BATCHES)
    modes = {m: m.training for m in model.modules()}
    model.eval()
    for m in model.modules():
        if isinstance(m, DROPOUT_TYPES):
            m.train()
    try:
        return torch.stack([F.log_softmax(model(x), dim=-1) for _ in range(n_masks)])
    finally:
        for m, mode in modes.items():
            m.training = mode
