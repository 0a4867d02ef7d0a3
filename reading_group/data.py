"""CIFAR-10, any ImageFolder tree, and a synthetic stand-in, held as uint8 tensors.

Every notebook trains on images held in memory as ``uint8`` tensors of shape
``[N, 3, H, W]``: CIFAR-10 is 180 MB that way, small enough that no data loader, worker
process or per-image PIL call is needed (see `reading_group.batches` for the augmentation
done on whole batches).

`load()` looks for CIFAR-10 under `RG_DATA_DIR` (default ``data/`` at the project's top
level) in this order:

1. torchvision's own files, ``cifar-10-batches-py/``, as its download leaves them;
2. an ImageFolder tree, ``cifar10/train/<class>/*`` and ``cifar10/test/<class>/*``;
3. torchvision's download, when the network allows;
4. otherwise the synthetic stand-in, with a warning the page shows.

Decoded images are cached under ``<data dir>/cache/`` so the second load takes about a
second. The cache is keyed on every image file's path, size and modification time (a file
moved to another class folder rebuilds it) and holds a SHA-256 of its tensors, checked on
every read: a damaged cache is rebuilt, with a warning. A cache that cannot be written (a
read-only data folder on a shared machine) is a warning, not an error. Bad input (a missing,
extra or empty class folder, an unreadable image or link, images of mixed sizes, a
download that stopped half-way, an unknown dataset name, a subset of no images) is a
`DataError` (a `ValueError` for a bad argument) naming the problem and the fix; nothing
trains on garbage.

CIFAR-10: Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
"""

from __future__ import annotations

import contextlib
import hashlib
import numbers
import os
import socket
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision.io import ImageReadMode, decode_image, read_file

from . import profiles
from .paths import data_dir

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
DATASETS = ("cifar10", "synthetic")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}
CACHE_VERSION = 3
"""3: the fingerprint hashes every file's path, size and time; a SHA-256 of the tensors."""
CACHED_TENSORS = ("train_images", "train_labels", "test_images", "test_labels")
DOWNLOAD_HOST = ("www.cs.toronto.edu", 443)


class DataError(RuntimeError):
    """Data that cannot be trusted; the message names the problem and the fix."""


class SyntheticDataWarning(UserWarning):
    """Raised when real data was asked for but the synthetic stand-in is used instead."""


class CacheWarning(UserWarning):
    """The cache of decoded images was damaged (and is rebuilt) or cannot be written."""


def check_count(name: str, value, *, allow_none: bool = True) -> None:
    """A number of images must be a whole number >= 1 (None: all of them, where allowed).

    Without this, ``n_train=0`` drew an empty subset (or, in `load`, the synthetic set's
    default size) and a negative number an empty one: training then failed far away, or
    ran on nothing.
    """
    if value is None and allow_none:
        return
    whole = not isinstance(value, bool) and isinstance(value, numbers.Real) and value == int(value)
    if not whole or value < 1:
        every = " (or None for every image)" if allow_none else ""
        raise ValueError(f"{name} must be a whole number of images >= 1{every}, got {value!r}. "
                         f"Fix: pass {name}= a positive count.")


@dataclass
class Split:
    """One split: uint8 images ``[N, 3, H, W]`` and int64 labels ``[N]``."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self):
        return len(self.labels)

    def subset(self, n: int | None, seed: int = 0) -> Split:
        """`n` images drawn at random, stratified by class (all of them when n is None)."""
        check_count("n", n)
        if n is None or n >= len(self):
            return self
        idx = stratified_indices(self.labels, n, seed)
        return Split(self.images[idx], self.labels[idx])

    def downsampled(self, factor: int) -> Split:
        """The images shrunk `factor` times on each side by area averaging (each output
        pixel the mean of a factor x factor block, rounded back to uint8)."""
        if int(factor) != factor or factor < 1:
            raise ValueError(f"factor must be a whole number >= 1, got {factor}")
        h, w = self.images.shape[-2:]
        if h % factor or w % factor:
            raise ValueError(f"{h}x{w} images do not divide into {factor}x{factor} blocks")
        if factor == 1:
            return self
        small = F.avg_pool2d(self.images.float(), int(factor)).round_().to(torch.uint8)
        return Split(small, self.labels)


@dataclass
class Dataset:
    """A train and a test split with their class names and where they came from."""

    name: str
    source: str
    classes: tuple[str, ...]
    train: Split
    test: Split
    _stats: dict = field(default_factory=dict, repr=False)

    @property
    def mean(self) -> torch.Tensor:
        """Per-channel mean of the training images, in [0, 1]."""
        if "mean" not in self._stats:
            self._stats["mean"] = channel_means(self.train.images)
        return self._stats["mean"]

    @property
    def std(self) -> torch.Tensor:
        """Per-channel standard deviation of the training images, in [0, 1]."""
        if "std" not in self._stats:
            x = self.train.images.float().div_(255)
            self._stats["std"] = x.transpose(0, 1).reshape(3, -1).std(dim=1)
        return self._stats["std"]

    def subset(self, n_train: int | None = None, n_test: int | None = None, seed: int = 0):
        """A copy with stratified random subsets of each split."""
        return Dataset(self.name, self.source, self.classes,
                       self.train.subset(n_train, seed), self.test.subset(n_test, seed + 1))

    def downsampled(self, factor: int) -> Dataset:
        """A copy with both splits shrunk `factor` times on each side by area averaging
        (`Split.downsampled`). Notebook 07 trains at 16x16 to buy optimisation steps on a
        CPU; the papers train at full size."""
        return Dataset(self.name, self.source, self.classes, self.train.downsampled(factor),
                       self.test.downsampled(factor))

    def __repr__(self):
        h, w = self.train.images.shape[-2:]
        return (f"{self.name}: {len(self.train):,} training and {len(self.test):,} test images, "
                f"{h}x{w} RGB, {len(self.classes)} classes (source: {self.source})")


def stratified_indices(labels: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """Indices of `n` items drawn at random with each class as equally represented as it can be.

    Files on disk are sorted by class, so the first N images of an ImageFolder hold one or
    two classes: a subset must be drawn, not sliced. Classes too small for their share give
    their remainder to the others.
    """
    g = torch.Generator().manual_seed(seed)
    classes = torch.unique(labels)
    pools = [torch.nonzero(labels == c).flatten() for c in classes]
    pools = [p[torch.randperm(len(p), generator=g)] for p in pools]
    quota = [0] * len(pools)
    left = n
    while left > 0:
        open_pools = [i for i, p in enumerate(pools) if quota[i] < len(p)]
        if not open_pools:
            break
        share = max(1, left // len(open_pools))
        for i in open_pools:
            take = min(share, len(pools[i]) - quota[i], left)
            quota[i] += take
            left -= take
            if left == 0:
                break
    picked = torch.cat([p[:q] for p, q in zip(pools, quota)])
    return picked[torch.randperm(len(picked), generator=g)]


def channel_means(images: torch.Tensor) -> torch.Tensor:
    """Per-channel mean of uint8 images, in [0, 1]."""
    return images.double().mean(dim=(0, 2, 3)).div(255).float()


def class_counts(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    return torch.bincount(labels, minlength=n_classes)


# ---------------------------------------------------------------------------------------
# Where the data lives


def requested_dataset() -> str:
    """`RG_DATASET` when set; otherwise synthetic in the smoke profile, CIFAR-10 elsewhere."""
    name = os.environ.get("RG_DATASET", "").strip()
    if not name:
        name = "synthetic" if profiles.active() == "smoke" else "cifar10"
    check_dataset_name(name)
    return name


def check_dataset_name(name: str) -> None:
    if name not in DATASETS:
        raise DataError(f"Unknown dataset {name!r}. Valid names: {', '.join(DATASETS)} "
                        f"(set RG_DATASET, or pass name= to load()).")


# ---------------------------------------------------------------------------------------
# Loading


def load(name: str | None = None, *, root: str | Path | None = None,
         n_train: int | None = None, n_test: int | None = None, seed: int = 0,
         allow_download: bool = True) -> Dataset:
    """Load CIFAR-10 (or the synthetic stand-in) and draw stratified subsets.

    `name` defaults to `requested_dataset()`. `n_train` and `n_test` draw random subsets
    stratified by class, reproducibly from `seed`.
    """
    check_count("n_train", n_train)
    check_count("n_test", n_test)
    name = name or requested_dataset()
    check_dataset_name(name)
    root = Path(root).expanduser() if root is not None else data_dir()
    if root.exists() and not root.is_dir():
        raise DataError(f"The data folder {root} is a file, not a folder. Fix: point RG_DATA_DIR "
                        f"(or root=) at a folder; it may be empty.")
    if name == "synthetic":
        return synthetic(n_train or 5_000, n_test or 1_000, seed=seed)
    ds = find_cifar10(root, allow_download=allow_download)
    if ds is None:
        announce_fallback(
            f"CIFAR-10 was not found under {root} and could not be downloaded: this page runs "
            f"on the SYNTHETIC STAND-IN, not on real images, and its numbers say nothing about "
            f"the papers' claims. To fix: extract CIFAR-10 into {root / 'cifar10'} "
            f"(train/<class>/*, test/<class>/*) or let torchvision download it into {root}."
        )
        ds = synthetic(n_train or 5_000, n_test or 1_000, seed=seed)
    return ds.subset(n_train, n_test, seed)


def find_cifar10(root: Path, allow_download: bool = True) -> Dataset | None:
    """CIFAR-10 from the first place it is found; None when it is nowhere and undownloadable."""
    if (root / "cifar-10-batches-py").is_dir():
        return load_torchvision_cifar10(root)
    folder = root / "cifar10"
    if folder.is_dir():
        return load_image_folder(folder, expected_classes=CIFAR10_CLASSES, name="cifar10",
                                 cache_dir=root / "cache")
    if allow_download and download_cifar10(root):
        return load_torchvision_cifar10(root)
    return None


def load_torchvision_cifar10(root: Path) -> Dataset:
    """The python-pickle files as torchvision's download leaves them, checked against their MD5."""
    from torchvision.datasets import CIFAR10

    splits = {}
    for train in (True, False):
        try:
            ds = CIFAR10(root=str(root), train=train, download=False)
        except RuntimeError as err:
            raise DataError(
                f"{root / 'cifar-10-batches-py'} is incomplete or corrupted ({err}). Fix: delete "
                f"that folder and the archive beside it, then load again to download afresh."
            ) from None
        images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()
        splits[train] = Split(images, torch.tensor(ds.targets, dtype=torch.int64))
    return Dataset("cifar10", f"torchvision files in {root / 'cifar-10-batches-py'}",
                   CIFAR10_CLASSES, splits[True], splits[False])


def network_reachable(host: tuple[str, int] = DOWNLOAD_HOST, timeout: float = 3.0) -> bool:
    """Whether the download server answers; a quick look so an offline machine never hangs."""
    try:
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False


def _torchvision_download(root: Path) -> None:
    from torchvision.datasets import CIFAR10

    CIFAR10(root=str(root), train=True, download=True)


def download_cifar10(root: Path) -> bool:
    """Download CIFAR-10 with torchvision. False when offline; a DataError when it broke off."""
    if not network_reachable():
        return False
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "cifar-10-python.tar.gz"
    try:
        _torchvision_download(root)
    except Exception as err:  # network errors come in many types; all end the same way
        if archive.exists():
            size = archive.stat().st_size / 1e6
            raise DataError(
                f"The CIFAR-10 download stopped half-way ({err}): {archive} holds {size:.1f} MB "
                f"of about 170 MB. Fix: delete it and load again, or extract CIFAR-10 by hand "
                f"into {root / 'cifar10'}."
            ) from None
        return False
    return True


def announce_fallback(message: str) -> None:
    """A warning that a reader cannot miss: a red banner on the page and a Python warning."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        if get_ipython() is not None:
            display(HTML(
                '<div style="border:3px solid #c00;background:#fee;padding:8px;'
                f'font-weight:bold">&#9888; {message}</div>'
            ))
    except ImportError:
        pass
    warnings.warn(message, SyntheticDataWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------
# ImageFolder trees


def _entries(folder: Path) -> list[Path]:
    """The sorted entries of a folder; one that cannot be listed is a DataError naming it."""
    try:
        return sorted(folder.iterdir())
    except OSError as err:
        raise DataError(f"Cannot list the folder {folder} ({err}). Fix: make it readable "
                        f"(chmod u+rx), or remove it if it does not belong there.") from None


def list_image_folder(split_dir: Path) -> dict[str, list[Path]]:
    """Class name -> sorted image files, for one split directory.

    A split without class folders, a class folder without images (or whose images sit only
    in a subfolder, which this one-level layout never reads) and a folder that cannot be
    listed are each a DataError naming the folder: an empty class would otherwise pass as
    data and train nine classes under ten names.
    """
    if not split_dir.is_dir():
        raise DataError(f"{split_dir} is missing. Fix: an ImageFolder tree needs "
                        f"{split_dir.name}/<class>/<image> files.")
    found = {}
    for entry in _entries(split_dir):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            raise DataError(f"{entry} is a file where a class folder belongs. Fix: move it out of "
                            f"{split_dir}; it should hold only one folder per class.")
        images = [p for p in _entries(entry) if p.suffix.lower() in IMAGE_SUFFIXES]
        if not images:
            raise DataError(empty_class_message(entry))
        found[entry.name] = images
    if not found:
        raise DataError(f"{split_dir} holds no class folders, so the {split_dir.name} split "
                        f"would have no images. Fix: put one folder of images per class in it "
                        f"({split_dir.name}/<class>/<image>), or re-extract the dataset.")
    return found


def empty_class_message(folder: Path) -> str:
    """Why a class folder holds no images, and what to do about it."""
    try:
        nested = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                        and not p.name.startswith("."))
    except OSError:
        nested = []
    if nested:
        return (f"The class folder {folder} holds no images itself: its {len(nested)} image(s) "
                f"sit in a subfolder, such as {nested[0].parent}, which is not read. Fix: move "
                f"them up into {folder} (the layout is <split>/<class>/<image>, one level).")
    return (f"The class folder {folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}). "
            f"Fix: put that class's images in it, or re-extract the dataset; a class without "
            f"images cannot be learnt or tested.")


def check_classes(split_dir: Path, found: list[str], expected) -> None:
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing:
        raise DataError(f"{split_dir} lacks the class folder(s) {', '.join(missing)}. Fix: "
                        f"re-extract the dataset; it needs one folder for each of "
                        f"{', '.join(expected)}.")
    if extra:
        raise DataError(f"{split_dir} has folder(s) that are not classes of this dataset: "
                        f"{', '.join(extra)}. Fix: remove or move them.")


def file_stat(path: Path) -> os.stat_result:
    """`path.stat()`; a dangling or looping link, or a file that cannot be read, is a DataError
    naming it (not a bare OSError from deep inside the loader)."""
    try:
        return path.stat()
    except OSError as err:
        kind = "a dangling or looping link" if path.is_symlink() else "unreadable"
        raise DataError(f"The image {path} is {kind} ({err}). Fix: delete it or point it at "
                        f"a real image, then load again.") from None


def fingerprint(files: dict[str, dict[str, list[Path]]]) -> str:
    """A SHA-256 over every file's path (split/class/name), size and modification time.

    A change to any of them rebuilds the cache. (Version 2 kept only the count, the total
    size and the newest time, so moving images between class folders, which keeps their
    times, left it unchanged and the cache served the old labels.)
    """
    digest = hashlib.sha256()
    for split, per_class in sorted(files.items()):
        for name, paths in sorted(per_class.items()):
            for path in paths:
                stat = file_stat(path)
                digest.update(f"{split}/{name}/{path.name}\0{stat.st_size}\0"
                              f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def tensors_checksum(payload: dict) -> str:
    """A SHA-256 of the cached tensors' shapes, types and bytes, checked on every read."""
    digest = hashlib.sha256()
    for key in CACHED_TENSORS:
        tensor = payload[key].contiguous()
        digest.update(f"{key} {tuple(tensor.shape)} {tensor.dtype}\n".encode())
        digest.update(tensor.numpy())
    return digest.hexdigest()


def decode_one(path: Path) -> torch.Tensor:
    """One image file as uint8 ``[3, H, W]``. torchvision.io decodes JPEG, PNG, WebP and GIF
    but not BMP, which IMAGE_SUFFIXES accepts: BMP goes through PIL."""
    if path.suffix.lower() == ".bmp":
        from PIL import Image
        from torchvision.transforms.functional import pil_to_tensor

        with Image.open(path) as image:
            return pil_to_tensor(image.convert("RGB"))
    return decode_image(read_file(str(path)), mode=ImageReadMode.RGB)


def decode_files(paths: list[Path]) -> torch.Tensor:
    """Decode image files to one uint8 tensor ``[N, 3, H, W]``; every image must share a size.

    Images of another size than most are named (the minority, not the first file in sort
    order, which may be the only right one).
    """
    from tqdm.auto import tqdm

    images = []
    for path in tqdm(paths, desc="decoding images", leave=False, mininterval=1.0,
                     disable=len(paths) < 5_000 or not profiles.progress_enabled()):
        try:
            img = decode_one(path)
        except (RuntimeError, ValueError, OSError) as err:
            raise DataError(f"Cannot read the image {path} ({err}). Fix: delete or replace that "
                            f"file, then load again.") from None
        images.append(img)
    if not images:
        return torch.empty(0, 3, 0, 0, dtype=torch.uint8)
    sizes = Counter(tuple(img.shape[1:]) for img in images)
    if len(sizes) > 1:
        usual = sizes.most_common(1)[0][0]
        odd = [(path, tuple(img.shape[1:])) for path, img in zip(paths, images)
               if tuple(img.shape[1:]) != usual]
        named = "; ".join(f"{path} is {size}" for path, size in odd[:5])
        more = f" and {len(odd) - 5} more" if len(odd) > 5 else ""
        raise DataError(f"{len(odd)} image(s) differ in size (height, width) from the other "
                        f"{sizes[usual]}, which are {usual}: {named}{more}. Fix: resize them "
                        f"to {usual} or remove them.")
    return torch.stack(images)


def load_image_folder(folder: str | Path, *, expected_classes=None, name: str | None = None,
                      cache_dir: str | Path | None = None) -> Dataset:
    """An ImageFolder tree ``folder/{train,test}/<class>/<image>`` as uint8 tensors.

    `expected_classes` (for CIFAR-10, its ten names) must match the class folders exactly.
    Each split comes back in one fixed random order (not class by class, as the files are
    listed), so a slice of the first N images holds every class. With `cache_dir`, the
    decoded tensors are saved there and reused while the files are unchanged (`fingerprint`);
    a damaged cache is rebuilt with a `CacheWarning`, and one that cannot be written is a
    `CacheWarning` too: the decoded images are returned all the same.
    """
    folder = Path(folder)
    name = name or folder.name
    files = {split: list_image_folder(folder / split) for split in ("train", "test")}
    classes = tuple(expected_classes) if expected_classes else tuple(files["train"])
    for split, per_class in files.items():
        check_classes(folder / split, list(per_class), classes)
    stamp = fingerprint(files)

    cache = Path(cache_dir) / f"{name}-imagefolder.pt" if cache_dir else None
    if cache is not None:
        remove_stale_temporaries(cache)
    if cache is not None and cache.exists():
        stored = read_cache(cache)
        if (stored is not None and stored["version"] == CACHE_VERSION
                and stored["fingerprint"] == stamp and tuple(stored["classes"]) == classes):
            return Dataset(name, f"ImageFolder tree {folder} (cached)", classes,
                           Split(stored["train_images"], stored["train_labels"]),
                           Split(stored["test_images"], stored["test_labels"]))

    splits = {}
    for split, per_class in files.items():
        paths = [p for c in classes for p in per_class[c]]
        labels = torch.tensor([i for i, c in enumerate(classes) for _ in per_class[c]],
                              dtype=torch.int64)
        # Files are listed class by class; one fixed shuffle makes any slice a fair sample.
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
        splits[split] = Split(decode_files(paths)[order], labels[order])
    if cache is not None:
        payload = {
            "version": CACHE_VERSION, "fingerprint": stamp, "classes": list(classes),
            "train_images": splits["train"].images, "train_labels": splits["train"].labels,
            "test_images": splits["test"].images, "test_labels": splits["test"].labels,
        }
        payload["checksum"] = tensors_checksum(payload)
        try:
            write_cache(cache, payload)
        except OSError as err:
            warnings.warn(
                f"Cannot write the cache of decoded images, {cache} ({err}): the images are "
                f"used all the same, but every load decodes them again. Fix: make "
                f"{cache.parent} writable, or copy the data folder somewhere writable and "
                f"point RG_DATA_DIR at the copy.", CacheWarning, stacklevel=2)
    return Dataset(name, f"ImageFolder tree {folder}", classes, splits["train"], splits["test"])


def _temporary(path: Path, pid: int) -> Path:
    return path.with_suffix(f".{pid}.tmp")


def write_cache(path: Path, payload: dict) -> None:
    """Write to a temporary file and rename, so an interrupted run leaves no half-written cache;
    the temporary file is removed when the write fails or is interrupted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path, os.getpid())  # one per process: loaders may race
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files of `path` left by loads that were killed mid-write (a
    process that no longer runs); another live process's write is left alone."""
    if not path.parent.is_dir():
        return
    for tmp in path.parent.glob(f"{path.stem}.*.tmp"):
        pid = tmp.name[len(path.stem) + 1:-len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            # a read-only cache folder: nothing there that we may tidy
            with contextlib.suppress(OSError):
                tmp.unlink()


def read_cache(path: Path) -> dict | None:
    """The stored cache; None, with a `CacheWarning`, when it is damaged (the caller then
    rebuilds it). A file this package did not write is a DataError: it is not overwritten."""
    fix = f"Fix: delete {path}; the next load rebuilds it from the image files."

    def damaged(why: str) -> None:
        warnings.warn(f"The cache file {path} is damaged ({why}); it is rebuilt from the image "
                      f"files now.", CacheWarning, stacklevel=3)

    try:
        stored = torch.load(path, weights_only=True)
    except Exception as err:  # a damaged zip raises several kinds of error
        return damaged(f"truncated or corrupted: {err}")
    if not isinstance(stored, dict) or "version" not in stored:
        raise DataError(f"The cache file {path} is not one this package wrote. {fix}")
    if stored["version"] != CACHE_VERSION:
        return stored  # an older format: rebuilt without a word
    keys = {"fingerprint", "classes", "checksum", *CACHED_TENSORS}
    if not keys <= set(stored) or not all(isinstance(stored[k], torch.Tensor)
                                          for k in CACHED_TENSORS):
        raise DataError(f"The cache file {path} is not one this package wrote. {fix}")
    for split in ("train", "test"):
        if len(stored[f"{split}_images"]) != len(stored[f"{split}_labels"]):
            return damaged(f"a different number of {split} images and labels")
    if tensors_checksum(stored) != stored["checksum"]:
        return damaged("its images or labels do not match the checksum stored with them")
    return stored


# ---------------------------------------------------------------------------------------
# The synthetic stand-in


def synthetic(n_train: int = 5_000, n_test: int = 1_000, seed: int = 0, size: int = 32) -> Dataset:
    """A deterministic, learnable 10-class set of 32x32 RGB images for smoke runs and tests.

    Each class is one of five textures (horizontal stripes, vertical stripes, a checkerboard,
    rings, a plain disc) inside a soft disc, in one of two colour families (warm or cool).
    Position, size, stripe frequency, phase, colours and pixel noise vary per image, so a
    small CNN needs a few epochs to separate the classes. Every class is symmetric under a
    horizontal flip, so flip augmentation never changes a label.
    """
    g = torch.Generator().manual_seed(10_007 + seed)
    train = _synthetic_split(n_train, size, g)
    test = _synthetic_split(n_test, size, g)
    names = tuple(f"{colour} {shape}" for colour in ("warm", "cool")
                  for shape in ("h-stripes", "v-stripes", "checks", "rings", "disc"))
    return Dataset("synthetic", f"generated (seed {seed})", names, train, test)


def _synthetic_split(n: int, size: int, g: torch.Generator) -> Split:
    labels = torch.arange(n) % 10
    labels = labels[torch.randperm(n, generator=g)]
    shape, family = labels % 5, labels // 5

    def u(lo, hi, *dims):
        return lo + (hi - lo) * torch.rand(n, *dims, generator=g)

    axis = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    cx, cy = u(-0.3, 0.3, 1, 1), u(-0.3, 0.3, 1, 1)
    dx, dy = xx - cx, yy - cy
    radius = torch.sqrt(dx**2 + dy**2)
    extent = u(0.45, 0.8, 1, 1)
    mask = torch.sigmoid((extent - radius) * 12)
    freq, phase = u(1.5, 3.5, 1, 1), u(0, 6.283, 1, 1)

    patterns = torch.stack([
        torch.sin(6.283 * freq * dy + phase),
        torch.sin(6.283 * freq * dx.abs() + phase),
        torch.sin(3.1416 * freq * dx) * torch.sin(3.1416 * freq * dy + phase),
        torch.sin(6.283 * freq * radius + phase),
        torch.ones_like(radius),
    ], dim=1)
    pattern = patterns[torch.arange(n), shape].clamp(0, 1)

    warm, cool = torch.tensor([0.85, 0.45, 0.2]), torch.tensor([0.2, 0.45, 0.85])
    fg = torch.where(family[:, None] == 0, warm, cool) + 0.18 * torch.randn(n, 3, generator=g)
    bg = u(0.1, 0.7, 3)
    img = bg[:, :, None, None] + (mask * pattern)[:, None] * (fg - bg)[:, :, None, None]
    img = img + 0.08 * torch.randn(n, 3, size, size, generator=g)
    images = (img.clamp(0, 1) * 255).round().to(torch.uint8)
    return Split(images, labels.to(torch.int64))
