#!/usr/bin/env bash
# docker/compose.yaml is a valid Compose file for docker-compose v1 (Debian's 1.29) and, where
# installed, the v2 plugin (`docker compose`): the default stack and each profile, with the
# variables of docker/.env.example. The cluster profile's brokers replicate three times with
# min.insync.replicas 2, and KAFKA_BROKERS / KAFKA_REPLICATION_FACTOR reach the services and
# kafka-init. Needs no Docker engine. A missing docker-compose fails the test (scripts/lib.sh
# installs it): an unchecked compose file must not look like a pass.
#   tests/docker/compose_config.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FILE="$ROOT/docker/compose.yaml"
ENV_FILE="$ROOT/docker/.env.example"
failures=0
# Only docker/.env.example's values count: compose lets the caller's environment override them,
# and scripts/test.sh exports KAFKA_BROKERS (its dev broker) to every test.
for v in $(grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*' "$FILE" | cut -c3- | sort -u); do unset "$v"; done
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

command -v docker-compose >/dev/null 2>&1 ||
  { echo "FAIL: docker-compose is not installed (apt-get install docker-compose)"; exit 1; }
tools=("docker-compose")
if docker compose version >/dev/null 2>&1; then
  tools+=("docker compose")
else
  echo "note: no docker compose (v2) plugin here; checking with docker-compose v1 only"
fi

for tool in "${tools[@]}"; do
  for profiles in "" "--profile cluster" "--profile monitoring" "--profile cluster --profile monitoring"; do
    # shellcheck disable=SC2086  # $tool and $profiles are word lists
    if out="$($tool -f "$FILE" --env-file "$ENV_FILE" $profiles config -q 2>&1)"; then
      pass "$tool config ${profiles:-(default)}"
    else
      fail "$tool config ${profiles:-(default)}: $out"
    fi
  done
done

# What the cluster profile renders to, with the variables docker/README.md tells operators to set.
rendered="$(KAFKA_BROKERS=kafka-1:9092,kafka-2:9092,kafka-3:9092 KAFKA_REPLICATION_FACTOR=3 \
  docker-compose -f "$FILE" --env-file "$ENV_FILE" --profile cluster config)"
expect_count() {  # expect_count WHAT N PATTERN: PATTERN matches N lines of the rendered file
  local got
  got="$(grep -cE -- "$3" <<<"$rendered" || true)"
  [ "$got" = "$2" ] && pass "$1" || fail "$1: $got lines match '$3', expected $2"
}
expect_count "three brokers in the cluster profile" 3 '^  kafka-[123]:$'
expect_count "three KRaft voters on each" 3 'KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093'
expect_count "replication factor 3 on each" 3 'KAFKA_DEFAULT_REPLICATION_FACTOR: 3'
expect_count "min.insync.replicas 2 on each" 3 'KAFKA_MIN_INSYNC_REPLICAS: 2'
expect_count "no broker creates topics on its own" 4 'KAFKA_AUTO_CREATE_TOPICS_ENABLE: .false.'
expect_count "gateway and transformer point at the cluster" 2 'KAFKA_BROKERS: kafka-1:9092,kafka-2:9092,kafka-3:9092'
expect_count "kafka-init creates the topics on the cluster" 1 'BOOTSTRAP: kafka-1:9092,kafka-2:9092,kafka-3:9092'
expect_count "kafka-init creates them with 3 replicas" 1 '^ +REPLICATION_FACTOR: .?3.?$'
default="$(docker-compose -f "$FILE" --env-file "$ENV_FILE" config)"
got="$(grep -cE 'KAFKA_BROKERS: kafka:9092|BOOTSTRAP: kafka:9092' <<<"$default" || true)"
[ "$got" = 3 ] && pass "the default stack uses the single node" ||
  fail "the default stack uses the single node: $got of 3 settings point at kafka:9092"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "compose file valid"
