"""Mini-batches from in-memory uint8 images, with augmentation done on whole batches.

AlexNet's label-preserving augmentation (Krizhevsky et al., 2012, Section 4.1) is done
here on a batch at a time rather than image by image through PIL:

- random crops: the paper takes 224x224 patches of 256x256 images; at CIFAR scale the usual
  equivalent pads each side by 4 pixels (with zeros, as torchvision's ``RandomCrop(32,
  padding=4)`` does) and crops back to 32x32 at a random offset;
- horizontal flips, each image with probability 1/2;
- PCA colour noise: to every pixel add ``P @ (alpha * lambda)``, where ``P`` and ``lambda``
  are the eigenvectors and eigenvalues of the RGB covariance over the training set and
  ``alpha ~ N(0, sigma)`` is drawn once per image (the paper's sigma is 0.1).

Crop and flip take each image's window of the padded batch in one indexed copy, so a batch
costs a few tensor ops whatever its size; `benchmarks/batch_stream.py` measures this against
a torchvision DataLoader.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F

from . import profiles


def colour_pca(images: torch.Tensor, max_pixels: int = 2_000_000, seed: int = 0):
    """Eigenvalues (descending) and eigenvectors (columns) of the RGB covariance, with pixels
    in [0, 1]."""
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3)
    if len(pixels) > max_pixels:
        g = torch.Generator().manual_seed(seed)
        pixels = pixels[torch.randint(len(pixels), (max_pixels,), generator=g)]
    x = pixels.double() / 255
    cov = torch.cov(x.T)
    eigvals, eigvecs = torch.linalg.eigh(cov)
    order = eigvals.argsort(descending=True)
    return eigvals[order].float(), eigvecs[:, order].float()


def crop_flip(images: torch.Tensor, padding: int, flip: bool, generator: torch.Generator):
    """Random crops after zero padding, and random horizontal flips, for a whole batch."""
    n, c, h, w = images.shape
    dev = images.device
    if padding:
        dy = torch.randint(2 * padding + 1, (n,), generator=generator).to(dev)
        dx = torch.randint(2 * padding + 1, (n,), generator=generator).to(dev)
        # Every h x w window of the padded images, as a view [n, c, 2p+1, 2p+1, h, w];
        # each image then takes its own window in one copy.
        windows = F.pad(images, (padding,) * 4).unfold(2, h, 1).unfold(3, w, 1)
        images = windows[torch.arange(n, device=dev), :, dy, dx]
    if flip:
        flipped = (torch.rand(n, generator=generator) < 0.5).to(dev)
        images = torch.where(flipped[:, None, None, None], images.flip(3), images)
    return images


class Batches:
    """An iterable of ``(x, y)`` mini-batches: x float, normalised; y int64 labels.

    Each pass draws a new order and new augmentations from one generator seeded once, so
    the whole sequence of epochs is reproducible from `seed`.

    Arguments:
        images, labels: uint8 ``[N, 3, H, W]`` and int64 ``[N]``.
        mean, std: per-channel values in [0, 1] to normalise with (the training set's);
            default: no standardisation, pixels scaled to [0, 1].
        shuffle: a new random order each pass.
        padding: random-crop padding in pixels (0: no crops).
        flip: random horizontal flips.
        pca_colour: sigma of AlexNet's PCA colour noise (0: none; the paper uses 0.1).
        device: where the batches are made; augmentation runs there too.
    """

    def __init__(self, images, labels, batch_size: int = 128, *, mean=None, std=None,
                 shuffle: bool = False, padding: int = 0, flip: bool = False,
                 pca_colour: float = 0.0, seed: int = 0, device=None, drop_last: bool = False):
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise ValueError(f"images must be uint8 [N, C, H, W], got {images.dtype} "
                             f"{tuple(images.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        # batch_size=0 divided by zero in len(); a negative one made zero or negative batches
        whole = (not isinstance(batch_size, bool) and isinstance(batch_size, numbers.Real)
                 and batch_size == int(batch_size))
        if not whole or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}. "
                             f"Fix: pass batch_size= a positive number of images per batch.")
        self.device = torch.device(device or "cpu")
        self.images = images.to(self.device)
        self.labels = labels.to(self.device)
        self.batch_size = batch_size
        self.shuffle, self.padding, self.flip = shuffle, padding, flip
        self.pca_colour = pca_colour
        self.drop_last = drop_last
        self.generator = torch.Generator().manual_seed(seed)
        c = images.shape[1]
        mean = torch.zeros(c) if mean is None else torch.as_tensor(mean, dtype=torch.float32)
        std = torch.ones(c) if std is None else torch.as_tensor(std, dtype=torch.float32)
        self.scale = (1 / (255 * std)).view(1, c, 1, 1).to(self.device)
        self.shift = (mean / std).view(1, c, 1, 1).to(self.device)
        self.colour_noise = None
        if pca_colour:
            eigvals, eigvecs = colour_pca(images, seed=seed)
            self.colour_noise = (eigvals, eigvecs, (1 / std).view(1, c, 1, 1).to(self.device))

    def __len__(self):
        """Batches per pass; at most `profiles.FAST_DEV_BATCHES` in a fast development run."""
        n = len(self.labels)
        full = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return min(full, profiles.FAST_DEV_BATCHES) if profiles.fast_dev_run() else full

    def __iter__(self):
        n = len(self.labels)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.device)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            yield self.make(self.images.index_select(0, idx)), self.labels[idx]

    def make(self, images: torch.Tensor) -> torch.Tensor:
        """Augment and normalise one batch of uint8 images."""
        if self.padding or self.flip:
            images = crop_flip(images, self.padding, self.flip, self.generator)
        x = images.float().mul_(self.scale).sub_(self.shift)
        if self.colour_noise is not None:
            eigvals, eigvecs, inv_std = self.colour_noise
            alpha = torch.randn(len(x), 3, generator=self.generator) * self.pca_colour
            shift = (alpha * eigvals) @ eigvecs.T
            x = x + shift.to(x.device)[:, :, None, None] * inv_std
        return x


def for_dataset(ds, batch_size: int = 128, *, augment: bool = True, pca_colour: float = 0.0,
                seed: int = 0, device=None):
    """Training batches (shuffled; crop and flip when `augment`) and test batches for a Dataset,
    both normalised with the training set's per-channel mean and standard deviation."""
    train = Batches(ds.train.images, ds.train.labels, batch_size, mean=ds.mean, std=ds.std,
                    shuffle=True, padding=4 if augment else 0, flip=augment,
                    pca_colour=pca_colour, seed=seed, device=device)
    test = Batches(ds.test.images, ds.test.labels, 512, mean=ds.mean, std=ds.std, device=device)
    return train, test


def ten_crop(images: torch.Tensor, size: int | None = None, padding: int = 0) -> torch.Tensor:
    """AlexNet's ten test views (Section 4.1) of a batch ``[N, C, H, W]``: ``[10, N, C, s, s]``.

    The four corner crops and the centre crop of side `size` (default: the image's own side),
    then the same five of the horizontally mirrored images, in the order of torchvision's
    ``ten_crop``. With `padding`, the images are first zero-padded on every side, as for the
    training crops of `crop_flip`: ``ten_crop(x, padding=4)`` of 32x32 images gives 32x32
    views whose corners are shifted 4 pixels each way, and whose centre view is the image.
    """
    if padding:
        images = F.pad(images, (padding,) * 4)
    h, w = images.shape[-2:]
    s = size or min(h, w) - 2 * padding
    if s > min(h, w):
        raise ValueError(f"crop side {s} is larger than the (padded) images, {h}x{w}")
    # the centre offsets rounded as torchvision's center_crop rounds them
    top, left = int(round((h - s) / 2.0)), int(round((w - s) / 2.0))
    corners = [(0, 0), (0, w - s), (h - s, 0), (h - s, w - s), (top, left)]
    views = []
    for source in (images, images.flip(-1)):
        views += [source[..., y:y + s, x:x + s] for y, x in corners]
    return torch.stack(views)
