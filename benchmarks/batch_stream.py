"""How fast does `reading_group.batches.Batches` make augmented batches, next to a DataLoader?

Both sides draw batches of 128 shuffled CIFAR-10 training images with the same augmentation
(zero-pad 4 pixels and crop back to 32x32 at a random offset, flip half the images) and the
same normalisation (the training set's per-channel mean and std):

- the helper: `for_dataset(ds)`'s training `Batches`, which works on whole uint8 batches;
- torchvision: a `DataLoader` over the same images held in memory as PIL images, with
  ``RandomCrop(32, padding=4)``, ``RandomHorizontalFlip()``, ``ToTensor()`` and
  ``Normalize(mean, std)`` applied image by image, with ``num_workers`` 0 and 2 (the latter
  with ``persistent_workers=True``, so worker processes start once, not every epoch).

Each measurement starts a fresh pass (a new shuffle) and times how long it takes to receive
``--images`` images, going on into the next pass when one runs out; making the PIL images is
not timed. After one untimed batch from each (which also starts the workers), the
contenders take turns, round after round, and the table shows the median images per second
and the helper's speed-up. On a shared machine single timings mean little; the ratios,
measured side by side, mean more.

``--threads`` (default 1) sets PyTorch's intra-op threads in the main process, where the
helper runs; DataLoader workers always use one each. One thread is the steady choice on a
small shared machine: when another program holds a core, a second thread makes every
multi-threaded op wait for it, and timings swing tenfold. On a quiet machine try
``--threads 2`` (or your core count).

Run from the project's top level:

    .venv/bin/python benchmarks/batch_stream.py
    .venv/bin/python benchmarks/batch_stream.py --images 50000 --repeats 3   # whole epochs
    .venv/bin/python benchmarks/batch_stream.py --threads 2
"""

import argparse
import os
import statistics
import time

import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms

from reading_group import batches, data


class PILImages(torch.utils.data.Dataset):
    """uint8 image tensors turned once into PIL images, served with a transform."""

    def __init__(self, images, labels, transform):
        self.images = [Image.fromarray(img.permute(1, 2, 0).numpy()) for img in images]
        self.labels = labels.tolist()
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def images_per_second(stream, n_images):
    """Receive at least `n_images` images from a fresh pass over `stream`; images per second."""
    seen = 0
    start = time.perf_counter()
    while seen < n_images:
        for x, _ in stream:
            seen += len(x)
            if seen >= n_images:
                break
    return seen / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_240, help="images per measurement")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch.set_num_threads in the main process (workers use 1)")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding cifar10/ (default: the project's data/)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"torch.set_num_threads({torch.get_num_threads()}), {os.cpu_count()} CPUs")
    ds = data.load("cifar10", root=args.data_dir, allow_download=False)
    if ds.name != "cifar10":
        print("CIFAR-10 NOT FOUND: measuring on the synthetic stand-in instead.")
    print(ds)

    helper, _ = batches.for_dataset(ds, 128)
    pil = PILImages(ds.train.images, ds.train.labels, transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(ds.mean.tolist(), ds.std.tolist()),
    ]))
    streams = {
        "helper Batches": helper,
        "DataLoader, 0 workers": DataLoader(pil, batch_size=128, shuffle=True),
        "DataLoader, 2 workers": DataLoader(pil, batch_size=128, shuffle=True, num_workers=2,
                                            persistent_workers=True),
    }
    shapes = {name: next(iter(s))[0].shape for name, s in streams.items()}  # also a warm-up
    assert len(set(shapes.values())) == 1, shapes
    time.sleep(0.5)

    rates = {name: [] for name in streams}
    names = list(streams)
    for r in range(args.repeats):
        for name in names[r % 3:] + names[:r % 3]:  # rotate who goes first
            rates[name].append(images_per_second(streams[name], args.images))
            time.sleep(0.5)  # let workers finish prefetching before the next one is timed
        print(f"round {r + 1}: " + ", ".join(f"{n} {rates[n][-1]:,.0f}" for n in names),
              flush=True)

    median = {name: statistics.median(v) for name, v in rates.items()}
    print(f"\n{args.images:,} images per measurement, medians of {args.repeats} rounds")
    print(f"{'stream':<24}{'images/s':>10}{'min':>10}{'max':>10}")
    for name in names:
        print(f"{name:<24}{median[name]:>10,.0f}{min(rates[name]):>10,.0f}"
              f"{max(rates[name]):>10,.0f}")
    for workers in (0, 2):
        loader = f"DataLoader, {workers} workers"
        per_round = [h / d for h, d in zip(rates["helper Batches"], rates[loader])]
        print(f"helper / {loader}: {median['helper Batches'] / median[loader]:.1f}x "
              f"(median of per-round ratios {statistics.median(per_round):.1f}x; goal: 5x)")


if __name__ == "__main__":
    main()
