# Sourced by run.sh and tiles.sh: the view tipg serves, then both servers (2 workers each),
# stopped when the calling script exits. Needs PGHOST PGPORT PGUSER PGPASSWORD DB OUT
# OURS_PORT TIPG_PORT TIPG_VENV and the PSQL array. With DB2 set, ours also serves DB2 on
# OURS2_PORT ("ours2"): the same data in another state (issue 22: an unswept backlog in DB,
# the swept state in DB2), measured in the same run. With OURS2_TREE set too, "ours2" runs the
# code of that checkout (a git worktree with its own .venv, e.g. the commit before a
# refactoring, issue 19), on DB2, which may then be DB itself.

# Public, unexpired sites (the filter of our search), so tipg can use the same partial GiST
# index (ix_vacancy_site_public_geom) that our queries use.
"${PSQL[@]}" <<'SQL'
CREATE OR REPLACE VIEW bench_public_site AS
SELECT id, vacancy_id, positions, approximate, occupation_code, employment_type,
       salary_monthly_min, salary_monthly_max, published_at, geom
FROM vacancy_site WHERE public AND valid_through > now();
SQL

# Ours on database $1 and port $2, logging to $OUT/$3.log; more NAME=value settings may follow.
# TREE=<checkout> runs that checkout's code (from its directory, with its .venv).
# Nothing runs in the background (expiry sweep, map-expiry pass), so the data stays in its
# state, and there are no rate limits (one address sends everything).
start_ours() {
  local db=$1 port=$2 log=$3
  shift 3
  (cd "${TREE:-.}" && exec env APP_DATABASE_URL="postgresql+asyncpg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$db" \
    APP_LOG_LEVEL=WARNING APP_EXPIRY_SWEEP_INTERVAL_S=0 APP_MAP_EXPIRY_INTERVAL_S=0 \
    APP_RATE_LIMITS_ENABLED=false "$@" \
    .venv/bin/uvicorn app.main:create_app --factory --workers 2 --port "$port" \
    --no-access-log --log-level warning > "$OUT/$log.log" 2>&1) &
  PIDS+=($!)
}

start_servers() {
  PIDS=()
  trap stop_servers EXIT
  start_ours "$DB" "$OURS_PORT" ours
  # Ours again on a second database: the same data in another state.
  if [ -n "${DB2:-}" ]; then TREE=${OURS2_TREE:-.} start_ours "$DB2" "$OURS2_PORT" ours2; fi
  DATABASE_URL="postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB" \
  TIPG_DB_SCHEMAS='["public"]' TIPG_DB_TABLES='["public.bench_public_site"]' TIPG_DB_FUNCTIONS='[]' \
  TIPG_DB_SPATIAL_EXTENT=false TIPG_DB_DATETIME_EXTENT=false TIPG_MAX_FEATURES_PER_QUERY=10000 \
    "$TIPG_VENV/bin/uvicorn" tipg.main:app --workers 2 --port "$TIPG_PORT" \
    --no-access-log --log-level warning > "$OUT/tipg.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 60); do
    curl -sf "http://127.0.0.1:$OURS_PORT/readyz" > /dev/null \
      && { [ -z "${DB2:-}" ] || curl -sf "http://127.0.0.1:$OURS2_PORT/readyz" > /dev/null; } \
      && curl -sf "http://127.0.0.1:$TIPG_PORT/collections/public.bench_public_site" > /dev/null \
      && return 0
    sleep 1
  done
}

stop_servers() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
