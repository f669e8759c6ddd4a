"""L-BFGS that spends exactly one loss evaluation per iteration and never keeps a bad step.

Why not ``torch.optim.LBFGS``: without a line search (``max_iter=1``, one evaluation per
reported iteration) it takes every quasi-Newton step blindly, and on style losses it now and
then overshoots by orders of magnitude (total loss 18 -> 5941 in one step at 64 px, see
benchmarks/RESULTS.md, "Engine v3"); the image it returns after the last step was never
evaluated. With its strong-Wolfe line search each reported step costs at least two
evaluations. Here each iteration evaluates one point: if the loss fell enough (Armijo) the
point is kept and the next quasi-Newton step is proposed; if not, the step is shortened along
the same direction (backtracking, Nocedal & Wright, Numerical Optimization, ch. 3 and 7).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import torch

SUFFICIENT_DECREASE = 1e-4  # Armijo's c1, the usual value
HISTORY_SIZE = 100  # curvature pairs kept (style_app.memory counts them)


class LBFGS:
    """Minimise ``closure()`` (which sets ``image.grad``) over the pixels of ``image``."""

    def __init__(
        self,
        image: torch.Tensor,
        history_size: int = HISTORY_SIZE,
        gradient_step: float | None = None,
        max_step: float | None = None,
    ) -> None:
        """``gradient_step``: while no curvature is known, step along the gradient so that the
        largest coordinate moves by this much (default: torch's first step, 1 in |g|_1, then
        the raw gradient). ``max_step``: no step moves any coordinate further than this."""
        self.image = image
        self.gradient_step = gradient_step
        self.max_step = max_step
        self.history: deque[tuple[torch.Tensor, torch.Tensor, float]] = deque(
            maxlen=history_size
        )  # (s, y, 1 / y.s) of the last accepted steps
        self.kept: tuple[torch.Tensor, float, torch.Tensor] | None = None  # (x, loss, grad)
        self.direction = torch.empty(0)
        self.step_size = 0.0

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor]) -> bool:
        """Evaluate the current image, then move it. True if the evaluated point was kept."""
        with torch.enable_grad():
            loss = float(closure().detach())
        point = self.image.detach().reshape(-1).clone()
        grad = self.image.grad.detach().reshape(-1).clone()
        if self.kept is not None:
            kept_point, kept_loss, kept_grad = self.kept
            slope = float(kept_grad @ self.direction)  # d loss / d t at t = 0 (negative)
            bar = kept_loss + SUFFICIENT_DECREASE * self.step_size * slope
            if not math.isfinite(loss) or loss > bar:
                self._backtrack(kept_point, kept_loss, slope, loss)
                return False
            s, y = point - kept_point, grad - kept_grad
            curvature = float(y @ s)
            # Keep a pair only with clearly positive curvature (the angle between s and y under
            # 90 degrees), so H stays positive definite; a relative test, as pixel steps are tiny.
            if curvature > 1e-8 * float(s.norm() * y.norm()):
                self.history.append((s, y, 1.0 / curvature))
        first = self.kept is None
        self.kept = (point, loss, grad)
        self.direction = self._quasi_newton_direction(grad)
        self.step_size = self._step_size(first)
        self._move_to(point + self.step_size * self.direction)
        return True

    def _step_size(self, first: bool) -> float:
        """The full quasi-Newton step once a curvature pair is kept. Before that the direction
        is the plain gradient, whose length says nothing about how far to go (the first steps
        along it often show negative curvature, so no pair is kept for several of them)."""
        largest = max(float(self.direction.abs().max()), 1e-30)
        if self.history:
            size = 1.0
        elif self.gradient_step is not None:
            size = self.gradient_step / largest
        else:  # torch's rule: at most 1 in |g|_1 at first, then the raw gradient
            size = min(1.0, 1.0 / max(float(self.kept[2].abs().sum()), 1e-12)) if first else 1.0
        if self.max_step is not None:
            size = min(size, self.max_step / largest)
        return size

    def kept_image(self) -> torch.Tensor:
        """The last accepted image (the start image before any step was kept), detached."""
        if self.kept is None:
            return self.image.detach()
        return self.kept[0].view_as(self.image)

    def _backtrack(
        self, kept_point: torch.Tensor, kept_loss: float, slope: float, loss: float
    ) -> None:
        """Shorten the step to the minimum of the parabola through the kept loss, its slope and
        the loss just seen, within 1/10 to 1/2 of the step (N&W eq. 3.57 and its safeguard)."""
        t = self.step_size
        shorter = 0.1 * t
        if math.isfinite(loss):
            rise = loss - kept_loss - slope * t
            shorter = -slope * t * t / (2 * rise) if rise > 0 else 0.5 * t
        self.step_size = min(max(shorter, 0.1 * t), 0.5 * t)
        self._move_to(kept_point + self.step_size * self.direction)

    def _quasi_newton_direction(self, grad: torch.Tensor) -> torch.Tensor:
        """-H grad by the two-loop recursion (N&W algorithm 7.4), H0 = s.y / y.y. The
        coefficients stay tensors: no GPU sync per history pair."""
        q = grad.neg()
        alphas = []
        for s, y, rho in reversed(self.history):
            alpha = rho * (s @ q)
            q.addcmul_(y, alpha, value=-1)
            alphas.append(alpha)
        if self.history:
            s, y, rho = self.history[-1]
            q.div_(rho * (y @ y))
        for (s, y, rho), alpha in zip(self.history, reversed(alphas)):
            q.addcmul_(s, alpha - rho * (y @ q))
        return q

    def _move_to(self, point: torch.Tensor) -> None:
        self.image.copy_(point.view_as(self.image))
