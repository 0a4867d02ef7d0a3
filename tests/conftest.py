"""Shared fixtures for the unit tests of `reading_group`.

Every test runs with the package's environment variables cleared and pointed at temporary
directories, on the CPU, with the network switched off: no test reads the real data/ or
writes the real results/, and none needs CIFAR-10 or a download.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import reading_group.data as rg_data  # noqa: E402

RG_VARIABLES = ("RG_PROFILE", "RG_DATA_DIR", "RG_RESULTS_DIR", "RG_DATASET", "RG_DEVICE",
                "RG_PROGRESS", "RG_FAST_DEV_RUN")


def pytest_configure(config):
    # torchvision 0.29 deprecates its image decoders (in favour of TorchCodec) with a warning
    # per decoded file; the tests decode hundreds of tiny files.
    config.addinivalue_line(
        "filterwarnings", "ignore:The image decoding and encoding capabilities:DeprecationWarning")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Clean RG_* variables, temporary data and results directories, CPU, no network."""
    for name in RG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RG_DATA_DIR", str(tmp_path / "rg-data"))
    monkeypatch.setenv("RG_RESULTS_DIR", str(tmp_path / "rg-results"))
    monkeypatch.setenv("RG_DEVICE", "cpu")

    def no_network(*args, **kwargs):
        raise AssertionError("a unit test tried to download")

    monkeypatch.setattr(rg_data, "network_reachable", lambda *a, **k: False)
    monkeypatch.setattr(rg_data, "_torchvision_download", no_network)
    yield
    plt.close("all")


def write_image_tree(root, classes, n_train=3, n_test=2, size=32, suffix=".png", seed=0):
    """An ImageFolder tree root/{train,test}/<class>/<i><suffix> of random RGB images.

    Returns {split: (images uint8 [N, 3, size, size], labels [N])} in class order, as the
    files were written (exact for lossless formats).
    """
    rng = np.random.default_rng(seed)
    written = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = [], []
        for label, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{i:03d}{suffix}")
                images.append(pixels.transpose(2, 0, 1))
                labels.append(label)
        written[split] = (np.stack(images), np.array(labels))
    return written


@pytest.fixture
def image_tree(tmp_path):
    """A tiny CIFAR-10 ImageFolder tree, tmp_path/data/cifar10: 3 train, 2 test PNGs a class."""
    root = tmp_path / "data"
    written = write_image_tree(root / "cifar10", rg_data.CIFAR10_CLASSES)
    return root, written


def load_tool(name):
    """The script tools/<name>.py as a module (tools/ is a folder of scripts, not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tools_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
