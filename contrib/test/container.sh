#!/usr/bin/env bash
# Builds the container image of contrib/Containerfile, runs it, checks it serves, and
# stops it: what CI does (.ci/run), as root on Debian 12, with no registry reachable.
#
#   contrib/test/container.sh        (from anywhere; needs target/release/causerie)
#
# The base image is made from Debian's packages (mmdebstrap: a minbase bookworm, what
# debian:bookworm-slim is), imported into podman and given to the build as BASE
# (contrib/test/podman.sh). Any mismatch fails loudly, with the container's log.
set -euo pipefail
cd "$(dirname "$0")/../.."
. contrib/test/podman.sh

binary=target/release/causerie
[ -x "$binary" ] || { echo "FAIL: $binary is missing: run cargo build --release" >&2; exit 1; }
need_podman

work=$(mktemp -d /tmp/causerie-container.XXXXXX)
name=causerie-ci-$$
volume=causerie-ci-$$
image=localhost/causerie:ci-$$
cleanup() {
  status=$?
  if [ $status -ne 0 ] && pod container exists "$name" 2>/dev/null; then
    echo "-- the container's log:" >&2
    pod logs "$name" >&2 || true
  fi
  if [ $status -ne 0 ] && [ -s "$work/podman.log" ]; then
    echo "-- podman's messages:" >&2
    cat "$work/podman.log" >&2
  fi
  pod rm -f "$name" >/dev/null 2>&1 || true
  pod volume rm -f "$volume" >/dev/null 2>&1 || true
  pod rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "-- $* ($SECONDS s)"; }

step "base image: mmdebstrap, Debian 12 minbase"
make_base_image

step "podman build -f contrib/Containerfile"
# --format docker: the OCI format has no HEALTHCHECK, podman would drop it.
pod build --quiet --format docker --network host "${pod_limits[@]}" \
  --build-arg BASE="$base_image" \
  -f contrib/Containerfile -t "$image" . > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "podman build -f contrib/Containerfile failed"; }
[ "$(pod image inspect -f '{{.Config.User}}' "$image")" = causerie ] \
  || fail "the image does not run as the user causerie"
pod image inspect -f '{{json .Config.Volumes}}' "$image" | grep -q '/var/lib/causerie' \
  || fail "the image has no volume /var/lib/causerie"
[ "$(pod image inspect -f '{{.Config.StopSignal}}' "$image")" = SIGTERM ] \
  || fail "the image's stop signal is not SIGTERM"

# A free port on the host, mapped to the image's 8080.
port=$(free_port)

# podman's messages go to $work/podman.log, shown if anything fails: without systemd,
# it complains at every start and stop that it cannot time the healthcheck (CI runs
# the healthcheck itself, below).
step "podman run, port $port, a named volume"
pod run -d --name "$name" "${pod_limits[@]}" -p "127.0.0.1:$port:8080" \
  -v "$volume:/var/lib/causerie" \
  -e CAUSERIE_PUBLIC_URL="http://127.0.0.1:$port" -e CAUSERIE_MODERATION=none \
  "$image" >/dev/null 2>>"$work/podman.log"
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  [ "$(pod inspect -f '{{.State.Running}}' "$name")" = true ] || fail "the container stopped"
  sleep 0.3
done

code=$(curl -sS -o "$work/body" -w '%{http_code}' "$base/healthz")
[ "$code" = 200 ] || fail "/healthz answered $code: $(cat "$work/body")"
grep -q '"ok"' "$work/body" || fail "/healthz said: $(cat "$work/body")"
code=$(curl -sS -o "$work/body" -w '%{http_code}' "$base/api/v1/config")
[ "$code" = 200 ] || fail "/api/v1/config answered $code"
grep -q '"default_language"' "$work/body" || fail "/api/v1/config said: $(cat "$work/body")"
code=$(curl -sS -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"page": "/container", "title": "Container", "author": "Camille",
       "email": "camille@example.org", "body": "Posted in the container."}' \
  "$base/api/v1/comments")
[ "$code" = 201 ] || fail "posting a comment answered $code: $(cat "$work/body")"
echo "   /healthz 200, /api/v1/config 200, a comment posted 201"

step "the healthcheck, the volume"
pod healthcheck run "$name" || fail "the image's HEALTHCHECK says unhealthy"
pod exec "$name" test -s /var/lib/causerie/causerie.db || fail "no database in the volume"
pod exec "$name" causerie backup /var/lib/causerie/backups/by-hand.db >/dev/null \
  || fail "causerie backup in the container failed"

step "podman stop (SIGTERM; SIGKILL after 40 s would fail the check)"
pod stop -t 40 "$name" >/dev/null 2>>"$work/podman.log"
exit_code=$(pod inspect -f '{{.State.ExitCode}}' "$name")
[ "$exit_code" = 0 ] || fail "the container exited $exit_code"
pod logs "$name" 2>&1 | grep -q 'stopped cleanly' || fail "the log does not say 'stopped cleanly'"

step "the volume keeps the comment: a second container on it"
pod rm "$name" >/dev/null 2>>"$work/podman.log"
pod run -d --name "$name" "${pod_limits[@]}" -p "127.0.0.1:$port:8080" \
  -v "$volume:/var/lib/causerie" -e CAUSERIE_PUBLIC_URL="http://127.0.0.1:$port" \
  "$image" >/dev/null 2>>"$work/podman.log"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  sleep 0.3
done
curl -fsS "$base/api/v1/comments?page=/container" | grep -q 'Posted in the container' \
  || fail "the comment is not there after a restart on the same volume"
pod stop -t 40 "$name" >/dev/null 2>>"$work/podman.log"
[ "$(pod inspect -f '{{.State.ExitCode}}' "$name")" = 0 ] || fail "the second container did not exit 0"

echo "container: ok ($SECONDS s)"
