#!/usr/bin/env bash
# Causerie's benchmark, side by side with Isso and the ceiling (issue 8), in one command:
#
#   bench/run.sh                 # full: 100,000 comments over 1,000 pages, 3 × 7 s per measure;
#                                # writes the table into BENCHMARKS.md (~3.5 minutes once built)
#   bench/run.sh --quick         # the same pipeline, small (2,000 comments, 5 s per measure);
#                                # results in bench/results/quick/ only (~45 s once built)
#   bench/run.sh --scaling       # Causerie alone: the hot page's read, thread cache off and on,
#                                # at 1,000 and 1,000,000 comments; writes its own table into
#                                # BENCHMARKS.md (~75 s once built)
#   bench/run.sh --rev HEAD      # measures a commit (built from `git archive`) instead of
#                                # the working tree
#   bench/run.sh --profile 15    # also records 15 s of Causerie's reads with perf
#   bench/run.sh --postgres URL  # also PostgreSQL going away under Causerie (bench/outage.py;
#                                # default: BENCH_POSTGRES_URL, else TEST_POSTGRES_URL)
#   bench/run.sh --import        # a generated 200 MB WordPress export imported by Causerie
#                                # and by Isso, time and peak memory; writes its table into
#                                # BENCHMARKS.md (--size MB for another size; see bench/import.py)
#
# It installs what is missing (wrk from Debian; Isso and gunicorn, pinned, into
# bench/.venv), builds Causerie and the ceiling (bench/ceiling) in release, then runs
# bench/bench.py, which starts every server on 127.0.0.1 and stops them all at the end.
# Exits non-zero when the harness fails or Causerie loses or refuses a comment (or, with
# --scaling, answers a read with an error or not the same 100 comments everywhere).
set -euo pipefail
BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH")"
export CARGO_TERM_COLOR=never

rev=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev="$2"; shift 2 ;;
    --rev=*) rev="${1#--rev=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

echo "== tools"
if ! command -v wrk >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq wrk >/dev/null
fi
if [ ! -x "$BENCH/.venv/bin/gunicorn" ] || ! cmp -s "$BENCH/requirements-isso.txt" "$BENCH/.venv/requirements-isso.txt"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$BENCH/.venv"
  python3 -m venv "$BENCH/.venv"
  "$BENCH/.venv/bin/pip" install -q --disable-pip-version-check -r "$BENCH/requirements-isso.txt"
  cp "$BENCH/requirements-isso.txt" "$BENCH/.venv/requirements-isso.txt"
fi
echo "wrk: $(command -v wrk); isso: $("$BENCH/.venv/bin/python" -c 'import importlib.metadata as m; print(m.version("isso"))')"

echo "== build: Causerie (release) and the ceiling"
if [ -n "$rev" ]; then
  sha="$(git -C "$ROOT" rev-parse --short=12 "$rev^{commit}")"
  src="$BENCH/.build/src-$sha"
  if [ ! -f "$src/Cargo.toml" ]; then
    mkdir -p "$src"
    git -C "$ROOT" archive "$sha" | tar -x -C "$src"
  fi
  (cd "$src" && CARGO_TARGET_DIR="$BENCH/.build/target" cargo build --release --locked)
  bin="$BENCH/.build/target/release/causerie"
  label="$sha"
else
  (cd "$ROOT" && cargo build --release)
  bin="$ROOT/target/release/causerie"
  label="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo '?')"
  if [ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock migrations embed templates 2>/dev/null)" ]; then
    label="$label+working-tree"
  fi
fi
(cd "$BENCH/ceiling" && cargo build --release --locked)

for a in "${args[@]}"; do
  if [ "$a" = "--import" ]; then
    rest=()
    for b in "${args[@]}"; do [ "$b" = "--import" ] || rest+=("$b"); done
    echo "== import bench"
    exec "$BENCH/.venv/bin/python" "$BENCH/import.py" --causerie-bin "$bin" --causerie-rev "$label" "${rest[@]}"
  fi
done

echo "== bench"
exec "$BENCH/.venv/bin/python" "$BENCH/bench.py" --causerie-bin "$bin" --causerie-rev "$label" "${args[@]}"
