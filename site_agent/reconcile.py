"""What ``sacctmgr`` must do so that a cluster's associations match the portal's desired state (pure, no I/O).

The portal owns the Slurm accounts whose names start with its prefix (``gap-``): it creates them, sets their
description, organisation and GPU limit (``GrpTRESMins=gres/gpu=N``, in GPU-minutes), adds and removes their
users, and deletes a prefixed account that it no longer lists. Every other account, and the users' associations
with other accounts, are never touched, even when the desired state names them.

Slurm stores account names, descriptions and organisations lower-cased; :func:`normalise` brings a desired account
to that form so that a converged cluster yields no action. The order of the actions keeps a cluster safe if a run
stops between two commands: every account is created (with its limit) or changed first, then users are added, then
default accounts are moved, then users are removed, then accounts are deleted.

A user's default account (the one a job without ``-A`` is charged to) needs care. slurmdbd may refuse to remove a
user from their default account while they keep another association (ESLURM_NO_REMOVE_DEFAULT_ACCOUNT, "You can not
remove the default account of a user"); 22.05.8 lets it through but leaves the user with no default, after which
every ``sbatch`` without ``-A`` fails with "Invalid account or account/partition combination specified". So before
a user leaves their default account the plan moves the default to an account the user keeps: the lowest of the
portal's, or, when the user keeps only accounts of the site, the lowest of those (never an account the user is not
on); a user who leaves every account gets the one removed last. A default on a site's account is never changed; an
empty default of a user on one of the portal's accounts (what 22.05 left behind) is set again.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
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
Defaults = Mapping[str, str]  # user -> default account ("" when the user has none)


class Kind:
    ADD_ACCOUNT = "add_account"
    MODIFY_ACCOUNT = "modify_account"
    SET_LIMIT = "set_limit"
    ADD_USER = "add_user"
    REMOVE_USER = "remove_user"
    DELETE_ACCOUNT = "delete_account"
    SET_DEFAULT = "set_default"  # ``account`` is the user's new default account


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
        if self.kind == Kind.SET_DEFAULT:
            return ["modify", "user", "where", f"name={self.user}", *where, "set", f"DefaultAccount={self.account}"]
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


def plan(
    desired: Iterable[Account], current: State, prefix: str = DEFAULT_PREFIX, defaults: Defaults | None = None
) -> list[Action]:
    """The actions that turn ``current`` into ``desired`` for the accounts the portal owns (``prefix``).

    ``defaults`` are the users' default accounts as Slurm has them (:func:`read_defaults`); without them (``None``)
    the plan does not move any default."""
    wanted = {account.name: account for account in map(normalise, desired) if owned(account.name, prefix)}
    settings: list[Action] = []
    added: list[Action] = []
    removed: list[Action] = []
    for name in sorted(wanted):
        want, have = wanted[name], current.get(name)
        settings.extend(_settings_actions(want, have))
        have_users = have.users if have is not None else frozenset()
        removed.extend(Action(Kind.REMOVE_USER, name, user) for user in sorted(have_users - want.users))
        added.extend(Action(Kind.ADD_USER, name, user) for user in sorted(want.users - have_users))
    deleted = [
        Action(Kind.DELETE_ACCOUNT, name) for name in sorted(current) if owned(name, prefix) and name not in wanted
    ]
    leaving = [*removed, *deleted]
    moved = _default_moves(wanted, current, prefix, defaults, added, leaving) if defaults is not None else []
    return [*settings, *added, *moved, *leaving]


def _settings_actions(want: Account, have: Account | None) -> list[Action]:
    if have is None:
        return [Action(Kind.ADD_ACCOUNT, want.name, "", want.description, want.organization, want.gpu_minutes)]
    actions = []
    if (have.description, have.organization) != (want.description, want.organization):
        actions.append(Action(Kind.MODIFY_ACCOUNT, want.name, "", want.description, want.organization))
    if have.gpu_minutes != want.gpu_minutes:
        actions.append(Action(Kind.SET_LIMIT, want.name, gpu_minutes=want.gpu_minutes))
    return actions


def _default_moves(
    wanted: State, current: State, prefix: str, defaults: Defaults, added: list[Action], leaving: list[Action]
) -> list[Action]:
    """``SET_DEFAULT`` for each user whose default is one of the portal's accounts that the user leaves (or is
    empty) while the user keeps an association; the site's accounts are never changed, so they are all kept. A user
    who leaves every account gets as default the one left last (``leaving`` is in the plan's order), so that no
    removal before it takes the default away from a user who still has another association."""
    left_last = {}
    for action in leaving:
        for user in [action.user] if action.user else current[action.account].users:
            left_last[user] = action.account
    candidates = left_last.keys() | {user for user, default in defaults.items() if not default}
    now = _accounts_by_user(current, candidates)
    joins: dict[str, set[str]] = {}
    for action in added:
        if action.user in candidates:
            joins.setdefault(action.user, set()).add(action.account)
    moves = []
    for user in sorted(candidates):
        default = defaults.get(user)
        kept = joins.get(user, set()) | {
            name
            for name in now.get(user, ())
            if not owned(name, prefix) or (name in wanted and user in wanted[name].users)
        }
        if default is None or default in kept:
            continue  # unknown to Slurm (its first association becomes its default), or still valid
        if default and not owned(default, prefix):
            continue  # the site's choice
        portal = sorted(name for name in kept if owned(name, prefix))
        if kept and not default and (not portal or not now.get(user)):
            continue  # not the portal's user, or a user without association: the next one added becomes the default
        if not kept and (not default or default == left_last[user]):
            continue  # Slurm lets a user's last association go
        moves.append(Action(Kind.SET_DEFAULT, (portal or sorted(kept) or [left_last[user]])[0], user))
    return moves


def _accounts_by_user(accounts: State, only: AbstractSet[str] | None = None) -> dict[str, set[str]]:
    """user -> the accounts they are on, for the users ``only`` (all when ``None``)."""
    by_user: dict[str, set[str]] = {}
    for name, account in accounts.items():
        for user in account.users if only is None else account.users & only:
            by_user.setdefault(user, set()).add(name)
    return by_user


# --- a model of sacctmgr (for tests) --------------------------------------------------------------------------------


class Refused(Exception):
    """What sacctmgr refuses with an error (the agent reports the action as failed)."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """What slurmdbd holds: the accounts with their users, and each known user's default account."""

    accounts: Mapping[str, Account]
    defaults: Defaults = field(default_factory=dict)


def apply(cluster: Cluster, action: Action) -> Cluster:
    """``cluster`` after ``action`` as Slurm would have it; raises :class:`Refused` where sacctmgr refuses (the
    strict rule on default accounts: a plan that passes it also works where 22.05 lets a removal through)."""
    accounts, defaults = dict(cluster.accounts), dict(cluster.defaults)
    have = accounts.get(action.account)
    if action.kind == Kind.SET_DEFAULT:
        if action.user not in defaults:
            return cluster  # "Nothing modified"
        if have is None or action.user not in have.users:
            raise Refused(f"{action.user} is not associated with new default account {action.account!r}")
        defaults[action.user] = action.account
    elif action.kind == Kind.ADD_ACCOUNT:
        if have is None:
            accounts[action.account] = Account(
                action.account, action.description, action.organization, action.gpu_minutes
            )
    elif have is None:
        return cluster  # sacctmgr: "Nothing modified" / "Nothing deleted"
    elif action.kind == Kind.MODIFY_ACCOUNT:
        accounts[action.account] = replace(have, description=action.description, organization=action.organization)
    elif action.kind == Kind.SET_LIMIT:
        accounts[action.account] = replace(have, gpu_minutes=action.gpu_minutes)
    elif action.kind == Kind.ADD_USER and action.user not in have.users:
        accounts[action.account] = replace(have, users=have.users | {action.user})
        if not defaults.get(action.user):
            defaults[action.user] = action.account  # a user without a default gets the association added
    elif action.kind == Kind.REMOVE_USER and action.user in have.users:
        _refuse_leaving_default(accounts, defaults, action.account, {action.user})
        accounts[action.account] = replace(have, users=have.users - {action.user})
        if action.user not in _accounts_by_user(accounts):
            defaults.pop(action.user, None)  # "Deleting users (No Associations)"
    elif action.kind == Kind.DELETE_ACCOUNT:
        _refuse_leaving_default(accounts, defaults, action.account, have.users)
        del accounts[action.account]
        left = _accounts_by_user(accounts)
        defaults.update({user: "" for user in have.users if user not in left})  # the user record stays
    return Cluster(accounts, defaults)


def _refuse_leaving_default(accounts: State, defaults: Defaults, account: str, users: Iterable[str]) -> None:
    by_user = _accounts_by_user(accounts)
    for user in sorted(users):
        if defaults.get(user) == account and by_user.get(user, set()) - {account}:
            raise Refused(f"You can not remove the default account of a user: {user} from {account}")


# --- reading sacctmgr -----------------------------------------------------------------------------------------------

ASSOC_FORMAT = "account,user,grptresmins"
ACCOUNT_FORMAT = "account,descr,org"
USER_FORMAT = "user,defaultaccount"  # "show assoc" has a DefaultAccount column too, but 22.05 leaves it empty


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


def read_defaults(user_lines: Iterable[str]) -> dict[str, str]:
    """Each user's default account from ``sacctmgr -n -P show user format=user,defaultaccount`` ("" for none)."""
    defaults = {}
    for line in user_lines:
        user, sep, account = line.rstrip("\n").partition("|")
        if sep and user:
            defaults[user] = account.split("|", 1)[0]
    return defaults


def script(actions: Iterable[Action], sacctmgr: str = "sacctmgr", cluster: str = "") -> str:
    """A shell script of the actions (for sites without the agent and for ``--dry-run``)."""
    return "".join(action.command(sacctmgr, cluster) + "\n" for action in actions)
