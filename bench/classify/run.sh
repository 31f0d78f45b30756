#!/usr/bin/env bash
# Batch classification speed on one core, against plain JSON parsing of the same input in the
# same run (jq, and Python's json module), so the number means something on any machine.
#
#   bench/classify/run.sh [POSTS]      # default 200000
#
# Builds the release binary, writes POSTS unlabelled posts (the corpus texts, cycled) to a temp
# file, then times each command pinned to CPU 0 (taskset) and reports posts/s and ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
POSTS="${1:-200000}"
cargo build --release -q -p tvarit-classify
BIN=target/release/tvarit-classify
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 - "$POSTS" > "$WORK/posts.jsonl" <<'PY'
import itertools, json, sys
n = int(sys.argv[1])
rows = [json.loads(l) for f in ("data/corpus/train.jsonl", "data/corpus/test.jsonl") for l in open(f, encoding="utf-8")]
for i, r in zip(range(n), itertools.cycle(rows)):
    print(json.dumps({"id": str(i), "text": r["text"], "mentions": r["mentions"], "platform": "x"}, ensure_ascii=False))
PY
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"

seconds() { # seconds COMMAND...: wall time of COMMAND < posts > /dev/null, best of 3
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    $PIN "$@" < "$WORK/posts.jsonl" > /dev/null
    t1=$(date +%s.%N)
    best=$(python3 -c "a=$t1-$t0; b='$best'; print(a if not b else min(a, float(b)))")
  done
  echo "$best"
}

batch=$(seconds "$BIN" batch)
jq_s=$(seconds jq -c .)
py_s=$(seconds python3 -c 'import sys, json
for line in sys.stdin: json.loads(line)')
python3 - "$POSTS" "$batch" "$jq_s" "$py_s" "$(stat -c %s "$WORK/posts.jsonl")" <<'PY'
import sys
n, batch, jq, py, size = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5])
print(f"input: {n} posts, {size / n:.0f} bytes/post on average, one core")
print(f"tvarit-classify batch : {batch:7.3f} s  {n / batch:10.0f} posts/s")
print(f"jq -c . (parse+print) : {jq:7.3f} s  {n / jq:10.0f} posts/s   batch/jq time ratio {batch / jq:.2f}")
print(f"python json.loads     : {py:7.3f} s  {n / py:10.0f} posts/s   batch/python ratio  {batch / py:.2f}")
print("target: >= 20000 posts/s:", "met" if n / batch >= 20000 else "NOT met")
PY
