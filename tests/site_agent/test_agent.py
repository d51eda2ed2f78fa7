"""site_agent: configuration, and one run against the Slurm testbed with a small stand-in for the portal's API.

The portal's real API is exercised by the end-to-end test (tests/allocations/usage/test_slurm_end_to_end.py); here
the agent's own contract is checked: what it reads, the sacctmgr commands it runs, the exit codes it tolerates, the
report it sends and the ETag it keeps.
"""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from site_agent import agent
from site_agent.config import ConfigError, load
from tests.slurm import linux_user, run

ACCOUNT = "gap-2099-000001"


def test_settings_come_from_the_file_then_the_environment_then_the_options(tmp_path):
    ini = tmp_path / "agent.ini"
    ini.write_text("[agent]\nportal_url = https://portal.example.eu\ncluster = leo\nsacct = /opt/slurm/bin/sacct\n")
    token = tmp_path / "token"
    token.write_text("secret\n")

    config = load(["--config", str(ini), "--dry-run"], {"GAP_CLUSTER_TOKEN_FILE": str(token), "GAP_CLUSTER": "lumi"})

    assert (config.portal_url, config.cluster, config.token) == ("https://portal.example.eu", "lumi", "secret")
    assert (config.sacct, config.sacctmgr, config.dry_run) == ("/opt/slurm/bin/sacct", "sacctmgr", True)


def test_a_missing_setting_is_named():
    with pytest.raises(ConfigError, match="cluster, token"):
        load([], {"GAP_PORTAL_URL": "https://portal.example.eu"})
    with pytest.raises(ConfigError, match="dry_run"):
        load(
            [], {"GAP_PORTAL_URL": "https://p.eu", "GAP_CLUSTER": "c", "GAP_CLUSTER_TOKEN": "t", "GAP_DRY_RUN": "maybe"}
        )


class StandInPortal:
    """Serves one desired state with an ETag, a usage cursor, and records what the agent sends."""

    def __init__(self, desired: dict):
        self.desired = desired
        self.received: list[tuple[str, dict]] = []
        self.not_modified = 0
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=None, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                assert self.headers["Authorization"] == "Cluster key"
                if self.path.endswith("/desired-state/"):
                    if self.headers.get("If-None-Match") == '"v1"':
                        portal.not_modified += 1
                        return self._send(304)
                    return self._send(200, portal.desired, [("ETag", '"v1"')])
                return self._send(200, {"since": "2026-01-01T00:00:00"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                portal.received.append((self.path, body))
                self._send(200, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


def _assoc(account: str) -> list[str]:
    out = run("sacctmgr", "-n", "-P", "show", "assoc", f"account={account}", "format=account,user,grptresmins")
    return sorted(out.stdout.splitlines())


@pytest.fixture
def clean_account():
    yield ACCOUNT
    run("sacctmgr", "-i", "delete", "account", ACCOUNT, check=False)


@pytest.mark.slurm
def test_a_run_provisions_the_account_reports_and_a_second_run_changes_nothing(tmp_path, clean_account):
    user = linux_user("gapagent1")
    desired = {
        "version": "v1",
        "prefix": "gap-",
        "accounts": [
            {
                "name": ACCOUNT,
                "description": "Agent test",
                "organization": "Aurora",
                "gpu_minutes": 120,
                "users": [user],
            }
        ],
    }
    with StandInPortal(desired) as portal:
        config = load(
            ["--state-dir", str(tmp_path)],
            {"GAP_PORTAL_URL": portal.url, "GAP_CLUSTER": "gapcluster", "GAP_CLUSTER_TOKEN": "key"},
        )
        out = io.StringIO()
        assert agent.run(config, out) == 0
        assert _assoc(ACCOUNT) == sorted([f"{ACCOUNT}||gres/gpu=120", f"{ACCOUNT}|{user}|"])
        path, report = portal.received[0]
        assert path.endswith("/clusters/gapcluster/provisioning-reports/")
        assert [(a["kind"], a["status"]) for a in report["actions"] if a["account"] == ACCOUNT] == [
            ("add_account", "applied"),
            ("add_user", "applied"),
        ]
        assert report["drift"] == []
        pushes = [body for path, body in portal.received if path == "/api/v1/usage/records/"]
        assert all(record["account"].startswith("gap-") for push in pushes for record in push["records"])
        path, cursor = portal.received[-1]
        assert path == "/api/v1/clusters/gapcluster/usage-cursor/" and cursor["until"]
        sent = len(portal.received)

        assert agent.run(config, io.StringIO()) == 0
        assert portal.not_modified == 1
        assert not [a for a in portal.received[sent][1]["actions"] if a["account"] == ACCOUNT]


def _default_account(user: str) -> str:
    out = run("sacctmgr", "-n", "-P", "show", "user", user, "format=user,defaultaccount").stdout
    return out.strip().partition("|")[2]


@pytest.fixture
def two_grants():
    first, second = "gap-2099-000002", "gap-2099-000003"
    yield first, second
    for account in (first, second):
        run("sacctmgr", "-i", "delete", "account", account, check=False)
    run("sacctmgr", "-i", "delete", "user", "gapagent2", check=False)


@pytest.mark.slurm
def test_a_user_leaving_their_default_grant_keeps_the_other_one_as_default(two_grants):
    """Added to the first grant first, the user has it as default; when its grace period ends the agent moves the
    default to the second grant before removing the user (22.05.8 would otherwise leave no default, and later
    releases refuse the removal), so the user can still submit without -A."""
    first, second = two_grants
    user = linux_user("gapagent2")
    grant = {"description": "agent test", "organization": "aurora", "gpu_minutes": None}
    desired = {"version": "v1", "prefix": "gap-", "accounts": []}
    with StandInPortal(desired) as portal:
        env = {"GAP_PORTAL_URL": portal.url, "GAP_CLUSTER": "gapcluster", "GAP_CLUSTER_TOKEN": "key"}
        config = load([], env)  # no state directory: every run fetches the desired state afresh
        desired["accounts"] = [{"name": first, **grant, "users": [user]}, {"name": second, **grant, "users": [user]}]
        assert agent.run(config, io.StringIO()) == 0
        assert _default_account(user) == first

        desired["accounts"][0]["users"] = []  # the first grant's grace period ends
        assert agent.run(config, io.StringIO()) == 0
        report = [body for path, body in portal.received if path.endswith("/provisioning-reports/")][-1]
        ours = [a for a in report["actions"] if a["account"] in two_grants]
        assert [(a["kind"], a["account"], a["user"], a["status"]) for a in ours] == [
            ("set_default", second, user, "applied"),
            ("remove_user", first, user, "applied"),
        ]
        assert report["drift"] == []
        assert _assoc(first) == [f"{first}||"]
        assert _assoc(second) == sorted([f"{second}||", f"{second}|{user}|"])
        assert _default_account(user) == second
        assert run("sbatch", "--test-only", "--wrap", "true", user=user, check=False).returncode == 0

        del desired["accounts"][0]  # and after retention its account goes
        assert agent.run(config, io.StringIO()) == 0
        assert _assoc(first) == []
        assert _default_account(user) == second


@pytest.mark.slurm
def test_sacctmgr_answers_for_what_is_already_done_are_not_failures(clean_account):
    from site_agent.reconcile import Action, Kind

    config = load([], {"GAP_PORTAL_URL": "http://127.0.0.1:9", "GAP_CLUSTER": "c", "GAP_CLUSTER_TOKEN": "t"})
    add = Action(Kind.ADD_ACCOUNT, ACCOUNT, description="d", organization="o")

    assert agent.apply_action(config, add).status == "applied"
    again = agent.apply_action(config, add)
    assert (again.status, again.message) == ("unchanged", "Nothing new added.")
    assert agent.apply_action(config, Action(Kind.REMOVE_USER, ACCOUNT, "nobody")).status == "unchanged"
    broken = agent.apply_action(config, Action(Kind.ADD_USER, "gap-no-such-account", "nobody"))
    assert broken.status == "failed"
    assert broken.message


def _fake_sacctmgr(tmp_path, *, assoc: list[str], accounts: list[str], users: list[str]):
    """A sacctmgr that prints the given ``show assoc``, ``show account`` and ``show user`` listings and fails on
    any write."""
    for entity, lines in (("assoc", assoc), ("account", accounts), ("user", users)):
        (tmp_path / f"{entity}.txt").write_text("".join(line + "\n" for line in lines))
    fake = tmp_path / "sacctmgr"
    fake.write_text(f'#!/bin/sh\n[ "$1" = "-i" ] && exit 99\ncat "{tmp_path}/$4.txt"\n')
    fake.chmod(0o755)
    return fake


def _dry_run(fake, sacct, desired) -> list[str]:
    with StandInPortal(desired) as portal:
        config = load(
            ["--dry-run", "--sacctmgr", str(fake), "--sacct", str(sacct)],
            {"GAP_PORTAL_URL": portal.url, "GAP_CLUSTER": "gapcluster", "GAP_CLUSTER_TOKEN": "key"},
        )
        out = io.StringIO()
        assert agent.run(config, out) == 0
        assert portal.received == []
    return out.getvalue().splitlines()


def test_dry_run_prints_the_commands_and_changes_nothing(tmp_path):
    """Without Slurm: sacctmgr is a script that prints the state and fails on any write."""
    fake = _fake_sacctmgr(
        tmp_path, assoc=["gap-2099-000009||gres/gpu=5"], accounts=["gap-2099-000009||"], users=["root|root"]
    )
    sacct = tmp_path / "sacct"
    sacct.write_text(
        "#!/bin/sh\necho '7|7|alice|gap-2099-000009|gpu|2099-01-01T00:00:00|2099-01-01T00:01:00|00:01:00|"
        "gres/gpu=1|COMPLETED'\n"
    )
    sacct.chmod(0o755)
    desired = {
        "version": "v1",
        "prefix": "gap-",
        "accounts": [{"name": "gap-2099-000009", "gpu_minutes": 60, "users": ["alice"]}],
    }

    lines = _dry_run(fake, sacct, desired)

    assert lines[:2] == [
        f"{fake} -i modify account where name=gap-2099-000009 set GrpTRESMins=gres/gpu=60",
        f"{fake} -i add user alice account=gap-2099-000009",
    ]
    assert lines[-1] == "gap-site-agent: 2 action(s), 2 left, would push 1 job(s)"


def test_dry_run_prints_the_move_of_a_default_account_before_the_removal(tmp_path):
    first, second = "gap-2099-000008", "gap-2099-000009"
    fake = _fake_sacctmgr(
        tmp_path,
        assoc=[f"{first}||", f"{first}|alice|", f"{second}||", f"{second}|alice|", "physics|bob|"],
        accounts=[f"{first}||", f"{second}||"],
        users=[f"alice|{first}", "bob|physics"],
    )
    sacct = tmp_path / "sacct"
    sacct.write_text("#!/bin/sh\n")
    sacct.chmod(0o755)
    desired = {"version": "v1", "prefix": "gap-", "accounts": [{"name": second, "users": ["alice"]}]}

    assert _dry_run(fake, sacct, desired) == [
        f"{fake} -i modify user where name=alice set DefaultAccount={second}",
        f"{fake} -i delete account where name={first}",
        "gap-site-agent: 2 action(s), 2 left, would push 0 job(s)",
    ]
