"""site_agent/reconcile.py: the difference between the desired and the current associations (pure, no Django).

The property tests run the plan through a model of Slurm (``reconcile.apply``) that refuses what sacctmgr refuses,
including removing a user from their default account while they keep another association.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_agent.reconcile import (
    Account,
    Action,
    Cluster,
    Kind,
    Refused,
    apply,
    normalise,
    owned,
    plan,
    read_defaults,
    read_state,
    script,
)

PREFIX = "gap-"
USERS = ["alice", "bob", "chen", "dora", "erin"]
names = st.sampled_from(["gap-2026-000001", "gap-2026-000002", "gap-2027-000003", "gap-x", "physics", "root", "gapx"])
users = st.frozensets(st.sampled_from(USERS), max_size=4)
limits = st.none() | st.integers(min_value=0, max_value=10**9)
texts = st.sampled_from(["", "Grant 1", "grant 1", "Aurora AI", "aurora ai", "LUMI"])


@st.composite
def accounts(draw):
    return Account(draw(names), draw(texts), draw(texts), draw(limits), draw(users))


def as_state(items) -> dict[str, Account]:
    return {account.name: account for account in items}


@st.composite
def clusters(draw):
    """Accounts, and for every user on them a default among their accounts, or none (what 22.05 leaves after
    removing a default); a few users known to Slurm without any association."""
    state = as_state(draw(st.lists(accounts(), max_size=6)))
    defaults = {}
    for user in USERS:
        mine = sorted(name for name, account in state.items() if user in account.users)
        if mine:
            defaults[user] = draw(st.sampled_from(["", *mine]))
        elif draw(st.booleans()):
            defaults[user] = ""
    return Cluster(state, defaults)


def run_all(cluster, actions):
    for action in actions:
        cluster = apply(cluster, action)  # raises Refused where Slurm would
    return cluster


def by_user(state):
    result = {}
    for name, account in state.items():
        for user in account.users:
            result.setdefault(user, set()).add(name)
    return result


@settings(max_examples=500)
@given(desired=st.lists(accounts(), max_size=6), current=clusters())
def test_applying_the_plan_yields_the_desired_state_and_a_second_plan_is_empty(desired, current):
    after = run_all(current, plan(desired, current.accounts, PREFIX, current.defaults))

    wanted = {a.name: a for a in map(normalise, desired) if owned(a.name, PREFIX)}
    assert {name: account for name, account in after.accounts.items() if owned(name, PREFIX)} == wanted
    for user, mine in by_user(after.accounts).items():
        if any(owned(name, PREFIX) for name in mine):
            assert after.defaults[user] in mine  # every user of the portal can submit without -A
    assert plan(desired, after.accounts, PREFIX, after.defaults) == []


@settings(max_examples=500)
@given(desired=st.lists(accounts(), max_size=6), current=clusters())
def test_accounts_without_the_prefix_are_never_touched(desired, current):
    actions = plan(desired, current.accounts, PREFIX, current.defaults)

    keeps = by_user({n: a for n, a in current.accounts.items() if not owned(n, PREFIX)})
    wanted = {a.name: a for a in map(normalise, desired) if owned(a.name, PREFIX)}
    for user, mine in by_user(wanted).items():
        keeps.setdefault(user, set()).update(mine)
    for action in actions:
        if action.kind != Kind.SET_DEFAULT:
            assert owned(action.account, PREFIX)
            continue
        # A default moves only away from the portal's account (or from none), to an account the user is on and
        # keeps (to a site's account only when the user keeps none of the portal's), or, for a user who leaves
        # every account, to the portal's account that is left last.
        kept = keeps.get(action.user, set())
        assert owned(current.defaults[action.user], PREFIX) or not current.defaults[action.user]
        assert action.account in kept or (not kept and action.user in current.accounts[action.account].users)
        assert owned(action.account, PREFIX) or not any(owned(n, PREFIX) for n in kept)
    after = run_all(current, actions)
    foreign = {name: account for name, account in current.accounts.items() if not owned(name, PREFIX)}
    assert {name: account for name, account in after.accounts.items() if not owned(name, PREFIX)} == foreign
    for user, default in current.defaults.items():
        if default and not owned(default, PREFIX):
            assert after.defaults[user] == default


def test_a_new_grant_gets_its_account_with_the_limit_before_its_users():
    desired = [Account("gap-2026-000001", "Grant 1", "Aurora AI", 600, frozenset({"bob", "alice"}))]

    actions = plan(desired, {}, PREFIX)

    assert [a.kind for a in actions] == [Kind.ADD_ACCOUNT, Kind.ADD_USER, Kind.ADD_USER]
    assert actions[0].argv() == [
        "add",
        "account",
        "gap-2026-000001",
        "Description=grant 1",
        "Organization=aurora ai",
        "GrpTRESMins=gres/gpu=600",
    ]
    assert [a.user for a in actions[1:]] == ["alice", "bob"]


def test_a_closed_grant_drops_its_limit_before_its_users_go():
    current = {"gap-2026-000001": Account("gap-2026-000001", "g", "o", 600, frozenset({"alice"}))}

    actions = plan([Account("gap-2026-000001", "g", "o", 420)], current, PREFIX)

    assert actions == [
        Action(Kind.SET_LIMIT, "gap-2026-000001", gpu_minutes=420),
        Action(Kind.REMOVE_USER, "gap-2026-000001", "alice"),
    ]
    assert script(actions, cluster="leo").splitlines() == [
        "sacctmgr -i modify account where name=gap-2026-000001 cluster=leo set GrpTRESMins=gres/gpu=420",
        "sacctmgr -i delete user where name=alice account=gap-2026-000001 cluster=leo",
    ]


def test_descriptions_with_spaces_and_quotes_are_quoted_in_the_script():
    action = Action(Kind.ADD_ACCOUNT, "gap-1", description="o'neil lab", organization="a b")

    assert action.command() == "sacctmgr -i add account gap-1 'Description=o'\"'\"'neil lab' 'Organization=a b'"


def test_read_state_takes_users_limits_and_settings_from_sacctmgr_output():
    assoc = [
        "root||\n",
        "root|root|\n",
        "gap-2026-000001||cpu=100,gres/gpu=600\n",
        "gap-2026-000001|alice|\n",
        "gap-2026-000001|alice|\n",  # a second (partition) association of the same user
        "gap-2026-000002||\n",
    ]
    account = ["gap-2026-000001|grant 1|aurora\n", "root|default root account|root\n"]

    state = read_state(assoc, account)

    assert state["gap-2026-000001"] == Account("gap-2026-000001", "grant 1", "aurora", 600, frozenset({"alice"}))
    assert state["gap-2026-000002"] == Account("gap-2026-000002")
    assert state["root"].users == frozenset({"root"})


A, B = "gap-2026-000001", "gap-2026-000002"


def test_a_user_leaving_their_default_account_gets_another_of_the_portal_first():
    """The audit's case: alice was added to A first (her default); A's grace period ends while she stays on B."""
    current = {A: Account(A, users=frozenset({"alice"})), B: Account(B, users=frozenset({"alice"}))}

    actions = plan([Account(A), Account(B, users=frozenset({"alice"}))], current, PREFIX, {"alice": A})

    assert actions == [Action(Kind.SET_DEFAULT, B, "alice"), Action(Kind.REMOVE_USER, A, "alice")]
    assert script(actions[:1], cluster="leo") == (
        f"sacctmgr -i modify user where name=alice cluster=leo set DefaultAccount={B}\n"
    )
    after = run_all(Cluster(current, {"alice": A}), actions)
    assert after.defaults == {"alice": B}
    with pytest.raises(Refused, match="default account"):
        apply(Cluster(current, {"alice": A}), actions[1])  # what the agent used to run first


def test_deleting_an_account_moves_the_defaults_it_held():
    current = {A: Account(A, users=frozenset({"alice", "bob"})), B: Account(B, users=frozenset({"alice"}))}

    actions = plan([Account(B, users=frozenset({"alice"}))], current, PREFIX, {"alice": A, "bob": A})

    assert actions == [Action(Kind.SET_DEFAULT, B, "alice"), Action(Kind.DELETE_ACCOUNT, A)]


def test_a_user_who_keeps_only_an_account_of_the_site_gets_it_as_default():
    current = {A: Account(A, users=frozenset({"alice"})), "physics": Account("physics", users=frozenset({"alice"}))}

    actions = plan([Account(A)], current, PREFIX, {"alice": A})

    assert actions == [Action(Kind.SET_DEFAULT, "physics", "alice"), Action(Kind.REMOVE_USER, A, "alice")]


def test_a_default_on_an_account_of_the_site_is_never_changed():
    current = {A: Account(A, users=frozenset({"alice"})), "physics": Account("physics", users=frozenset({"alice"}))}

    assert plan([Account(A)], current, PREFIX, {"alice": "physics"}) == [Action(Kind.REMOVE_USER, A, "alice")]
    assert plan([], {"physics": current["physics"]}, PREFIX, {"alice": ""}) == []  # not the portal's user


def test_a_user_leaving_every_account_gets_the_one_removed_last_as_default():
    current = {A: Account(A, users=frozenset({"alice"})), B: Account(B, users=frozenset({"alice"}))}

    actions = plan([], current, PREFIX, {"alice": A})

    assert actions == [
        Action(Kind.SET_DEFAULT, B, "alice"),
        Action(Kind.DELETE_ACCOUNT, A),
        Action(Kind.DELETE_ACCOUNT, B),
    ]
    assert run_all(Cluster(current, {"alice": A}), actions) == Cluster({}, {"alice": ""})


def test_an_empty_default_left_by_slurm_22_05_is_set_again():
    current = {A: Account(A), B: Account(B, users=frozenset({"alice"}))}
    desired = [Account(A, users=frozenset({"bob"})), Account(B, users=frozenset({"alice"}))]

    # bob is known to Slurm without any association: the association added becomes his default by itself.
    assert plan(desired, current, PREFIX, {"alice": "", "bob": ""}) == [
        Action(Kind.ADD_USER, A, "bob"),
        Action(Kind.SET_DEFAULT, B, "alice"),
    ]
    assert plan(desired, current, PREFIX) == [Action(Kind.ADD_USER, A, "bob")]  # defaults unknown: left alone


def test_the_model_refuses_a_default_the_user_is_not_on():
    cluster = Cluster({A: Account(A, users=frozenset({"alice"})), B: Account(B)}, {"alice": A})

    with pytest.raises(Refused, match="not associated"):
        apply(cluster, Action(Kind.SET_DEFAULT, B, "alice"))
    assert apply(cluster, Action(Kind.SET_DEFAULT, B, "nobody")) == cluster  # "Nothing modified"


def test_read_defaults_takes_each_users_default_account():
    assert read_defaults(["root|root\n", "alice|gap-2026-000002\n", "bob|\n", "\n"]) == {
        "root": "root",
        "alice": "gap-2026-000002",
        "bob": "",
    }
