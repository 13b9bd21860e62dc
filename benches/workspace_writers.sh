#!/usr/bin/env bash
# Statements a second through `claimgraph run --workspace`: SQLite and PostgreSQL, one
# writer and four (docs/performance.md, "Writers"). U is a server URL without a database
# (`.ci/postgres start DIR` prints one: drop its /postgres); N statements (200).
# Usage: cargo build --release && U=postgres://postgres@127.0.0.1:PORT benches/workspace_writers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
B=${B:-$root/target/release/claimgraph}
U=${U:?server URL without database}
D=$(mktemp -d /tmp/cgbench.XXXXXX)
cd "$D"
N=${N:-200}
(for i in $(seq 1 $N); do echo "CREATE (:Bench {i: $i});"; done) > one.cypher
for w in 0 1 2 3; do
  (echo "SOURCE (writer$w:Person {name: 'W$w'});"; for i in $(seq 1 $((N/4))); do echo "CLAIM (usa)-[:LOAD_TEST {writer: $w, n: $i}]->(sdf) BY writer$w QUOTE 'w$w n$i';"; done) > w$w.kg
done
data=$root/data/khusham_2018.kg
for run in 1 2 3; do
  rm -f s.claimgraph*; $B init s.claimgraph --from $data >/dev/null
  t0=$(date +%s.%N); $B run --workspace s.claimgraph one.cypher >/dev/null; t1=$(date +%s.%N)
  echo "sqlite one writer $N statements: $(echo "$t1 - $t0" | bc) s"
  psql -q "$U/postgres" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  $B init "$U/bench" --from $data >/dev/null
  t0=$(date +%s.%N); $B run --workspace "$U/bench" one.cypher >/dev/null; t1=$(date +%s.%N)
  echo "postgres one writer $N statements: $(echo "$t1 - $t0" | bc) s"
  psql -q "$U/postgres" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  $B init "$U/bench" --from $data >/dev/null
  t0=$(date +%s.%N)
  for w in 0 1 2 3; do $B run --workspace "$U/bench" w$w.kg >/dev/null & done; wait
  t1=$(date +%s.%N)
  echo "postgres four writers $((N + 4)) statements: $(echo "$t1 - $t0" | bc) s ($(psql -tA "$U/bench" -c 'select count(*) from journal') journal entries)"
  # SQLite: four writers cannot share a file; the same claims from one writer, in turn.
  rm -f s.claimgraph*; $B init s.claimgraph --from $data >/dev/null
  t0=$(date +%s.%N); for w in 0 1 2 3; do $B run --workspace s.claimgraph w$w.kg >/dev/null; done; t1=$(date +%s.%N)
  echo "sqlite the same four scripts in turn: $(echo "$t1 - $t0" | bc) s"
done
psql -q "$U/postgres" -c "DROP DATABASE IF EXISTS bench"
rm -rf "$D"
