"""The Bradley-Terry fit and its bootstrap intervals, against outcomes whose answer is known."""

from __future__ import annotations

import math

import pytest

from arena.ratings import BASE_RATING, SCALE, PairCount, fit, rate


def test_a_model_that_wins_every_vote_ranks_first_with_a_finite_rating():
    pairs = [
        PairCount("a", "b", a_wins=5),
        PairCount("a", "c", a_wins=4),
        PairCount("b", "c", 2, 2),
    ]
    ratings = fit(pairs)
    assert max(ratings, key=ratings.__getitem__) == "a"
    assert math.isfinite(ratings["a"])
    assert ratings["b"] == pytest.approx(ratings["c"], abs=30)


def test_ties_count_half_a_win_each():
    with_ties = fit([PairCount("a", "b", a_wins=2, b_wins=0, ties=2)])
    as_wins = fit([PairCount("a", "b", a_wins=3, b_wins=1)])
    assert with_ties == pytest.approx(as_wins)
    only_ties = fit([PairCount("a", "b", ties=6)])
    assert only_ties["a"] == pytest.approx(only_ties["b"]) == pytest.approx(BASE_RATING)


def test_the_rating_gap_is_the_elo_gap_of_the_win_odds():
    # 3:1 odds are 400*log10(3) = 190.8 Elo points; the one virtual draw shrinks it a hair;
    # ratings are centred on the base rating.
    ratings = fit([PairCount("a", "b", a_wins=3000, b_wins=1000)])
    assert ratings["a"] - ratings["b"] == pytest.approx(SCALE * math.log10(3), abs=0.5)
    assert (ratings["a"] + ratings["b"]) / 2 == pytest.approx(BASE_RATING, abs=1e-6)


def test_order_of_strengths_is_recovered_from_a_transitive_chain():
    pairs = [
        PairCount("a", "b", 7, 3),
        PairCount("b", "c", 7, 3),
        PairCount("a", "c", 9, 1),
    ]
    ratings = fit(pairs)
    assert ratings["a"] > ratings["b"] > ratings["c"]


def test_the_fit_is_independent_of_pair_orientation_and_order():
    one = fit([PairCount("a", "b", 4, 1, 1), PairCount("b", "c", 2, 2)])
    two = fit([PairCount("c", "b", 2, 2), PairCount("b", "a", 1, 4, 1)])
    assert one == pytest.approx(two)


def test_models_without_votes_get_no_rating():
    assert fit([]) == {}
    assert rate([PairCount("a", "b")]) == {}
    assert "c" not in rate([PairCount("a", "b", 1, 0)])


def test_intervals_contain_the_rating_are_reproducible_and_narrow_with_votes():
    few = rate([PairCount("a", "b", 6, 4)], rounds=200, seed=1)
    many = rate([PairCount("a", "b", 600, 400)], rounds=200, seed=1)
    assert rate([PairCount("a", "b", 6, 4)], rounds=200, seed=1) == few
    for ratings in (few, many):
        for value in ratings.values():
            low, high = value.ci95
            assert low <= value.rating <= high
    width = lambda r: r.ci95[1] - r.ci95[0]  # noqa: E731
    assert width(many["a"]) < width(few["a"]) / 3
    # 600:400 is 1.5 odds: 70 points; the interval of a thousand votes is about +-22.
    assert many["a"].rating - many["b"].rating == pytest.approx(SCALE * math.log10(1.5), abs=1)
    assert many["a"].ci95[0] > BASE_RATING


def test_a_single_vote_shows_a_wide_interval_not_a_certain_one():
    (winner, loser) = (rate([PairCount("a", "b", 1, 0)])[m] for m in ("a", "b"))
    assert winner.rating > loser.rating
    assert winner.ci95[0] < loser.rating and loser.ci95[1] > winner.rating  # they overlap
