# Shared functions of the local stack scripts. Source it; do not run it.
# Everything lives under $RUN_DIR (git-ignored). Every function is idempotent.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${RUN_DIR:-$ROOT/.run}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
BIN_DIR="$BUILD_DIR/bin"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-5433}"
PG_DB="${PG_DB:-analytics}"
BROKER_CONTROL_PORT="${BROKER_CONTROL_PORT:-8090}"
GATEWAY_PORT="${GATEWAY_PORT:-8080}"
EVENTGEN_PORT="${EVENTGEN_PORT:-8081}"
TRANSFORMER_PORT="${TRANSFORMER_PORT:-8082}"
KPI_API_PORT="${KPI_API_PORT:-8083}"

# The stack's warehouse URL; call after the ports are final (an explicit DATABASE_URL wins).
export_database_url() {
  export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DB}"
}

DEBIAN_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config curl ca-certificates openssl
  librdkafka-dev kcat libpqxx-dev libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev
  libssl-dev zlib1g-dev libvalijson-dev libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs whichever Debian packages are missing (needs root for the install itself).
ensure_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  log "building (${CMAKE_BUILD_TYPE:-RelWithDebInfo}) in $BUILD_DIR"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
  fi
  cmake --build "$BUILD_DIR"
}

# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local data="$RUN_DIR/pgdata" sock="$RUN_DIR/pgsock"
  mkdir -p "$RUN_DIR" "$sock"
  if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$RUN_DIR"
    chown postgres "$sock"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $data"
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres "$data"
    as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on}" start >/dev/null \
      || { tail -20 "$data/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'" postgres | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $PG_DB" postgres
  fi
}

pg_stop() {
  local data="$RUN_DIR/pgdata"
  [ -f "$data/PG_VERSION" ] || return 0
  if as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

# Starts a binary in the background with a pid file and a log under $RUN_DIR.
start_process() {
  local name="$1"; shift
  local pidfile="$RUN_DIR/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  mkdir -p "$RUN_DIR/logs"
  nohup "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# SIGTERM (graceful: drain, flush, commit), then SIGKILL after 20 s.
stop_process() {
  local name="$1" pidfile="$RUN_DIR/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop in 20 s: killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$pidfile"
}

# Waits until GET url answers 200 (at most $2 seconds, default 60).
wait_http() {
  local url="$1" timeout="${2:-60}" name="${3:-$1}"
  for _ in $(seq 1 $((timeout * 10))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$name not ready after ${timeout}s ($url); see $RUN_DIR/logs/"
}

# Sets BROKER_STARTED_NOW=1 when it started a new (hence empty) broker.
broker_start() {
  local file="$RUN_DIR/kafka.bootstrap"
  BROKER_STARTED_NOW=0
  if [ ! -f "$RUN_DIR/kafka-dev-broker.pid" ] || ! kill -0 "$(cat "$RUN_DIR/kafka-dev-broker.pid")" 2>/dev/null; then
    BROKER_STARTED_NOW=1
    rm -f "$file"
    log "starting kafka-dev-broker (control API on 127.0.0.1:$BROKER_CONTROL_PORT)"
    HTTP_PORT="$BROKER_CONTROL_PORT" DEV_BROKER_BOOTSTRAP_FILE="$file" \
      start_process kafka-dev-broker "$BIN_DIR/kafka-dev-broker"
  fi
  for _ in $(seq 1 100); do [ -s "$file" ] && break; sleep 0.1; done
  [ -s "$file" ] || die "kafka-dev-broker did not start; see $RUN_DIR/logs/kafka-dev-broker.log"
  KAFKA_BROKERS="$(cat "$file")"
  export KAFKA_BROKERS
}

broker_stop() { stop_process kafka-dev-broker; }

# The dev broker keeps its data in memory only: a new broker is an empty Kafka whose offsets
# restart at 0, while the warehouse still holds the previous broker's offsets (the transformer
# would refuse those partitions as "ahead of the log"). Keep the old warehouse under another
# name and start a fresh one, so nothing is lost and the new stream is read from its start.
retire_warehouse_of_previous_broker() {
  [ "${BROKER_STARTED_NOW:-0}" = 1 ] || return 0
  local has_offsets
  has_offsets="$(psql "$DATABASE_URL" -Atqc "SELECT EXISTS (SELECT 1 FROM ops.kafka_offsets)" 2>/dev/null || echo f)"
  [ "$has_offsets" = t ] || return 0
  local old="${PG_DB}_$(date +%Y%m%d_%H%M%S)"
  log "new dev broker (empty): keeping the previous warehouse as database $old, starting $PG_DB afresh"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "ALTER DATABASE $PG_DB RENAME TO $old" postgres
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $PG_DB" postgres
}

# A per-stack HMAC key for PII, generated once and kept out of the repository.
pii_key() {
  local f="$RUN_DIR/pii_hmac_key"
  [ -s "$f" ] || { mkdir -p "$RUN_DIR"; openssl rand -hex 32 >"$f"; chmod 600 "$f"; }
  cat "$f"
}

migrate() {
  log "applying warehouse migrations"
  "$BIN_DIR/transformer" migrate
}

services_start() {
  : "${KAFKA_BROKERS:?start the broker first}"
  export KAFKA_BROKERS
  log "starting services"
  HTTP_PORT="$EVENTGEN_PORT" start_process eventgen "$BIN_DIR/eventgen"
  HTTP_PORT="$GATEWAY_PORT" start_process ingest-gateway "$BIN_DIR/ingest-gateway"
  HTTP_PORT="$TRANSFORMER_PORT" PII_HMAC_KEY="$(pii_key)" start_process transformer "$BIN_DIR/transformer"
  HTTP_PORT="$KPI_API_PORT" start_process kpi-api "$BIN_DIR/kpi-api"
  wait_http "http://127.0.0.1:$EVENTGEN_PORT/readyz" 30 eventgen
  wait_http "http://127.0.0.1:$GATEWAY_PORT/readyz" 30 ingest-gateway
  wait_http "http://127.0.0.1:$TRANSFORMER_PORT/readyz" 60 transformer
  wait_http "http://127.0.0.1:$KPI_API_PORT/readyz" 30 kpi-api
}

services_stop() {
  # Front to back, so each stage drains into the next before that one stops.
  for s in eventgen ingest-gateway transformer kpi-api; do stop_process "$s"; done
}
