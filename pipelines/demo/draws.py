"""Random draws of the demo generator: lognormal delays and weighted choices."""

from __future__ import annotations

import functools
import itertools
import math
import random

from .settings import MAX_DELAY_MINUTES


def minutes(rng: random.Random, delay: tuple[float, float]) -> float:
    """A lognormal delay in minutes with the given (median, sigma), capped."""
    median, sigma = delay
    return min(median * math.exp(sigma * rng.gauss(0.0, 1.0)), MAX_DELAY_MINUTES)


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    names, cumulative = _cumulative(tuple(weights.items()))
    return rng.choices(names, cum_weights=cumulative)[0]


@functools.cache
def _cumulative(weights: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    return tuple(n for n, _ in weights), list(itertools.accumulate(w for _, w in weights))
