"""Checking a reader's answer to a "Try it yourself" exercise against a reference.

In the style of CS231n's assignments: the reader's function and the reference run on the
same inputs, and the relative error is printed beside each case, so a near miss shows how
near. A function that still raises ``NotImplementedError`` reports "not done yet" instead
of failing the notebook.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Result:
    passed: bool
    worst_error: float
    done: bool = True

    def __bool__(self):
        return self.passed


def relative_error(a, b) -> float:
    """||a - b|| / max(||a||, ||b||): the size of the mistake against the size of the answer.

    Measured on whole tensors rather than element by element, so entries near zero (a
    centred image has many) do not turn rounding noise into a large relative error.
    Different shapes give infinity.
    """
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    if a.shape != b.shape:
        return float("inf")
    scale = max(a.norm().item(), b.norm().item())
    return (a - b).norm().item() / scale if scale > 0 else 0.0


def check(answer, reference, cases, *, tolerance: float = 1e-6, name: str | None = None) -> Result:
    """Run `answer(*case)` and `reference(*case)` for each case and print the relative error."""
    name = name or getattr(answer, "__name__", "answer")
    worst = 0.0
    for case in cases:
        case = case if isinstance(case, tuple) else (case,)
        try:
            got = answer(*case)
        except NotImplementedError:
            print(f"{name}: not done yet (it raises NotImplementedError).")
            return Result(False, float("inf"), done=False)
        err = relative_error(got, reference(*case))
        worst = max(worst, err)
        shown = ", ".join(_short(c) for c in case)
        verdict = "ok" if err <= tolerance else "WRONG"
        print(f"  {name}({shown}): relative error {err:.1e} {verdict}")
    passed = worst <= tolerance
    print(f"{name}: {'correct' if passed else 'not yet right'} "
          f"(worst relative error {worst:.1e}, tolerance {tolerance:.0e}).")
    return Result(passed, worst)


def _short(value) -> str:
    if torch.is_tensor(value):
        return f"tensor{tuple(value.shape)}"
    if isinstance(value, torch.nn.Module):
        return f"{type(value).__name__}(...)"
    return repr(value)
