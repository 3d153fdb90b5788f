"""Ratings from pairwise votes: a Bradley-Terry fit on an Elo-like scale, with bootstrap
confidence intervals. Pure: no I/O, no clock; randomness comes from a seeded generator.

Why Bradley-Terry and not online Elo: LMArena moved its leaderboard from online Elo to a
Bradley-Terry maximum-likelihood fit because the fit does not depend on the order votes arrive
in, and publishes the ratings on the Elo scale (400 points = 10x the odds) with bootstrap
confidence intervals; this module does the same, from the compact pairwise tally
(``arena.tally``) rather than from the votes one by one.

The model: each model ``i`` has a strength ``p_i`` and ``P(i beats j) = p_i / (p_i + p_j)``.
A tie counts as half a win for each side. The fit maximises the likelihood (Newton's method;
``fit``). Every model also
plays one virtual drawn game against a fixed reference of strength 1: without it a model that
won every vote would have an infinite rating. One virtual game is negligible once a model has
a few dozen votes.

Rating = ``BASE_RATING + SCALE * log10(p_i / g)``, where ``g`` is the geometric mean strength of
the rated models: ratings are centred on ``BASE_RATING`` (two evenly matched models both get
it), and only differences carry meaning. The 95% interval is the 2.5th and 97.5th
percentile of the ratings fitted on ``rounds`` bootstrap resamples of the votes (a resample
draws as many votes as there are, with replacement, which from a tally is a multinomial draw
over its (pair, outcome) cells), widened where needed to the normal-approximation interval
(rating +- 1.96 standard errors from the likelihood's curvature), so that a handful of votes
never shows a narrow interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BASE_RATING = 1000.0
SCALE = 400.0
BOOTSTRAP_ROUNDS = 100
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-9
_PER_UNIT = SCALE / math.log(10)
"""Rating points per unit of log-strength."""


@dataclass(frozen=True)
class PairCount:
    """The votes between two models: ``a`` won ``a_wins``, ``b`` won ``b_wins``, ``ties``."""

    a: str
    b: str
    a_wins: int = 0
    b_wins: int = 0
    ties: int = 0

    @property
    def total(self) -> int:
        return self.a_wins + self.b_wins + self.ties


@dataclass(frozen=True)
class Rating:
    rating: float
    ci95: tuple[float, float]


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """``x`` with ``matrix @ x = vector`` (Gaussian elimination with partial pivoting; the
    matrix here is symmetric positive definite, and small: one row per model)."""
    size = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, size):
            factor = rows[r][col] / rows[col][col]
            if factor:
                for c in range(col, size + 1):
                    rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * size
    for r in reversed(range(size)):
        known = sum(rows[r][c] * solution[c] for c in range(r + 1, size))
        solution[r] = (rows[r][size] - known) / rows[r][r]
    return solution


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def fit(pairs: Iterable[PairCount]) -> dict[str, float]:
    """The Bradley-Terry rating of every model that appears in ``pairs`` with at least one
    vote, on the Elo-like scale, centred so that the models' mean rating is ``BASE_RATING``.
    Deterministic.

    Maximum likelihood by Newton's method on the log-strengths (the virtual draw against the
    reference makes the likelihood strictly concave, so it converges in a handful of steps;
    Hunter's MM iteration reaches the same maximum but needs thousands of steps on lopsided
    tallies)."""
    models, theta, _ = _maximise(pairs)
    if not theta:
        return {}
    mean = sum(theta) / len(theta)
    return {model: BASE_RATING + _PER_UNIT * (theta[i] - mean) for model, i in models.items()}


def fit_with_errors(pairs: Iterable[PairCount]) -> dict[str, tuple[float, float]]:
    """(rating, standard error) per model: ``fit``, and the normal approximation of each
    centred rating's error from the likelihood's curvature at the maximum, in rating points."""
    models, theta, hessian = _maximise(pairs)
    size = len(theta)
    if not size:
        return {}
    inverse = [_solve(hessian, [float(i == j) for j in range(size)]) for i in range(size)]
    mean = sum(theta) / size
    result = {}
    for model, i in models.items():
        # Var(theta_i - mean(theta)) = c' H^-1 c with c = e_i - 1/n.
        c = [(1.0 if j == i else 0.0) - 1.0 / size for j in range(size)]
        variance = sum(c[j] * inverse[j][k] * c[k] for j in range(size) for k in range(size))
        rating = BASE_RATING + _PER_UNIT * (theta[i] - mean)
        result[model] = (rating, _PER_UNIT * math.sqrt(max(variance, 0.0)))
    return result


def _maximise(
    pairs: Iterable[PairCount],
) -> tuple[dict[str, int], list[float], list[list[float]]]:
    """(model -> position, log-strengths, negative Hessian at the maximum)."""
    models: dict[str, int] = {}
    games: dict[tuple[int, int], float] = {}
    score: list[float] = []
    for pair in pairs:
        if pair.total <= 0 or pair.a == pair.b:
            continue
        for model in (pair.a, pair.b):
            if model not in models:
                models[model] = len(models)
                score.append(0.5)  # the virtual draw against the reference
        i, j = models[pair.a], models[pair.b]
        key = (min(i, j), max(i, j))
        games[key] = games.get(key, 0.0) + pair.total
        score[i] += pair.a_wins + pair.ties / 2
        score[j] += pair.b_wins + pair.ties / 2
    size = len(models)
    theta = [0.0] * size
    hessian: list[list[float]] = []
    for _ in range(_MAX_ITERATIONS):
        gradient = list(score)
        hessian = [[0.0] * size for _ in range(size)]  # the negative Hessian
        for i in range(size):
            s = _sigmoid(theta[i])  # against the reference, strength 1 (theta 0), one game
            gradient[i] -= s
            hessian[i][i] += s * (1 - s)
        for (i, j), n in games.items():
            s = _sigmoid(theta[i] - theta[j])
            gradient[i] -= n * s
            gradient[j] -= n * (1 - s)
            curvature = n * s * (1 - s)
            hessian[i][i] += curvature
            hessian[j][j] += curvature
            hessian[i][j] -= curvature
            hessian[j][i] -= curvature
        step = _solve(hessian, gradient)
        theta = [t + d for t, d in zip(theta, step, strict=True)]
        if max((abs(d) for d in step), default=0.0) < _TOLERANCE:
            break
    return models, theta, hessian


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def rate(
    pairs: Sequence[PairCount], rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0
) -> dict[str, Rating]:
    """Ratings with 95% bootstrap intervals for every model with at least one vote.

    ``seed`` makes the intervals reproducible (the leaderboard passes a fixed one, so the same
    tally always shows the same intervals)."""
    pairs = [pair for pair in pairs if pair.total > 0 and pair.a != pair.b]
    with_errors = fit_with_errors(pairs)
    point = {model: value for model, (value, _) in with_errors.items()}
    if not point:
        return {}
    cells: list[tuple[int, int]] = []  # (pair index, outcome: 0 a wins, 1 b wins, 2 tie)
    weights: list[int] = []
    for index, pair in enumerate(pairs):
        for outcome, count in enumerate((pair.a_wins, pair.b_wins, pair.ties)):
            if count:
                cells.append((index, outcome))
                weights.append(count)
    total = sum(weights)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {model: [] for model in point}
    for _ in range(rounds):
        counts = [[0, 0, 0] for _ in pairs]
        # A multinomial draw of ``total`` votes over the cells, as successive binomials.
        left, mass = total, float(total)
        for (index, outcome), weight in zip(cells, weights, strict=True):
            drawn = rng.binomialvariate(left, min(1.0, weight / mass)) if left else 0
            counts[index][outcome] = drawn
            left -= drawn
            mass -= weight
        resampled = fit(
            PairCount(pair.a, pair.b, *counts[index]) for index, pair in enumerate(pairs)
        )
        for model in point:
            # A model absent from a resample (no votes drawn) sits at the centre.
            samples[model].append(resampled.get(model, BASE_RATING))
    ratings: dict[str, Rating] = {}
    for model, value in point.items():
        ordered = sorted(samples[model])
        low, high = (
            (_percentile(ordered, 0.025), _percentile(ordered, 0.975)) if ordered else (value,) * 2
        )
        # Never narrower than the normal approximation: a bootstrap of a few identical votes
        # resamples the same votes every time and would claim a certainty they do not give.
        spread = 1.96 * with_errors[model][1]
        ratings[model] = Rating(value, (min(low, value - spread), max(high, value + spread)))
    return ratings
