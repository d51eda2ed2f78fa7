"""Checks of the cluster's Slurm configuration that the portal's limits rely on (pure: the agent reads
``scontrol show config`` and passes its lines here).

The GPU limit the agent sets, ``GrpTRESMins=gres/gpu=N``, is the minutes granted so far, and Slurm compares it
with the usage it has accumulated on the association. Slurm decays that usage by ``PriorityDecayHalfLife`` and
clears it every ``PriorityUsageResetPeriod``: with either in force, members regain minutes and can use more than
their grant. The cluster must therefore run with ``PriorityDecayHalfLife=0`` and ``PriorityUsageResetPeriod=NONE``.
"""

from __future__ import annotations

from pathlib import Path

NO_DECAY = ("00:00:00", "0", "0-00:00:00")


def parse_config(lines: list[str]) -> dict[str, str]:
    """``scontrol show config`` lines ("Name = value") as a dict."""
    values = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values


def usage_decay_warnings(config: dict[str, str]) -> list[str]:
    """What in the configuration lets members use more than their grant (empty when nothing does)."""
    warnings = []
    half_life = config.get("PriorityDecayHalfLife")
    if half_life is not None and half_life not in NO_DECAY:
        warnings.append(
            f"PriorityDecayHalfLife = {half_life}: Slurm decays the usage that GrpTRESMins is compared with, so "
            "members regain GPU minutes beyond their grant; set PriorityDecayHalfLife=0"
        )
    reset = config.get("PriorityUsageResetPeriod")
    if reset is not None and reset.upper() != "NONE":
        warnings.append(
            f"PriorityUsageResetPeriod = {reset}: Slurm clears the usage that GrpTRESMins is compared with; set "
            "PriorityUsageResetPeriod=NONE"
        )
    return warnings


def scontrol_for(sacctmgr: str) -> str:
    """``scontrol`` beside the configured ``sacctmgr`` (or on the PATH when sacctmgr is given by name)."""
    path = Path(sacctmgr)
    return str(path.with_name("scontrol")) if path.parent != Path() else "scontrol"
