#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (slurmctld + slurmd on localhost, munge
# for authentication, no cgroups, no slurmdbd), so `sfh-pipeline run --executor slurm` and
# test/slurm.test.ts run against a real Slurm. For CI and for developers; a real cluster is
# set up by its admins (see docs/slurm.md).
#
#   sudo bash scripts/slurm-local.sh          # install if missing, configure, start, wait
#   sudo bash scripts/slurm-local.sh --stop   # stop the daemons it started
#
# Idempotent: daemons already running are left alone, and the configuration is rewritten
# only when it was written by this script. It refuses to touch an /etc/slurm/slurm.conf
# written by someone else (a real cluster's).
set -euo pipefail

CONF=/etc/slurm/slurm.conf
MARK='# Written by sfh-pipeline scripts/slurm-local.sh: a one-node cluster for tests.'
STATE=/var/lib/slurm-local
LOGS=/var/log/slurm-local

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run me as root (sudo bash $0): I install packages and start daemons"

pid_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [[ ${1:-} == --stop ]]; then
  for d in slurmd slurmctld; do
    if pid_alive "/run/slurm-local/$d.pid"; then kill "$(cat "/run/slurm-local/$d.pid")" && say "stopped $d"; fi
  done
  exit 0
fi

# 1. Packages (Debian's). 'apt-get update' first: on a fresh machine the lists are empty.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# 2. munge: a key, its folders, the daemon (as the munge user, as its package intends).
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  say "creating a munge key"
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n </dev/null | unmunge >/dev/null || die "munged does not answer (see /var/log/munge/munged.log)"
fi

# 3. slurm.conf, from what slurmd sees of this machine (so the node is never drained for
#    'Low RealMemory'), with a margin of memory left to the system.
HOST=$(hostname -s)
NODE=$(slurmd -C | head -n 1)
CPUS=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$NODE")
MEM=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$NODE")
[[ -n $CPUS && -n $MEM ]] || die "cannot read CPUs and memory from 'slurmd -C': $NODE"
MEM=$((MEM > 2048 ? MEM - 1024 : MEM))
if [[ -e $CONF ]] && ! grep -qxF "$MARK" "$CONF"; then
  die "$CONF exists and was not written by me: this machine has a Slurm of its own; use it (see docs/slurm.md) or move the file away"
fi
install -d -m 0755 /etc/slurm "$STATE" "$STATE/ctld" "$STATE/d" "$LOGS" /run/slurm-local
NEW=$(mktemp)
cat >"$NEW" <<EOF
$MARK
ClusterName=local
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=/run/slurm-local/slurmctld.pid
SlurmdPidFile=/run/slurm-local/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: processes are tracked through /proc and tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
# No slurmdbd: sacct then has nothing to read, so finished jobs are also written to a
# job completion log (sacct --completion reads it) and slurmctld keeps them for
# MinJobAge seconds (scontrol show job). sfh-pipeline uses whichever answers.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.log
MinJobAge=600
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
MpiDefault=none
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
if ! cmp -s "$NEW" "$CONF" 2>/dev/null; then
  say "writing $CONF ($CPUS CPUs, $MEM MB)"
  install -m 0644 "$NEW" "$CONF"
  CHANGED=1
fi
rm -f "$NEW"

# 4. The daemons, daemonized with pid files (no systemd here). A changed configuration
#    restarts them.
start() { # name, command...
  local name=$1
  shift
  if pid_alive "/run/slurm-local/$name.pid"; then
    [[ -z ${CHANGED:-} ]] && return 0
    say "restarting $name (configuration changed)"
    kill "$(cat "/run/slurm-local/$name.pid")"
    for _ in $(seq 50); do pid_alive "/run/slurm-local/$name.pid" || break; sleep 0.1; done
  else
    say "starting $name"
  fi
  "$@" || die "$name did not start: see $LOGS/$name.log"
}
start slurmctld /usr/sbin/slurmctld
start slurmd /usr/sbin/slurmd

# 5. Wait until the node takes jobs.
for i in $(seq 120); do
  state=$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null || true)
  case $state in
    idle | mixed | allocated | completing) say "ready: node $HOST is $state"; sinfo; exit 0 ;;
    down* | drain* | fail*) scontrol update nodename="$HOST" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
die "node $HOST did not become idle in 60 s (state: ${state:-none}); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
