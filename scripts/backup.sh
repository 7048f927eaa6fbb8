#!/usr/bin/env bash
# Back up and restore the service's database (PostgreSQL custom format: compressed, restorable
# table by table, readable by pg_restore of the same or a newer major version).
#
#   scripts/backup.sh dump FILE [URL]      dump the database (default: $APP_DATABASE_URL)
#   scripts/backup.sh restore FILE URL     restore into URL's database: created if missing,
#                                          refused if it has tables (restore into a new one,
#                                          check it, then switch the service over)
#   scripts/backup.sh check FILE           the dump is readable: list what it holds
#
# URLs may be the service's (postgresql+asyncpg://...) or libpq's (postgresql://...).
# The restore runs in one transaction: it is complete or not there at all.
# Keep APP_PERSON_REF_SECRET with the backups: without it, placements of a person recorded
# after a restore no longer match that person's earlier records (docs/security.md).
set -euo pipefail

say() { printf 'backup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

libpq_url() { printf '%s' "${1/+asyncpg/}"; }

seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# pg_dump / pg_restore --verbose on stdin: progress by table on stderr. On a terminal one line
# that follows the tables; otherwise (cron, CI, logs) one line when the stage ends. Their
# warnings and errors pass through as they come.
progress() {
    local verb=$1 total=$2 done=0 start=$EPOCHREALTIME line table
    while IFS= read -r line; do
        case "$line" in
            *"dumping contents of table "* | *"processing data for table "*)
                done=$((done + 1))
                table=${line##*table }
                table=${table//\"/}
                if [ -t 2 ]; then
                    printf '\rbackup: %s: %d%s tables, %s s: %s\033[K' "$verb" "$done" \
                        "${total:+ of $total}" "$(seconds_since "$start")" "$table" >&2
                fi
                ;;
            *error:* | *warning:* | *ERROR* | *WARNING* | *FATAL*) printf '%s\n' "$line" >&2 ;;
        esac
    done
    if [ -t 2 ]; then printf '\n' >&2; fi
    say "$verb: $done${total:+ of $total} tables in $(seconds_since "$start") s"
}

# URL with its database replaced by `postgres` (to create the target database).
server_url() {
    local url=$1
    printf '%s' "${url%/*}/postgres"
}

database_of() {
    local url=$1 name
    name=${url##*/}
    printf '%s' "${name%%\?*}"
}

dump() {
    local file=$1 url
    url=$(libpq_url "${2:-${APP_DATABASE_URL:-}}")
    [ -n "$url" ] || die "no database: give a URL or set APP_DATABASE_URL"
    local partial="$file.partial"
    pg_dump --verbose --format=custom --compress=6 --no-owner --no-privileges \
        --file="$partial" "$url" 2>&1 | progress dump ""
    mv "$partial" "$file"  # a dump that failed half-way never looks like a backup
    say "dumped $(database_of "$url") to $file ($(du -h "$file" | cut -f1))"
}

restore() {
    local file=$1 url name server tables
    url=$(libpq_url "$2")
    name=$(database_of "$url")
    server=$(server_url "$url")
    [[ "$name" =~ ^[A-Za-z0-9_]+$ ]] || die "unexpected database name: $name"
    [ -f "$file" ] || die "no such file: $file"
    pg_restore --list "$file" >/dev/null || die "$file is not a readable dump"
    if [ "$(psql "$server" -tAc "SELECT count(*) FROM pg_database WHERE datname = '$name'")" = 0 ]; then
        psql "$server" -qc "CREATE DATABASE \"$name\"" >/dev/null
        say "created database $name"
    fi
    tables=$(psql "$url" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    [ "$tables" = 0 ] || die "$name already has $tables tables: restore into a new database"
    local total
    total=$(pg_restore --list "$file" | grep -c "TABLE DATA" || true)
    pg_restore --verbose --no-owner --no-privileges --exit-on-error --single-transaction \
        --dbname="$url" "$file" 2>&1 | progress restore "$total"
    psql "$url" -qc "ANALYZE" >/dev/null
    say "restored $file into $name"
}

case "${1:-}" in
    dump) [ $# -ge 2 ] || die "usage: $0 dump FILE [URL]"; dump "$2" "${3:-}" ;;
    restore) [ $# -eq 3 ] || die "usage: $0 restore FILE URL"; restore "$2" "$3" ;;
    check) [ $# -eq 2 ] || die "usage: $0 check FILE"; pg_restore --list "$2" ;;
    *) die "usage: $0 dump FILE [URL] | restore FILE URL | check FILE" ;;
esac
