# Sourced by the contrib/ checks: a free TCP port on loopback for a server to listen on.
#
# Chosen below the kernel's range of ephemeral ports (32768-60999 on Debian), where an
# outgoing connection of anything on the machine may hold a local port that refuses
# connections yet cannot be bound; and proven free by binding it, not by connecting.
free_port() {
  local candidate
  for _ in $(seq 1 100); do
    candidate=$((20000 + RANDOM % 12000))
    if python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))' "$candidate" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "FAIL: no free port" >&2
  return 1
}
