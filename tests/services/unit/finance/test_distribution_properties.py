"""Properties of the money splits, for any policy and any evidence: the shares sum exactly to
the amount distributed, reserve + distributed + undistributed = amount, nothing is negative,
and under a PASS cap nobody goes above it."""
from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.finance.domain.distribution import compute_distribution
from services.finance.domain.model import CoordinationTime, MeetingFigures, ProtocolRecord, YearEvidence
from services.finance.domain.money import largest_remainder

PEOPLE = [f"u{i}" for i in range(8)]
amounts = st.integers(min_value=0, max_value=50_000_000)


@given(total=amounts, weights=st.dictionaries(st.sampled_from(PEOPLE), st.integers(0, 10_000), max_size=8))
def test_largest_remainder_sums_exactly_and_never_goes_negative(total, weights):
    parts = largest_remainder(total, weights)
    assert all(cents >= 0 for cents in parts.values())
    if any(weights.values()):
        assert sum(parts.values()) == total
        # Each part is within one cent of its exact quota.
        weight_sum = sum(weights.values())
        for key, weight in weights.items():
            assert abs(parts[key] * weight_sum - total * weight) < weight_sum
    else:
        assert sum(parts.values()) == 0


participants = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(["present", "excused"]),
                                  st.integers(0, 240)), max_size=6)
meetings = st.lists(st.tuples(st.sampled_from(["concertation", "project", "governance"]), participants), max_size=6)
keys = st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(["meeting_minutes", "coordination_time", "equal_share"]),
    "weight": st.integers(0, 20), "scope": st.sampled_from(["all", "concertation"]),
    "user_ids": st.lists(st.sampled_from(PEOPLE), max_size=5)}), max_size=4)
reserves = st.one_of(st.just({"kind": "none"}),
                     st.fixed_dictionaries({"kind": st.just("fixed"), "amount_cents": amounts}),
                     st.fixed_dictionaries({"kind": st.just("percent"),
                                            "percent": st.floats(0, 100, allow_nan=False).map(lambda p: round(p, 2))}))


@settings(max_examples=200, deadline=None)
@given(amount=amounts, meeting_list=meetings, keys=keys, reserve=reserves,
       coordination=st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(1, 600)), max_size=6),
       manual=st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3_000_000)), max_size=3),
       per_protocol=st.integers(0, 500_000), cap=st.one_of(st.none(), st.integers(1, 10_000_000)),
       excess=st.sampled_from(["redistribute", "structure"]))
def test_shares_always_sum_to_the_amount_distributed_and_never_go_negative(
        amount, meeting_list, keys, reserve, coordination, manual, per_protocol, cap, excess):
    evidence = YearEvidence(2026, meetings=[
        MeetingFigures(f"m{i}", "s", 1, "closed", kind, "R", date(2026, 3, 1), 240, {"total": 1},
                       [{"user_id": u, "profession": "infirmier", "status": s, "minutes": m if s == "present" else 0}
                        for u, s, m in people])
        for i, (kind, people) in enumerate(meeting_list)],
        coordination=[CoordinationTime(f"t{i}", "s", u, "coordinateur", date(2026, 4, 1), m)
                      for i, (u, m) in enumerate(coordination)],
        protocols=[ProtocolRecord("d1", "s", "P", "obesity", [], False, date(2026, 5, 1), 1)])
    policy = {"keys": keys, "reserve": reserve, "pass_cap_excess": excess,
              "manual_amounts": [{"user_id": u, "amount_cents": c} for u, c in manual],
              "deliverables": {"per_protocol_cents": per_protocol, "protocol_authors": {"d1": ["u1", "u2"]}}}

    result = compute_distribution(policy, amount, evidence, {}, 2026, pass_cap=cap)

    shares = [s["amount_cents"] for s in result["shares"]]
    assert sum(shares) == result["distributed_cents"]
    assert result["reserve_cents"] + result["distributed_cents"] + result["undistributed_cents"] == amount
    assert all(cents >= 0 for cents in shares)
    assert min(result["reserve_cents"], result["undistributed_cents"]) >= 0
    for share in result["shares"]:
        assert sum(part["amount_cents"] for part in share["parts"]) == share["amount_cents"]
    if cap is not None:
        assert all(cents <= cap for cents in shares)
