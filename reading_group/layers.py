"""The paper-era pieces written out, so a notebook can show the arithmetic behind a layer.

Each is checked in the tests against PyTorch's own module or function. This module grows
with the notebooks (LRN, dropout, Inception, residual blocks); it starts with convolution.
"""

from __future__ import annotations

import torch
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
