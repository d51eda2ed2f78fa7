"""Weighted scores, summaries and the ranking, as pure functions."""

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from reviews.scoring import Candidate, Criterion, as_decimal_text, rank, summarise, weighted_score

CRITERIA = [
    Criterion(1, weight=2, threshold=3),
    Criterion(2, weight=1, threshold=3),
    Criterion(3, weight=1, threshold=3),
]


def at(day: int) -> datetime:
    return datetime(2027, 1, day, tzinfo=UTC)


def test_weighted_score_uses_the_rubric_weights_exactly():
    assert weighted_score({1: 5, 2: 2, 3: 4}, CRITERIA) == Fraction(16, 4)
    assert weighted_score({1: 4, 2: 5, 3: 3}, CRITERIA) == Fraction(16, 4)
    with pytest.raises(KeyError):
        weighted_score({1: 5}, CRITERIA)


def test_summary_threshold_and_spread():
    s = summarise([{1: 4, 2: 2, 3: 5}, {1: 4, 2: 4, 3: 3}], CRITERIA)
    assert s.criterion_means == {1: 4, 2: 3, 3: 4}
    assert s.minimum == 3 and s.meets_threshold is True
    assert s.spread == {1: 0, 2: 2, 3: 2} and s.flagged
    assert not summarise([{1: 4, 2: 3, 3: 4}, {1: 5, 2: 4, 3: 4}], CRITERIA).flagged
    assert summarise([{1: 5, 2: 2, 3: 5}], CRITERIA).meets_threshold is False


def test_rank_tie_breaks_and_moves():
    equal_low_min = Candidate(1, at(1), summarise([{1: 5, 2: 2, 3: 4}], CRITERIA))  # 4.00, min 2
    equal_high_min = Candidate(2, at(3), summarise([{1: 4, 2: 4, 3: 4}], CRITERIA))  # 4.00, min 4
    same_later = Candidate(3, at(4), summarise([{1: 4, 2: 4, 3: 4}], CRITERIA))  # as 2 but later
    same_as_3 = Candidate(4, at(4), summarise([{1: 4, 2: 4, 3: 4}], CRITERIA))  # as 3, higher id
    unscored = Candidate(5, at(2))
    assert rank([unscored, same_as_3, equal_low_min, same_later, equal_high_min]) == [2, 3, 4, 1, 5]
    assert rank([equal_low_min, equal_high_min], moves=[(1, 1)]) == [1, 2]
    assert rank([equal_low_min, equal_high_min], moves=[(1, 1), (2, 1), (99, 1)]) == [2, 1]


def test_decimal_text_rounds_half_up_without_floats():
    assert as_decimal_text(Fraction(33, 8)) == "4.13"
    assert as_decimal_text(Fraction(11, 3)) == "3.67"
    assert as_decimal_text(Fraction(4)) == "4.00"
    assert as_decimal_text(None) == "—"
