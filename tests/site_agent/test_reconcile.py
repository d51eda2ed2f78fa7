"""site_agent/reconcile.py: the difference between the desired and the current associations (pure, no Django)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from site_agent.reconcile import Account, Action, Kind, apply, normalise, owned, plan, read_state, script

PREFIX = "gap-"
names = st.sampled_from(["gap-2026-000001", "gap-2026-000002", "gap-2027-000003", "gap-x", "physics", "root", "gapx"])
users = st.frozensets(st.sampled_from(["alice", "bob", "chen", "dora", "erin"]), max_size=4)
limits = st.none() | st.integers(min_value=0, max_value=10**9)
texts = st.sampled_from(["", "Grant 1", "grant 1", "Aurora AI", "aurora ai", "LUMI"])


@st.composite
def accounts(draw):
    return Account(draw(names), draw(texts), draw(texts), draw(limits), draw(users))


def as_state(items) -> dict[str, Account]:
    return {account.name: account for account in items}


def run_all(current, actions):
    state = dict(current)
    for action in actions:
        state = apply(state, action)
    return state


@settings(max_examples=300)
@given(desired=st.lists(accounts(), max_size=6), current=st.lists(accounts(), max_size=6))
def test_applying_the_plan_yields_the_desired_state_and_a_second_plan_is_empty(desired, current):
    current_state = as_state(current)
    after = run_all(current_state, plan(desired, current_state, PREFIX))

    wanted = {a.name: a for a in map(normalise, desired) if owned(a.name, PREFIX)}
    assert {name: account for name, account in after.items() if owned(name, PREFIX)} == wanted
    assert plan(desired, after, PREFIX) == []


@settings(max_examples=300)
@given(desired=st.lists(accounts(), max_size=6), current=st.lists(accounts(), max_size=6))
def test_accounts_without_the_prefix_are_never_touched(desired, current):
    current_state = as_state(current)
    actions = plan(desired, current_state, PREFIX)

    assert all(action.account.startswith(PREFIX) for action in actions)
    after = run_all(current_state, actions)
    foreign = {name: account for name, account in current_state.items() if not owned(name, PREFIX)}
    assert {name: account for name, account in after.items() if not owned(name, PREFIX)} == foreign


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
