"""`batches` against crops built by hand, NumPy's PCA and torchvision's ten_crop."""

import numpy as np
import pytest
import torch
import torch.nn as nn
from torchvision.transforms.v2 import functional as TF

import reading_group as rg
from reading_group import batches, data
from reading_group.batches import Batches


def random_images(n, size=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)


def candidates(image, padding):
    """Every crop after zero padding, plain and mirrored, built without the package."""
    c, h, w = image.shape
    padded = torch.zeros(c, h + 2 * padding, w + 2 * padding, dtype=image.dtype)
    padded[:, padding:padding + h, padding:padding + w] = image
    out = {}
    for oy in range(2 * padding + 1):
        for ox in range(2 * padding + 1):
            crop = padded[:, oy:oy + h, ox:ox + w]
            out[(oy - padding, ox - padding, False)] = crop
            out[(oy - padding, ox - padding, True)] = torch.flip(crop, dims=[-1])
    return out


def test_crop_and_flip_are_zero_padded_shifts_possibly_mirrored():
    images = random_images(64)
    labels = torch.arange(64)
    b = Batches(images, labels, 64, padding=4, flip=True, seed=0)
    (x, y), = list(b)
    assert x.shape == images.shape and x.dtype == torch.float32
    assert torch.equal(y, labels)
    found = []
    for out, original in zip(x, images):
        as_pixels = out * 255
        matches = [key for key, cand in candidates(original, 4).items()
                   if torch.allclose(as_pixels, cand.float(), atol=1e-3)]
        assert matches, "an output image is no shifted (or mirrored) copy of its input"
        found.append(matches[0])
    assert len(found) == 64
    assert len({(dy, dx) for dy, dx, _ in found}) > 15   # offsets really vary
    assert {m for _, _, m in found} == {True, False}      # both orientations occur
    assert all(-4 <= dy <= 4 and -4 <= dx <= 4 for dy, dx, _ in found)


def test_flip_alone_mirrors_about_half_the_images():
    images = random_images(200, size=6)
    b = Batches(images, torch.zeros(200, dtype=torch.int64), 200, flip=True, seed=1)
    (x, _), = list(b)
    plain = torch.isclose(x * 255, images.float(), atol=1e-3).flatten(1).all(1)
    mirrored = torch.isclose(x * 255, torch.flip(images, dims=[-1]).float(),
                             atol=1e-3).flatten(1).all(1)
    assert (plain | mirrored).all()
    assert 60 < mirrored.sum() < 140


def test_no_augmentation_gives_the_normalised_images():
    images = random_images(20)
    mean, std = torch.tensor([0.49, 0.48, 0.45]), torch.tensor([0.25, 0.24, 0.26])
    b = Batches(images, torch.zeros(20, dtype=torch.int64), 8, mean=mean, std=std)
    x = torch.cat([xb for xb, _ in b])
    expected = TF.normalize(images.float() / 255, mean.tolist(), std.tolist())
    torch.testing.assert_close(x, expected, rtol=1e-5, atol=1e-5)
    # and by hand
    by_hand = (images.float() / 255 - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    torch.testing.assert_close(x, by_hand, rtol=1e-5, atol=1e-5)


def test_without_mean_and_std_pixels_are_scaled_to_unit_range():
    images = random_images(5)
    (x, _), = list(Batches(images, torch.zeros(5, dtype=torch.int64), 5))
    torch.testing.assert_close(x, images.float() / 255)
    assert x.min() >= 0 and x.max() <= 1


def test_without_shuffle_the_order_is_kept():
    labels = torch.arange(23)
    b = Batches(random_images(23), labels, 5)
    assert torch.cat([y for _, y in b]).tolist() == list(range(23))


def sequence(b, epochs=2):
    return [(x.clone(), y.clone()) for _ in range(epochs) for x, y in b]


def make(seed):
    return Batches(random_images(30), torch.arange(30), 8, shuffle=True, padding=4, flip=True,
                   pca_colour=0.1, seed=seed)


def test_same_seed_gives_the_same_sequence():
    a, b = sequence(make(7)), sequence(make(7))
    assert len(a) == len(b) == 8
    for (xa, ya), (xb, yb) in zip(a, b):
        assert torch.equal(xa, xb) and torch.equal(ya, yb)


def test_different_seeds_give_different_sequences():
    a, b = sequence(make(7)), sequence(make(8))
    assert any(not torch.equal(ya, yb) for (_, ya), (_, yb) in zip(a, b))
    assert any(not torch.equal(xa, xb) for (xa, _), (xb, _) in zip(a, b))


def test_each_epoch_visits_every_image_once_in_a_new_order():
    n = 37
    images = random_images(n)
    b = Batches(images, torch.arange(n), 8, shuffle=True, seed=0)
    orders = []
    for _ in range(3):
        seen = []
        for x, y in b:
            # images travel with their labels
            torch.testing.assert_close(x * 255, images[y].float(), atol=1e-3, rtol=0)
            seen += y.tolist()
        assert sorted(seen) == list(range(n))
        orders.append(seen)
    assert orders[0] != orders[1] and orders[1] != orders[2]


@pytest.mark.parametrize("n,batch,drop_last,expected", [
    (30, 8, False, 4), (30, 8, True, 3), (32, 8, False, 4), (32, 8, True, 4), (5, 8, True, 0),
    (5, 8, False, 1),
])
def test_len_matches_the_batches_yielded(n, batch, drop_last, expected):
    b = Batches(random_images(n, size=4), torch.arange(n), batch, drop_last=drop_last)
    out = list(b)
    assert len(b) == expected == len(out)
    sizes = [len(y) for _, y in out]
    if drop_last:
        assert all(s == batch for s in sizes)
    else:
        assert sum(sizes) == n


def numpy_pca(images):
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3).numpy().astype(np.float64) / 255
    eigvals, eigvecs = np.linalg.eigh(np.cov(pixels.T))
    order = np.argsort(eigvals)[::-1]
    return eigvals[order], eigvecs[:, order]


def correlated_images(n=200, size=8, seed=0):
    """Colours mixed from three independent sources, so every principal axis has variance."""
    rng = np.random.default_rng(seed)
    sources = rng.uniform(-1, 1, (n, size, size, 3)) * np.array([60, 25, 10])
    mix = np.array([[0.8, 0.5, 0.3], [0.6, -0.4, 0.7], [0.5, 0.3, -0.8]])
    pixels = np.clip(128 + sources @ mix.T, 0, 255).round().astype(np.uint8)
    return torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()


def test_colour_pca_matches_numpy():
    images = correlated_images()
    eigvals, eigvecs = batches.colour_pca(images)
    ref_vals, ref_vecs = numpy_pca(images)
    np.testing.assert_allclose(eigvals.numpy(), ref_vals, rtol=1e-4)
    assert (np.diff(eigvals.numpy()) <= 0).all()
    # eigenvectors agree up to sign
    dots = np.abs((eigvecs.numpy().astype(np.float64) * ref_vecs).sum(axis=0))
    np.testing.assert_allclose(dots, 1, atol=1e-5)


def test_pca_colour_shifts_each_image_by_a_constant_along_the_principal_axes():
    images = correlated_images(n=400)
    std = torch.tensor([0.2, 0.25, 0.3])
    sigma = 0.5
    plain = Batches(images, torch.zeros(400, dtype=torch.int64), 400, std=std)
    noisy = Batches(images, torch.zeros(400, dtype=torch.int64), 400, std=std,
                    pca_colour=sigma, seed=3)
    (x0, _), = list(plain)
    (x1, _), = list(noisy)
    shift = ((x1 - x0) * std.view(1, 3, 1, 1)).double()   # in [0, 1] pixel units
    per_image = shift.mean(dim=(2, 3))                     # [N, 3]
    # one colour per image, the same at every pixel
    assert (shift - per_image[:, :, None, None]).abs().max() < 1e-5
    assert (per_image.abs().sum(1) > 0).all()
    # coordinates along numpy's eigenvectors, divided by the eigenvalues, are alpha ~ N(0, sigma)
    ref_vals, ref_vecs = numpy_pca(images)
    alpha = per_image.numpy() @ ref_vecs / ref_vals
    assert np.all(np.abs(alpha.std(axis=0) - sigma) < 0.15 * sigma)
    assert np.all(np.abs(alpha.mean(axis=0)) < 0.2 * sigma)
    # the three alphas of an image are drawn independently
    corr = np.corrcoef(alpha.T)
    assert np.abs(corr[np.triu_indices(3, 1)]).max() < 0.2


def test_pca_colour_on_grey_images_moves_only_along_grey():
    g = torch.Generator().manual_seed(0)
    grey = torch.randint(0, 256, (50, 1, 6, 6), generator=g, dtype=torch.uint8).expand(50, 3, 6, 6)
    grey = grey.contiguous()
    ref_vals, ref_vecs = numpy_pca(grey)
    assert ref_vals[1] < 1e-10   # the covariance has rank one
    (x0, _), = list(Batches(grey, torch.zeros(50, dtype=torch.int64), 50))
    (x1, _), = list(Batches(grey, torch.zeros(50, dtype=torch.int64), 50, pca_colour=1.0))
    per_image = (x1 - x0).mean(dim=(2, 3)).double().numpy()
    assert np.abs(per_image).max() > 1e-3
    along = per_image @ ref_vecs[:, 0]
    np.testing.assert_allclose(np.outer(along, ref_vecs[:, 0]), per_image, atol=1e-6)
    np.testing.assert_allclose(np.abs(ref_vecs[:, 0]), np.full(3, 1 / np.sqrt(3)), atol=1e-6)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        Batches(torch.rand(4, 3, 8, 8), torch.zeros(4, dtype=torch.int64))
    with pytest.raises(ValueError):
        Batches(torch.zeros(3, 8, 8, dtype=torch.uint8), torch.zeros(3, dtype=torch.int64))
    with pytest.raises(ValueError):
        Batches(random_images(4), torch.zeros(5, dtype=torch.int64))


def test_for_dataset_normalises_with_the_training_statistics():
    ds = data.synthetic(40, 20)
    train, test = batches.for_dataset(ds, 16, augment=False)
    assert train.shuffle and not train.flip and train.padding == 0
    assert test.batch_size == 512 and not test.shuffle
    x = torch.cat([xb for xb, _ in test])
    expected = TF.normalize(ds.test.images.float() / 255, ds.mean.tolist(), ds.std.tolist())
    torch.testing.assert_close(x, expected, rtol=1e-5, atol=1e-5)
    # over the training set the normalised channels have mean 0 and std 1
    xt = torch.cat([xb for xb, _ in train]).transpose(0, 1).reshape(3, -1)
    torch.testing.assert_close(xt.mean(1), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(xt.std(1), torch.ones(3), atol=1e-4, rtol=0)


def test_for_dataset_augments_the_training_batches_only():
    ds = data.synthetic(40, 20)
    train, test = batches.for_dataset(ds, 16)
    assert train.padding == 4 and train.flip
    assert test.padding == 0 and not test.flip


@pytest.mark.parametrize("size, padding", [(28, 0), (32, 0), (24, 0), (None, 4)])
def test_ten_crop_matches_torchvision(size, padding):
    x = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    views = rg.batches.ten_crop(x, size, padding=padding)
    source = nn.functional.pad(x, (padding,) * 4) if padding else x
    expected = TF.ten_crop(source, size or 32)
    assert views.shape == (10, 3, 3, size or 32, size or 32)
    for got, want in zip(views, expected):
        assert torch.equal(got, want)


def test_ten_crop_views_are_corners_centre_and_mirrors():
    x = torch.arange(36, dtype=torch.uint8).view(1, 1, 6, 6)
    views = rg.batches.ten_crop(x, 4)
    assert views[0, 0, 0, 0, 0] == 0  # top left
    assert views[3, 0, 0, -1, -1] == 35  # bottom right
    assert torch.equal(views[4, 0], x[0, :, 1:5, 1:5])  # centre
    assert torch.equal(views[5], views[1].flip(-1))  # mirrored top left = mirror of top right
    centre = rg.batches.ten_crop(x, padding=2)[4]
    assert torch.equal(centre, x)  # the padded centre view is the image itself
    with pytest.raises(ValueError):
        rg.batches.ten_crop(x, 8)


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, None, True])
def test_a_batch_size_below_one_is_refused(batch_size):
    images = torch.zeros(6, 3, 4, 4, dtype=torch.uint8)
    with pytest.raises(ValueError) as info:
        batches.Batches(images, torch.zeros(6, dtype=torch.int64), batch_size)
    assert "batch_size" in str(info.value) and ">= 1" in str(info.value)
