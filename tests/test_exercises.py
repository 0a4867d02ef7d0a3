"""`exercises.check` against answers known to be right, wrong or unfinished."""

import math

import pytest
import torch

from reading_group import exercises
from reading_group.exercises import check, relative_error


def reference(x):
    return torch.relu(x) * 2


def correct(x):
    return torch.clamp(x, min=0) + torch.clamp(x, min=0)


def wrong(x):
    return torch.clamp(x, min=0) * 3   # 1.5 times the answer


def unfinished(x):
    raise NotImplementedError


CASES = [torch.tensor([-1.0, 2.0, 3.0]), torch.tensor([[0.5, -0.5], [4.0, 1.0]])]


def test_correct_answer_passes(capsys):
    result = check(correct, reference, CASES)
    assert result and result.passed and result.done
    assert result.worst_error <= 1e-6
    out = capsys.readouterr().out
    assert "correct" in out and "WRONG" not in out


def test_wrong_answer_fails_with_its_error(capsys):
    result = check(wrong, reference, CASES)
    assert not result
    assert result.done
    # ||3r - 2r|| / ||3r|| = 1/3 for every case
    assert result.worst_error == pytest.approx(1 / 3)
    out = capsys.readouterr().out
    assert "WRONG" in out and "not yet right" in out


def test_one_wrong_case_is_enough_to_fail():
    def sometimes(x):
        return reference(x) if x.ndim == 1 else reference(x) + 1

    assert not check(sometimes, reference, CASES)


def test_tolerance_decides():
    def close(x):
        return reference(x) * (1 + 1e-4)

    assert not check(close, reference, CASES)
    assert check(close, reference, CASES, tolerance=1e-3)


def test_unfinished_answer_is_not_done(capsys):
    result = check(unfinished, reference, CASES)
    assert not result
    assert result.done is False
    assert math.isinf(result.worst_error)
    assert "not done yet" in capsys.readouterr().out


def test_cases_may_be_tuples_of_arguments():
    def add(a, b):
        return a + b

    assert check(add, torch.add, [(torch.ones(2), torch.ones(2)), (1.0, 2.0)])
    assert not check(torch.sub, torch.add, [(torch.ones(2), torch.ones(2))])


def test_result_truthiness_follows_passed():
    assert exercises.Result(True, 0.0)
    assert not exercises.Result(False, 0.0)


def test_relative_error_basics():
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert relative_error(torch.tensor([3.0, 4.0]), torch.tensor([0.0, 0.0])) == pytest.approx(1.0)
    assert relative_error([1.0, 2.0], [1.0, 2.0, 3.0]) == math.inf
    assert relative_error(torch.zeros(2, 3), torch.zeros(3, 2)) == math.inf
    assert relative_error(torch.empty(0), torch.empty(0)) == 0.0


def test_relative_error_is_symmetric_and_scale_free():
    a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0])
    assert relative_error(a, b) == pytest.approx(relative_error(b, a))
    assert relative_error(a * 1e6, b * 1e6) == pytest.approx(relative_error(a, b))
    assert relative_error(a, b) == pytest.approx(0.5 / torch.linalg.norm(b).item())


def test_modules_in_cases_are_named_briefly(capsys):
    layer = torch.nn.Linear(3, 2)
    check(lambda m, x: m(x), lambda m, x: m(x), [(layer, torch.ones(1, 3))])
    out = capsys.readouterr().out
    assert "Linear(...)" in out and "in_features" not in out
