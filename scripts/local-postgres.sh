#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's package: data in .run/postgres, port 55432,
# user and database "portcullis". Usage: scripts/local-postgres.sh start|stop|url
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT="${PORTCULLIS_TEST_PGPORT:-55432}"
DATA="$PWD/.run/postgres"
URL="postgresql+asyncpg://portcullis:portcullis@127.0.0.1:${PGPORT}/portcullis"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -n "$bindir" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
    if [ -f "$DATA/postmaster.pid" ] && as_postgres "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "postgres already running on 127.0.0.1:$PGPORT"; exit 0
    fi
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    if [ ! -f "$DATA/PG_VERSION" ]; then
      pwfile=$(mktemp); echo portcullis > "$pwfile"; chmod 644 "$pwfile"
      as_postgres "$bindir/initdb" -D "$DATA" -U portcullis --pwfile="$pwfile" -A scram-sha-256 >/dev/null
      rm -f "$pwfile"
    fi
    as_postgres "$bindir/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k /tmp -c fsync=off" start >/dev/null
    PGPASSWORD=portcullis psql -h 127.0.0.1 -p "$PGPORT" -U portcullis -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='portcullis'" | grep -q 1 ||
      PGPASSWORD=portcullis psql -h 127.0.0.1 -p "$PGPORT" -U portcullis -d postgres -qc "CREATE DATABASE portcullis"
    echo "postgres running on 127.0.0.1:$PGPORT"
    ;;
  stop)
    if [ -n "$bindir" ] && [ -f "$DATA/postmaster.pid" ]; then
      as_postgres "$bindir/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && echo "postgres stopped"
    fi
    ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
