"""Looking inside a model: a per-layer table (output shape, parameters, FLOPs) and gradient norms.

FLOPs come from PyTorch's own `torch.utils.flop_counter.FlopCounterMode`, which counts a
multiply-add as two FLOPs and counts only matrix products and convolutions (their biases,
activations, pooling and normalisation are not counted: they are a small share of the
total in every net of the series). The papers quote multiply-adds: GoogLeNet's "1.5 billion
multiply-adds" is 3 billion FLOPs in this count; `macs` gives the papers' unit.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from .tables import Table


def leaf_modules(model: nn.Module):
    """(name, module) for every module without children, in registration order."""
    return [(n, m) for n, m in model.named_modules() if n and not list(m.children())]


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def layer_table(model: nn.Module, input_shape=(1, 3, 32, 32), *, modules=None,
                title: str | None = None) -> Table:
    """One row per layer: name, type, output shape (without the batch), parameters, FLOPs.

    `modules` lists the (name, module) pairs to report (default: every leaf module); a row's
    parameters and FLOPs include everything inside that module. FLOPs are for one image.
    """
    modules = modules if modules is not None else leaf_modules(model)
    shapes = {}
    hooks = [m.register_forward_hook(lambda _m, _i, out, name=name: shapes.__setitem__(
        name, tuple(out.shape[1:]) if torch.is_tensor(out) else None)) for name, m in modules]
    param = next(model.parameters(), None)
    x = torch.zeros(input_shape, device=param.device if param is not None else None)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    counts = counter.get_flop_counts()
    prefix = type(model).__name__
    batch = input_shape[0]
    rows = []
    for name, m in modules:
        flops = sum(counts.get(f"{prefix}.{name}", {}).values()) // batch
        rows.append([name, type(m).__name__, shapes.get(name), count_params(m), flops])
    rows.append(["total", "", None, count_params(model),
                 sum(counts.get("Global", {}).values()) // batch])
    return Table(["layer", "type", "output shape", "params", "FLOPs"], rows, title=title)


def flops(model: nn.Module, input_shape=(1, 3, 32, 32)) -> int:
    """FLOPs of one forward pass for one image (a multiply-add counts two)."""
    return layer_table(model, input_shape).rows[-1][-1]


def macs(model: nn.Module, input_shape=(1, 3, 32, 32)) -> int:
    """Multiply-adds of one forward pass for one image, the unit the papers quote."""
    return flops(model, input_shape) // 2


def gradient_norms(model: nn.Module, kind=(nn.Conv2d, nn.Linear)) -> dict[str, float]:
    """L2 norm of each layer's weight gradient, for layers of the given types, after backward."""
    out = {}
    for name, m in model.named_modules():
        if isinstance(m, kind) and m.weight.grad is not None:
            out[name] = m.weight.grad.norm().item()
    return out


def layer_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                         loss_fn=nn.functional.cross_entropy, kind=(nn.Conv2d, nn.Linear)):
    """One forward and backward pass on (x, y); the per-layer weight-gradient norms.

    The model's gradients are zeroed before and left in place after, so a caller can look
    further; its training/eval mode is not changed.
    """
    model.zero_grad(set_to_none=True)
    out = model(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    loss_fn(out, y).backward()
    return gradient_norms(model, kind)


def relu_outputs(model: nn.Module, x: torch.Tensor, kind=nn.ReLU) -> dict[str, torch.Tensor]:
    """The output of every activation module of type `kind` for input x (no gradients)."""
    captured = {}
    hooks = [m.register_forward_hook(lambda _m, _i, out, name=name: captured.__setitem__(
        name, out.detach())) for name, m in model.named_modules() if isinstance(m, kind)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return captured


def sparsity(model: nn.Module, x: torch.Tensor, kind=nn.ReLU) -> dict[str, float]:
    """Fraction of exactly-zero outputs of each activation module, on input x."""
    return {name: (out == 0).float().mean().item()
            for name, out in relu_outputs(model, x, kind).items()}


def peak_share(a: torch.Tensor, dim: int = 1) -> float:
    """The largest response's share of the total along `dim`, averaged over the other positions.

    For non-negative activities (after a ReLU): ``max / sum`` across the channels at each
    pixel of ``[N, C, H, W]`` maps (``dim=1``), or of one channel profile ``[C]``
    (``dim=0``). 1 means one channel carries the whole response, 1/C that all are equal.
    Positions where every response is zero have no share and are left out. Used to ask
    whether a normalisation (AlexNet's LRN, Section 3.3) sharpens the peak of a profile.
    """
    if (a < 0).any():
        raise ValueError("peak_share needs non-negative activities (after a ReLU)")
    total = a.sum(dim)
    active = total > 0
    if not active.any():
        raise ValueError("every response is zero: no peak to measure")
    return (a.amax(dim)[active] / total[active]).mean().item()


def dead_units(model: nn.Module, batches, kind=nn.ReLU, device=None) -> dict[str, torch.Tensor]:
    """For each activation module, a boolean per unit (per channel for conv maps): True when
    the unit never gave a positive output on any image of `batches`. The model's mode is
    left as it is: call `model.eval()` first to measure without dropout."""
    device = device or next(model.parameters()).device
    fired: dict[str, torch.Tensor] = {}
    for x, _ in batches:
        for name, out in relu_outputs(model, x.to(device), kind).items():
            positive = out > 0
            if out.ndim > 2:
                positive = positive.transpose(0, 1).flatten(1).T
            now = positive.any(dim=0)
            fired[name] = fired[name] | now if name in fired else now
    return {name: ~f for name, f in fired.items()}


def first_conv_name(model: nn.Module) -> str:
    """The name of the first convolution of `model` (in registration order)."""
    return next(name for name, m in model.named_modules() if isinstance(m, nn.Conv2d))


def trunk_gradient_norms(model: nn.Module) -> dict[str, float]:
    """`gradient_norms` of a net's own layers, auxiliary heads left out.

    A net wrapped with heads (`auxiliary.WithAuxiliaryHeads`, which keeps the bare net as
    ``.model`` and the heads as ``.heads``) reports the bare net's layers under the bare
    net's names, so a net with and without heads give the same names.
    """
    inner = getattr(model, "model", None)
    if isinstance(inner, nn.Module) and hasattr(model, "heads"):
        return gradient_norms(inner)
    return gradient_norms(model)


def row_costs(model: nn.Module, rows: dict[str, list[str]], input_size: int = 224) -> dict:
    """``{row: (output shape (C, H, W), params, FLOPs)}`` for one image, the submodules of
    each row taken together (output shape: that of the row's last submodule)."""
    names = [n for members in rows.values() for n in members]
    modules = [(n, model.get_submodule(n)) for n in names]
    table = {r[0]: r for r in layer_table(model, (1, 3, input_size, input_size),
                                          modules=modules).rows}
    out = {}
    for row, members in rows.items():
        shape = table[members[-1]][2]
        out[row] = (shape, sum(table[n][3] for n in members), sum(table[n][4] for n in members))
    return out
