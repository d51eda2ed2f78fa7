"""The agent's settings: command-line options over environment variables over an INI file.

    [agent]
    portal_url = https://portal.example.eu
    cluster = leonardo              # the cluster's name in the portal
    token_file = /etc/gap-site-agent/token
    sacctmgr = /usr/bin/sacctmgr
    sacct = /usr/bin/sacct
    slurm_cluster =                 # Slurm's ClusterName when slurmdbd serves several clusters
    state_dir = /var/lib/gap-site-agent
    dry_run = false
    timeout = 60

Environment: GAP_PORTAL_URL, GAP_CLUSTER, GAP_CLUSTER_TOKEN (or GAP_CLUSTER_TOKEN_FILE), GAP_SACCTMGR, GAP_SACCT,
GAP_SLURM_CLUSTER, GAP_STATE_DIR, GAP_DRY_RUN, GAP_TIMEOUT.
"""

from __future__ import annotations

import argparse
import configparser
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KEYS = ("portal_url", "cluster", "token", "token_file", "sacctmgr", "sacct", "slurm_cluster", "state_dir", "dry_run")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    portal_url: str
    cluster: str
    token: str
    sacctmgr: str = "sacctmgr"
    sacct: str = "sacct"
    slurm_cluster: str = ""
    state_dir: Path | None = None
    dry_run: bool = False
    timeout: float = 60.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gap-site-agent",
        description="Provision the portal's Slurm accounts on this cluster and push its usage (one run).",
    )
    p.add_argument("--config", help="INI file with an [agent] section")
    p.add_argument("--dry-run", action="store_true", default=None, help="print the sacctmgr commands, change nothing")
    for key in ("portal_url", "cluster", "token_file", "sacctmgr", "sacct", "slurm_cluster", "state_dir"):
        p.add_argument("--" + key.replace("_", "-"), dest=key)
    return p


def _flag(value: str, name: str) -> bool:
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def load(argv: list[str], environ: Mapping[str, str]) -> Config:
    args = parser().parse_args(argv)
    values: dict[str, str] = {}
    config_path = args.config or environ.get("GAP_AGENT_CONFIG")
    if config_path:
        ini = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
        if not ini.read(config_path):
            raise ConfigError(f"cannot read the configuration file {config_path}")
        if ini.has_section("agent"):
            values.update({key: value for key, value in ini.items("agent") if value.strip()})
    for key in (*KEYS, "timeout"):
        env_name = "GAP_CLUSTER_TOKEN" if key == "token" else "GAP_CLUSTER_TOKEN_FILE" if key == "token_file" else None
        env_value = environ.get(env_name or "GAP_" + key.upper())
        if env_value:
            values[key] = env_value
    for key, value in vars(args).items():
        if key != "config" and value is not None:
            values[key] = "true" if value is True else value
    if "token" not in values and values.get("token_file"):
        try:
            values["token"] = Path(values["token_file"]).read_text().strip()
        except OSError as error:
            raise ConfigError(f"cannot read the token file: {error}") from None
    missing = [key for key in ("portal_url", "cluster", "token") if not values.get(key)]
    if missing:
        raise ConfigError("missing setting(s): " + ", ".join(missing) + " (see gap-site-agent --help)")
    if not values["portal_url"].startswith(("https://", "http://")):
        raise ConfigError("portal_url must start with https://")
    try:
        timeout = float(values.get("timeout", 60))
    except ValueError:
        raise ConfigError("timeout must be a number of seconds") from None
    return Config(
        portal_url=values["portal_url"],
        cluster=values["cluster"],
        token=values["token"],
        sacctmgr=values.get("sacctmgr", "sacctmgr"),
        sacct=values.get("sacct", "sacct"),
        slurm_cluster=values.get("slurm_cluster", ""),
        state_dir=Path(values["state_dir"]) if values.get("state_dir") else None,
        dry_run=_flag(values.get("dry_run", "false"), "dry_run"),
        timeout=timeout,
    )
