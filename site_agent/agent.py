"""The site agent: keeps a Slurm cluster's accounts in step with the portal and sends its usage back.

Runs on the cluster's admin node with the Python standard library only. One run:

1. ``GET /api/v1/clusters/{name}/desired-state/`` (``If-None-Match`` with the last version: an unchanged state is
   a 304 and the copy kept in the state directory is used);
2. read the current associations with ``sacctmgr -n -P show assoc``, ``show account`` and ``show user`` (the
   users' default accounts);
3. plan the difference (:mod:`site_agent.reconcile`) and apply it with ``sacctmgr -i``, one command per action;
4. read the associations again and ``POST /api/v1/clusters/{name}/provisioning-reports/`` with every action's
   outcome and the drift left (actions still needed);
5. ``GET /api/v1/clusters/{name}/usage-cursor/``, run ``sacct`` for the window since then, push the finished
   jobs of the portal's accounts to ``POST /api/v1/usage/records/`` and then ``POST`` the window's end to the
   cursor; the cursor is the portal's, so a lost agent (or a crash) sends the window again and the import stays
   idempotent by job id.

Every step reads before it writes, so a run stopped anywhere is finished by the next one. Each run also checks
that Slurm keeps association usage whole (:mod:`site_agent.checks`) and warns on stderr when it does not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from site_agent import checks, reconcile
from site_agent.config import Config

VERSION = "1"
SACCT_FIELDS = "JobID,JobIDRaw,User,Account,Partition,Start,End,Elapsed,AllocTRES,State"
PUSH_BATCH = 5000
# sacctmgr's answers when an action finds the cluster already as wanted (it exits 1 for them).
ALREADY_DONE = ("Nothing new added", "Nothing modified", "Nothing deleted", "Already existing")


class PortalError(RuntimeError):
    """The portal could not be reached or refused a request."""


class SlurmError(RuntimeError):
    """A read command of Slurm failed."""


@dataclass
class Outcome:
    action: reconcile.Action
    command: str
    status: str  # "applied", "unchanged" (sacctmgr found nothing to do), "failed", "planned" (dry run)
    message: str = ""

    def as_report(self) -> dict:
        return {
            "kind": self.action.kind,
            "account": self.action.account,
            "user": self.action.user,
            "command": self.command,
            "status": self.status,
            "message": self.message[:2000],
        }


@dataclass
class RunResult:
    outcomes: list[Outcome] = field(default_factory=list)
    drift: list[reconcile.Action] = field(default_factory=list)
    prefix: str = reconcile.DEFAULT_PREFIX
    pushed: int = 0

    @property
    def failed(self) -> bool:
        return any(outcome.status == "failed" for outcome in self.outcomes)


# --- the portal -----------------------------------------------------------------------------------------------------


class Portal:
    def __init__(self, config: Config):
        self.config = config
        self.base = config.portal_url.rstrip("/") + "/api/v1/"

    def request(self, method: str, path: str, body: object = None, headers: dict | None = None):
        """``(status, headers, parsed JSON or None)``; 304 is an answer, other 4xx/5xx raise PortalError."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 (URL from config)
        request.add_header("Authorization", f"Cluster {self.config.token}")
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", f"gap-site-agent/{VERSION}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                raw = response.read()
                return response.status, response.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return 304, error.headers, None
            detail = error.read()[:500].decode(errors="replace")
            raise PortalError(f"{method} {path}: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise PortalError(f"{method} {path}: {error}") from None

    def cluster_path(self, tail: str) -> str:
        return f"clusters/{urllib.parse.quote(self.config.cluster, safe='')}/{tail}/"


def fetch_desired(portal: Portal, state_dir: Path | None) -> dict:
    """The desired state; with a state directory, the last copy is reused when the portal answers 304."""
    cache = state_dir / "desired-state.json" if state_dir else None
    cached = None
    if cache and cache.exists():
        try:
            cached = json.loads(cache.read_text())
        except ValueError:
            cached = None
    headers = {"If-None-Match": cached["etag"]} if cached and cached.get("etag") else {}
    status, response_headers, body = portal.request("GET", portal.cluster_path("desired-state"), headers=headers)
    if status == 304 and cached:
        return cached["body"]
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"etag": response_headers.get("ETag", ""), "body": body}))
        tmp.replace(cache)  # atomic: a crash leaves the old copy or the new one
    return body


def desired_accounts(body: dict) -> list[reconcile.Account]:
    return [
        reconcile.Account(
            name=item["name"],
            description=item.get("description", ""),
            organization=item.get("organization", ""),
            gpu_minutes=item.get("gpu_minutes"),
            users=frozenset(item.get("users", ())),
        )
        for item in body.get("accounts", ())
    ]


# --- Slurm ----------------------------------------------------------------------------------------------------------


def slurm_read(config: Config, argv: list[str]) -> list[str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=config.timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SlurmError(f"{' '.join(argv)}: {error}") from None
    if done.returncode != 0:
        raise SlurmError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.splitlines()


def config_warnings(config: Config) -> list[str]:
    """What in Slurm's configuration lets members use more than their grant; a failed read is itself a warning."""
    try:
        lines = slurm_read(config, [checks.scontrol_for(config.sacctmgr), "show", "config"])
    except SlurmError as error:
        return [f"could not check the Slurm configuration ({error})"]
    return checks.usage_decay_warnings(checks.parse_config(lines))


def read_current(config: Config) -> reconcile.Cluster:
    """The associations, the accounts' settings and the users' default accounts."""
    where = [f"cluster={config.slurm_cluster}"] if config.slurm_cluster else []
    show = [config.sacctmgr, "-n", "-P", "show"]
    assoc = slurm_read(config, [*show, "assoc", *where, f"format={reconcile.ASSOC_FORMAT}"])
    accounts = slurm_read(config, [*show, "account", f"format={reconcile.ACCOUNT_FORMAT}"])
    users = slurm_read(config, [*show, "user", *where, f"format={reconcile.USER_FORMAT}"])
    return reconcile.Cluster(reconcile.read_state(assoc, accounts), reconcile.read_defaults(users))


def apply_action(config: Config, action: reconcile.Action) -> Outcome:
    command = action.command(config.sacctmgr, config.slurm_cluster)
    if config.dry_run:
        return Outcome(action, command, "planned")
    argv = [config.sacctmgr, "-i", *action.argv(config.slurm_cluster)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=config.timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Outcome(action, command, "failed", str(error))
    message = (done.stdout + done.stderr).strip()
    if done.returncode == 0:
        return Outcome(action, command, "applied", message)
    if any(marker in message for marker in ALREADY_DONE):
        return Outcome(action, command, "unchanged", message)
    return Outcome(action, command, "failed", message or f"exit status {done.returncode}")


def provision(config: Config, portal: Portal, out=sys.stdout) -> RunResult:
    body = fetch_desired(portal, config.state_dir)
    prefix = body.get("prefix") or reconcile.DEFAULT_PREFIX
    desired = desired_accounts(body)
    result = RunResult(prefix=prefix)
    current = read_current(config)
    for action in reconcile.plan(desired, current.accounts, prefix, current.defaults):
        outcome = apply_action(config, action)
        result.outcomes.append(outcome)
        if config.dry_run:
            print(outcome.command, file=out)
    after = read_current(config)
    result.drift = reconcile.plan(desired, after.accounts, prefix, after.defaults)
    if not config.dry_run:
        portal.request(
            "POST",
            portal.cluster_path("provisioning-reports"),
            {
                "version": body.get("version", ""),
                "agent_version": VERSION,
                "actions": [outcome.as_report() for outcome in result.outcomes],
                "drift": [
                    {"kind": a.kind, "account": a.account, "user": a.user, "command": a.command(config.sacctmgr)}
                    for a in result.drift
                ],
                "accounts": sorted(name for name in after.accounts if reconcile.owned(name, prefix)),
            },
        )
    return result


# --- usage ----------------------------------------------------------------------------------------------------------


def sacct_records(config: Config, since: str, until: str, prefix: str) -> list[dict]:
    """Finished allocations of the portal's accounts that ran in ``[since, until]`` (cluster local time)."""
    argv = [config.sacct, "-a", "-X", "-P", "-n", "--noconvert", "-S", since, "-E", until, f"--format={SACCT_FIELDS}"]
    if config.slurm_cluster:
        argv += ["-M", config.slurm_cluster]
    names = SACCT_FIELDS.split(",")
    records = []
    for line in slurm_read(config, argv):
        fields = dict(zip(names, line.split("|"), strict=False))
        if len(fields) != len(names) or not fields["Account"].lower().startswith(prefix):
            continue
        if fields["End"] in ("Unknown", "None", "") or fields["Start"] in ("Unknown", "None", ""):
            continue
        records.append(
            {
                "job_id": fields["JobID"],
                "account": fields["Account"],
                "user": fields["User"],
                "start": fields["Start"],
                "end": fields["End"],
                "elapsed": fields["Elapsed"],
                "alloc_tres": fields["AllocTRES"],
                "partition": fields["Partition"],
                "state": fields["State"].split(" ", 1)[0],
            }
        )
    return records


def push_usage(config: Config, portal: Portal, prefix: str, now: dt.datetime | None = None) -> int:
    """Send the jobs since the portal's cursor, then move the cursor to the end of the window."""
    _status, _headers, cursor = portal.request("GET", portal.cluster_path("usage-cursor"))
    until = (now or dt.datetime.now()).replace(microsecond=0).isoformat()  # noqa: DTZ005 (sacct speaks local time)
    records = sacct_records(config, cursor["since"], until, prefix)
    if config.dry_run:
        return len(records)
    for start in range(0, len(records), PUSH_BATCH):
        portal.request("POST", "usage/records/", {"records": records[start : start + PUSH_BATCH]})
    # Only once every batch is in: a run stopped before this point sends the same window again.
    portal.request("POST", portal.cluster_path("usage-cursor"), {"until": until})
    return len(records)


def run(config: Config, out=sys.stdout) -> int:
    """One run; the exit status: 0 converged, 1 some action failed, 3 the portal or Slurm could not be used."""
    portal = Portal(config)
    for warning in config_warnings(config):
        print(f"gap-site-agent: warning: {warning}", file=sys.stderr)
    try:
        result = provision(config, portal, out)
        result.pushed = push_usage(config, portal, result.prefix)
    except (PortalError, SlurmError) as error:
        print(f"gap-site-agent: {error}", file=sys.stderr)
        return 3
    for outcome in result.outcomes:
        if outcome.status == "failed":
            print(f"gap-site-agent: failed: {outcome.command}: {outcome.message}", file=sys.stderr)
    verb = "would push" if config.dry_run else "pushed"
    print(
        f"gap-site-agent: {len(result.outcomes)} action(s), {len(result.drift)} left, {verb} {result.pushed} job(s)",
        file=out,
    )
    return 1 if result.failed else 0


def main(argv: list[str] | None = None) -> int:
    from site_agent.config import ConfigError, load

    try:
        config = load(argv if argv is not None else sys.argv[1:], os.environ)
    except ConfigError as error:
        print(f"gap-site-agent: {error}", file=sys.stderr)
        return 2
    return run(config)
