"""Largest-remainder shares: exact integer parts that always sum to the whole."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.shares import largest_remainder, shares_in_basis_points

balances = st.dictionaries(
    st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=10**15), min_size=1, max_size=40
)


@settings(max_examples=100, deadline=None)
@given(balances=balances.filter(lambda b: sum(b.values()) > 0))
def test_shares_sum_to_exactly_ten_thousand(balances):
    shares = shares_in_basis_points(balances)
    assert sum(shares.values()) == 10_000
    assert set(shares) == set(balances)
    whole = sum(balances.values())
    for key, balance in balances.items():
        exact = balance * 10_000 / whole
        assert abs(shares[key] - exact) < 1  # never more than one basis point off the exact share
        if balance == 0:
            assert shares[key] == 0


@settings(max_examples=100, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**12), weights=balances.filter(lambda b: sum(b.values()) > 0))
def test_largest_remainder_splits_any_total_exactly_and_deterministically(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total
    assert all(isinstance(p, int) and p >= 0 for p in parts.values())
    assert largest_remainder(total, dict(weights)) == parts


def test_examples():
    assert shares_in_basis_points({"a": 1, "b": 1, "c": 1}) == {"a": 3334, "b": 3333, "c": 3333}
    assert shares_in_basis_points({"a": 2, "b": 1}) == {"a": 6667, "b": 3333}
    assert shares_in_basis_points({"eu": 50, "de": 30, "fr": 20}) == {"eu": 5000, "de": 3000, "fr": 2000}
    assert shares_in_basis_points({"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert shares_in_basis_points({}) == {}


def test_negative_input_is_refused():
    with pytest.raises(ValueError):
        shares_in_basis_points({"a": -1, "b": 2})
    with pytest.raises(ValueError):
        largest_remainder(-1, {"a": 1})
