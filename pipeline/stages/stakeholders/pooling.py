"""Group positions with partial pooling: a small normal hierarchical model and a bootstrap interval.

Statement scores y_gi of group g (n_g statements with a score, in [-1, 1]) are modelled as

    y_gi ~ N(theta_g, sigma^2),   theta_g ~ N(mu, tau^2),   p(mu) flat,   tau ~ half-Cauchy(0, A)

(the one-way random-effects model with a weakly-informative prior on the between-group
standard deviation, Gelman 2006, "Prior distributions for variance parameters in hierarchical
models", Bayesian Analysis 1(3); A = ``tau_scale``, 0.5 by default on the [-1, 1] score scale).
sigma^2 is a plug-in: the scale of its posterior under a conjugate scaled-inverse-chi^2 prior
with ``PRIOR_DF`` degrees of freedom and scale ``PRIOR_SIGMA2`` (BDA sec. 3.3),

    sigma^2 = (nu_0 s_0^2 + SS_within) / (nu_0 + n - k),

so that a few statements that happen to agree (cue scores are often exactly ±2/3) do not make
a group look certain: with no within-group evidence (one statement per group) sigma^2 is the
prior's 0.25 (sd 0.5 on the [-1, 1] scale), and it approaches the pooled within-group variance as
statements accumulate.  (A plug-in floored at 0.01 gave a group of one statement a 95% interval
0.4 wide.)  mu is
integrated out analytically and tau on a grid, as in Gelman et al., *Bayesian Data Analysis*
(3rd ed., sec. 5.4):

    v_g(tau)   = sigma^2 / n_g + tau^2
    mu_hat     = sum(ybar_g / v_g) / sum(1 / v_g),    V_mu = 1 / sum(1 / v_g)
    p(tau | y) ∝ p(tau) V_mu^(1/2) prod v_g^(-1/2) exp(-(ybar_g - mu_hat)^2 / (2 v_g))
    B_g(tau)   = tau^2 / v_g
    E[theta_g | tau, y]   = mu_hat + B_g (ybar_g - mu_hat)
    Var[theta_g | tau, y] = B_g sigma^2 / n_g + (1 - B_g)^2 V_mu

A group's position is the posterior mean of theta_g (averaged over p(tau | y)); ``weight`` is
the posterior mean of B_g, the share of the group's own mean in it.  Why not a point estimate
of tau: the method-of-moments (ANOVA) estimator, and the DerSimonian-Laird or REML ones, are 0
whenever the groups' means differ less than their statements do -- with five groups, most of
them of 1-4 statements, that is the usual case, and then every group's position collapses to
the corpus mean (it did on the bundled report).  Averaging over the posterior of tau keeps
the doubt about tau: a tau of 0 is plausible but not certain, so groups keep part of their own
mean, more the more statements they have.

The interval is a percentile bootstrap over statements (resampled with replacement within
each group, sigma^2 and the posterior of tau re-computed in every replicate) with, in every
replicate, one draw of tau from its posterior and one of theta_g given it: so the interval
holds both the sampling variability of the statements and the posterior uncertainty of a
group with few of them (a group with 2 statements gets a wide interval, not a spurious ±1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PRIOR_DF = 2.0  # nu_0: the prior on sigma^2 weighs as much as two statements' deviations ...
PRIOR_SIGMA2 = 0.25  # ... of sd 0.5 (a quarter of the score range): statements that agree still leave doubt
TAU_GRID = np.linspace(0.0, 2.0, 201)  # scores lie in [-1, 1]: a between-group sd above 2 is impossible


@dataclass
class Pooled:
    estimate: float
    low: float
    high: float
    mean: float  # the group's own mean
    weight: float  # posterior mean of B_g: the share of the group's own mean in the estimate


def _within(groups: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sigma^2 (R,), group means (R x k), group sizes (k,)) for groups given as (R x n_g) arrays."""
    sizes = np.array([g.shape[1] for g in groups], dtype=float)
    n_total, k = float(sizes.sum()), len(groups)
    means = np.stack([g.mean(axis=1) for g in groups], axis=1)
    within = sum(((g - g.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) for g in groups)
    sigma2 = (PRIOR_DF * PRIOR_SIGMA2 + within) / (PRIOR_DF + n_total - k)
    return sigma2, means, sizes


RESAMPLE_CELLS = 1 << 20  # resampled values held at once per group (8 MB), whatever the group's size


def _resampled_within(data: Sequence[np.ndarray], samples: int, rng: np.random.Generator) -> tuple:
    """:func:`_within` of ``samples`` resamples with replacement of each group in ``data`` (one
    ``rng.integers(0, n_g, (samples, n_g))`` draw per group, in order), computed a block of replicates at
    a time: the same numbers as the whole R x n_g arrays at once (the same draws from the generator,
    the same sums per row) without holding them -- the unspecified group of 10 MB of news made them
    77 MB at once."""
    means, within = [], []
    for d in data:
        rows = max(1, RESAMPLE_CELLS // len(d))
        block_means, block_within = [], []
        for start in range(0, samples, rows):
            g = d[rng.integers(0, len(d), (min(rows, samples - start), len(d)))]
            block_means.append(g.mean(axis=1))
            block_within.append(((g - g.mean(axis=1, keepdims=True)) ** 2).sum(axis=1))
            del g
        means.append(np.concatenate(block_means))
        within.append(np.concatenate(block_within))
    sizes = np.array([len(d) for d in data], dtype=float)
    n_total, k = float(sizes.sum()), len(data)
    sigma2 = (PRIOR_DF * PRIOR_SIGMA2 + sum(within)) / (PRIOR_DF + n_total - k)
    return sigma2, np.stack(means, axis=1), sizes


def _conditionals(
    sigma2: np.ndarray, means: np.ndarray, sizes: np.ndarray, tau_scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """On the tau grid, for R replicates: (p(tau | y) as R x G weights, E and Var of theta and B as R x G x k)."""
    tau2 = TAU_GRID[None, :, None] ** 2  # 1 x G x 1
    noise = sigma2[:, None, None] / sizes[None, None, :]  # R x 1 x k
    v = noise + tau2  # R x G x k
    precision = 1.0 / v
    v_mu = 1.0 / precision.sum(axis=2)  # R x G
    mu_hat = (means[:, None, :] * precision).sum(axis=2) * v_mu
    resid = means[:, None, :] - mu_hat[:, :, None]
    log_prior = -np.log1p((TAU_GRID / tau_scale) ** 2)  # half-Cauchy(0, A), up to a constant
    log_post = log_prior[None, :] + 0.5 * np.log(v_mu) - 0.5 * (np.log(v) + resid**2 * precision).sum(axis=2)
    weights = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    b = tau2 * precision
    mean = mu_hat[:, :, None] + b * resid
    var = b * noise + (1 - b) ** 2 * v_mu[:, :, None]
    return weights, mean, var, b


def pooled_positions(
    scores: Mapping[str, Sequence[float]],
    samples: int,
    confidence: float,
    seed: Sequence[int],
    tau_scale: float = 0.5,
) -> dict[str, Pooled]:
    """Hierarchical-model positions of the groups with at least one score, with bootstrap intervals.

    ``scores``: group -> its statements' scores (groups without scores are left out);
    ``tau_scale``: scale A of the half-Cauchy prior on the between-group sd (> 0).
    Deterministic for a given ``seed``; estimates and bounds are clipped to [-1, 1]."""
    names = [g for g, v in scores.items() if len(v)]
    if not names:
        return {}
    data = [np.asarray(scores[g], dtype=float) for g in names]
    weights, mean, _, b = _conditionals(*_within([d[None, :] for d in data]), tau_scale)
    point = (weights[:, :, None] * mean).sum(axis=1)[0]  # posterior means, k
    share = (weights[:, :, None] * b).sum(axis=1)[0]
    rng = np.random.default_rng(list(seed))
    # every replicate resamples each group's statements with replacement
    weights, mean, var, _ = _conditionals(*_resampled_within(data, samples, rng), tau_scale)
    # one tau from its posterior per replicate (inverse CDF on the grid), then one theta given it
    at = (weights.cumsum(axis=1) < rng.random((samples, 1))).sum(axis=1).clip(0, len(TAU_GRID) - 1)
    rows = np.arange(samples)
    draws = mean[rows, at] + np.sqrt(var[rows, at]) * rng.standard_normal((samples, len(names)))
    alpha = (1 - confidence) / 2
    out = {}
    for j, name in enumerate(names):
        low, high = np.quantile(draws[:, j], [alpha, 1 - alpha])
        out[name] = Pooled(
            estimate=float(np.clip(point[j], -1, 1)),
            low=float(np.clip(low, -1, 1)),
            high=float(np.clip(high, -1, 1)),
            mean=float(data[j].mean()),
            weight=float(share[j]),
        )
    return out
