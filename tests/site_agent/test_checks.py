"""The agent's check of the Slurm settings its GPU limits rely on: no decay and no reset of association usage."""

import shutil

import pytest

from site_agent import agent, checks
from site_agent.config import Config

DEFAULTS = """Configuration data as of 2026-12-07T10:00:00
PriorityDecayHalfLife   = 7-00:00:00
PriorityType            = priority/multifactor
PriorityUsageResetPeriod = NONE
SchedulerParameters     = sched_interval=5,bf_interval=5
"""


def test_slurms_default_decay_is_named_with_its_fix():
    (warning,) = checks.usage_decay_warnings(checks.parse_config(DEFAULTS.splitlines()))
    assert "PriorityDecayHalfLife = 7-00:00:00" in warning and "set PriorityDecayHalfLife=0" in warning


def test_a_usage_reset_is_named_too():
    config = {"PriorityDecayHalfLife": "00:00:00", "PriorityUsageResetPeriod": "QUARTERLY"}
    (warning,) = checks.usage_decay_warnings(config)
    assert "PriorityUsageResetPeriod = QUARTERLY" in warning


def test_no_decay_and_no_reset_give_no_warning():
    assert checks.usage_decay_warnings({"PriorityDecayHalfLife": "00:00:00", "PriorityUsageResetPeriod": "NONE"}) == []


def test_scontrol_is_found_beside_sacctmgr():
    assert checks.scontrol_for("/opt/slurm/bin/sacctmgr") == "/opt/slurm/bin/scontrol"
    assert checks.scontrol_for("sacctmgr") == "scontrol"


def test_a_missing_scontrol_is_a_warning_not_a_crash(tmp_path):
    missing = str(tmp_path / "sacctmgr")
    config = Config(portal_url="https://portal.example.eu", cluster="leo", token="t", sacctmgr=missing)
    (warning,) = agent.config_warnings(config)
    assert warning.startswith("could not check the Slurm configuration")


@pytest.mark.slurm
def test_the_testbed_keeps_association_usage_as_the_limits_need():
    config = Config(portal_url="http://127.0.0.1", cluster="gapcluster", token="t", sacctmgr=shutil.which("sacctmgr"))
    assert agent.config_warnings(config) == []
