#!/usr/bin/env bash
# The local stack: PostgreSQL 15 + kafka-dev-broker + the four services, state under .run/.
#   scripts/stack.sh up       build if needed, start everything, wait until ready
#   scripts/stack.sh down     stop everything (services first, then broker, then PostgreSQL)
#   scripts/stack.sh status   what is up (alive and answering /healthz); exit 1 if anything is not
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
    # A service is up when its process is alive AND its /healthz answers 200.
    down=0
    for s in kafka-dev-broker eventgen ingest-gateway transformer kpi-api; do
      url="http://127.0.0.1:$(service_port "$s")/healthz"
      if pid="$(running_pid "$s")"; then
        code="$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url" || true)"
        if [ "$code" = 200 ]; then
          echo "$s: up (pid $pid, $url answers 200)"
        else
          [ "${code:-000}" = 000 ] && code="no answer" || code="HTTP $code"
          echo "$s: DOWN: pid $pid is alive but $url does not answer ($code); see $RUN_DIR/logs/$s.log"
          down=1
        fi
      elif [ -f "$RUN_DIR/$s.pid" ]; then
        echo "$s: DOWN: its process (pid $(cat "$RUN_DIR/$s.pid")) has exited; see $RUN_DIR/logs/$s.log"
        down=1
      else
        echo "$s: stopped"
        down=1
      fi
    done
    if as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/pgdata" status >/dev/null 2>&1; then
      if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2; then
        echo "postgresql: up on port $PG_PORT"
      else
        echo "postgresql: DOWN: running but not accepting connections on port $PG_PORT"
        down=1
      fi
    else
      echo "postgresql: stopped"
      down=1
    fi
    exit "$down"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
