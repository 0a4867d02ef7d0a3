"""Profiles, per-profile settings, device choice and seeding.

A profile says how big an experiment runs. `RG_PROFILE` picks one:

- ``smoke``: the synthetic stand-in data, a few hundred images, one epoch. Every code path
  runs in seconds; the test suite uses it.
- ``standard`` (the default): real CIFAR-10, sized so a notebook finishes in about ten
  minutes on a two-core laptop CPU.
- ``paper``: the papers' schedules and sizes where one GPU allows.

A notebook states what each profile runs in one visible cell::

    S = rg.settings(
        smoke=dict(n_train=500, epochs=1),
        standard=dict(n_train=10_000, epochs=8),
        paper=dict(n_train=50_000, epochs=90),
    )
    S.epochs   # the value for the active profile

`RG_FAST_DEV_RUN=1` (after PyTorch Lightning's ``fast_dev_run``) runs any profile's code
with every loop cut to two batches (`fast_dev_run`): a check that the code path runs, for
the `paper` profile on a machine without a GPU. Its numbers mean nothing, and the page
says so where the settings are shown.
"""

from __future__ import annotations

import itertools
import os
import random

import numpy as np
import torch

from .tables import Table

PROFILES = ("smoke", "standard", "paper")
DEFAULT_PROFILE = "standard"
FAST_DEV_BATCHES = 2
"""How many batches every training and evaluation loop runs in a fast development run."""
FAST_DEV_EPOCHS = 1
"""How many epochs `train.fit` runs at most in a fast development run (one, as Lightning's
``fast_dev_run``): the end-of-epoch path (evaluation, the schedule's step) still runs once."""
_EPOCHS = f"{FAST_DEV_EPOCHS} epoch{'s' if FAST_DEV_EPOCHS != 1 else ''}"
FAST_DEV_WARNING = ("FAST DEVELOPMENT RUN (RG_FAST_DEV_RUN=1): every training and evaluation "
                    f"loop stops after {FAST_DEV_BATCHES} batches, training after {_EPOCHS}, "
                    "and no verdict is checked or recorded. The numbers on this page are "
                    "meaningless.")


class ProfileError(ValueError):
    """An unknown profile name, or settings that do not cover every profile."""


def active() -> str:
    """The profile named by `RG_PROFILE` (``standard`` when unset)."""
    name = os.environ.get("RG_PROFILE", "").strip() or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ProfileError(
            f"RG_PROFILE={name!r} is not a profile. Valid profiles: {', '.join(PROFILES)}. "
            f"Set it with, for example, `RG_PROFILE=smoke make run`."
        )
    return name


class Settings:
    """The per-profile values of a notebook; attribute access gives the active profile's.

    Shown in a notebook, it prints a table of every profile's values with the active one
    marked, so a reader sees what the other profiles would run.
    """

    def __init__(self, per_profile: dict[str, dict], profile: str):
        self._per_profile = per_profile
        self.profile = profile
        self._values = dict(per_profile[profile])

    def __getattr__(self, key):
        values = self.__dict__.get("_values", {})
        if key in values:
            return values[key]
        raise AttributeError(
            f"No setting named {key!r}. Settings here: {', '.join(sorted(values))}."
        )

    def as_dict(self) -> dict:
        return dict(self._values)

    def table(self) -> Table:
        columns = ["setting"] + [
            f"{p} (active)" if p == self.profile else p for p in PROFILES
        ]
        rows = [
            [key] + [self._per_profile[p][key] for p in PROFILES] for key in self._values
        ]
        return Table(columns, rows, title=f"Profile: {self.profile}")

    def __repr__(self):
        warning = f"{FAST_DEV_WARNING}\n\n" if fast_dev_run() else ""
        return warning + repr(self.table())

    def _repr_html_(self):
        warning = ('<div style="border:3px solid #c00;background:#fee;padding:8px;'
                   f'font-weight:bold">&#9888; {FAST_DEV_WARNING}</div>') if fast_dev_run() else ""
        return warning + self.table()._repr_html_()


def settings(*, smoke: dict, standard: dict, paper: dict, profile: str | None = None) -> Settings:
    """Pick a notebook's values for the active profile.

    Every profile must name the same settings, so that switching profile never meets a
    missing value half-way through a notebook.
    """
    if profile is not None and profile not in PROFILES:
        raise ProfileError(f"{profile!r} is not a profile. Valid profiles: {', '.join(PROFILES)}.")
    per_profile = {"smoke": smoke, "standard": standard, "paper": paper}
    keys = {p: set(v) for p, v in per_profile.items()}
    union = set().union(*keys.values())
    for p, k in keys.items():
        if k != union:
            missing = ", ".join(sorted(union - k))
            raise ProfileError(f"Profile {p!r} lacks settings: {missing}.")
    return Settings(per_profile, profile or active())


def _flag(name: str, default: bool) -> bool:
    """An on/off environment variable: 0, false, no or off (any case) mean off; unset or
    empty, the default."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def progress_enabled() -> bool:
    """Whether to show progress bars: `RG_PROGRESS=0` turns them off.

    `make run` turns them off, because a notebook executed headless would store each bar's
    first frame ("0%") as its output, which is what a reader would see on GitHub.
    """
    return _flag("RG_PROGRESS", default=True)


def fast_dev_run() -> bool:
    """Whether `RG_FAST_DEV_RUN` asks for a fast development run.

    Then `batches.Batches`, `train.fit`, `train.evaluate` and `train.mistakes` stop after
    `FAST_DEV_BATCHES` batches, `train.fit` after `FAST_DEV_EPOCHS` epochs,
    `verdicts.Record` checks no claim and writes nothing, and a notebook's settings cell
    shows `FAST_DEV_WARNING`.
    """
    return _flag("RG_FAST_DEV_RUN", default=False)


def fast_dev_limit(batches):
    """`batches` itself, or in a fast development run its first `FAST_DEV_BATCHES` items."""
    return itertools.islice(batches, FAST_DEV_BATCHES) if fast_dev_run() else batches


class DeviceError(ValueError):
    """A device (`RG_DEVICE` or an argument) that is misspelt or not on this machine."""


def available_devices() -> list[str]:
    """The devices this machine can train on, such as ``["cpu", "cuda:0", "cuda:1"]``."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())] or ["cuda"]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def device(prefer: str | None = None) -> torch.device:
    """CUDA when present, then Apple's MPS, then the CPU; `RG_DEVICE` (or `prefer`) overrides.

    A device named there is checked here, up front: a misspelt name, or ``cuda`` or ``mps``
    on a machine without one, is a `DeviceError` naming where it was set and what this
    machine has, instead of an error from deep inside PyTorch at the first tensor moved.
    """
    where = "device" if prefer else "RG_DEVICE"
    name = prefer if prefer else os.environ.get("RG_DEVICE", "")
    name = str(name).strip()
    if name:
        return checked_device(name, where)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def checked_device(name: str, where: str = "RG_DEVICE") -> torch.device:
    """`torch.device(name)` once it is known to exist on this machine."""
    available = available_devices()
    fix = (f"This machine has: {', '.join(available)}. Fix: set {where} to one of them "
           f"(or unset RG_DEVICE to pick the best one).")
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        raise DeviceError(f"{where}={name!r} is not a device name. {fix}") from None
    if dev.type in ("cpu", "meta"):
        return dev
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError(f"{where}={name!r} asks for a CUDA GPU, but PyTorch finds none "
                              f"here (torch.cuda.is_available() is False). {fix}")
        if dev.index is not None and dev.index >= count:
            raise DeviceError(f"{where}={name!r} asks for GPU {dev.index}, but there are "
                              f"{count}. {fix}")
        return dev
    backend = getattr(torch.backends, dev.type, None) or getattr(torch, dev.type, None)
    is_available = getattr(backend, "is_available", None)
    if is_available is None or not is_available():
        raise DeviceError(f"{where}={name!r} names a {dev.type} device, which this machine "
                          f"does not have. {fix}")
    return dev


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
