"""Tests and intervals that several experiments share, vectorised over arrays.

- :func:`two_proportion_ztest`: the z-test of two proportions with the pooled
  standard error, as statsmodels' ``proportions_ztest`` computes it;
- :func:`wilson_interval`: Wilson's score interval of a proportion, as
  statsmodels' ``proportion_confint(method="wilson")``;
- :func:`sign_test`: the two-sided binomial test of wins against losses at 1/2.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def normal_p_value(z: Any, alternative: str) -> np.ndarray:
    """P-value of a z statistic; NaN (no evidence either way) becomes 1."""
    from scipy.stats import norm

    z = np.asarray(z, dtype="float64")
    if alternative == "two-sided":
        p = 2 * norm.sf(np.abs(z))
    elif alternative == "larger":
        p = norm.sf(z)
    else:
        p = norm.cdf(z)
    return np.where(np.isnan(z), 1.0, p)


def two_proportion_ztest(
    x1: Any,
    n1: Any,
    x2: Any,
    n2: Any,
    *,
    value: float = 0.0,
    alternative: str = "two-sided",
) -> tuple[np.ndarray, np.ndarray]:
    """z statistic and p-value of ``x1/n1 - x2/n2 - value``, with the pooled SE.

    The standard error is ``sqrt(p (1 - p) (1/n1 + 1/n2))`` with ``p`` the pooled
    proportion ``(x1 + x2) / (n1 + n2)``, as in statsmodels'
    ``proportions_ztest([x1, x2], [n1, n2], value=value)``. Where it is zero
    (no events, or only events, in both samples) or a sample is empty, the
    statistic is NaN and the p-value 1: there is no evidence of a difference.
    """
    x1, n1, x2, n2 = (np.asarray(a, dtype="float64") for a in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = x1 / n1 - x2 / n2 - value
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.where((se > 0) & (n1 > 0) & (n2 > 0), diff / se, np.nan)
    return z, normal_p_value(z, alternative)


def wilson_interval(
    successes: Any, n: Any, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of ``successes / n`` at level ``1 - alpha``.

    NaN where ``n`` is 0. Equal to statsmodels'
    ``proportion_confint(successes, n, alpha, method="wilson")``.
    """
    from scipy.stats import norm

    x = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = norm.isf(alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denominator = 1 + z**2 / n
        center = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    empty = n <= 0
    # The interval holds x / n, and both ends are rates; rounding can move an
    # end a hair past either when x is 0 or n.
    with np.errstate(invalid="ignore"):
        low = np.clip(np.minimum(center - half, p), 0.0, 1.0)
        high = np.clip(np.maximum(center + half, p), 0.0, 1.0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def sign_test(wins: Any, losses: Any) -> np.ndarray:
    """Two-sided p-value of ``wins`` against ``losses`` under a fair coin (ties dropped).

    ``min(1, 2 P(X <= min(wins, losses)))`` with ``X ~ Binomial(wins + losses,
    1/2)``, as scipy's ``binomtest(wins, wins + losses).pvalue``; 1 when there is
    no win and no loss.
    """
    from scipy.stats import binom

    wins = np.asarray(wins, dtype="float64")
    losses = np.asarray(losses, dtype="float64")
    n = wins + losses
    p = np.minimum(1.0, 2 * binom.cdf(np.minimum(wins, losses), n, 0.5))
    return np.where(n > 0, p, 1.0)


def gini(values: Any, axis: int = -1) -> np.ndarray:
    """Gini coefficient of non-negative values: 0 equal, near 1 all in one place.

    ``sum_i (2 i - n - 1) x_(i) / (n sum x)`` over the sorted values; 0 when all
    are zero.
    """
    x = np.sort(np.asarray(values, dtype="float64"), axis=axis)
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    weights = 2 * np.arange(1, n + 1) - n - 1
    total = x.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (x @ weights) / (n * total)
    return np.where(total > 0, g, 0.0)
