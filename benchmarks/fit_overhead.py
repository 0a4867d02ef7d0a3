"""What does `reading_group.train.fit` cost over a bare PyTorch training loop?

Both train a fresh `SmallCNN(width=16)` (same initial weights) for one epoch on the CPU over
the same `Batches` (a stratified CIFAR-10 subset, 5,000 images by default, batch 128,
shuffled, crop and flip, built by `for_dataset` with seed 0, so both see the very same
batches) with SGD at lr 0.01 and momentum 0.9, and no evaluation:

- ``fit(progress=True)``, as the notebooks call it (its tqdm bar goes to stderr);
- ``fit(progress=False)``;
- a bare loop: forward, cross-entropy, zero_grad, backward, step; nothing else.

Only the training call is timed; the model and batches are made beforehand. After one
untimed warm-up of each, the three take turns, round after round, and the script prints
the median seconds and fit's overhead, (fit - bare) / bare, per round and from the medians.
The goal is under 5%. It also checks that fit and the bare loop end at the same weights,
i.e. that they did the same work.

``--threads`` (default 1) is passed to ``torch.set_num_threads``. One thread is the steady
choice on a small shared machine: when another program holds a core, a second thread makes
every multi-threaded op wait for it, and timings swing tenfold.

Run from the project's top level:

    .venv/bin/python benchmarks/fit_overhead.py
    .venv/bin/python benchmarks/fit_overhead.py --threads 2 --repeats 9
"""

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

from reading_group import batches, data, small_nets, train


def bare_loop(model, train_batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    for x, y in train_batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5_000, help="training images")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding cifar10/ (default: the project's data/)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, torch.set_num_threads({torch.get_num_threads()}), "
          f"{os.cpu_count()} CPUs")
    ds = data.load("cifar10", root=args.data_dir, n_train=args.images, allow_download=False)
    if ds.name != "cifar10":
        print("CIFAR-10 NOT FOUND: measuring on the synthetic stand-in instead.")
    print(ds)

    contenders = {
        "fit, progress=True": lambda m, b: train.fit(m, b, lr=0.01, momentum=0.9,
                                                     device="cpu", progress=True),
        "bare loop": bare_loop,
        "fit, progress=False": lambda m, b: train.fit(m, b, lr=0.01, momentum=0.9,
                                                      device="cpu", progress=False),
    }

    def timed(name):
        """Seconds for one epoch of `name` on a fresh model and fresh batches; and the model."""
        torch.manual_seed(0)
        model = small_nets.SmallCNN(width=16)
        train_batches, _ = batches.for_dataset(ds, 128, seed=0)
        start = time.perf_counter()
        contenders[name](model, train_batches)
        return time.perf_counter() - start, model

    names = list(contenders)
    trained = {name: timed(name)[1] for name in names}  # warm-up
    gap = max((a - b).abs().max().item() for a, b in zip(
        trained["fit, progress=True"].parameters(), trained["bare loop"].parameters()))
    print(f"largest weight difference between fit and the bare loop: {gap:g}")

    seconds = {name: [] for name in names}
    for r in range(args.repeats):
        for name in names[r % 3:] + names[:r % 3]:  # rotate who goes first
            seconds[name].append(timed(name)[0])
        print(f"round {r + 1}: " + ", ".join(f"{n} {seconds[n][-1]:.3f} s" for n in names),
              flush=True)

    bare = statistics.median(seconds["bare loop"])
    n_batches = len(batches.for_dataset(ds, 128)[0])
    print(f"\n1 epoch, {len(ds.train):,} images, {n_batches} batches; "
          f"medians of {args.repeats} rounds")
    print(f"{'loop':<22}{'seconds':>9}{'overhead':>10}{'per-round median':>18}")
    for name in names:
        median = statistics.median(seconds[name])
        per_round = [s / b - 1 for s, b in zip(seconds[name], seconds["bare loop"])]
        print(f"{name:<22}{median:>9.3f}{median / bare - 1:>+10.1%}"
              f"{statistics.median(per_round):>+18.1%}")
    print("goal: fit's overhead under 5%")


if __name__ == "__main__":
    main()
