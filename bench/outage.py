"""PostgreSQL goes away under a running Causerie (issue 19): how long a post waits for
its 503, what the answer says, whether cached threads are still served, and how soon
posting works again once the database is back.

The database is reached through a TCP gate of our own (like tests/api/outage.rs): to
take PostgreSQL away the gate stops listening (new connections are refused) and cuts
the connections it relays, which is what a stopped or restarting server looks like
from Causerie's side; no root and no restart of the machine's cluster are needed.
Run from bench.py when a PostgreSQL server is given (`--postgres URL`, else
BENCH_POSTGRES_URL or TEST_POSTGRES_URL, as CI exports): a role allowed to create
databases, as the tests need. The database it creates is dropped at the end."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

#: Issue 19: a post fails within this when the database refuses connections.
TARGET_S = 2.0
#: Posts tried during the outage, one after the other.
TRIES = 5
#: How long reads of the cached page are made during the outage.
READ_SECS = 2.0


class Gate:
    """A relay from a local port to PostgreSQL that can be closed and opened again on
    the same port."""

    def __init__(self, upstream: tuple[str, int], port: int):
        self.upstream, self.port = upstream, port
        self.lock = threading.Lock()
        self.relayed: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", self.port))
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        s.listen(64)
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def close(self) -> None:
        """The database goes away: connections refused, the open ones cut."""
        with self.lock:
            if self.listener is not None:
                # shutdown() wakes the accept() blocked on it; close() alone does not.
                try:
                    self.listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.listener.close()
                self.listener = None
            for s in self.relayed:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.relayed.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:
                    client.close()
                    server.close()
                    return
                self.relayed += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def server_url() -> str | None:
    for var in ("BENCH_POSTGRES_URL", "TEST_POSTGRES_URL"):
        if os.environ.get(var):
            return os.environ[var]
    return None


def psql(url: str, sql: str) -> None:
    subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", url, "-c", sql], check=True,
                   capture_output=True, text=True, timeout=60)


def run(B, causerie_bin: str, pg: str, tmp: Path) -> dict:
    """The measure; B is the bench module (Server, http, free_port)."""
    if not shutil.which("psql"):
        raise RuntimeError("the outage measure needs psql (Debian: postgresql-client)")
    u = urllib.parse.urlsplit(pg)
    name = f"causerie_bench_outage_{os.getpid()}"
    psql(pg, f"DROP DATABASE IF EXISTS {name}")
    psql(pg, f"CREATE DATABASE {name}")
    gate = Gate((u.hostname or "127.0.0.1", u.port or 5432), B.free_port())
    netloc = (u.netloc.rsplit("@", 1)[0] + "@" if "@" in u.netloc else "") + f"127.0.0.1:{gate.port}"
    db_url = urllib.parse.urlunsplit((u.scheme, netloc, f"/{name}", u.query, ""))
    port = B.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUSERIE_")}
    env.update({"CAUSERIE_LISTEN": f"127.0.0.1:{port}", "CAUSERIE_DATABASE_URL": db_url,
                "CAUSERIE_LIMITS": "off", "CAUSERIE_MODERATION": "none"})
    srv = B.Server("causerie-postgres", [causerie_bin], env, tmp / "causerie-postgres.log",
                   f"{base}/healthz")
    page = "/bench/outage"

    def post(i: int) -> tuple[int, dict, float]:
        t = time.monotonic()
        st, headers, _ = B.http("POST", f"{base}/api/v1/comments", {
            "page": page, "title": "Outage", "author": f"Reader {i}",
            "email": f"reader{i}@example.org", "body": f"Comment {i} during the measure."})
        return st, headers, time.monotonic() - t

    try:
        srv.start()
        for i in range(3):
            st, _, _ = post(i)
            if st != 201:
                raise RuntimeError(f"outage: posting before the outage: {st}")
        read = f"{base}/api/v1/comments?page={page}"
        if B.http("GET", read)[0] != 200:
            raise RuntimeError("outage: the page does not read before the outage")

        gate.close()
        went = time.monotonic()
        tries = [post(100 + i) for i in range(TRIES)]
        reads = ok_reads = 0
        until = time.monotonic() + READ_SECS
        while time.monotonic() < until:
            reads += 1
            ok_reads += B.http("GET", read)[0] == 200
        down_s = time.monotonic() - went

        gate.open()
        back = time.monotonic()
        recovered = None
        i = 200
        while time.monotonic() - back < 60:
            st, _, _ = post(i)
            i += 1
            if st == 201:
                recovered = time.monotonic() - back
                break
            time.sleep(0.1)
    finally:
        srv.stop()
        gate.close()
        try:
            psql(pg, f"DROP DATABASE IF EXISTS {name}")
        except (subprocess.SubprocessError, OSError) as e:
            print(f"  note: could not drop {name}: {e}", flush=True)

    statuses = sorted({st for st, _, _ in tries})
    retry_after = sorted({{k.lower(): v for k, v in h.items()}.get("retry-after", "")
                          for _, h, _ in tries})
    r = {
        "post_s": [round(t, 3) for _, _, t in tries],
        "post_max_s": round(max(t for _, _, t in tries), 3),
        "statuses": statuses,
        "retry_after": retry_after,
        "reads": reads, "reads_ok": ok_reads, "down_s": round(down_s, 1),
        "recovered_s": None if recovered is None else round(recovered, 2),
    }
    r["met"] = (r["post_max_s"] <= TARGET_S and statuses == [503] and "" not in retry_after
                and ok_reads == reads and recovered is not None)
    print(f"  PostgreSQL away: posts answered {statuses} in at most {r['post_max_s']:.2f} s "
          f"(Retry-After {', '.join(retry_after)}), cached reads {ok_reads}/{reads} served; "
          f"posting again {r['recovered_s']} s after it came back", flush=True)
    return r


def table(r: dict | None) -> list[str]:
    if not r:
        return []
    rec = "never (60 s)" if r["recovered_s"] is None else f"{r['recovered_s']:.2f} s"
    return [
        "",
        "PostgreSQL goes away (issue 19): Causerie on PostgreSQL through a TCP gate that "
        "stops taking connections and cuts the open ones; "
        f"{TRIES} posts one after the other, then {READ_SECS:.0f} s of reads of the page "
        f"(cached), then the gate opens again and a post is tried every 100 ms. Target: "
        f"a post is answered `503` with `Retry-After` within {TARGET_S:.0f} s, cached "
        "threads stay served, posting comes back by itself.",
        "",
        "| post answered | slowest of the posts | `Retry-After` | cached reads served | "
        "posting again after | target |",
        "|---|---:|---|---:|---:|---|",
        f"| {', '.join(map(str, r['statuses']))} | {r['post_max_s']:.2f} s | "
        f"{', '.join(r['retry_after']) or 'none'} | {r['reads_ok']:,} of {r['reads']:,} | "
        f"{rec} | {'met' if r['met'] else 'not yet'} |",
    ]
