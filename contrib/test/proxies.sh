#!/usr/bin/env bash
# Runs Causerie behind contrib/nginx.conf and contrib/Caddyfile and checks, through
# each proxy, what a site owner relies on: what CI does (.ci/run), as root on Debian 12.
#
#   contrib/test/proxies.sh        (from anywhere; needs target/release/causerie)
#
# The examples are used as they are, but for their ports, server name and
# certificate (each replacement must match, or the test fails). Readers are played
# by curl from distinct loopback addresses (127.0.1.5, 127.0.2.5: two /24 blocks),
# which are not trusted proxies, so the only way Causerie can tell them apart is the
# X-Forwarded-For the proxy sets. Any mismatch fails loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."
. contrib/test/ports.sh

binary=$PWD/target/release/causerie
[ -x "$binary" ] || { echo "FAIL: $binary is missing: run cargo build --release" >&2; exit 1; }

missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v caddy >/dev/null || missing+=(caddy)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

work=$(mktemp -d /tmp/causerie-proxies.XXXXXX)
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $status -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] && { echo "-- $log:" >&2; tail -n 30 "$log" >&2; }
    done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# replace FILE FROM TO: FROM (a fixed string) must be in FILE.
replace() {
  grep -qF -- "$2" "$1" || fail "$1 no longer has '$2': update contrib/test/proxies.sh"
  FROM=$2 TO=$3 perl -0pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$1"
}

wait_for() { # URL [curl options]: until it answers 200
  local url=$1; shift
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return
    sleep 0.2
  done
  fail "$url never answered 200"
}

# request URL [curl options]: the HTTP status in $code, the body in $work/body.
request() {
  local url=$1; shift
  code=$(curl -sS -o "$work/body" -w '%{http_code}' "$@" "$url")
}

expect() { # WHAT WANTED: the last request's status must be WANTED
  [ "$code" = "$2" ] || fail "$1: wanted $2, got $code: $(head -c 300 "$work/body")"
  echo "   ok  $1: $code"
}

# Causerie: one reader's comment an hour per address block, so a second comment from
# the same reader is 429 and one from another reader 201: that tells which address
# Causerie saw.
cport=$(free_port)
cat > "$work/causerie.toml" <<TOML
listen = "127.0.0.1:$cport"
database_url = "sqlite://$work/causerie.db"
public_url = "https://comments.example.org"
moderation = "none"
max_comments_per_ip_per_hour = 1
trusted_proxies = ["127.0.0.1/32", "::1/128"]
TOML
CAUSERIE_CONFIG="$work/causerie.toml" "$binary" serve > "$work/causerie.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$cport/healthz"

n=0
post() { # BASE READER-ADDRESS [curl options]: posts a new comment (request's $code)
  local base=$1 reader=$2; shift 2
  n=$((n + 1))
  request "$base/api/v1/comments" --interface "$reader" "$@" -H 'Content-Type: application/json' \
    -d "{\"page\": \"/proxied\", \"title\": \"Proxied\", \"author\": \"Reader $n\",
         \"email\": \"reader$n@example.org\", \"body\": \"Comment $n through $proxy.\"}"
}

# check PROXY BASE [curl options for every request]
check() {
  proxy=$1 base=$2; shift 2
  local opts=("$@")
  request "$base/healthz" "${opts[@]}"
  expect "$proxy: GET /healthz" 200
  grep -q '"ok"' "$work/body" || fail "$proxy: /healthz said $(cat "$work/body")"
  request "$base/api/v1/config" "${opts[@]}"
  expect "$proxy: GET /api/v1/config" 200
  grep -q '"default_language"' "$work/body" || fail "$proxy: /api/v1/config said $(cat "$work/body")"
  request "$base/embed.js" "${opts[@]}"
  expect "$proxy: GET /embed.js" 200
  grep -q 'causerie' "$work/body" || fail "$proxy: /embed.js is not the embed script"

  # Each proxy gets its own two blocks: the limit counts per block and per hour.
  local a b c
  a=127.$((n + 1)).1.5 b=127.$((n + 1)).2.5 c=127.$((n + 1)).3.5
  post "$base" "$a" "${opts[@]}"
  expect "$proxy: a comment from reader $a" 201
  post "$base" "$a" "${opts[@]}"
  expect "$proxy: another from $a (its block's limit)" 429
  post "$base" "$b" "${opts[@]}"
  expect "$proxy: a comment from reader $b (another block)" 201
  post "$base" "$a" "${opts[@]}" -H "X-Forwarded-For: $c"
  expect "$proxy: $a forging X-Forwarded-For: $c" 429
  request "$base/api/v1/comments?page=/proxied" "${opts[@]}"
  expect "$proxy: GET /api/v1/comments" 200
  grep -q "through $proxy" "$work/body" || fail "$proxy: the comments posted are not listed"

  # /metrics: refused by the proxy itself, however it is spelled.
  request "$base/metrics" "${opts[@]}"
  expect "$proxy: GET /metrics" 403
  request "$base/metrics?format=text" "${opts[@]}"
  expect "$proxy: GET /metrics?x" 403
  request "$base/metrics/" "${opts[@]}"
  expect "$proxy: GET /metrics/" 403
  local spelling
  for spelling in //metrics /%6detrics /./metrics /x/../metrics; do
    request "$base$spelling" --path-as-is "${opts[@]}"
    case $code in
      2*) fail "$proxy: GET $spelling reached the metrics ($code)" ;;
      *) echo "   ok  $proxy: GET $spelling: $code" ;;
    esac
  done
}

echo "-- nginx (contrib/nginx.conf)"
hport=$(free_port) sport=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=comments.example.org \
  -addext subjectAltName=DNS:comments.example.org \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cp contrib/nginx.conf "$work/nginx-site.conf"
replace "$work/nginx-site.conf" "server 127.0.0.1:8080;" "server 127.0.0.1:$cport;"
replace "$work/nginx-site.conf" "listen 80;" "listen 127.0.0.1:$hport;"
replace "$work/nginx-site.conf" "listen [::]:80;" "listen [::1]:$hport;"
replace "$work/nginx-site.conf" "listen 443 ssl http2;" "listen 127.0.0.1:$sport ssl http2;"
replace "$work/nginx-site.conf" "listen [::]:443 ssl http2;" "listen [::1]:$sport ssl http2;"
replace "$work/nginx-site.conf" /etc/letsencrypt/live/comments.example.org/fullchain.pem "$work/cert.pem"
replace "$work/nginx-site.conf" /etc/letsencrypt/live/comments.example.org/privkey.pem "$work/key.pem"
# What /etc/nginx/nginx.conf gives a site: here, everything under $work.
mkdir -m 0777 "$work/nginx"
cat > "$work/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 64; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx-site.conf;
}
NGINX
nginx -t -q -e "$work/nginx-error.log" -c "$work/nginx.conf" || fail "nginx -t refuses contrib/nginx.conf"
nginx -e "$work/nginx-error.log" -c "$work/nginx.conf" &
pids+=($!)
tls=(--resolve "comments.example.org:$sport:127.0.0.1" --cacert "$work/cert.pem")
wait_for "https://comments.example.org:$sport/healthz" "${tls[@]}"
request "http://127.0.0.1:$hport/healthz" -H 'Host: comments.example.org'
expect "nginx: plain HTTP is sent to HTTPS" 301
check nginx "https://comments.example.org:$sport" "${tls[@]}"

echo "-- Caddy (contrib/Caddyfile)"
pport=$(free_port)
cp contrib/Caddyfile "$work/Caddyfile"
# No certificate authority is reachable from CI: plain HTTP on a port of loopback.
replace "$work/Caddyfile" "comments.example.org {" "http://comments.example.org:$pport {"
replace "$work/Caddyfile" "reverse_proxy 127.0.0.1:8080" "reverse_proxy 127.0.0.1:$cport"
caddy fmt contrib/Caddyfile | diff -u contrib/Caddyfile - || fail "contrib/Caddyfile is not as caddy fmt writes it"
export XDG_CONFIG_HOME=$work/caddy XDG_DATA_HOME=$work/caddy
caddy validate --adapter caddyfile --config "$work/Caddyfile" > "$work/caddy-validate.log" 2>&1 \
  || fail "caddy validate refuses contrib/Caddyfile"
# Caddy's admin API (localhost:2019) off, in a global block before the example's: the
# CI machine may have that port taken.
printf '{\n\tadmin off\n}\n\n' | cat - "$work/Caddyfile" > "$work/Caddyfile.run"
mv "$work/Caddyfile.run" "$work/Caddyfile"
caddy run --adapter caddyfile --config "$work/Caddyfile" > "$work/caddy.log" 2>&1 &
pids+=($!)
plain=(--resolve "comments.example.org:$pport:127.0.0.1")
wait_for "http://comments.example.org:$pport/healthz" "${plain[@]}"
check Caddy "http://comments.example.org:$pport" "${plain[@]}"

echo "-- /metrics, on loopback, without a proxy"
# Causerie itself serves it to loopback: what the proxies refused above was theirs to
# refuse (the readers they played, 127.1.x.5, are loopback addresses too, which
# metrics_allow lets in: only the proxy stands between them and the metrics).
request "http://127.0.0.1:$cport/metrics"
expect "direct GET /metrics" 200

echo "proxies: ok ($SECONDS s)"
