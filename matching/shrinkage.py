"""Empirical-Bayes estimates of a provider's track record: satisfaction, acceptance and response time.

A provider's observed mean rests on few observations; its best estimate lies between that mean and the
population's, closer to the population the fewer observations it has. With prior strength k (worth k
observations) and population mean m, the estimate is (n·x̄ + k·m) / (n + k). k is not chosen by hand: it is
fitted from the data by the method of moments, k = σ² / τ², where σ² is the variance of one observation
within a provider (pooled over providers) and τ² the variance of the providers' true means (the variance of
the observed means less the part that sampling explains, E[σ²/n]).

For acceptance (a rate), the same reasoning with the beta-binomial: the prior Beta(m·k, (1 − m)·k) with
k = m(1 − m)/τ² − 1.

Each fit falls back to a documented default when the data are too thin to fit (fewer than `MIN_PROVIDERS`
providers with at least two observations, or no between-provider variance left).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PROVIDERS = 10
MAX_STRENGTH = 50.0
DEFAULT_SATISFACTION = (3.5, 3.0)   # (mean, strength): a new provider is assumed average, worth 3 ratings
DEFAULT_ACCEPTANCE = (0.5, 2.0)     # Laplace's (a + 1) / (n + 2)
DEFAULT_RESPONSE = (24.0, 3.0)      # a day, worth 3 answers


@dataclass(frozen=True)
class Prior:
    """Population mean and strength (in observations) of a shrinkage prior, and whether it was fitted."""

    mean: float
    strength: float
    fitted: bool = False

    def shrink(self, mean: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Posterior means: the observed means pulled towards the prior by their counts (the prior where
        there is no observation)."""
        observed = np.where(count > 0, np.nan_to_num(mean, nan=self.mean), self.mean)
        return (count * observed + self.strength * self.mean) / (count + self.strength)

    def uncertainty(self, count: np.ndarray) -> np.ndarray:
        """Posterior standard deviation relative to the prior's: sqrt(k / (n + k)), 1 with no observation,
        falling towards 0 as observations accumulate."""
        return np.sqrt(self.strength / (count + self.strength))


def fit_normal(means: np.ndarray, counts: np.ndarray, variances: np.ndarray, default: tuple[float, float]) -> Prior:
    """Prior for a mean of observations (satisfaction 1–5, hours to answer), by the method of moments.

    `means`, `counts`, `variances` (the within-provider variance of the observations, NaN when unknown) per
    provider.
    """
    means, counts, variances = (np.asarray(a, dtype=np.float64) for a in (means, counts, variances))
    seen = (counts > 0) & ~np.isnan(means)
    several = seen & (counts >= 2) & ~np.isnan(variances)
    if several.sum() < MIN_PROVIDERS:
        return Prior(*default)
    n, x = counts[seen], means[seen]
    m = float(np.average(x, weights=n))
    # pooled within-provider variance (unbiased per provider: n/(n-1) × the population variance)
    within = float(np.sum(variances[several] * counts[several]) / np.sum(counts[several] - 1))
    between = float(np.var(x)) - float(np.mean(within / n))
    if within <= 0 or between <= 0:
        return Prior(m, MAX_STRENGTH, fitted=True)
    return Prior(m, float(np.clip(within / between, 0.5, MAX_STRENGTH)), fitted=True)


def fit_rate(successes: np.ndarray, trials: np.ndarray, default: tuple[float, float] = DEFAULT_ACCEPTANCE) -> Prior:
    """Beta prior for a rate (acceptance of invitations), by the method of moments over providers with at
    least two trials."""
    successes, trials = (np.asarray(a, dtype=np.float64) for a in (successes, trials))
    several = trials >= 2
    if several.sum() < MIN_PROVIDERS:
        return Prior(*default)
    p = successes[several] / trials[several]
    m = float(np.sum(successes[several]) / np.sum(trials[several]))
    between = float(np.var(p)) - float(np.mean(m * (1 - m) / trials[several]))
    if between <= 0 or m in (0.0, 1.0):
        return Prior(m, MAX_STRENGTH, fitted=True)
    return Prior(m, float(np.clip(m * (1 - m) / between - 1, 0.5, MAX_STRENGTH)), fitted=True)


@dataclass(frozen=True)
class Priors:
    satisfaction: Prior
    acceptance: Prior
    response: Prior


def fit_priors(sat_mean, sat_count, sat_var, accepted, invited, hours_mean, hours_count, hours_var) -> Priors:
    """The three priors of a candidate pool (see the module docstring)."""
    return Priors(
        satisfaction=fit_normal(sat_mean, sat_count, sat_var, DEFAULT_SATISFACTION),
        acceptance=fit_rate(accepted, invited),
        response=fit_normal(hours_mean, hours_count, hours_var, DEFAULT_RESPONSE),
    )
