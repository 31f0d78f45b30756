#!/usr/bin/env bash
# CI-sized fuzzing: builds every target (cargo-fuzz, libFuzzer, no sanitizer:
# the code is safe Rust, and the checks assert the properties) and runs each
# for a bounded time from the committed corpus. Fails if any target crashes;
# the input is kept in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   # default 15 s, every target
#   fuzz/run.sh seed                                # rebuild the corpus from seeds
#   FUZZ_MERGE=1 fuzz/run.sh 600 fuzz_classifier    # keep what a long run found
#
# New inputs go to fuzz/target/new-corpus/<target>/ (not committed) unless
# FUZZ_MERGE=1, which merges them into fuzz/corpus/<target>/ minimised
# (`cargo fuzz cmin`). A stable toolchain works: RUSTC_BOOTSTRAP=1 is set
# for the nightly flags cargo-fuzz needs. See docs/fuzzing.md.
set -euo pipefail

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
# The fuzz workspace's own target dir, whatever the caller's environment says.
export CARGO_TARGET_DIR="$PWD/target"
FUZZ=(cargo fuzz)
OPTS=(--sanitizer none --fuzz-dir .)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is missing; install it with: cargo install cargo-fuzz" >&2
  exit 2
fi

all_targets() {
  sed -n 's/^name = "\(fuzz_[a-z_]*\)"$/\1/p' Cargo.toml
}

if [ "${1:-}" = seed ]; then
  # Seeds from the repository's examples, minimised into the corpus.
  cargo run -q -p tvarit-fuzz-checks --bin seeds
  "${FUZZ[@]}" build "${OPTS[@]}"
  for t in $(all_targets); do
    mkdir -p "corpus/$t"
    cp seeds/"$t"/* "corpus/$t/"
    "${FUZZ[@]}" cmin "${OPTS[@]}" "$t" "corpus/$t" -- -timeout=20 >/dev/null 2>&1
    echo "fuzz: corpus/$t: $(ls "corpus/$t" | wc -l) inputs" >&2
  done
  exit 0
fi

seconds=${1:-15}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(all_targets)
fi

started=$SECONDS
"${FUZZ[@]}" build "${OPTS[@]}"
echo "fuzz: built in $((SECONDS - started)) s" >&2

failed=()
for t in "${targets[@]}"; do
  new="target/new-corpus/$t"
  mkdir -p "$new" "corpus/$t" "regressions/$t"
  echo "fuzz: $t for ${seconds} s" >&2
  # The first directory receives new inputs; the committed ones are only read.
  if ! "${FUZZ[@]}" run "${OPTS[@]}" "$t" "$new" "corpus/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    >"target/$t.log" 2>&1; then
    echo "fuzz: $t FAILED; see fuzz/target/$t.log and fuzz/artifacts/$t/" >&2
    grep -E '^(==|thread|panicked|.*Test unit written)' "target/$t.log" | head -20 >&2 || true
    failed+=("$t")
    continue
  fi
  grep -E 'stat::number_of_executed_units|cov: ' "target/$t.log" | tail -2 >&2 || true
  if [ "${FUZZ_MERGE:-0}" = 1 ] && [ -n "$(ls -A "$new")" ]; then
    cp "$new"/* "corpus/$t/"
    "${FUZZ[@]}" cmin "${OPTS[@]}" "$t" "corpus/$t" -- -timeout=20 >/dev/null 2>&1
    echo "fuzz: corpus/$t now $(ls "corpus/$t" | wc -l) inputs" >&2
  fi
done

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $((SECONDS - started)) s in all" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
