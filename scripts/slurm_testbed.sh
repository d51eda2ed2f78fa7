#!/usr/bin/env bash
# A single-node Slurm with accounting for the tests marked `slurm` (the site agent and its end-to-end test).
#
#   scripts/slurm_testbed.sh start    install Debian's packages if missing, then start munged, slurmdbd, slurmctld
#                                     and slurmd (idempotent: what already runs is left alone)
#   scripts/slurm_testbed.sh stop     stop the four daemons (idempotent)
#   scripts/slurm_testbed.sh status   exit 0 when the cluster answers and its node is usable, 1 otherwise
#   scripts/slurm_testbed.sh env      print `export SLURM_CONF=...` for the client commands
#
# Needs root. Everything lives under $GAP_SLURM_DIR (default /var/lib/gap-slurm): configuration, state, spool,
# logs, pid files and 8 dummy GPU device files. Accounting goes to the machine's MariaDB (127.0.0.1:3306, root
# without password) in the database `gap_slurm_acct` owned by the user `gap_slurm`. The daemons are started
# directly, never through systemd or init scripts. /etc/slurm/slurm.conf is made a link to the testbed's file
# when it does not exist, so that `sbatch` run as any Linux user finds the cluster; a real configuration there is
# never replaced (use `eval "$(scripts/slurm_testbed.sh env)"` then).
set -euo pipefail

DIR="${GAP_SLURM_DIR:-/var/lib/gap-slurm}"
ETC="$DIR/etc"
CLUSTER="${GAP_SLURM_CLUSTER:-gapcluster}"
DB_NAME=gap_slurm_acct
DB_USER=gap_slurm
MYSQL=(mysql --protocol=tcp -h 127.0.0.1 -P 3306 -u root)
PACKAGES=(slurmctld slurmd slurmdbd slurm-client munge)
export SLURM_CONF="$ETC/slurm.conf"

log() { echo "slurm-testbed: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() {  # wait_until <seconds> <description> <command...>
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$what did not come up within ${limit} s; see $DIR/log/"
      tail -n 20 "$DIR"/log/*.log >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
}

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local started
  started="$(now)"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  echo "slurm-testbed: installed packages in $(since "$started") s"
}

node_name() { hostname -s; }

write_config() {
  local node
  node="$(node_name)"
  mkdir -p "$ETC" "$DIR/ctld" "$DIR/spool" "$DIR/log" "$DIR/run" "$DIR/dev"
  chown slurm:slurm "$DIR/ctld" "$DIR/log" "$DIR/run"
  for n in 0 1 2 3 4 5 6 7; do
    # Slurm 22.05 drops a GPU without a device file (the node goes INVAL); distinct dummy character devices do.
    [ -c "$DIR/dev/gpu$n" ] || mknod "$DIR/dev/gpu$n" c 120 "$n"  # 120: a major for local/experimental use
  done
  if ! getent hosts "$node" >/dev/null; then
    echo "127.0.0.1 $node" >>/etc/hosts
  fi
  # CPU topology as slurmd sees it, memory without its last percent (the node is refused if it reports less).
  local topology
  topology="$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ RealMemory=.*//')"
  local previous=""
  [ -f "$ETC/slurm.conf" ] && previous="$(cat "$ETC/slurm.conf")"
  cat >"$ETC/slurm.conf" <<EOF
# Written by scripts/slurm_testbed.sh: a single-node test cluster with accounting.
ClusterName=$CLUSTER
SlurmctldHost=$node(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ReturnToService=2
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStorageTRES=gres/gpu
AccountingStorageEnforce=associations,limits,safe
PriorityType=priority/multifactor
# The portal's GPU limit is the minutes granted so far, compared with the association's usage: Slurm must neither
# decay that usage nor reset it (README, "Connect a cluster").
PriorityDecayHalfLife=0
PriorityUsageResetPeriod=NONE
SchedulerParameters=sched_interval=5,bf_interval=5
MinJobAge=300
KillWait=5
InactiveLimit=0
NodeName=$node NodeAddr=127.0.0.1 $topology RealMemory=1024 Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  if [ -n "$previous" ] && [ "$previous" != "$(cat "$ETC/slurm.conf")" ]; then
    CONFIG_CHANGED=1
  fi
  cat >"$ETC/gres.conf" <<EOF
NodeName=$node Name=gpu File=$DIR/dev/gpu[0-7]
EOF
  local password_file="$DIR/db_password"
  if [ ! -s "$password_file" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$password_file")
  fi
  local password
  password="$(cat "$password_file")"
  (umask 077 && cat >"$ETC/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=slurm
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3306
StorageUser=$DB_USER
StoragePass=$password
StorageLoc=$DB_NAME
EOF
  )
  chown slurm:slurm "$ETC/slurmdbd.conf"
  chmod 0600 "$ETC/slurmdbd.conf"
  "${MYSQL[@]}" <<EOF
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$password';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
EOF
  if [ ! -e /etc/slurm/slurm.conf ]; then
    mkdir -p /etc/slurm
    ln -s "$ETC/slurm.conf" /etc/slurm/slurm.conf
  fi
}

start_munge() {
  pgrep -u munge -x munged >/dev/null && return 0
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  wait_until 10 munged munge -n
}

node_usable() {
  local state
  state="$(sinfo -h -N -n "$(node_name)" -o %T 2>/dev/null | head -n 1)"
  case "$state" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac
}

start() {
  [ "$(id -u)" -eq 0 ] || { log "run me as root"; exit 1; }
  install_packages
  local started
  started="$(now)"
  listening 3306 || { log "MariaDB does not listen on 127.0.0.1:3306"; exit 1; }
  CONFIG_CHANGED=0
  write_config
  if [ "$CONFIG_CHANGED" = 1 ]; then
    log "slurm.conf changed: restarting slurmctld and slurmd"
    stop_daemon "$DIR/run/slurmd.pid" slurmd
    stop_daemon "$DIR/run/slurmctld.pid" slurmctld
  fi
  start_munge
  if ! running "$DIR/run/slurmdbd.pid"; then
    slurmdbd
  fi
  wait_until 30 slurmdbd listening 6819
  if ! running "$DIR/run/slurmctld.pid"; then
    slurmctld
  fi
  wait_until 30 slurmctld scontrol ping
  if ! running "$DIR/run/slurmd.pid"; then
    slurmd
  fi
  wait_until 30 "node $(node_name)" node_usable
  # slurmctld registers the cluster with slurmdbd when it starts; wait until accounting knows it.
  wait_until 30 "cluster $CLUSTER in accounting" bash -c "sacctmgr -n -P show cluster format=cluster | grep -qx '$CLUSTER'"
  echo "slurm-testbed: cluster $CLUSTER up in $(since "$started") s (SLURM_CONF=$SLURM_CONF)"
}

stop_daemon() {  # stop_daemon <pid file> <name>
  local pidfile="$1" name="$2"
  running "$pidfile" || return 0
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name ($pid) did not stop in 10 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  local started
  started="$(now)"
  stop_daemon "$DIR/run/slurmd.pid" slurmd
  stop_daemon "$DIR/run/slurmctld.pid" slurmctld
  stop_daemon "$DIR/run/slurmdbd.pid" slurmdbd
  stop_daemon /run/munge/munged.pid munged
  echo "slurm-testbed: stopped in $(since "$started") s"
}

status() {
  if command -v scontrol >/dev/null && [ -r "$SLURM_CONF" ] && scontrol ping >/dev/null 2>&1 && node_usable \
    && listening 6819; then
    echo "slurm-testbed: cluster $CLUSTER running (SLURM_CONF=$SLURM_CONF)"
    return 0
  fi
  echo "slurm-testbed: not running"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$SLURM_CONF" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
