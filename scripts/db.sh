#!/usr/bin/env bash
# Provision the project's own PostgreSQL + PostGIS server for development and tests.
#
#   scripts/db.sh start [DBNAME...]   start (creating if needed) the server; create DBNAMEs
#   scripts/db.sh stop                stop it
#   scripts/db.sh status              say whether it runs
#   scripts/db.sh replica-start       start (creating if needed) a streaming replica of it
#   scripts/db.sh replica-stop        stop the replica (the tests stop it to fail it over)
#
# With APP_DATABASE_URL set, the database is the user's: nothing is provisioned.
# As root: a Debian cluster (pg_createcluster/pg_ctlcluster; initdb refuses root), installing
# postgresql, PostGIS, pgRouting, osm2pgsql and osmium-tool with apt-get when missing. As another user: initdb into .pgdata/.
# Re-running is idempotent and takes well under a second when the server is up.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${JOBMAP_PG_PORT:-5439}
CLUSTER=${JOBMAP_PG_CLUSTER:-jobmap}
# The read replica (docs/scaling.md): a hot standby streaming from the server above.
REPLICA_PORT=${JOBMAP_PG_REPLICA_PORT:-5440}
REPLICA_CLUSTER=${CLUSTER}_replica
ROLE=jobmap
PASSWORD=jobmap
LOCAL_DATA="$ROOT/.pgdata"

say() { printf 'db: %s\n' "$*" >&2; }
STARTED=$EPOCHREALTIME
# Seconds since the script started, for the stages a first run spends minutes on.
elapsed() { awk -v a="$STARTED" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }
die() { say "$*"; exit 1; }

newest_major() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && basename "$(dirname "$(dirname "$dir")")"
}

install_packages() {  # root only
    local major
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$(newest_major)" ]; then
        say "installing postgresql with apt-get"
        apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    fi
    major=$(newest_major)
    local missing=()
    [ -f "/usr/share/postgresql/$major/extension/postgis.control" ] || missing+=("postgresql-$major-postgis-3")
    # pgRouting: the street network's routing (migration 0015 creates the extension).
    [ -f "/usr/share/postgresql/$major/extension/pgrouting.control" ] || missing+=("postgresql-$major-pgrouting")
    # `jobmap osm load`: osm2pgsql imports an extract, osmium clips it to the province.
    command -v osm2pgsql >/dev/null 2>&1 || missing+=(osm2pgsql)
    command -v osmium >/dev/null 2>&1 || missing+=(osmium-tool)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} with apt-get"
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    fi
}

require_packages() {  # non-root: say exactly what is missing
    local major
    major=$(newest_major)
    [ -n "$major" ] || die "PostgreSQL is not installed. Run: sudo apt-get install postgresql postgresql-15-postgis-3 (use your PostgreSQL major version), or set APP_DATABASE_URL."
    [ -f "/usr/share/postgresql/$major/extension/postgis.control" ] \
        || die "PostGIS is not installed for PostgreSQL $major. Run: sudo apt-get install postgresql-$major-postgis-3, or set APP_DATABASE_URL."
    [ -f "/usr/share/postgresql/$major/extension/pgrouting.control" ] \
        || die "pgRouting is not installed for PostgreSQL $major. Run: sudo apt-get install postgresql-$major-pgrouting, or set APP_DATABASE_URL."
    command -v osm2pgsql >/dev/null 2>&1 && command -v osmium >/dev/null 2>&1 \
        || say "to load streets (jobmap osm load): sudo apt-get install osm2pgsql osmium-tool"
}

wait_ready() {
    local bin=$1 port=${2:-$PORT} i
    for i in $(seq 1 60); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
        sleep 0.5
    done
    die "the server on port $port did not become ready"
}

psql_admin() {  # run SQL as a superuser of the project server
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"
    else
        PGPASSWORD=$PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres "$@"
    fi
}

start_as_root() {
    install_packages
    say "packages ready at $(elapsed)"
    local major
    major=$(pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c {print $1}' | head -n 1)
    if [ -z "$major" ]; then
        major=$(newest_major)
        say "creating cluster $major/$CLUSTER on port $PORT"
        pg_createcluster "$major" "$CLUSTER" -p "$PORT" --start-conf=manual -- \
            --encoding=UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v c="$CLUSTER" '$2 == c {print $4}' | grep -q online; then
        pg_ctlcluster --skip-systemctl-redirect "$major" "$CLUSTER" start
    fi
    wait_ready "/usr/lib/postgresql/$major/bin"
    say "cluster $major/$CLUSTER up at $(elapsed)"
    # A superuser: the first migration creates extensions (PostGIS is not a trusted extension)
    # and the tests create their own databases. This server is the project's alone.
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'" | grep -q 1 \
        || psql_admin -c "CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'"
}

start_as_user() {
    require_packages
    local bin="/usr/lib/postgresql/$(newest_major)/bin"
    if [ ! -f "$LOCAL_DATA/data/PG_VERSION" ]; then
        say "initdb into $LOCAL_DATA/data"
        mkdir -p "$LOCAL_DATA"
        printf '%s\n' "$PASSWORD" > "$LOCAL_DATA/pwfile"
        "$bin/initdb" -D "$LOCAL_DATA/data" -U "$ROLE" --pwfile="$LOCAL_DATA/pwfile" \
            --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        rm -f "$LOCAL_DATA/pwfile"
    fi
    if ! "$bin/pg_ctl" -D "$LOCAL_DATA/data" status >/dev/null 2>&1; then
        "$bin/pg_ctl" -D "$LOCAL_DATA/data" -l "$LOCAL_DATA/server.log" -w start \
            -o "-p $PORT -k $LOCAL_DATA -c listen_addresses=127.0.0.1" >/dev/null
    fi
    wait_ready "$bin"
    say "server in $LOCAL_DATA up at $(elapsed)"
}

create_databases() {
    local name
    for name in "$@"; do
        psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
            || psql_admin -c "CREATE DATABASE \"$name\" OWNER $ROLE"
    done
}

cluster_major() {  # the major version of Debian cluster $1, empty when there is none
    pg_lsclusters -h 2>/dev/null | awk -v c="$1" '$2 == c {print $1}' | head -n 1
}

# The replica streams from the primary over 127.0.0.1 as the project role (a superuser, so
# it may replicate; pg_hba's `host replication` line admits it). No replication slot: a
# replica left stopped must not fill the primary's disk with WAL kept for it. One that fell
# too far behind to catch up is made again from a new base backup.
base_backup() {  # into $1, as whoever runs the server
    local bin="/usr/lib/postgresql/$(newest_major)/bin" as=()
    [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
    say "base backup of the server on $PORT into $1"
    "${as[@]}" env PGPASSWORD=$PASSWORD "$bin/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U "$ROLE" \
        -D "$1" -R -X stream -c fast
}

replica_data() {
    if [ "$(id -u)" = 0 ]; then
        echo "/var/lib/postgresql/$(cluster_major "$REPLICA_CLUSTER")/$REPLICA_CLUSTER"
    else
        echo "$LOCAL_DATA/replica"
    fi
}

replica_up() {  # start the replica; false when it does not come up
    local bin="/usr/lib/postgresql/$(newest_major)/bin"
    if [ "$(id -u)" = 0 ]; then
        pg_lsclusters -h | awk -v c="$REPLICA_CLUSTER" '$2 == c {print $4}' | grep -q online \
            || pg_ctlcluster --skip-systemctl-redirect "$(cluster_major "$REPLICA_CLUSTER")" \
                "$REPLICA_CLUSTER" start 2>/dev/null || return 1
    else
        "$bin/pg_ctl" -D "$LOCAL_DATA/replica" status >/dev/null 2>&1 \
            || "$bin/pg_ctl" -D "$LOCAL_DATA/replica" -l "$LOCAL_DATA/replica.log" -w start \
                -o "-p $REPLICA_PORT -k $LOCAL_DATA -c listen_addresses=127.0.0.1" >/dev/null \
            || return 1
    fi
    wait_ready "$bin" "$REPLICA_PORT"
}

replica_streaming() {  # the replica receives WAL from the primary (within 15 s)
    local i
    for i in $(seq 1 30); do
        PGPASSWORD=$PASSWORD psql -X -qtA -h 127.0.0.1 -p "$REPLICA_PORT" -U "$ROLE" -d postgres \
            -c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null | grep -q streaming && return 0
        sleep 0.5
    done
    return 1
}

make_replica() {
    local data
    if [ "$(id -u)" = 0 ]; then
        if [ -z "$(cluster_major "$REPLICA_CLUSTER")" ]; then
            say "creating cluster $(newest_major)/$REPLICA_CLUSTER on port $REPLICA_PORT"
            pg_createcluster "$(newest_major)" "$REPLICA_CLUSTER" -p "$REPLICA_PORT" \
                --start-conf=manual >/dev/null
        fi
        stop_replica
    fi
    data=$(replica_data)
    rm -rf "$data"
    mkdir -p "$data" && chmod 700 "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    base_backup "$data"
}

start_replica() {
    if [ ! -f "$(replica_data)/standby.signal" ]; then
        make_replica
    fi
    if ! { replica_up && replica_streaming; }; then
        say "the replica does not stream (left behind?): making it again"
        make_replica
        replica_up && replica_streaming || die "the replica on port $REPLICA_PORT does not stream"
    fi
    say "replica of $PORT streaming on 127.0.0.1:$REPLICA_PORT at $(elapsed)"
}

stop_replica() {
    if [ "$(id -u)" = 0 ]; then
        local major
        major=$(cluster_major "$REPLICA_CLUSTER")
        [ -n "$major" ] && pg_ctlcluster --skip-systemctl-redirect "$major" "$REPLICA_CLUSTER" stop -m fast >/dev/null 2>&1 || true
    elif [ -f "$LOCAL_DATA/replica/PG_VERSION" ]; then
        "/usr/lib/postgresql/$(newest_major)/bin/pg_ctl" -D "$LOCAL_DATA/replica" stop -m fast >/dev/null 2>&1 || true
    fi
}

stop() {
    stop_replica
    if [ "$(id -u)" = 0 ]; then
        local major
        major=$(pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c {print $1}' | head -n 1)
        [ -n "$major" ] && pg_ctlcluster --skip-systemctl-redirect "$major" "$CLUSTER" stop 2>/dev/null || true
    elif [ -f "$LOCAL_DATA/data/PG_VERSION" ]; then
        "/usr/lib/postgresql/$(newest_major)/bin/pg_ctl" -D "$LOCAL_DATA/data" stop -m fast >/dev/null 2>&1 || true
    fi
    say "stopped"
}

case "${1:-}" in
    start)
        shift
        if [ -n "${APP_DATABASE_URL:-}" ]; then
            say "APP_DATABASE_URL is set: using it, provisioning nothing"
            exit 0
        fi
        if [ "$(id -u)" = 0 ]; then start_as_root; else start_as_user; fi
        create_databases "$@"
        say "PostgreSQL + PostGIS on 127.0.0.1:$PORT (role $ROLE)"
        ;;
    stop) stop ;;
    replica-start)
        [ -n "${APP_DATABASE_URL:-}" ] && { say "APP_DATABASE_URL is set: no replica"; exit 0; }
        start_replica ;;
    replica-stop) stop_replica ;;
    status)
        pg_isready -h 127.0.0.1 -p "$PORT" ;;
    *) die "usage: scripts/db.sh start [DBNAME...] | stop | status | replica-start | replica-stop" ;;
esac
