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
# The stack's warehouse URL with another role, e.g. `database_url_as kpi_reader`.
database_url_as() { echo "postgresql://$1@127.0.0.1:$PG_PORT/$PG_DB"; }

DEBIAN_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config curl ca-certificates openssl
  librdkafka-dev kcat libpqxx-dev libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev
  libssl-dev zlib1g-dev libvalijson-dev libsimdjson-dev libre2-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15
  chromium  # the dashboard's browser test (headless)
  python3   # tests/reliability/bad_input.py (standard library only)
  prometheus python3-yaml  # promtool and PyYAML for tests/reliability/monitoring_config.sh
  clang libclang-rt-14-dev llvm  # scripts/sanitize.sh: ASan/UBSan/TSan, libFuzzer, llvm-symbolizer
  docker-compose  # tests/docker/compose_config.sh: `config` only, no Docker engine
)
# npm installs the dashboard's chart library; a machine with its own Node.js keeps it.
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(nodejs npm)
DASHBOARD_DIR_SRC="$ROOT/services/kpi-api/dashboard"

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
  # Debian's prometheus package starts a Prometheus server on every interface (:9090) where
  # systemd runs; we install it for promtool only, so a machine that runs these scripts gets
  # no server it did not ask for.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}

build() {
  log "building (${CMAKE_BUILD_TYPE:-RelWithDebInfo}) in $BUILD_DIR"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
  fi
  cmake --build "$BUILD_DIR"
  dashboard_deps
}

# The dashboard's npm packages, exactly as package-lock.json pins them (again when it changes).
dashboard_deps() {
  local stamp="$DASHBOARD_DIR_SRC/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$DASHBOARD_DIR_SRC/package-lock.json" -nt "$stamp" ]; then
    log "installing the dashboard's npm packages (npm ci)"
    (cd "$DASHBOARD_DIR_SRC" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
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

# True when process $1 exists and is not a zombie that nobody reaped (kill -0 still succeeds
# for those, e.g. in a container whose init does not reap orphans).
pid_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Prints the pid of process $1 (from its pid file) when that process is alive and still runs
# the binary named $1 (not a recycled pid), or $1 without an instance number ("transformer-2"
# runs transformer). Fails otherwise.
running_pid() {
  local name="$1" pid exe
  pid="$(cat "$RUN_DIR/$name.pid" 2>/dev/null)" || return 1
  pid_alive "$pid" || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || exe=""
  exe="${exe% (deleted)}"  # a rebuilt binary: the process still runs the old one
  [ -z "$exe" ] || [ "${exe##*/}" = "$name" ] || [ "${exe##*/}" = "${name%-[0-9]*}" ] \
    || [ "${exe##*/}" = nohup ] || return 1
  echo "$pid"
}

# Starts a binary in the background with a pid file and a log under $RUN_DIR.
start_process() {
  local name="$1"; shift
  local pidfile="$RUN_DIR/$name.pid"
  if running_pid "$name" >/dev/null; then return 0; fi
  mkdir -p "$RUN_DIR/logs"
  nohup "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# SIGTERM (graceful: drain, flush, commit), then SIGKILL after 20 s.
stop_process() {
  local name="$1" pidfile="$RUN_DIR/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  if pid="$(running_pid "$name")"; then
    log "stopping $name"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && { log "$name did not stop in 20 s: killing"; kill -KILL "$pid" 2>/dev/null || true; }
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
  if ! running_pid kafka-dev-broker >/dev/null; then
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

# Prints the secret kept in $RUN_DIR/$1, first generating $2 random bytes (hex) into it. The
# file is created unreadable to others (umask), so the secret is never exposed, even briefly.
stack_secret() {
  local f="$RUN_DIR/$1"
  [ -s "$f" ] || { mkdir -p "$RUN_DIR"; (umask 077 && openssl rand -hex "$2" >"$f"); }
  cat "$f"
}

# A per-stack HMAC key for PII, generated once and kept out of the repository.
pii_key() { stack_secret pii_hmac_key 32; }

# The per-stack gateway API key (all event types): the gateway accepts it (GATEWAY_API_KEYS)
# and eventgen's load mode sends it (GATEWAY_API_KEY). Clients read it from the same file:
#   curl -H "X-API-Key: $(cat .run/gateway_api_key)" ...
gateway_api_key() { stack_secret gateway_api_key 24; }

# The transformer's own role (migration 011/012): writes rows, owns nothing. Its password is
# generated per stack like the other secrets; local connections are trusted, so it is there to
# be kept out of logs as it would be in production.
pipeline_writer_password() { stack_secret pipeline_writer_password 24; }
pipeline_writer_url() {
  echo "postgresql://pipeline_writer:$(pipeline_writer_password)@127.0.0.1:$PG_PORT/$PG_DB"
}

migrate() {
  log "applying warehouse migrations"
  PIPELINE_WRITER_PASSWORD="$(pipeline_writer_password)" "$BIN_DIR/transformer" migrate
}

# The HTTP port of a service of the stack (the dev broker's is its control API).
service_port() {
  case "$1" in
    kafka-dev-broker) echo "$BROKER_CONTROL_PORT" ;;
    ingest-gateway) echo "$GATEWAY_PORT" ;;
    eventgen) echo "$EVENTGEN_PORT" ;;
    transformer) echo "$TRANSFORMER_PORT" ;;
    kpi-api) echo "$KPI_API_PORT" ;;
    *) die "unknown service: $1" ;;
  esac
}

# Starts a transformer instance named $1 (its pid file and log; more instances of one consumer
# group each get a name like transformer-2) with its HTTP port $2, without waiting.
# The dev broker makes a restarted member wait session.timeout.ms - 1 s (after a kill up to
# twice that), and expires any session of 3 s or less while it delays a first join: 4 s resumes
# a restart in 3-8 s there. A real cluster keeps the transformer's default.
# Runs as pipeline_writer; DATABASE_URL (the schema's owner) applies migrations only.
transformer_start() {
  PII_HMAC_KEY="$(pii_key)" HTTP_PORT="$2" \
    MIGRATION_DATABASE_URL="$DATABASE_URL" \
    DATABASE_URL="${TRANSFORMER_DATABASE_URL:-$(pipeline_writer_url)}" \
    KAFKA_SESSION_TIMEOUT_MS="${KAFKA_SESSION_TIMEOUT_MS:-4000}" \
    start_process "$1" "$BIN_DIR/transformer"
}

# Starts a gateway instance named $1 (its pid file and log) on HTTP port $2, without waiting.
# Keys given in GATEWAY_API_KEYS are accepted beside the stack's own.
# The dev broker (librdkafka's mock cluster) stalls ~45 ms per synchronous batch when an
# idempotent producer pipelines requests; one request in flight per broker is 5x faster there
# (docs/benchmarks.md). A real cluster keeps librdkafka's default.
gateway_start() {
  GATEWAY_API_KEYS="$(gateway_api_key)${GATEWAY_API_KEYS:+,$GATEWAY_API_KEYS}" \
    KAFKA_PRODUCER_CONFIG="${KAFKA_PRODUCER_CONFIG:-max.in.flight.requests.per.connection=1}" \
    HTTP_PORT="$2" start_process "$1" "$BIN_DIR/ingest-gateway"
}

# Starts the named services (default: all four) and waits until each is ready.
services_start() {
  : "${KAFKA_BROKERS:?start the broker first}"
  export KAFKA_BROKERS
  local names=("$@") api_key s
  [ ${#names[@]} -gt 0 ] || names=(eventgen ingest-gateway transformer kpi-api)
  log "starting ${names[*]}"
  api_key="$(gateway_api_key)"
  for s in "${names[@]}"; do
    case "$s" in
      # Load mode posts to this stack's gateway unless GATEWAY_URL says otherwise.
      eventgen) GATEWAY_URL="${GATEWAY_URL:-http://127.0.0.1:$GATEWAY_PORT}" \
        GATEWAY_API_KEY="${GATEWAY_API_KEY:-$api_key}" HTTP_PORT="$EVENTGEN_PORT" \
        start_process eventgen "$BIN_DIR/eventgen" ;;
      ingest-gateway) gateway_start ingest-gateway "$GATEWAY_PORT" ;;
      transformer) transformer_start transformer "$TRANSFORMER_PORT" ;;
      # kpi-api refuses a role that can write: it reads as kpi_reader (migration 011).
      kpi-api) KPI_DATABASE_URL="${KPI_DATABASE_URL:-$(database_url_as kpi_reader)}" \
        HTTP_PORT="$KPI_API_PORT" start_process kpi-api "$BIN_DIR/kpi-api" ;;
      *) die "unknown service: $s" ;;
    esac
  done
  for s in "${names[@]}"; do
    # The transformer connects to PostgreSQL and Kafka before it is ready.
    wait_http "http://127.0.0.1:$(service_port "$s")/readyz" "$([ "$s" = transformer ] && echo 60 || echo 30)" "$s"
  done
}

services_stop() {
  # Front to back, so each stage drains into the next before that one stops.
  for s in eventgen ingest-gateway transformer kpi-api; do stop_process "$s"; done
}
