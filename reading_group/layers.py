"""The paper-era pieces written out, so a notebook can show the arithmetic behind a layer.

Each is checked in the tests against PyTorch's own module or function. This module grows
with the notebooks: convolution written out, LRN, dropout, activations by name.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv2d_loops(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                 stride: int = 1) -> torch.Tensor:
    """A 2-D convolution (no padding) as loops over output positions: one dot product each.

    This is the definition, and about as slow as Python can make it: every output position
    multiplies one input patch ``[C_in, k, k]`` by all ``C_out`` kernels. (Like every deep
    learning library, it computes cross-correlation: the kernel is not flipped.)
    """
    n, c_in, h, w = x.shape
    c_out, _, k, _ = weight.shape
    h_out, w_out = (h - k) // stride + 1, (w - k) // stride + 1
    kernels = weight.reshape(c_out, -1)
    out = torch.empty(n, c_out, h_out, w_out, dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride, j * stride
            patch = x[:, :, top:top + k, left:left + k].reshape(n, -1)
            out[:, :, i, j] = patch @ kernels.T
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out


def conv2d_unfold(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                  stride: int = 1) -> torch.Tensor:
    """The same convolution as one matrix product ("im2col"), the trick fast libraries use.

    `F.unfold` copies every patch into a column, ``[N, C_in*k*k, L]``; one matrix product
    with the kernels ``[C_out, C_in*k*k]`` then gives all outputs at once.
    """
    n, _, h, w = x.shape
    c_out, _, k, _ = weight.shape
    h_out, w_out = (h - k) // stride + 1, (w - k) // stride + 1
    columns = F.unfold(x, kernel_size=k, stride=stride)
    out = weight.reshape(c_out, -1) @ columns
    if bias is not None:
        out += bias.view(1, -1, 1)
    return out.view(n, c_out, h_out, w_out)


def conv_params(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    """Weights (and biases) of a k x k convolution from c_in to c_out channels."""
    return c_out * c_in * k * k + (c_out if bias else 0)


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Weights (and biases) of a fully connected layer from n_in to n_out units."""
    return n_in * n_out + (n_out if bias else 0)


def conv_output_size(size: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Output side of a convolution or pooling: floor((size + 2 padding - k) / stride) + 1."""
    return (size + 2 * padding - k) // stride + 1


# ---------------------------------------------------------------------------------------
# Local Response Normalization (AlexNet, Section 3.3)


def local_response_norm(a: torch.Tensor, n: int = 5, k: float = 2.0, alpha: float = 1e-4,
                        beta: float = 0.75) -> torch.Tensor:
    """The paper's formula, written out over channels of ``[N, C, H, W]`` activities:

        b[i] = a[i] / (k + alpha * sum_{j = i - n//2}^{i + n//2} a[j]**2) ** beta

    with the sum clipped at the first and last channel. The paper's n is odd (5); for an even
    n the window takes n channels, one more before i than after, as PyTorch's module does.
    The paper's text sums without dividing by n (its constants: k=2, n=5, alpha=1e-4,
    beta=0.75); `torch.nn.LocalResponseNorm`, Caffe and the authors' cuda-convnet divide the
    sum by n, so their alpha is n times the paper's for the same result (see `pytorch_alpha`).
    """
    squares = a.pow(2)
    channels = a.shape[1]
    total = torch.zeros_like(a)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + (n - 1) // 2)
        total[:, i] = squares[:, lo:hi + 1].sum(dim=1)
    return a / (k + alpha * total).pow(beta)


def pytorch_alpha(paper_alpha: float, n: int) -> float:
    """The alpha `torch.nn.LocalResponseNorm` needs to compute the paper's formula: n times
    larger."""
    return paper_alpha * n


def lrn_window_sums(a: torch.Tensor, n: int = 5) -> torch.Tensor:
    """The sum in LRN's denominator: for each channel i of ``[N, C, H, W]`` activities, the
    sum of squares over the n channels from i - n//2 to i + (n-1)//2, clipped at the first
    and last channel as in `local_response_norm`.

    ``alpha * S / k`` says how much LRN does to a unit: near 0 it only multiplies by the
    fixed gain ``k**-beta``; from about 1 upwards it damps the unit on top of that.
    """
    padded = F.pad(a.pow(2), (0, 0, 0, 0, n // 2, (n - 1) // 2))
    return padded.unfold(1, n, 1).sum(-1)


class LocalResponseNorm(nn.LocalResponseNorm):
    """LRN with the paper's constants and convention (sum not divided by n), computed by
    PyTorch's fast module with alpha converted by `pytorch_alpha`."""

    def __init__(self, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75):
        super().__init__(n, alpha=pytorch_alpha(alpha, n), beta=beta, k=k)
        self.paper_alpha = alpha

    def extra_repr(self):
        return f"n={self.size}, k={self.k}, alpha={self.paper_alpha} (paper's), beta={self.beta}"


# ---------------------------------------------------------------------------------------
# Dropout (AlexNet, Section 4.2)


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True, *, inverted: bool = True,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero each activation with probability p.

    Inverted (the default, as `nn.Dropout`): survivors are scaled by 1/(1-p) while training,
    so the expected activation is unchanged and the test-time pass is the identity. The
    paper's form (`inverted=False`) leaves survivors as they are while training and
    multiplies every output by 1-p at test time ("multiply their outputs by 0.5"); both give
    the same expected output at train and test time.
    """
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training:
        return x if inverted else x * (1 - p)
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p) if inverted else x * keep


class Dropout(nn.Module):
    """`dropout` as a module; `inverted=False` gives the paper's test-time scaling."""

    def __init__(self, p: float = 0.5, inverted: bool = True):
        super().__init__()
        self.p, self.inverted = p, inverted

    def forward(self, x):
        return dropout(x, self.p, self.training, inverted=self.inverted)

    def extra_repr(self):
        return f"p={self.p}, inverted={self.inverted}"


def dropout_statistics(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Three numbers that say what a dropout layer did to x, as a tensor:

    - the share of outputs zeroed among inputs that were not zero (dropout's p);
    - mean(out) / mean(x): 1 when the expected activation is kept (inverted dropout in
      training, or any dropout at test time), 1-p for the paper's form while training;
    - mean(out**2) / mean(x**2): 1/(1-p) for inverted dropout in training (the survivors,
      scaled by 1/(1-p), carry the extra spread), 1-p for the paper's form, 1 when nothing
      was dropped.

    Random masks make them random too, but over a million activations each is within a few
    thousandths of its expected value, so two correct dropouts give nearly the same numbers
    and a wrong scaling stands out (used to check a reader's dropout against `nn.Dropout`).
    """
    x, out = x.double().flatten(), out.double().flatten()
    nonzero = x != 0
    zeroed = (out[nonzero] == 0).double().mean()
    return torch.stack([zeroed, out.mean() / x.mean(), out.pow(2).mean() / x.pow(2).mean()])


# ---------------------------------------------------------------------------------------
# Activations by name

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def activation(name: str) -> nn.Module:
    """A fresh activation module by name: relu, tanh or sigmoid."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"Unknown activation {name!r}; "
                         f"choose from {', '.join(ACTIVATIONS)}") from None


def derivative(fn, x: torch.Tensor) -> torch.Tensor:
    """The derivative of an elementwise function at every point of x, by autograd.

    For a function that acts on each element alone (an activation), the gradient of the sum
    of its outputs is, element by element, its derivative: d/dx_i sum_j f(x_j) = f'(x_i).
    At ReLU's kink, x = 0, PyTorch takes the derivative to be 0.
    """
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn(x).sum(), x)
    return grad
