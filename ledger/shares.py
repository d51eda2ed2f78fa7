"""Largest-remainder splits: integer parts that sum exactly to the whole.

Pure functions without Django, so the allocation side can size partner pools with the same rule that gives the
entitlement shares here.
"""

from collections.abc import Hashable, Mapping

BASIS_POINTS = 10_000


def largest_remainder[K: Hashable](total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """Split the integer ``total`` in proportion to non-negative integer ``weights``.

    Every key gets ``floor(total * w / sum)``; the units still missing go one each to the keys with the largest
    remainders, ties broken by the order of ``weights`` (so the same input always gives the same split).
    The parts sum exactly to ``total`` whenever the weights sum to more than zero; when every weight is zero
    nobody has contributed and every part is zero. Exact integer arithmetic throughout, no floats.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    parts: dict[K, int] = {}
    remainders: list[tuple[int, int, K]] = []
    for position, (key, weight) in enumerate(weights.items()):
        quotient, remainder = divmod(total * weight, whole)
        parts[key] = quotient
        remainders.append((-remainder, position, key))
    missing = total - sum(parts.values())
    for _remainder, _position, key in sorted(remainders)[:missing]:
        parts[key] += 1
    return parts


def shares_in_basis_points[K: Hashable](balances: Mapping[K, int]) -> dict[K, int]:
    """Each key's share of the balances in basis points; the shares sum to exactly 10,000 (if any balance > 0)."""
    return largest_remainder(BASIS_POINTS, balances)
