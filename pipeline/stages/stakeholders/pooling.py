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


def _fit(groups: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hyper-parameters of the one-way random-effects model by the method of moments, for R replicates at once.

    ``groups``: per group an (R x n_g) array of scores.  Returns (mu, sigma^2, tau^2) of shape
    (R,) and the group means and posterior variances' ingredients as (R x k) arrays:
    (mu, sigma2, tau2, means, sizes)."""
    sizes = np.array([g.shape[1] for g in groups], dtype=float)
    n_total, k = float(sizes.sum()), len(groups)
    means = np.stack([g.mean(axis=1) for g in groups], axis=1)  # R x k
    sums = np.stack([g.sum(axis=1) for g in groups], axis=1)
    mu = sums.sum(axis=1) / n_total
    within = sum(((g - g.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) for g in groups)
    if n_total - k >= 2:
        sigma2 = within / (n_total - k)
    elif n_total > 1:  # too few degrees of freedom within groups: the variance of all scores
        allv = np.concatenate(groups, axis=1)
        sigma2 = allv.var(axis=1, ddof=1)
    else:
        sigma2 = np.ones_like(mu)
    sigma2 = np.maximum(sigma2, SIGMA2_FLOOR)
    tau2 = np.zeros_like(mu)
    denom = n_total - float((sizes**2).sum()) / n_total
    if k > 1 and denom > 0:
        between = (sizes * (means - mu[:, None]) ** 2).sum(axis=1)
        tau2 = np.maximum(0.0, (between - (k - 1) * sigma2) / denom)
    return mu, sigma2, tau2, means, sizes


def _posterior(
    mu: np.ndarray, sigma2: np.ndarray, tau2: np.ndarray, means: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(posterior means, posterior variances, B) as R x k arrays."""
    noise = sigma2[:, None] / sizes[None, :]
    b = np.where(tau2[:, None] > 0, tau2[:, None] / (tau2[:, None] + noise), 0.0)
    mean = mu[:, None] + b * (means - mu[:, None])
    var = b * noise + (1 - b) ** 2 * sigma2[:, None] / sizes.sum()
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
    point_mean, _, point_b = _posterior(*_fit([d[None, :] for d in data]))
    rng = np.random.default_rng(list(seed))
    # every replicate resamples each group's statements with replacement (R x n_g at once)
    resampled = [d[rng.integers(0, len(d), (samples, len(d)))] for d in data]
    mean, var, _ = _posterior(*_fit(resampled))
    draws = mean + np.sqrt(var) * rng.standard_normal(mean.shape)  # one posterior draw per replicate
    alpha = (1 - confidence) / 2
    out = {}
    for j, name in enumerate(names):
        low, high = np.quantile(draws[:, j], [alpha, 1 - alpha])
        out[name] = Pooled(
            estimate=float(np.clip(point_mean[0, j], -1, 1)),
            low=float(np.clip(low, -1, 1)),
            high=float(np.clip(high, -1, 1)),
            mean=float(data[j].mean()),
            weight=float(point_b[0, j]),
        )
    return out
