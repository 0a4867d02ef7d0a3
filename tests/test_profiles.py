"""`profiles` (profiles, devices, seeding) against the RG_* variables that choose them."""

import random

import numpy as np
import pytest
import torch

from reading_group import profiles
from reading_group.profiles import ProfileError

PER_PROFILE = dict(
    smoke=dict(n_train=500, epochs=1),
    standard=dict(n_train=10_000, epochs=8),
    paper=dict(n_train=50_000, epochs=90),
)


def test_default_profile_is_standard():
    assert profiles.active() == "standard"


def test_blank_profile_means_standard(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "  ")
    assert profiles.active() == "standard"


@pytest.mark.parametrize("name", ["smoke", "standard", "paper"])
def test_each_profile_is_honoured(monkeypatch, name):
    monkeypatch.setenv("RG_PROFILE", f" {name} ")
    assert profiles.active() == name


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "fast")
    with pytest.raises(ProfileError) as info:
        profiles.active()
    message = str(info.value)
    for name in ("fast", "smoke", "standard", "paper"):
        assert name in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", ["smoke", "standard", "paper"])
def test_settings_pick_the_active_profile(monkeypatch, name):
    monkeypatch.setenv("RG_PROFILE", name)
    s = profiles.settings(**PER_PROFILE)
    assert s.profile == name
    assert s.n_train == PER_PROFILE[name]["n_train"]
    assert s.epochs == PER_PROFILE[name]["epochs"]
    assert s.as_dict() == PER_PROFILE[name]


def test_settings_explicit_profile_overrides_environment(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    s = profiles.settings(**PER_PROFILE, profile="paper")
    assert s.epochs == 90


def test_settings_default_to_standard():
    assert profiles.settings(**PER_PROFILE).epochs == 8


def test_settings_unknown_profile_in_environment_raises(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "huge")
    with pytest.raises(ProfileError):
        profiles.settings(**PER_PROFILE)


def test_unknown_setting_is_an_attribute_error_listing_the_settings():
    s = profiles.settings(**PER_PROFILE)
    with pytest.raises(AttributeError) as info:
        _ = s.batch_size
    assert "batch_size" in str(info.value)
    assert "epochs" in str(info.value) and "n_train" in str(info.value)


def test_settings_table_shows_every_profile_and_marks_the_active_one(monkeypatch):
    monkeypatch.setenv("RG_PROFILE", "smoke")
    s = profiles.settings(**PER_PROFILE)
    table = s.table()
    assert table.columns == ["setting", "smoke (active)", "standard", "paper"]
    assert table.records() == [
        {"setting": "n_train", "smoke (active)": 500, "standard": 10_000, "paper": 50_000},
        {"setting": "epochs", "smoke (active)": 1, "standard": 8, "paper": 90},
    ]
    text = repr(s)
    assert "Profile: smoke" in text
    assert "50,000" in text and "10,000" in text
    html = s._repr_html_()
    assert "<table>" in html and "smoke (active)" in html and "90" in html


def test_settings_reject_profiles_naming_different_keys():
    with pytest.raises(ProfileError) as info:
        profiles.settings(smoke=dict(n_train=5), standard=dict(n_train=5, epochs=2),
                          paper=dict(n_train=5, epochs=3))
    assert "smoke" in str(info.value)
    assert "epochs" in str(info.value)


def test_settings_reject_a_key_only_one_profile_has():
    with pytest.raises(ProfileError) as info:
        profiles.settings(smoke=dict(a=1), standard=dict(a=1), paper=dict(a=1, lr=0.1))
    assert "lr" in str(info.value)


def test_device_honours_rg_device(monkeypatch):
    monkeypatch.setenv("RG_DEVICE", "meta")
    assert profiles.device() == torch.device("meta")
    monkeypatch.setenv("RG_DEVICE", "cpu")
    assert profiles.device() == torch.device("cpu")


def test_device_argument_overrides_environment(monkeypatch):
    monkeypatch.setenv("RG_DEVICE", "cpu")
    assert profiles.device("meta") == torch.device("meta")


def test_device_prefers_cuda_when_present(monkeypatch):
    monkeypatch.delenv("RG_DEVICE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.device().type == "cuda"


def test_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.delenv("RG_DEVICE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert profiles.device() == torch.device("cpu")


def test_seed_everything_repeats_every_generator():
    profiles.seed_everything(123)
    first = (torch.randn(5), np.random.rand(5), random.random())
    profiles.seed_everything(123)
    second = (torch.randn(5), np.random.rand(5), random.random())
    assert torch.equal(first[0], second[0])
    assert np.array_equal(first[1], second[1])
    assert first[2] == second[2]
    profiles.seed_everything(124)
    assert not torch.equal(first[0], torch.randn(5))


def test_package_reexports():
    import reading_group as rg

    assert rg.settings is profiles.settings
    assert rg.device is profiles.device
    assert rg.seed_everything is profiles.seed_everything


def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_rg_device_naming_a_missing_gpu_is_refused_up_front(monkeypatch, name):
    no_gpu(monkeypatch)
    monkeypatch.setenv("RG_DEVICE", name)
    with pytest.raises(profiles.DeviceError) as info:
        profiles.device()
    message = str(info.value)
    assert f"RG_DEVICE={name!r}" in message and "has: cpu" in message and "Fix" in message


@pytest.mark.parametrize("name", ["gpu", "cuda0", "CPU", "cuda:x"])
def test_a_misspelt_rg_device_is_refused(monkeypatch, name):
    no_gpu(monkeypatch)
    monkeypatch.setenv("RG_DEVICE", name)
    with pytest.raises(ValueError) as info:
        profiles.device()
    assert f"RG_DEVICE={name!r}" in str(info.value) and "not a device name" in str(info.value)


def test_a_gpu_index_beyond_the_count_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv("RG_DEVICE", "cuda:2")
    with pytest.raises(profiles.DeviceError, match="there are 2.*cuda:0, cuda:1"):
        profiles.device()
    monkeypatch.setenv("RG_DEVICE", "cuda:1")
    assert profiles.device() == torch.device("cuda:1")


def test_a_device_argument_is_checked_and_named(monkeypatch):
    no_gpu(monkeypatch)
    with pytest.raises(profiles.DeviceError, match="device='cuda'"):
        profiles.device("cuda")


def test_rg_device_with_spaces_or_blank(monkeypatch):
    monkeypatch.setenv("RG_DEVICE", "  cpu \n")
    assert profiles.device() == torch.device("cpu")
    no_gpu(monkeypatch)
    monkeypatch.setenv("RG_DEVICE", "   ")
    assert profiles.device() == torch.device("cpu")
