"""Group positions with partial pooling: an empirical-Bayes normal-normal model and a bootstrap interval.

Statement scores y_gi of group g (n_g statements with a score) are modelled as

    y_gi ~ N(theta_g, sigma^2),   theta_g ~ N(mu, tau^2)

(the one-way random-effects model; Efron & Morris 1975, "Data analysis using Stein's
estimator and its generalizations").  The hyper-parameters are estimated from the corpus:
mu is the mean of all scored statements (the corpus mean), sigma^2 the pooled
within-group variance and tau^2 the between-group variance by the ANOVA method of
moments for unbalanced groups (Searle, Casella & McCulloch 1992, sec. 3.6), floored at 0.
A group's position is the posterior mean

    theta_g = mu + B_g (ybar_g - mu),   B_g = tau^2 / (tau^2 + sigma^2 / n_g),

so a group with many statements keeps its own mean and a group with one or two is drawn
toward the corpus mean.  The interval is a percentile bootstrap over statements
(resampled with replacement within each group, hyper-parameters re-estimated in every
replicate) with, in every replicate, one draw from the group's posterior
N(theta_g, B_g sigma^2 / n_g + (1 - B_g)^2 sigma^2 / N): so the interval holds both the
sampling variability of the statements and the posterior uncertainty of a group with
few of them (a group with 2 statements gets a wide interval, not a spurious ±1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SIGMA2_FLOOR = 0.01  # statements that all agree still leave some doubt about a group


@dataclass
class Pooled:
    estimate: float
    low: float
    high: float
    mean: float  # the group's own mean
    weight: float  # B_g: the share of the group's own mean in the estimate


def _fit(groups: Sequence[np.ndarray]) -> tuple[float, float, float]:
    """(mu, sigma^2, tau^2) of the one-way random-effects model, method of moments."""
    allv = np.concatenate(groups)
    n_total, k = len(allv), len(groups)
    mu = float(allv.mean())
    within = sum(float(((g - g.mean()) ** 2).sum()) for g in groups)
    # pooled within-group variance; with too few degrees of freedom, the variance of all scores
    sigma2 = within / (n_total - k) if n_total - k >= 2 else (float(allv.var(ddof=1)) if n_total > 1 else 1.0)
    sigma2 = max(sigma2, SIGMA2_FLOOR)
    tau2 = 0.0
    if k > 1:
        sizes = np.array([len(g) for g in groups], dtype=float)
        means = np.array([g.mean() for g in groups])
        between = float((sizes * (means - mu) ** 2).sum())
        denom = n_total - float((sizes**2).sum()) / n_total
        if denom > 0:
            tau2 = max(0.0, (between - (k - 1) * sigma2) / denom)
    return mu, sigma2, tau2


def _posterior(g: np.ndarray, mu: float, sigma2: float, tau2: float, n_total: int) -> tuple[float, float, float]:
    """(posterior mean, posterior variance, B_g) of one group."""
    b = tau2 / (tau2 + sigma2 / len(g)) if tau2 > 0 else 0.0
    mean = mu + b * (float(g.mean()) - mu)
    var = b * sigma2 / len(g) + (1 - b) ** 2 * sigma2 / n_total
    return mean, var, b


def pooled_positions(
    scores: Mapping[str, Sequence[float]], samples: int, confidence: float, seed: Sequence[int]
) -> dict[str, Pooled]:
    """Empirical-Bayes positions of the groups with at least one score, with bootstrap intervals.

    ``scores``: group -> its statements' scores (groups without scores are left out).
    Deterministic for a given ``seed``; estimates and bounds are clipped to [-1, 1]."""
    names = [g for g, v in scores.items() if len(v)]
    if not names:
        return {}
    data = [np.asarray(scores[g], dtype=float) for g in names]
    n_total = sum(len(g) for g in data)
    mu, sigma2, tau2 = _fit(data)
    point = [_posterior(g, mu, sigma2, tau2, n_total) for g in data]
    rng = np.random.default_rng(list(seed))
    draws = np.empty((samples, len(names)))
    for b in range(samples):
        resampled = [g[rng.integers(0, len(g), len(g))] for g in data]
        m, s2, t2 = _fit(resampled)
        for j, g in enumerate(resampled):
            mean, var, _ = _posterior(g, m, s2, t2, n_total)
            draws[b, j] = mean + np.sqrt(var) * rng.standard_normal()
    alpha = (1 - confidence) / 2
    out = {}
    for j, name in enumerate(names):
        low, high = np.quantile(draws[:, j], [alpha, 1 - alpha])
        mean, _, weight = point[j]
        out[name] = Pooled(
            estimate=float(np.clip(mean, -1, 1)),
            low=float(np.clip(low, -1, 1)),
            high=float(np.clip(high, -1, 1)),
            mean=float(data[j].mean()),
            weight=float(weight),
        )
    return out
