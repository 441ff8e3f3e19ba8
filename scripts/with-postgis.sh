#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 + PostGIS 3 server.
#
#   scripts/with-postgis.sh <command> [args...]
#   scripts/with-postgis.sh psql -c 'select postgis_full_version()'
#
# Installs postgresql-15, postgresql-15-postgis-3 and gdal-bin when missing, creates a cluster in a temporary
# directory (owned by the `postgres` user when run as root: initdb refuses root), starts it on a free TCP port
# of 127.0.0.1 with durability switched off and memory sized for a 2-core 24 GB machine, creates the database
# `thuadat` with PostGIS, exports DATABASE_URL, PGHOST, PGPORT, PGUSER and PGDATABASE, runs the command, and
# removes the cluster on the way out (success, failure, Ctrl-C or TERM). Exits with the command's exit code;
# exits non-zero, with the server log, when the server cannot be set up.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

say() { echo "with-postgis: $*" >&2; }

# --- packages (idempotent) ---------------------------------------------------------------------------------
"$(dirname "$0")/apt-install.sh" postgresql-15 postgresql-15-postgis-3 gdal-bin

pgbin=/usr/lib/postgresql/15/bin
for tool in initdb pg_ctl postgres; do
  [ -x "$pgbin/$tool" ] || { say "$pgbin/$tool not found"; exit 1; }
done
command -v psql >/dev/null || { say "psql not found"; exit 1; }

# --- who runs the server -----------------------------------------------------------------------------------
# Root: the `postgres` user (initdb and postgres refuse to run as root). Anyone else: themselves.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { say "running as root but there is no 'postgres' user"; exit 1; }
  as_pg() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  as_pg() { "$@"; }
  owner=$(id -un)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-postgis.XXXXXX")
pgdata="$tmp/data"
log="$tmp/server.log"
started=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$started" ]; then
    (cd "$tmp" && as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1) \
      || say "could not stop the server in $pgdata"
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail() {
  say "$*"
  if [ -s "$log" ]; then
    say "server log:"
    tail -n 40 "$log" >&2
  fi
  exit 1
}

chown "$owner" "$tmp"
chmod 700 "$tmp"

# --- cluster -----------------------------------------------------------------------------------------------
if ! (cd "$tmp" && LC_ALL=C.UTF-8 as_pg "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 \
  --locale=C.UTF-8 --no-sync --no-instructions >"$tmp/initdb.log" 2>&1); then
  cat "$tmp/initdb.log" >&2
  fail "initdb failed"
fi

cat >>"$pgdata/postgresql.conf" <<EOF

# --- with-postgis.sh: throwaway benchmark server (2 cores, 24 GB) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
checkpoint_timeout = 30min
shared_buffers = 2GB
work_mem = 256MB
maintenance_work_mem = 1GB
effective_cache_size = 12GB
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
random_page_cost = 1.1
jit = off
logging_collector = off
log_min_messages = warning
EOF

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' \
      && return
  fi
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  return 1
}

# A free port can be taken between the probe and the start: try a few.
port=""
for attempt in 1 2 3 4 5; do
  port=$(free_port) || fail "no free TCP port found on 127.0.0.1"
  : >"$log"
  chown "$owner" "$log"
  if (cd "$tmp" && as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>&1); then
    started=1
    break
  fi
  # pg_ctl may have left a half-started postmaster behind.
  (cd "$tmp" && as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1) || true
  grep -q "could not bind\|Address already in use" "$log" || fail "the PostgreSQL server did not start"
  port=""
done
[ -n "$started" ] || fail "the PostgreSQL server did not start: no usable port after 5 attempts"

export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGDATABASE=thuadat
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/thuadat"
unset PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE 2>/dev/null || true

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE thuadat' >/dev/null 2>"$tmp/setup.err" \
  || { cat "$tmp/setup.err" >&2; fail "could not create database thuadat"; }
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION postgis' >/dev/null 2>"$tmp/setup.err" \
  || { cat "$tmp/setup.err" >&2; fail "could not create extension postgis"; }

# --- the command -------------------------------------------------------------------------------------------
set +e
"$@"
rc=$?
set -e
exit "$rc"
