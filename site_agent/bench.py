"""`make bench`: the agent's difference for a large cluster (pure computation, no sacctmgr)."""

import time

from site_agent.reconcile import Account, plan, read_defaults, read_state


def _cluster(accounts: int, users_per_account: int, shift: int) -> tuple[list[Account], list[str], list[str]]:
    """The desired accounts, a current ``sacctmgr show assoc`` listing that differs from it a little, and the
    ``show user`` listing of default accounts (each user's first account)."""
    desired = []
    assoc_lines = []
    for i in range(accounts):
        name = f"gap-2026-{i:06d}"
        users = frozenset(f"user{(i * 7 + j) % 50_000}" for j in range(users_per_account))
        desired.append(Account(name, f"Grant {i}", "Org", 600 + i, users))
        current_users = sorted(users)[shift:] + [f"gone{i}"] * (i % 3 == 0)
        assoc_lines.append(f"{name}||gres/gpu={600 + i - (i % 5 == 0)}")
        assoc_lines.extend(f"{name}|{user}|" for user in current_users)
    assoc_lines.extend(f"physics|p{i}|" for i in range(1000))  # a site's own accounts
    defaults: dict[str, str] = {}
    for line in assoc_lines:
        account, user, _limit = line.split("|")
        if user:
            defaults.setdefault(user, account)
    return desired, assoc_lines, [f"{user}|{account}" for user, account in defaults.items()]


def run() -> list[dict]:
    desired, assoc_lines, user_lines = _cluster(accounts=10_000, users_per_account=10, shift=1)
    account_lines = [f"{a.name}|{a.description.lower()}|{a.organization.lower()}" for a in desired]
    walls, cpus = [], []
    for _ in range(3):  # the best of three: the machine may be shared
        started, started_cpu = time.perf_counter(), time.process_time()
        actions = plan(desired, read_state(assoc_lines, account_lines), defaults=read_defaults(user_lines))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return [
        {
            "name": "site agent: read + difference",
            "value": round(min(walls), 3),
            "unit": "s",
            "note": f"{len(assoc_lines):,} associations, {len(actions):,} actions; best of 3 (CPU {min(cpus):.3f} s, "
            f"slowest {max(walls):.3f} s); target < 2 s",
        }
    ]


if __name__ == "__main__":
    print(run())
