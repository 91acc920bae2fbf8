#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL and Redis on free loopback ports.
#
#   scripts/with-services.sh <command> [args…]
#
# Installs Debian's postgresql and redis-server when missing (apt-get; root or sudo), runs
# initdb into a temporary directory (as the `postgres` user when we are root: initdb refuses
# to run as root), exports DATABASE_URL, CELERY_BROKER_URL, CELERY_RESULT_BACKEND and CACHE_URL for the
# command, and always stops both servers and removes the directory, whatever the command did.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

# shellcheck source=scripts/apt.sh
. "$(dirname "$0")/apt.sh"

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

PG_BIN=$(pg_bindir || true)
if [ -z "$PG_BIN" ]; then
  log "installing PostgreSQL (apt-get)"
  apt_install postgresql
  PG_BIN=$(pg_bindir)
fi
if ! command -v redis-server >/dev/null; then
  log "installing Redis (apt-get)"
  apt_install redis-server
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

WORK=$(mktemp -d /tmp/peixun-services.XXXXXX)
chmod 755 "$WORK"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || as_root useradd --system --home-dir "$WORK" --shell /usr/sbin/nologin postgres
  chown postgres "$WORK"
  RUN_AS=(runuser -u postgres --)
fi
REDIS_PID=""

cleanup() {
  local status=$?
  set +e
  if [ -f "$WORK/pgdata/postmaster.pid" ]; then
    "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -m immediate -w stop >/dev/null 2>&1
  fi
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; fi
  rm -rf "$WORK"
  log "stopped PostgreSQL and Redis"
  exit $status
}
trap cleanup EXIT INT TERM

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pgdata" -l "$WORK/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres peixun
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 1 50); do
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping >/dev/null
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/peixun"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$REDIS_PORT/1"
export CACHE_URL="redis://127.0.0.1:$REDIS_PORT/2"
"$@"
