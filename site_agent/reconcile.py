"""What ``sacctmgr`` must do so that a cluster's associations match the portal's desired state (pure, no I/O).

The portal owns the Slurm accounts whose names start with its prefix (``gap-``): it creates them, sets their
description, organisation and GPU limit (``GrpTRESMins=gres/gpu=N``, in GPU-minutes), adds and removes their
users, and deletes a prefixed account that it no longer lists. Every other account, and the users' associations
with other accounts, are never touched, even when the desired state names them.

Slurm stores account names, descriptions and organisations lower-cased; :func:`normalise` brings a desired account
to that form so that a converged cluster yields no action. The order of the actions keeps a cluster safe if a run
stops between two commands: an account is created with its limit, a limit is changed before users are added or
removed, and users are added only after their account exists.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

DEFAULT_PREFIX = "gap-"
NO_LIMIT = None


@dataclass(frozen=True, slots=True)
class Account:
    """A Slurm account as the portal sees it: its settings and its users (association names)."""

    name: str
    description: str = ""
    organization: str = ""
    gpu_minutes: int | None = NO_LIMIT  # GrpTRESMins for gres/gpu; None: no limit
    users: frozenset[str] = field(default_factory=frozenset)


State = Mapping[str, Account]


class Kind:
    ADD_ACCOUNT = "add_account"
    MODIFY_ACCOUNT = "modify_account"
    SET_LIMIT = "set_limit"
    ADD_USER = "add_user"
    REMOVE_USER = "remove_user"
    DELETE_ACCOUNT = "delete_account"


@dataclass(frozen=True, slots=True)
class Action:
    """One ``sacctmgr`` command. ``user`` is set for user actions; the settings for account actions."""

    kind: str
    account: str
    user: str = ""
    description: str = ""
    organization: str = ""
    gpu_minutes: int | None = NO_LIMIT

    def argv(self, cluster: str = "") -> list[str]:
        """The arguments after ``sacctmgr -i``."""
        where = [f"cluster={cluster}"] if cluster else []
        limit = f"GrpTRESMins=gres/gpu={-1 if self.gpu_minutes is None else self.gpu_minutes}"
        if self.kind == Kind.ADD_ACCOUNT:
            settings = [f"Description={self.description}", f"Organization={self.organization}"]
            if self.gpu_minutes is not None:
                settings.append(limit)
            return ["add", "account", self.account, *where, *settings]
        if self.kind == Kind.MODIFY_ACCOUNT:
            return [
                "modify",
                "account",
                "where",
                f"name={self.account}",
                *where,
                "set",
                f"Description={self.description}",
                f"Organization={self.organization}",
            ]
        if self.kind == Kind.SET_LIMIT:
            return ["modify", "account", "where", f"name={self.account}", *where, "set", limit]
        if self.kind == Kind.ADD_USER:
            return ["add", "user", self.user, f"account={self.account}", *where]
        if self.kind == Kind.REMOVE_USER:
            return ["delete", "user", "where", f"name={self.user}", f"account={self.account}", *where]
        if self.kind == Kind.DELETE_ACCOUNT:
            return ["delete", "account", "where", f"name={self.account}", *where]
        raise ValueError(f"unknown action {self.kind!r}")

    def command(self, sacctmgr: str = "sacctmgr", cluster: str = "") -> str:
        """The shell command line (quoted) of this action."""
        return shlex.join([sacctmgr, "-i", *self.argv(cluster)])


def owned(name: str, prefix: str = DEFAULT_PREFIX) -> bool:
    return bool(prefix) and name.startswith(prefix)


def normalise(account: Account) -> Account:
    """The account as Slurm stores it (lower-case name, description and organisation)."""
    return replace(
        account,
        name=account.name.lower(),
        description=account.description.lower(),
        organization=account.organization.lower(),
        users=frozenset(account.users),
    )


def plan(desired: Iterable[Account], current: State, prefix: str = DEFAULT_PREFIX) -> list[Action]:
    """The actions that turn ``current`` into ``desired`` for the accounts the portal owns (``prefix``)."""
    wanted = {account.name: account for account in map(normalise, desired) if owned(account.name, prefix)}
    actions: list[Action] = []
    for name in sorted(wanted):
        actions.extend(_account_actions(wanted[name], current.get(name)))
    for name in sorted(current):
        if owned(name, prefix) and name not in wanted:
            actions.append(Action(Kind.DELETE_ACCOUNT, name))
    return actions


def _account_actions(want: Account, have: Account | None) -> list[Action]:
    actions: list[Action] = []
    if have is None:
        actions.append(Action(Kind.ADD_ACCOUNT, want.name, "", want.description, want.organization, want.gpu_minutes))
        have_users: frozenset[str] = frozenset()
    else:
        if (have.description, have.organization) != (want.description, want.organization):
            actions.append(Action(Kind.MODIFY_ACCOUNT, want.name, "", want.description, want.organization))
        if have.gpu_minutes != want.gpu_minutes:
            actions.append(Action(Kind.SET_LIMIT, want.name, gpu_minutes=want.gpu_minutes))
        have_users = have.users
    actions.extend(Action(Kind.REMOVE_USER, want.name, user) for user in sorted(have_users - want.users))
    actions.extend(Action(Kind.ADD_USER, want.name, user) for user in sorted(want.users - have_users))
    return actions


def apply(state: State, action: Action) -> dict[str, Account]:
    """``state`` after ``action``, as Slurm would have it (a model of sacctmgr for tests and dry runs)."""
    result = dict(state)
    have = result.get(action.account)
    if action.kind == Kind.ADD_ACCOUNT:
        if have is None:
            result[action.account] = Account(
                action.account, action.description, action.organization, action.gpu_minutes
            )
    elif have is None:
        return result  # sacctmgr: "Nothing modified" / "Nothing deleted"
    elif action.kind == Kind.MODIFY_ACCOUNT:
        result[action.account] = replace(have, description=action.description, organization=action.organization)
    elif action.kind == Kind.SET_LIMIT:
        result[action.account] = replace(have, gpu_minutes=action.gpu_minutes)
    elif action.kind == Kind.ADD_USER:
        result[action.account] = replace(have, users=have.users | {action.user})
    elif action.kind == Kind.REMOVE_USER:
        result[action.account] = replace(have, users=have.users - {action.user})
    elif action.kind == Kind.DELETE_ACCOUNT:
        del result[action.account]
    return result


# --- reading sacctmgr -----------------------------------------------------------------------------------------------

ASSOC_FORMAT = "account,user,grptresmins"
ACCOUNT_FORMAT = "account,descr,org"


def gpu_minutes_of(tres: str) -> int | None:
    """The ``gres/gpu`` entry of a GrpTRESMins column (``cpu=10,gres/gpu=600``); ``None`` when absent."""
    for item in tres.split(","):
        key, _sep, value = item.partition("=")
        if key.strip() == "gres/gpu" and value.strip().lstrip("-").isdecimal():
            number = int(value)
            return None if number < 0 else number
    return None


def read_state(assoc_lines: Iterable[str], account_lines: Iterable[str] = ()) -> dict[str, Account]:
    """Accounts from ``sacctmgr -n -P show assoc format=account,user,grptresmins`` and ``show account
    format=account,descr,org`` (the second gives descriptions and organisations)."""
    settings: dict[str, tuple[str, str]] = {}
    for line in account_lines:
        fields = line.rstrip("\n").split("|")
        if len(fields) >= 3 and fields[0]:
            settings[fields[0]] = (fields[1], fields[2])
    limits: dict[str, int | None] = {}
    users: dict[str, set[str]] = {}
    for line in assoc_lines:
        fields = line.rstrip("\n").split("|")
        if len(fields) < 3 or not fields[0]:
            continue
        account, user, tres = fields[0], fields[1], fields[2]
        users.setdefault(account, set())
        if user:
            users[account].add(user)
        else:
            limits[account] = gpu_minutes_of(tres)
    return {
        name: Account(name, *settings.get(name, ("", "")), limits.get(name), frozenset(members))
        for name, members in users.items()
    }


def script(actions: Iterable[Action], sacctmgr: str = "sacctmgr", cluster: str = "") -> str:
    """A shell script of the actions (for sites without the agent and for ``--dry-run``)."""
    return "".join(action.command(sacctmgr, cluster) + "\n" for action in actions)
