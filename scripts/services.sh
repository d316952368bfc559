#!/bin/sh
# Throwaway PostgreSQL and Redis servers on loopback, for the tests and the benchmarks.
#   sh scripts/services.sh postgres DIR   start PostgreSQL with its data in DIR; prints its DATABASE_URL
#   sh scripts/services.sh redis DIR      start Redis with its files in DIR; prints its URL
#   sh scripts/services.sh stop DIR       stop whatever was started in DIR (then DIR can be deleted)
# Each listens on 127.0.0.1 only, on a free port, and keeps nothing after `stop`.
# Debian's postgresql and redis-server are installed with apt-get when absent.
set -eu

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "Installing Debian packages: $*" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {  # wait_for SECONDS COMMAND...: retry until COMMAND succeeds
  tries=$(($1 * 10)); shift
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || return 1; sleep 0.1
  done
}

start_postgres() {
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then
    apt_install postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  mkdir -p "$1/pgdata"
  # PostgreSQL refuses to run as root: then it runs as the postgres user Debian's package made.
  run=""
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$1"
    chmod o+x "$(dirname "$1")"  # a mktemp -d parent is root-only
    run="runuser -u postgres --"
  fi
  port=$(free_port)
  $run "$bindir/initdb" -D "$1/pgdata" -U masthead --auth=trust -E UTF8 --locale=C.UTF-8 >"$1/initdb.log" 2>&1 \
    || { cat "$1/initdb.log" >&2; exit 1; }
  # Throwaway data: durability off for speed.
  $run "$bindir/pg_ctl" -D "$1/pgdata" -l "$1/postgres.log" -w -t 30 start -o \
    "-p $port -c listen_addresses=127.0.0.1 -k $1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$1/postgres.log" >&2; exit 1; }
  echo "$bindir" >"$1/postgres.bin"
  $run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U masthead masthead
  echo "postgres://masthead@127.0.0.1:$port/masthead"
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$1"
  port=$(free_port)
  # A memory limit with an eviction policy: the page cache can never fill the machine.
  redis-server --bind 127.0.0.1 --port "$port" --dir "$1" --save "" --appendonly no \
    --maxmemory 256mb --maxmemory-policy allkeys-lru \
    --daemonize yes --pidfile "$1/redis.pid" --logfile "$1/redis.log"
  wait_for 10 redis-cli -p "$port" ping || { cat "$1/redis.log" >&2; exit 1; }
  echo "$port" >"$1/redis.port"
  echo "redis://127.0.0.1:$port/0"
}

stop() {
  if [ -f "$1/postgres.bin" ]; then
    run=""; [ "$(id -u)" = 0 ] && run="runuser -u postgres --"
    $run "$(cat "$1/postgres.bin")/pg_ctl" -D "$1/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    rm -f "$1/postgres.bin"
  fi
  if [ -f "$1/redis.pid" ]; then
    kill "$(cat "$1/redis.pid")" 2>/dev/null || true
    rm -f "$1/redis.pid"
  fi
}

case "${1:-}" in
  postgres) start_postgres "$2" ;;
  redis) start_redis "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: sh scripts/services.sh postgres|redis|stop DIR" >&2; exit 2 ;;
esac
