#!/usr/bin/env bash
# The local stack: PostgreSQL 15 + kafka-dev-broker + the four services, state under .run/.
#   scripts/stack.sh up       build if needed, start everything, wait until ready
#   scripts/stack.sh down     stop everything (services first, then broker, then PostgreSQL)
#   scripts/stack.sh status   what is running
# Ports: gateway 8080, eventgen 8081, transformer 8082, kpi-api 8083, PostgreSQL 5433,
# broker control API 8090 (each overridable: GATEWAY_PORT, PG_PORT, ...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export_database_url

case "${1:-}" in
  up)
    ensure_packages
    build
    pg_start
    broker_start
    retire_warehouse_of_previous_broker
    migrate
    services_start
    log "stack is up: KAFKA_BROKERS=$KAFKA_BROKERS DATABASE_URL=$DATABASE_URL"
    ;;
  down)
    services_stop
    broker_stop
    pg_stop
    ;;
  status)
    for s in kafka-dev-broker eventgen ingest-gateway transformer kpi-api; do
      if [ -f "$RUN_DIR/$s.pid" ] && kill -0 "$(cat "$RUN_DIR/$s.pid")" 2>/dev/null; then
        echo "$s: running (pid $(cat "$RUN_DIR/$s.pid"))"
      else
        echo "$s: stopped"
      fi
    done
    as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/pgdata" status >/dev/null 2>&1 \
      && echo "postgresql: running on port $PG_PORT" || echo "postgresql: stopped"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
