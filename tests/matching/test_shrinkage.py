"""Empirical-Bayes track record: the prior strength is fitted from the data, and many poor ratings weigh."""

from __future__ import annotations

import numpy as np
import pytest

from matching import features as f
from matching.ranker import Ranker
from matching.shrinkage import DEFAULT_SATISFACTION, Prior, fit_normal, fit_rate
from tests.matching.helpers import NEED, OTHER_COUNTY, cand, pool


def providers(n: int, between_sd: float, within_sd: float, count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    true = rng.normal(3.8, between_sd, n)
    ratings = true[:, None] + rng.normal(0, within_sd, (n, count))
    return ratings.mean(axis=1), np.full(n, count), ratings.var(axis=1)


def test_the_prior_strength_is_the_ratio_of_within_to_between_variance():
    means, counts, variances = providers(2000, between_sd=0.5, within_sd=1.0, count=6)
    prior = fit_normal(means, counts, variances, DEFAULT_SATISFACTION)
    assert prior.fitted and prior.mean == pytest.approx(3.8, abs=0.05)
    assert prior.strength == pytest.approx(1.0 / 0.25, rel=0.2)  # σ² / τ² = 1 / 0.25


def test_noisier_ratings_shrink_harder():
    calm = fit_normal(*providers(2000, 0.5, 0.5, 6), DEFAULT_SATISFACTION)
    noisy = fit_normal(*providers(2000, 0.5, 1.5, 6), DEFAULT_SATISFACTION)
    assert noisy.strength > 4 * calm.strength


def test_too_few_providers_keep_the_default_prior():
    means, counts, variances = providers(5, 0.5, 1.0, 6)
    assert fit_normal(means, counts, variances, DEFAULT_SATISFACTION) == Prior(*DEFAULT_SATISFACTION)


def test_shrinkage_moves_few_ratings_little_and_many_a_lot():
    prior = Prior(3.8, 4.0)
    one, many, none = prior.shrink(np.array([1.0, 1.0, np.nan]), np.array([1, 40, 0]))
    assert none == 3.8 and one == pytest.approx((1 + 4 * 3.8) / 5) and many < 1.3 < one


def test_acceptance_prior_fitted_by_beta_binomial_moments():
    rng = np.random.default_rng(1)
    p = rng.beta(6, 4, 3000)  # mean 0.6, strength 10
    trials = np.full(3000, 20)
    prior = fit_rate(rng.binomial(trials, p), trials)
    assert prior.mean == pytest.approx(0.6, abs=0.02) and prior.strength == pytest.approx(10, rel=0.3)
    assert f.acceptance_rate(np.array([0.0]), np.array([0.0]), prior)[0] == pytest.approx(prior.mean)


def test_the_pool_fits_its_priors_from_its_records():
    records = [cand(i, satisfaction_mean=float(m), satisfaction_count=8, satisfaction_var=1.0)
               for i, m in enumerate(np.linspace(2.5, 5.0, 30), start=1)]
    prior = pool(*records).priors.satisfaction
    assert prior.fitted and 3.5 < prior.mean < 4.0


def test_many_poor_ratings_cannot_top_the_list_on_industry_and_nearness():
    """A provider rated 1.7 over ten ratings, in the need's township with its industry, ranks below an
    average-rated one from the next county without the industry."""
    rated = [cand(100 + i, home=OTHER_COUNTY, industries=2, satisfaction_mean=float(m), satisfaction_count=6,
                  satisfaction_var=0.8) for i, m in enumerate(np.linspace(3.0, 4.6, 20))]
    poor = cand(1, satisfaction_mean=1.7, satisfaction_count=10, satisfaction_var=0.6)
    average = cand(2, home=OTHER_COUNTY, industries=2, satisfaction_mean=3.9, satisfaction_count=6,
                   satisfaction_var=0.8)
    ranked = Ranker(fairness=0.0, min_pool=100).rank(NEED, pool(poor, average, *rated), limit=30)
    order = [c.id for c in ranked]
    assert order[0] != 1 and order.index(2) < order.index(1)
