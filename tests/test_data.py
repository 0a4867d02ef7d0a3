"""`data` against NumPy, image files written here and torchvision's CIFAR-10 file format."""

import os
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from conftest import write_image_tree
from PIL import Image

import reading_group as rg
from reading_group import data
from reading_group.data import DataError, SyntheticDataWarning

CLASSES = data.CIFAR10_CLASSES
REAL_NETWORK_REACHABLE = data.network_reachable  # conftest swaps it out during each test


# ---------------------------------------------------------------------------------------
# The synthetic stand-in


def test_synthetic_is_deterministic():
    a, b = data.synthetic(60, 20, seed=0), data.synthetic(60, 20, seed=0)
    for split in ("train", "test"):
        assert torch.equal(getattr(a, split).images, getattr(b, split).images)
        assert torch.equal(getattr(a, split).labels, getattr(b, split).labels)


def test_synthetic_seed_changes_the_images():
    a, b = data.synthetic(60, 20, seed=0), data.synthetic(60, 20, seed=1)
    assert not torch.equal(a.train.images, b.train.images)
    assert not torch.equal(a.test.images, b.test.images)


def test_synthetic_shapes_types_and_balance():
    ds = data.synthetic(200, 50)
    assert ds.name == "synthetic"
    assert ds.train.images.shape == (200, 3, 32, 32)
    assert ds.test.images.shape == (50, 3, 32, 32)
    assert ds.train.images.dtype == torch.uint8
    assert ds.train.labels.dtype == torch.int64
    assert len(ds.classes) == 10 and len(set(ds.classes)) == 10
    assert torch.bincount(ds.train.labels, minlength=10).tolist() == [20] * 10
    assert torch.bincount(ds.test.labels, minlength=10).tolist() == [5] * 10
    # a real image set, not a constant: every image has contrast
    flat = ds.train.images.flatten(1).float()
    assert (flat.std(dim=1) > 5).all()


def test_synthetic_train_and_test_differ():
    ds = data.synthetic(50, 50)
    assert not torch.equal(ds.train.images, ds.test.images)


def test_synthetic_is_learnable():
    ds = data.synthetic(2000, 500)
    train, test = rg.batches.for_dataset(ds, 64)
    rg.seed_everything(0)
    model = rg.small_nets.SmallCNN(8)
    history = rg.train.fit(model, train, test, epochs=3, lr=0.02, device="cpu",
                           progress=False)
    assert history.final("test_error") < 0.6  # chance is 0.9


def test_dataset_mean_and_std_match_numpy():
    ds = data.synthetic(100, 10)
    x = ds.train.images.numpy().astype(np.float64) / 255
    np.testing.assert_allclose(ds.mean.numpy(), x.mean(axis=(0, 2, 3)), rtol=1e-5)
    per_channel = x.transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(ds.std.numpy(), per_channel.std(axis=1, ddof=1), rtol=1e-4)


def test_dataset_repr_names_sizes_and_source():
    text = repr(data.synthetic(30, 10))
    assert "30 training" in text and "10 test" in text and "32x32" in text


# ---------------------------------------------------------------------------------------
# Stratified subsets


def test_stratified_indices_give_equal_counts():
    labels = torch.arange(1000) % 10
    labels = labels[torch.randperm(1000, generator=torch.Generator().manual_seed(5))]
    idx = data.stratified_indices(labels, 70, seed=0)
    assert len(idx) == 70
    assert torch.bincount(labels[idx], minlength=10).tolist() == [7] * 10


def test_stratified_indices_are_reproducible_and_seeded():
    labels = torch.arange(500) % 10
    a = data.stratified_indices(labels, 50, seed=3)
    b = data.stratified_indices(labels, 50, seed=3)
    c = data.stratified_indices(labels, 50, seed=4)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert set(a.tolist()) != set(c.tolist())


def test_stratified_indices_have_no_duplicates():
    labels = torch.arange(300) % 3
    idx = data.stratified_indices(labels, 299, seed=1)
    assert len(idx) == 299
    assert len(set(idx.tolist())) == 299
    assert idx.min() >= 0 and idx.max() < 300


def test_stratified_indices_handle_a_small_class():
    # class 0 has 2 items, the nine others 20 each
    labels = torch.cat([torch.zeros(2, dtype=torch.int64),
                        torch.arange(1, 10).repeat_interleave(20)])
    idx = data.stratified_indices(labels, 50, seed=0)
    assert len(idx) == 50
    assert len(set(idx.tolist())) == 50
    counts = torch.bincount(labels[idx], minlength=10)
    assert counts[0] == 2
    assert counts[1:].max() - counts[1:].min() <= 1
    assert counts.sum() == 50


def test_stratified_indices_when_asking_for_more_than_there_is():
    labels = torch.tensor([0, 0, 1, 2, 2, 2])
    idx = data.stratified_indices(labels, 100, seed=0)
    assert sorted(idx.tolist()) == list(range(6))


def test_stratified_indices_are_shuffled_across_classes():
    labels = torch.arange(10).repeat_interleave(50)  # sorted by class, like files on disk
    idx = data.stratified_indices(labels, 100, seed=0)
    first = labels[idx[:20]]
    assert len(torch.unique(first)) > 3


def test_dataset_subset_is_stratified_and_keeps_pairs():
    ds = data.synthetic(200, 100)
    sub = ds.subset(50, 20, seed=0)
    assert len(sub.train) == 50 and len(sub.test) == 20
    assert torch.bincount(sub.train.labels, minlength=10).tolist() == [5] * 10
    assert torch.bincount(sub.test.labels, minlength=10).tolist() == [2] * 10
    # every (image, label) pair of the subset is a pair of the full set
    full = {img.numpy().tobytes(): int(lab) for img, lab in zip(ds.train.images, ds.train.labels)}
    for img, lab in zip(sub.train.images, sub.train.labels):
        assert full[img.numpy().tobytes()] == int(lab)


def test_split_subset_none_or_too_many_returns_everything():
    ds = data.synthetic(40, 10)
    assert len(ds.train.subset(None)) == 40
    assert len(ds.train.subset(1000)) == 40


# ---------------------------------------------------------------------------------------
# ImageFolder trees


def pairs(images, labels):
    """(label, pixel bytes) of every image, as a sorted list: equal for the same set in any
    order."""
    return sorted((int(lab), np.asarray(img).tobytes()) for img, lab in zip(images, labels))


def test_image_folder_labels_follow_class_order_and_pixels_round_trip(image_tree):
    root, written = image_tree
    ds = data.load("cifar10", root=root)
    assert ds.name == "cifar10"
    assert ds.classes == CLASSES
    for split in ("train", "test"):
        images, labels = written[split]
        got = getattr(ds, split)
        assert got.images.dtype == torch.uint8
        assert got.images.shape == images.shape
        assert pairs(got.images.numpy(), got.labels) == pairs(images, labels)


def test_image_folder_comes_back_shuffled_so_a_slice_holds_many_classes(image_tree):
    root, written = image_tree
    ds = data.load("cifar10", root=root)
    assert ds.train.labels.tolist() != sorted(ds.train.labels.tolist())
    assert len(set(ds.train.labels[:10].tolist())) >= 4
    again = data.load_image_folder(root / "cifar10", expected_classes=CLASSES)
    assert torch.equal(again.train.labels, ds.train.labels)


def test_image_folder_without_expected_classes_uses_sorted_folders(tmp_path):
    written = write_image_tree(tmp_path / "pets", ["dog", "cat", "bird"], n_train=2, n_test=1)
    ds = data.load_image_folder(tmp_path / "pets")
    assert ds.name == "pets"
    assert ds.classes == ("bird", "cat", "dog")
    # written in the order dog, cat, bird: labels 0, 1, 2 there
    by_label = {0: "dog", 1: "cat", 2: "bird"}
    images, labels = written["train"]
    for name in ds.classes:
        ours = ds.train.images[ds.train.labels == ds.classes.index(name)]
        theirs = images[[by_label[int(lab)] == name for lab in labels]]
        assert pairs(ours.numpy(), [0] * len(ours)) == pairs(theirs, [0] * len(theirs))


def test_image_folder_ignores_hidden_entries_and_other_files(image_tree):
    root, written = image_tree
    (root / "cifar10" / "train" / ".DS_Store").write_bytes(b"\0\0")
    (root / "cifar10" / "train" / "cat" / "notes.txt").write_text("not an image")
    ds = data.load("cifar10", root=root)
    assert len(ds.train) == len(written["train"][1])


def test_grayscale_images_become_rgb(tmp_path):
    folder = tmp_path / "tree"
    for split in ("train", "test"):
        (folder / split / "a").mkdir(parents=True)
        grey = Image.fromarray(np.full((8, 8), 77, np.uint8))  # a 2-D array: mode "L"
        assert grey.mode == "L"
        grey.save(folder / split / "a" / "x.png")
    ds = data.load_image_folder(folder)
    assert ds.train.images.shape == (1, 3, 8, 8)
    assert (ds.train.images == 77).all()


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".gif", ".webp"])
def test_every_listed_lossless_suffix_loads(tmp_path, suffix):
    assert suffix in data.IMAGE_SUFFIXES
    rng = np.random.default_rng(0)
    folder = tmp_path / "tree"
    expected = {}
    for split in ("train", "test"):
        (folder / split / "a").mkdir(parents=True)
        pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        if suffix == ".gif":  # a palette format: keep to a few colours so it is exact
            pixels = (pixels // 128) * 255
        Image.fromarray(pixels).save(folder / split / "a" / f"x{suffix}", lossless=True)
        expected[split] = pixels.transpose(2, 0, 1)
    ds = data.load_image_folder(folder)
    assert np.array_equal(ds.train.images[0].numpy(), expected["train"])
    assert np.array_equal(ds.test.images[0].numpy(), expected["test"])


def test_jpeg_images_load_with_their_shape(tmp_path):
    write_image_tree(tmp_path / "tree", ["a", "b"], n_train=2, n_test=1, suffix=".jpg")
    ds = data.load_image_folder(tmp_path / "tree")
    assert ds.train.images.shape == (4, 3, 32, 32)
    assert ds.test.labels.tolist() == [0, 1]


def test_missing_class_folder_is_named(image_tree):
    root, _ = image_tree
    for f in (root / "cifar10" / "train" / "frog").iterdir():
        f.unlink()
    (root / "cifar10" / "train" / "frog").rmdir()
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert "frog" in str(info.value)
    assert "train" in str(info.value)


def test_missing_split_folder_is_named(tmp_path):
    write_image_tree(tmp_path / "tree", ["a"], n_train=1, n_test=1)
    for f in (tmp_path / "tree" / "test" / "a").iterdir():
        f.unlink()
    (tmp_path / "tree" / "test" / "a").rmdir()
    (tmp_path / "tree" / "test").rmdir()
    with pytest.raises(DataError) as info:
        data.load_image_folder(tmp_path / "tree")
    assert "test" in str(info.value)


def test_extra_class_folder_is_named(image_tree):
    root, _ = image_tree
    extra = root / "cifar10" / "test" / "unicorn"
    extra.mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(extra / "u.png")
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert "unicorn" in str(info.value)


def test_stray_file_where_a_class_folder_belongs(image_tree):
    root, _ = image_tree
    (root / "cifar10" / "train" / "labels.csv").write_text("x,y\n")
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert "labels.csv" in str(info.value)


@pytest.mark.parametrize("where, damage", [
    ("train/cat/broken.jpg", lambda path: path.write_bytes(b"this is not a JPEG" * 20)),
    ("train/deer/broken.bmp", lambda path: path.write_bytes(b"BM" + b"garbage" * 10)),
    ("test/ship/000.png", lambda path: path.write_bytes(path.read_bytes()[:60])),
    ("test/dog/empty.png", lambda path: path.write_bytes(b"")),
], ids=["garbage jpg", "garbage bmp", "truncated png", "empty png"])
def test_unreadable_image_is_named(image_tree, where, damage):
    root, _ = image_tree
    bad = root / "cifar10" / where
    damage(bad)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize("where", ["train/horse/zz_big.png",     # sorts last
                                   "train/airplane/000.png"])    # sorts first
def test_the_odd_sized_image_is_named_wherever_it_sorts(image_tree, where):
    root, _ = image_tree
    odd = root / "cifar10" / where
    Image.fromarray(np.zeros((40, 36, 3), np.uint8)).save(odd)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    message = str(info.value)
    assert str(odd) in message and "(40, 36)" in message and "(32, 32)" in message
    assert "001.png" not in message


# ---------------------------------------------------------------------------------------
# The cache of decoded images


def test_second_load_uses_the_cache(image_tree, monkeypatch):
    root, written = image_tree
    first = data.load("cifar10", root=root)
    assert "cached" not in first.source
    assert (root / "cache" / "cifar10-imagefolder.pt").exists()

    def refuse(paths):
        raise AssertionError("decoded again instead of using the cache")

    monkeypatch.setattr(data, "decode_files", refuse)
    second = data.load("cifar10", root=root)
    assert "cached" in second.source
    assert torch.equal(second.train.images, first.train.images)
    assert torch.equal(second.test.labels, first.test.labels)
    assert pairs(second.train.images.numpy(), second.train.labels) == pairs(*written["train"])


def test_a_changed_tree_rebuilds_the_cache(image_tree):
    root, _ = image_tree
    data.load("cifar10", root=root)
    Image.fromarray(np.full((32, 32, 3), 9, np.uint8)).save(root / "cifar10/train/truck/new.png")
    again = data.load("cifar10", root=root)
    assert "cached" not in again.source
    assert len(again.train) == 31
    assert (again.train.images[again.train.labels == 9] == 9).all(dim=(1, 2, 3)).any()
    # and the rebuilt cache serves the next load
    assert "cached" in data.load("cifar10", root=root).source


def test_a_replaced_image_rebuilds_the_cache(image_tree):
    root, _ = image_tree
    data.load("cifar10", root=root)
    target = root / "cifar10/test/bird/000.png"
    Image.fromarray(np.full((32, 32, 3), 200, np.uint8)).save(target)
    again = data.load("cifar10", root=root)
    assert "cached" not in again.source
    assert (again.test.images == 200).all(dim=(1, 2, 3)).sum() == 1


def cache_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, data.CacheWarning)]


def assert_cache_serves(root, first):
    """The cache under root is whole again: the next load uses it, silently, and agrees."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", data.CacheWarning)
        again = data.load("cifar10", root=root)
    assert "cached" in again.source
    assert torch.equal(again.train.images, first.train.images)
    assert torch.equal(again.train.labels, first.train.labels)
    assert torch.equal(again.test.images, first.test.images)


def test_truncated_cache_is_named_and_rebuilt(image_tree):
    root, _ = image_tree
    first = data.load("cifar10", root=root)
    cache = root / "cache" / "cifar10-imagefolder.pt"
    raw = cache.read_bytes()
    cache.write_bytes(raw[: len(raw) // 2])
    with pytest.warns(data.CacheWarning, match=re.escape(str(cache))) as record:
        rebuilt = data.load("cifar10", root=root)
    assert "rebuilt" in cache_warnings(record)[0]
    assert "cached" not in rebuilt.source
    assert torch.equal(rebuilt.train.images, first.train.images)
    assert_cache_serves(root, first)


def test_flipped_byte_in_the_cache_is_detected_and_rebuilt(image_tree):
    root, _ = image_tree
    first = data.load("cifar10", root=root)
    cache = root / "cache" / "cifar10-imagefolder.pt"
    raw = bytearray(cache.read_bytes())
    where = raw.find(first.train.images[3].numpy().tobytes()[:64])
    assert where > 0  # torch.save stores tensors' bytes as they are
    raw[where + 10] ^= 0xFF
    cache.write_bytes(bytes(raw))
    with pytest.warns(data.CacheWarning, match=re.escape(str(cache))):
        rebuilt = data.load("cifar10", root=root)
    assert "cached" not in rebuilt.source
    assert torch.equal(rebuilt.train.images, first.train.images)
    assert_cache_serves(root, first)


def test_an_image_moved_to_another_class_folder_rebuilds_the_cache(image_tree):
    root, written = image_tree
    data.load("cifar10", root=root)
    src = root / "cifar10/train/cat/002.png"
    before = src.stat()
    moved = root / "cifar10/train/dog/zz_moved.png"
    src.rename(moved)  # as mv does: same size, same time, so count, size and newest time agree
    assert moved.stat().st_mtime_ns == before.st_mtime_ns
    again = data.load("cifar10", root=root)
    assert "cached" not in again.source
    images, labels = written["train"]
    pixels = images[list(labels).index(3) + 2]  # cat's third image, as written
    hits = [i for i, img in enumerate(again.train.images) if np.array_equal(img.numpy(), pixels)]
    assert len(hits) == 1
    assert again.classes[int(again.train.labels[hits[0]])] == "dog"
    assert torch.bincount(again.train.labels, minlength=10)[[3, 5]].tolist() == [2, 4]


def test_an_older_cache_format_is_rebuilt_without_a_warning(image_tree):
    root, _ = image_tree
    first = data.load("cifar10", root=root)
    cache = root / "cache" / "cifar10-imagefolder.pt"
    stored = torch.load(cache, weights_only=True)
    stored["version"] = 2
    del stored["checksum"]
    torch.save(stored, cache)
    with warnings.catch_warnings():
        warnings.simplefilter("error", data.CacheWarning)
        rebuilt = data.load("cifar10", root=root)
    assert "cached" not in rebuilt.source
    assert_cache_serves(root, first)


def test_foreign_cache_file_is_refused(image_tree):
    root, _ = image_tree
    cache = root / "cache" / "cifar10-imagefolder.pt"
    cache.parent.mkdir()
    torch.save({"something": torch.zeros(3)}, cache)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert str(cache) in str(info.value)


# ---------------------------------------------------------------------------------------
# Dataset names and profiles


def test_unknown_dataset_name_lists_the_valid_ones():
    with pytest.raises(DataError) as info:
        data.load(name="imagenet")
    message = str(info.value)
    assert "imagenet" in message and "cifar10" in message and "synthetic" in message


def test_unknown_rg_dataset_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("RG_DATASET", "bogus")
    with pytest.raises(DataError) as info:
        data.load()
    message = str(info.value)
    assert "bogus" in message and "cifar10" in message and "synthetic" in message


def test_smoke_profile_loads_synthetic(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    ds = data.load(n_train=100, n_test=30)
    assert ds.name == "synthetic"
    assert len(ds.train) == 100 and len(ds.test) == 30


def test_standard_profile_asks_for_cifar10(monkeypatch):
    assert data.requested_dataset() == "cifar10"
    monkeypatch.setenv("RG_DATASET", "synthetic")
    assert data.requested_dataset() == "synthetic"
    assert data.load(n_train=50, n_test=20).name == "synthetic"


def test_data_dir_follows_rg_data_dir(image_tree, monkeypatch):
    root, _ = image_tree
    monkeypatch.setenv("RG_DATA_DIR", str(root))
    assert data.data_dir() == root
    ds = data.load("cifar10")
    assert len(ds.train) == 30


def test_load_draws_stratified_subsets_of_real_data(image_tree):
    root, _ = image_tree
    ds = data.load("cifar10", root=root, n_train=20, n_test=10)
    assert torch.bincount(ds.train.labels, minlength=10).tolist() == [2] * 10
    assert torch.bincount(ds.test.labels, minlength=10).tolist() == [1] * 10


# ---------------------------------------------------------------------------------------
# torchvision's own files


def write_torchvision_cifar10(root, per_batch=2, seed=0):
    """Tiny pickles in the layout of cifar-10-batches-py; returns the (data, labels) written."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = {}
    names = [name for name, _ in torchvision.datasets.CIFAR10.train_list]
    names += [name for name, _ in torchvision.datasets.CIFAR10.test_list]
    for name in names:
        rows = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rows, "labels": labels, "batch_label": name}, f)
        written[name] = (rows, labels)
    with open(folder / torchvision.datasets.CIFAR10.meta["filename"], "wb") as f:
        pickle.dump({"label_names": list(CLASSES)}, f)
    return written


@pytest.fixture
def trusting_torchvision(monkeypatch):
    """Accept the tiny pickles: their MD5s cannot match the real files'."""
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda *a, **k: True)


def test_torchvision_files_load(tmp_path, trusting_torchvision):
    written = write_torchvision_cifar10(tmp_path)
    ds = data.load("cifar10", root=tmp_path)
    assert ds.classes == CLASSES
    assert ds.train.images.shape == (10, 3, 32, 32)
    assert ds.test.images.shape == (2, 3, 32, 32)
    assert ds.train.images.dtype == torch.uint8 and ds.train.labels.dtype == torch.int64
    train_rows = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    train_labels = sum((written[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert ds.train.labels.tolist() == train_labels
    # a row is the red plane, then green, then blue, each 32 rows of 32
    assert np.array_equal(ds.train.images.numpy(), train_rows.reshape(-1, 3, 32, 32))
    assert np.array_equal(ds.test.images.numpy(), written["test_batch"][0].reshape(-1, 3, 32, 32))
    assert ds.test.labels.tolist() == written["test_batch"][1]


def test_torchvision_files_take_precedence_over_an_image_folder(image_tree, trusting_torchvision):
    root, _ = image_tree
    write_torchvision_cifar10(root)
    ds = data.load("cifar10", root=root)
    assert "torchvision" in ds.source
    assert len(ds.train) == 10


def test_corrupted_torchvision_files_are_a_data_error(tmp_path, monkeypatch):
    write_torchvision_cifar10(tmp_path)
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: False)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=tmp_path)
    assert "cifar-10-batches-py" in str(info.value)
    assert "delete" in str(info.value)


def test_torchvision_files_with_real_checksums_fail_on_fakes(tmp_path):
    write_torchvision_cifar10(tmp_path)  # no monkeypatching: the MD5s cannot match
    with pytest.raises(DataError):
        data.load("cifar10", root=tmp_path)


# ---------------------------------------------------------------------------------------
# Download and the synthetic fallback


def test_download_that_stops_half_way(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "network_reachable", lambda *a, **k: True)
    archive = tmp_path / "cifar-10-python.tar.gz"

    def partial(root):
        archive.write_bytes(b"\x1f\x8b" + b"\0" * 2_500_000)
        raise OSError("connection reset by peer")

    monkeypatch.setattr(data, "_torchvision_download", partial)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=tmp_path)
    message = str(info.value)
    assert "half-way" in message
    assert str(archive) in message
    assert "2.5 MB" in message


def test_download_that_fails_before_writing_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "network_reachable", lambda *a, **k: True)

    def fail(root):
        raise OSError("name resolution failed")

    monkeypatch.setattr(data, "_torchvision_download", fail)
    with pytest.warns(SyntheticDataWarning):
        ds = data.load("cifar10", root=tmp_path, n_train=50, n_test=20)
    assert ds.name == "synthetic"


def test_successful_download_is_loaded(tmp_path, monkeypatch, trusting_torchvision):
    monkeypatch.setattr(data, "network_reachable", lambda *a, **k: True)
    calls = []

    def fake_download(root):
        calls.append(root)
        write_torchvision_cifar10(root)

    monkeypatch.setattr(data, "_torchvision_download", fake_download)
    target = tmp_path / "fresh"
    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntheticDataWarning)
        ds = data.load("cifar10", root=target)
    assert calls == [target]
    assert ds.name == "cifar10" and len(ds.train) == 10


def test_offline_falls_back_to_synthetic_with_a_warning(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.warns(SyntheticDataWarning) as record:
        ds = data.load("cifar10", root=empty, n_train=100, n_test=40)
    assert ds.name == "synthetic"
    assert len(ds.train) == 100 and len(ds.test) == 40
    text = " ".join(str(w.message) for w in record)
    assert "SYNTHETIC" in text
    assert str(empty) in text


def test_no_download_attempt_when_not_allowed(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("looked for the network")

    monkeypatch.setattr(data, "network_reachable", refuse)
    with pytest.warns(SyntheticDataWarning):
        ds = data.load("cifar10", root=tmp_path, allow_download=False, n_train=20, n_test=10)
    assert ds.name == "synthetic"


def test_network_reachable_reports_connection_errors(monkeypatch):
    import socket

    def refuse(*a, **k):
        raise OSError("unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert REAL_NETWORK_REACHABLE() is False

    class Connection:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: Connection())
    assert REAL_NETWORK_REACHABLE() is True


# ---------------------------------------------------------------------------------------
# Summaries of a split


def test_channel_means_and_class_counts_by_hand():
    images = torch.zeros(2, 3, 2, 2, dtype=torch.uint8)
    images[:, 0] = 255
    images[0, 2] = 51
    images[1, 2] = 102
    assert data.channel_means(images).tolist() == pytest.approx([1.0, 0.0, 0.3])
    counts = data.class_counts(torch.tensor([0, 2, 2, 5]), 7)
    assert counts.tolist() == [1, 0, 2, 0, 0, 1, 0]


# --- downsampling ------------------------------------------------------------------------

def test_downsampled_averages_each_block_by_hand():
    images = torch.arange(2 * 3 * 4 * 4, dtype=torch.uint8).reshape(2, 3, 4, 4)
    split = data.Split(images, torch.tensor([0, 1]))
    small = split.downsampled(2)
    assert small.images.shape == (2, 3, 2, 2) and small.images.dtype == torch.uint8
    # top-left block of image 0, channel 0: pixels 0, 1, 4, 5 -> mean 2.5, rounded to even: 2
    assert small.images[0, 0, 0, 0] == 2
    # bottom-right block of image 1, channel 2: 90, 91, 94, 95 -> mean 92.5 -> 92
    assert small.images[1, 2, 1, 1] == 92
    assert torch.equal(small.labels, split.labels)
    assert split.downsampled(1) is split


def test_downsampled_dataset_keeps_everything_but_the_size():
    ds = data.synthetic(n_train=20, n_test=10)
    small = ds.downsampled(2)
    assert small.train.images.shape == (20, 3, 16, 16)
    assert small.test.images.shape == (10, 3, 16, 16)
    assert (small.name, small.classes) == (ds.name, ds.classes)
    assert "16x16" in repr(small)
    # area averaging keeps each channel's mean to within rounding
    assert torch.allclose(small.mean, ds.mean, atol=1 / 255)


@pytest.mark.parametrize("factor,match", [(0, "whole number"), (1.5, "whole number"),
                                          (3, "do not divide")])
def test_downsampled_refuses_a_bad_factor(factor, match):
    with pytest.raises(ValueError, match=match):
        data.synthetic(n_train=10, n_test=10).train.downsampled(factor)


# ---------------------------------------------------------------------------------------
# Empty data, bad sizes, unreadable paths, a read-only cache (issue 16)


def assert_no_cache_written(root):
    cache = root / "cache"
    assert not cache.exists() or not any(cache.iterdir())


def test_an_empty_class_folder_is_named(image_tree):
    root, _ = image_tree
    folder = root / "cifar10" / "train" / "cat"
    for f in folder.iterdir():
        f.unlink()
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    message = str(info.value)
    assert str(folder) in message and "no images" in message and "Fix" in message
    assert_no_cache_written(root)


def test_a_class_whose_images_sit_in_a_subfolder_is_named(image_tree):
    root, _ = image_tree
    folder = root / "cifar10" / "test" / "ship"
    (folder / "extracted").mkdir()
    for f in folder.glob("*.png"):
        f.rename(folder / "extracted" / f.name)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    message = str(info.value)
    assert str(folder) in message and str(folder / "extracted") in message
    assert "move them up" in message
    assert_no_cache_written(root)


def test_an_empty_test_split_is_named(tmp_path):
    write_image_tree(tmp_path / "tree", ["a", "b"], n_train=2, n_test=1)
    for folder in (tmp_path / "tree" / "test").iterdir():
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    with pytest.raises(DataError) as info:
        data.load_image_folder(tmp_path / "tree", cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert str(tmp_path / "tree" / "test") in message and "no class folders" in message
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("argument, value", [
    ("n_train", 0), ("n_train", -5), ("n_test", 0), ("n_test", -1), ("n_train", 2.5),
    ("n_train", True),
])
@pytest.mark.parametrize("name", ["synthetic", "cifar10"])
def test_load_refuses_a_subset_of_no_images(image_tree, name, argument, value):
    root, _ = image_tree
    with pytest.raises(ValueError) as info:
        data.load(name, root=root, **{argument: value})
    assert argument in str(info.value) and ">= 1" in str(info.value)
    assert_no_cache_written(root)


@pytest.mark.parametrize("n", [0, -3])
def test_split_subset_refuses_no_images(n):
    with pytest.raises(ValueError, match="n must be a whole number"):
        data.synthetic(20, 10).train.subset(n)


def test_whole_numbers_of_any_type_are_subset_sizes():
    ds = data.synthetic(40, 20)
    assert len(ds.subset(np.int64(20), 10.0).train) == 20


def test_a_data_folder_that_is_a_file_is_named(tmp_path):
    not_a_folder = tmp_path / "data.tar"
    not_a_folder.write_bytes(b"x")
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=not_a_folder)
    assert str(not_a_folder) in str(info.value) and "RG_DATA_DIR" in str(info.value)
    assert not_a_folder.read_bytes() == b"x"


def make_read_only(folder, monkeypatch):
    """Make `folder` unwritable: by chmod where that works (not as root); otherwise saving
    raises PermissionError as a read-only folder would."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if not os.access(folder, os.W_OK):
        return

    def refuse(obj, f, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(f))

    monkeypatch.setattr(torch, "save", refuse)


def test_a_read_only_cache_folder_warns_and_returns_the_data(image_tree, monkeypatch):
    root, written = image_tree
    cache_dir = root / "cache"
    make_read_only(cache_dir, monkeypatch)
    try:
        with pytest.warns(data.CacheWarning, match="Cannot write the cache") as record:
            ds = data.load("cifar10", root=root)
    finally:
        cache_dir.chmod(0o755)
    message = cache_warnings(record)[0]
    assert str(cache_dir / "cifar10-imagefolder.pt") in message and "RG_DATA_DIR" in message
    assert pairs(ds.train.images.numpy(), ds.train.labels) == pairs(*written["train"])
    assert list(cache_dir.iterdir()) == []  # no cache, no temporary file


def test_dangling_and_looping_links_are_named(image_tree):
    root, _ = image_tree
    ghost = root / "cifar10" / "train" / "cat" / "ghost.jpg"
    ghost.symlink_to(root / "nowhere.jpg")
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert str(ghost) in str(info.value) and "link" in str(info.value)
    ghost.unlink()
    loop = root / "cifar10" / "test" / "dog" / "loop.png"
    loop.symlink_to(loop)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert str(loop) in str(info.value) and "link" in str(info.value)
    assert_no_cache_written(root)


def test_an_unreadable_class_folder_is_named(image_tree, monkeypatch):
    root, _ = image_tree
    folder = root / "cifar10" / "train" / "bird"
    real_iterdir = Path.iterdir

    def iterdir(self):  # chmod 000 does not stop root, so refuse as the system would
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(DataError) as info:
        data.load("cifar10", root=root)
    assert str(folder) in str(info.value) and "readable" in str(info.value)
    assert_no_cache_written(root)


def test_a_temporary_file_of_a_killed_load_is_removed(image_tree):
    root, _ = image_tree
    cache = root / "cache" / "cifar10-imagefolder.pt"
    cache.parent.mkdir()
    dead = cache.parent / "cifar10-imagefolder.4194399.tmp"  # above Linux's largest pid
    dead.write_bytes(b"half a cache")
    mine = cache.parent / f"cifar10-imagefolder.{os.getppid()}.tmp"  # a live process's
    mine.write_bytes(b"being written")
    data.load("cifar10", root=root)
    assert not dead.exists()
    assert mine.exists()
    assert cache.exists()


def test_an_interrupted_cache_write_leaves_no_temporary_file(image_tree, monkeypatch):
    root, _ = image_tree
    real_save = torch.save

    def interrupted(obj, f, *args, **kwargs):
        Path(f).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.load("cifar10", root=root)
    assert list((root / "cache").iterdir()) == []
    monkeypatch.setattr(torch, "save", real_save)
    assert "cached" not in data.load("cifar10", root=root).source
    assert (root / "cache" / "cifar10-imagefolder.pt").exists()
