#!/bin/sh
# Run the whole test suite twice: on SQLite, then on a real PostgreSQL server. Both runs use a
# real Redis server for the cache tests. PostgreSQL and Redis are throwaway servers on
# loopback (scripts/services.sh), installed with apt-get when absent, stopped and deleted at
# the end. Installs what the tests need (packages, Debian's Chromium); extra arguments go to
# pytest, e.g. `sh scripts/test.sh tests/test_cache.py -x`.
# A function: in POSIX sh a sourced file sees the caller's arguments, here "test,postgres".
bootstrap() { . "$(dirname "$0")/bootstrap.sh"; }
bootstrap test,postgres
[ -x /usr/bin/chromium ] || apt_install chromium

work=$(mktemp -d)
trap 'sh scripts/services.sh stop "$work/postgres"; sh scripts/services.sh stop "$work/redis"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
TEST_REDIS_URL=$(sh scripts/services.sh redis "$work/redis")
export TEST_REDIS_URL
postgres_url=$(sh scripts/services.sh postgres "$work/postgres")

echo "== SQLite" >&2
sqlite_status=0
python -m pytest "$@" || sqlite_status=$?

echo "== PostgreSQL ($postgres_url)" >&2
postgres_status=0
DATABASE_URL=$postgres_url python -m pytest "$@" || postgres_status=$?

echo "== SQLite: $( [ $sqlite_status = 0 ] && echo passed || echo FAILED ), PostgreSQL: $( [ $postgres_status = 0 ] && echo passed || echo FAILED )" >&2
[ $sqlite_status = 0 ] && [ $postgres_status = 0 ]
