import math

import pytest
import torch

from style_core.lbfgs import LBFGS


def _minimise(
    loss_of, start: torch.Tensor, steps: int, **options
) -> tuple[LBFGS, list[float], list[bool]]:
    """Run the optimiser on loss_of(x); the evaluated losses and which points were kept."""
    x = start.clone().requires_grad_(True)
    optimizer = LBFGS(x, **options)
    seen: list[float] = []
    optimizer.points = []  # every point evaluated, for the step-length tests

    def closure() -> torch.Tensor:
        x.grad = None
        loss = loss_of(x)
        loss.backward()
        seen.append(float(loss.detach()))
        optimizer.points.append(x.detach().clone())
        return loss

    kept = [optimizer.step(closure) for _ in range(steps)]
    return optimizer, seen, kept


def _rosenbrock(x: torch.Tensor) -> torch.Tensor:
    x = x.reshape(-1)
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def test_an_ill_conditioned_quadratic_is_solved_in_a_few_evaluations():
    scales = torch.logspace(0, 3, 20)  # condition number 1000: plain gradient descent crawls
    optimizer, seen, _ = _minimise(
        lambda x: (scales * x.reshape(-1) ** 2).sum(), torch.ones(1, 20), 40
    )
    assert seen[0] > 100
    assert optimizer.kept[1] < 1e-6 * seen[0]


def test_the_kept_point_never_gets_worse_and_overshoots_are_rejected():
    # Rosenbrock's valley makes full quasi-Newton steps overshoot now and then.
    optimizer, seen, kept = _minimise(_rosenbrock, torch.tensor([[-1.5, 2.0, -1.0, 1.5]]), 60)
    kept_losses = [loss for loss, was_kept in zip(seen, kept) if was_kept]
    assert all(b <= a for a, b in zip(kept_losses, kept_losses[1:]))
    assert not all(kept), "no step was rejected: the test does not exercise backtracking"
    rejected = [loss for loss, was_kept in zip(seen, kept) if not was_kept]
    assert max(rejected) > min(kept_losses)  # what was rejected was worse than what is shown
    assert optimizer.kept[1] < 0.01 * seen[0]
    assert torch.equal(optimizer.kept_image(), optimizer.kept[0].view(1, 4))


def test_a_non_finite_loss_is_never_kept():
    # log(x) is undefined left of 0: a long step there gives NaN, which must be backtracked.
    optimizer, seen, kept = _minimise(
        lambda x: (x - torch.log(x)).sum() * 50, torch.full((1, 3), 3.0), 15
    )
    assert any(math.isnan(loss) for loss in seen)
    assert all(math.isfinite(loss) for loss, was_kept in zip(seen, kept) if was_kept)
    assert torch.allclose(optimizer.kept_image(), torch.ones(1, 3), atol=0.05)  # the minimum


def test_before_any_step_the_kept_image_is_the_start():
    x = torch.rand(1, 3, 4, 4, requires_grad=True)
    assert torch.equal(LBFGS(x).kept_image(), x.detach())


def _tiny_gradient_bowl(x: torch.Tensor) -> torch.Tensor:
    # Gradients of ~1e-4 per coordinate, as a style loss gives per pixel: a raw gradient step
    # barely moves, so only a step measured in coordinates gets anywhere.
    return 1e-4 * ((x - 1) ** 2).sum()


def test_a_gradient_step_moves_the_largest_coordinate_by_the_given_amount():
    start = torch.zeros(1, 50)
    start[0, 0] = -1.0  # one coordinate twice as far from the minimum as the others
    optimizer, seen, kept = _minimise(_tiny_gradient_bowl, start, 2, gradient_step=0.05)
    first_move = optimizer.points[1] - optimizer.points[0]
    assert kept == [True, True]
    assert float(first_move.abs().max()) == pytest.approx(0.05)
    assert float(first_move[0, 0]) == pytest.approx(0.05)  # along the gradient: furthest first
    assert float(first_move[0, 1]) == pytest.approx(0.025)

    plain, _, _ = _minimise(_tiny_gradient_bowl, start, 2)
    plain_move = plain.points[1] - plain.points[0]
    assert float(plain_move.abs().max()) < 1e-3  # torch's first step: 1 in |g|_1


def test_no_step_moves_a_coordinate_further_than_max_step():
    # A steep, badly scaled quadratic: its quasi-Newton steps are long, each one capped.
    scales = torch.logspace(0, 3, 20)
    far = torch.full((1, 20), 3.0)
    optimizer, seen, kept = _minimise(
        lambda x: (scales * x.reshape(-1) ** 2).sum(), far, 60, gradient_step=0.1, max_step=0.25
    )
    moves = [b - a for a, b in zip(optimizer.points, optimizer.points[1:])]
    largest = [float(move.abs().max()) for move in moves]
    assert max(largest) <= 0.25 + 1e-6
    assert sum(abs(x - 0.25) < 1e-6 for x in largest) >= 5  # the cap was what set them
    assert optimizer.kept[1] < 1e-3 * seen[0]  # still converges, in capped steps
