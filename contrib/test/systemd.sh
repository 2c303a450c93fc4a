#!/usr/bin/env bash
# Checks contrib/causerie.service, contrib/causerie.sysusers and contrib/causerie.toml:
# what CI does (.ci/run), as root on Debian 12.
#
#   contrib/test/systemd.sh        (from anywhere; needs target/release/causerie)
#
# CI has no running systemd (PID 1 is not systemd there), so:
#   1. systemd-analyze verify (any warning fails) and security (exposure at most 2.0)
#      of the unit, with ExecStart pointing at the binary just built (verify needs the
#      program to exist, and the machine is not ours to install it in /usr/local/bin);
#   2. systemd-sysusers creates the account of contrib/causerie.sysusers in a scratch
#      root;
#   3. the binary runs as the unit would run it: as an unprivileged user with no
#      capability and no new privileges, umask 0077, in its state folder, with
#      CAUSERIE_CONFIG naming contrib/causerie.toml (only its paths and port changed),
#      then it is stopped with the unit's KillSignal and must exit 0 before the unit's
#      TimeoutStopSec;
#   4. then under a real systemd: a Debian 12 container (podman, contrib/test/podman.sh)
#      whose init is systemd, with the unit, the user, the settings and the binary
#      installed as the README says (contrib/test/systemd.Containerfile): the service
#      must start with its sandbox (seccomp, no capability, no new privileges, its own
#      mount namespace), serve, take `causerie backup` from the README, and stop
#      cleanly with systemctl stop.
set -euo pipefail
cd "$(dirname "$0")/../.."
. contrib/test/podman.sh

binary=$PWD/target/release/causerie
[ -x "$binary" ] || { echo "FAIL: $binary is missing: run cargo build --release" >&2; exit 1; }

work=$(mktemp -d /tmp/causerie-systemd.XXXXXX)
pid=
name=causerie-systemd-ci-$$
image=localhost/causerie-systemd:ci-$$
cleanup() {
  status=$?
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  if [ $status -ne 0 ] && [ -s "$work/causerie.log" ]; then
    echo "-- the server's log:" >&2
    tail -n 30 "$work/causerie.log" >&2
  fi
  if pod container exists "$name" 2>/dev/null; then
    if [ $status -ne 0 ]; then
      echo "-- journalctl -u causerie, in the container:" >&2
      pod exec "$name" journalctl -u causerie --no-pager -n 40 >&2 || true
    fi
    pod rm -f -t 0 "$name" >/dev/null 2>&1 || true
  fi
  pod rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unit_value() { sed -n "s/^$1=//p" contrib/causerie.service | tail -n 1; }

echo "-- systemd-analyze verify contrib/causerie.service"
sed "s#/usr/local/bin/causerie#$binary#g" contrib/causerie.service > "$work/causerie.service"
systemd-analyze verify "$work/causerie.service" > "$work/verify.log" 2>&1 \
  || { cat "$work/verify.log" >&2; fail "systemd-analyze verify refuses the unit"; }
[ ! -s "$work/verify.log" ] || { cat "$work/verify.log" >&2; fail "systemd-analyze verify warns"; }
systemd-analyze security --offline=yes --threshold=20 "$work/causerie.service" > "$work/security.log" 2>&1 \
  || { cat "$work/security.log" >&2; fail "the unit's exposure is above 2.0"; }
grep -o 'Overall exposure level.*' "$work/security.log"

echo "-- systemd-sysusers contrib/causerie.sysusers"
mkdir -p "$work/root/etc"
# From standard input: with --root, a file named on the command line is looked for in
# the scratch root.
systemd-sysusers --root="$work/root" - < contrib/causerie.sysusers 2> "$work/sysusers.log" \
  || fail "systemd-sysusers refuses contrib/causerie.sysusers"
entry=$(grep '^causerie:' "$work/root/etc/passwd") || fail "systemd-sysusers made no user causerie"
echo "   $entry"
[ "$(cut -d: -f6 <<<"$entry")" = /var/lib/causerie ] || fail "causerie's home is not /var/lib/causerie"
(( $(cut -d: -f3 <<<"$entry") < 1000 )) || fail "causerie is not a system user"

echo "-- the binary, as the unit runs it"
[ "$(unit_value User)" = causerie ] || fail "the unit does not run as causerie"
unit_value StateDirectory | grep -qw causerie || fail "the unit's StateDirectory is not causerie"
[ "$(unit_value WorkingDirectory)" = /var/lib/causerie ] || fail "the unit does not work in /var/lib/causerie"
grep -qx 'Environment=CAUSERIE_CONFIG=/etc/causerie/causerie.toml' contrib/causerie.service \
  || fail "the unit does not read /etc/causerie/causerie.toml"
[ "$(unit_value KillSignal)" = SIGTERM ] || fail "the unit does not stop with SIGTERM"
umask_value=$(unit_value UMask)
stop_secs=$(unit_value TimeoutStopSec)
# The server's bounded stop (src/startup.rs: requests 10 s, outbox 10 s, writer 5 s).
(( stop_secs > 25 )) || fail "TimeoutStopSec=$stop_secs is not longer than the server's 25 s"

# An unprivileged id that no account uses, standing for causerie.
id=61234
while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null; do id=$((id + 1)); done
chmod 0711 "$work"
state=$work/var/lib/causerie
install -d -o "$id" -g "$id" -m 0700 "$state"
# Bound to prove it free, below the ephemeral ports (the benchmark's crowd just left
# thousands of them in TIME_WAIT): contrib/test/ports.sh.
. contrib/test/ports.sh
port=$(free_port) || fail "no free port"
config=$work/causerie.toml
sed -e "s#/var/lib/causerie#$state#g" -e "s#127.0.0.1:8080#127.0.0.1:$port#" \
  contrib/causerie.toml > "$config"
grep -q "127.0.0.1:$port" "$config" || fail "contrib/causerie.toml does not listen on 127.0.0.1:8080"
grep -q "$state/causerie.db" "$config" || fail "contrib/causerie.toml keeps no database in /var/lib/causerie"
chown "root:$id" "$config"
chmod 0640 "$config"

(
  cd "$state"
  umask "$umask_value"
  exec setpriv --reuid="$id" --regid="$id" --clear-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all \
    env -i PATH=/usr/bin:/bin CAUSERIE_CONFIG="$config" "$binary" serve
) > "$work/causerie.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "the server stopped"
  sleep 0.2
done
code=$(curl -sS -o "$work/body" -w '%{http_code}' "http://127.0.0.1:$port/healthz")
[ "$code" = 200 ] || fail "/healthz answered $code: $(cat "$work/body")"
code=$(curl -sS -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  -H 'Origin: https://blog.example.org' \
  -d '{"page": "/unit", "title": "Unit", "author": "Camille",
       "email": "camille@example.org", "body": "Posted as the unit runs it."}' \
  "http://127.0.0.1:$port/api/v1/comments")
[ "$code" = 201 ] || fail "posting a comment answered $code: $(cat "$work/body")"
echo "   /healthz 200, a comment posted 201 (from the example's origin)"
[ "$(stat -c '%u %a' "$state/causerie.db")" = "$id 600" ] \
  || fail "the database is not the user's, mode 600: $(stat -c '%u %a' "$state/causerie.db")"
echo "   $state/causerie.db: the user's, mode 600"

kill -TERM "$pid"
waited=0
while kill -0 "$pid" 2>/dev/null; do
  (( waited < stop_secs * 10 )) || fail "still running after TimeoutStopSec=$stop_secs s"
  sleep 0.1
  waited=$((waited + 1))
done
wait "$pid" && rc=0 || rc=$?
pid=
[ "$rc" = 0 ] || fail "the server exited $rc after SIGTERM"
grep -q 'stopped cleanly' "$work/causerie.log" || fail "the log does not say 'stopped cleanly'"
echo "   SIGTERM: exit 0, stopped cleanly"

echo "-- under systemd, in a Debian 12 container ($SECONDS s)"
need_podman
make_base_image
mkdir "$work/context"
cp "$binary" contrib/causerie.service contrib/causerie.sysusers contrib/causerie.toml "$work/context/"
pod build --quiet --network host "${pod_limits[@]}" --build-arg BASE="$base_image" \
  -f contrib/test/systemd.Containerfile -t "$image" "$work/context" > "$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "podman build -f contrib/test/systemd.Containerfile failed"; }
pod run -d --name "$name" "${pod_limits[@]}" --systemd=always "$image" >/dev/null
in_machine() { pod exec "$name" "$@"; }
for _ in $(seq 1 100); do
  in_machine curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null && break
  [ "$(in_machine systemctl is-failed causerie || true)" != failed ] || fail "causerie.service failed"
  sleep 0.3
done
[ "$(in_machine systemctl is-active causerie)" = active ] || fail "causerie.service is not active"
code=$(in_machine curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz)
[ "$code" = 200 ] || fail "/healthz under systemd answered $code"
code=$(in_machine curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -H 'Origin: https://blog.example.org' \
  -d '{"page": "/systemd", "title": "Systemd", "author": "Camille",
       "email": "camille@example.org", "body": "Posted to the service."}' \
  http://127.0.0.1:8080/api/v1/comments)
[ "$code" = 201 ] || fail "posting a comment under systemd answered $code"
echo "   causerie.service active: /healthz 200, a comment posted 201"

main=$(in_machine systemctl show -p MainPID --value causerie)
in_machine cat "/proc/$main/status" > "$work/status"
field() { awk -v k="$1:" '$1 == k { print $2 }' "$work/status"; }
[ "$(field Uid)" = "$(in_machine id -u causerie)" ] || fail "the service does not run as causerie"
[ "$(field NoNewPrivs)" = 1 ] || fail "the service may gain privileges"
[ "$(field Seccomp)" = 2 ] || fail "the service has no system call filter"
[ "$(field CapEff)" = 0000000000000000 ] || fail "the service holds capabilities: $(field CapEff)"
[ "$(field CapBnd)" = 0000000000000000 ] || fail "the service may gain capabilities: $(field CapBnd)"
[ "$(in_machine readlink /proc/1/ns/mnt)" != "$(in_machine readlink "/proc/$main/ns/mnt")" ] \
  || fail "the service shares the machine's mount namespace (no ProtectSystem, PrivateTmp)"
echo "   sandbox: user causerie, no capability, no new privileges, seccomp, own mount namespace"
[ "$(in_machine stat -c '%U %a' /var/lib/causerie/causerie.db)" = "causerie 600" ] \
  || fail "the database is not causerie's, mode 600"
[ "$(in_machine stat -c '%U' /var/lib/causerie/backups)" = causerie ] \
  || fail "/var/lib/causerie/backups is not causerie's"

# The README's command for a backup by hand.
in_machine runuser -u causerie -- \
  causerie --config /etc/causerie/causerie.toml backup /var/lib/causerie/backups/by-hand.db > /dev/null \
  || fail "causerie backup as the user causerie failed"
echo "   causerie backup, as the user causerie: ok"

in_machine systemctl stop causerie
[ "$(in_machine systemctl show -p Result --value causerie)" = success ] \
  || fail "systemctl stop: the result is $(in_machine systemctl show -p Result --value causerie)"
[ "$(in_machine systemctl show -p ExecMainStatus --value causerie)" = 0 ] \
  || fail "systemctl stop: the server exited $(in_machine systemctl show -p ExecMainStatus --value causerie)"
in_machine journalctl -u causerie --no-pager -o cat | grep -q 'stopped cleanly' \
  || fail "the journal does not say 'stopped cleanly'"
echo "   systemctl stop: exit 0, stopped cleanly"
echo "systemd: ok ($SECONDS s)"
