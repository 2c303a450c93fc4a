#!/usr/bin/env python3
"""Causerie's benchmark, side by side with Isso and with the ceiling (issue 8).

Run it through `bench/run.sh`, which installs wrk and Isso and builds the binaries,
then runs this file with the virtual environment's Python (Isso's own code is used to
write its database rows). What it does, in one run on this machine:

1. starts Causerie (CAUSERIE_LIMITS=off, CAUSERIE_MODERATION=none) and Isso (gunicorn,
   two workers, guard and moderation off), each on a fresh SQLite file on 127.0.0.1;
2. posts the hot page's 100 comments through each one's HTTP API, stops both, writes
   the rest of the comments (100,000 in all, over 1,000 pages) straight into each
   SQLite file with the rows shaped exactly like the ones the APIs just wrote, and
   starts both again;
3. measures with wrk: reads of the hot page (32 connections), counts of 50 pages in one
   request (32 connections), posts (8 connections, every body unique), then counts
   what each database really holds against the 2xx answers; the ceiling (a bare
   actix-web handler serving Causerie's own answer from memory) is read the same way;
4. reads each server's memory (VmRSS; Isso: gunicorn's master and workers), the size
   of each embed as served gzipped, and writes a Markdown table with the ratios.

With --scaling (`bench/run.sh --scaling`), Causerie alone: the hot page's read with the
thread cache off (CAUSERIE_CACHE_MB=0, so that every read is SQLite's work) and on, in
databases of 1,000 and of 1,000,000 comments (100 per page), the four cells taking
turns; it writes its own table in BENCHMARKS.md (between the scaling markers).

Every server is started in its own process group and stopped at the end, whatever
happens (finally, atexit, SIGINT/SIGTERM). All load goes to 127.0.0.1, bounded in time.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gzip
import html
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import outage

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WRK_DIR = BENCH / "wrk"
VENV = BENCH / ".venv"
CEILING_BIN = BENCH / "ceiling" / "target" / "release" / "causerie-bench-ceiling"
BEGIN_MARK = "<!-- bench:begin (written by bench/run.sh; edits between the markers are lost) -->"
END_MARK = "<!-- bench:end -->"
SCALING_BEGIN = ("<!-- scaling:begin (written by bench/run.sh --scaling; edits between the "
                 "markers are lost) -->")
SCALING_END = "<!-- scaling:end -->"
DEFAULT_SIZES = "1000,1000000"

HOT_PAGE = "/bench/hot"
POST_PAGE = "/bench/posts"
HOT_COMMENTS = 100
COUNT_PAGES = 50


def page_key(i: int) -> str:
    """Page 0 is the hot page; the others are /bench/p0001…"""
    return HOT_PAGE if i == 0 else f"/bench/p{i:04d}"


# ---------------------------------------------------------------- processes


class Server:
    """A server process in its own process group, so that stopping it stops its
    children too (gunicorn's workers) and nothing else."""

    running: list["Server"] = []

    def __init__(self, name: str, argv: list[str], env: dict, log: Path, ready_url: str):
        self.name, self.argv, self.env, self.log, self.ready_url = name, argv, env, log, ready_url
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Server":
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=logf, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.log.parent,
        )
        logf.close()
        Server.running.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers: ready
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {self.ready_url} within {timeout} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        if self in Server.running:
            Server.running.remove(self)
        self.proc = None


def stop_all() -> None:
    for s in list(Server.running):
        try:
            s.stop()
        except Exception as e:  # keep stopping the others
            print(f"warning: stopping {s.name}: {e}", file=sys.stderr)


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv: list[str], **kw) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


def rss_kb(pid: int) -> tuple[int, int, int]:
    """(VmRSS, VmHWM, Pss) in kB of one process."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            vals[k] = int(v.split()[0])
    pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0), pss


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append(int(d.name))
    return out


# ---------------------------------------------------------------- HTTP


def http(method: str, url: str, body=None, headers=None, timeout=30):
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# ---------------------------------------------------------------- data

WORDS = (
    "the article reads well and the argument holds but I wonder about the second part "
    "where the numbers come from since last year things changed quite a lot in our town "
    "thanks for writing this I shared it with my colleagues who agree with most of it "
    "would you say more about the method and how long it took to get there maybe next time"
).split()


def comment_text(rng: random.Random, n: int = 150) -> str:
    """About 150 characters of plain prose: letters, spaces, commas and a final full
    stop, so that both engines' Markdown/HTML rendering is a plain paragraph."""
    words: list[str] = []
    while len(" ".join(words)) < n - 12:
        words.append(rng.choice(WORDS))
        if len(words) % 9 == 0:
            words[-1] += ","
    s = " ".join(words).rstrip(",")
    return s[0].upper() + s[1:] + "."


def distribution(total: int, pages: int) -> list[int]:
    """Comments per page: the hot page has HOT_COMMENTS; the rest share the others."""
    rest = total - HOT_COMMENTS
    base, extra = divmod(rest, pages - 1)
    return [HOT_COMMENTS] + [base + (1 if i <= extra else 0) for i in range(1, pages)]


def post_hot_page(engine: str, base: str, rng: random.Random) -> None:
    for i in range(HOT_COMMENTS):
        author, email, text = f"Reader {i:03d}", f"reader{i:03d}@example.org", comment_text(rng)
        if engine == "causerie":
            st, _, body = http("POST", f"{base}/api/v1/comments", {
                "page": HOT_PAGE, "title": "Hot article", "author": author,
                "email": email, "body": text})
        else:
            st, _, body = http("POST", f"{base}/new?uri={HOT_PAGE}", {
                "text": text, "author": author, "email": email, "website": None,
                "title": "Hot article"})
        if st != 201:
            raise RuntimeError(f"{engine}: posting hot comment {i}: {st} {body[:300]!r}")


def causerie_html(raw: str) -> str:
    return "<p>" + html.escape(raw, quote=False) + "</p>"


def bulk_causerie(db: Path, per_page: list[int], rng: random.Random,
                  texts: list[str] | None = None) -> None:
    """Writes the comments of pages 1… straight into Causerie's tables
    (migrations/sqlite/*/up.sql), shaped like the hot page's rows that the API wrote.

    One transaction, the migrations' indexes and triggers in place (so
    `thread_changes` gets a row per comment, as the server's own inserts would).
    `texts`: bodies to take in turn rather than one new text per comment (1,000,000
    comments: 1.3 s of Python instead of 10)."""
    con = sqlite3.connect(db)
    # Enough page cache for the whole load, so that each page is written once, at the
    # commit; and statement journals in memory: every INSERT fires a trigger, so SQLite
    # keeps one per statement, and on disk that is ~20 pwrite() per row (1,000,000
    # rows: 26 s instead of 14).
    con.execute("PRAGMA cache_size = -1048576")
    con.execute("PRAGMA temp_store = MEMORY")
    rows = con.execute(
        "SELECT c.body_raw, c.body_html, c.ip, c.status, c.depth, length(c.edit_token_hash) "
        "FROM comments c JOIN threads t ON t.id = c.thread_id WHERE t.page = ?", (HOT_PAGE,)
    ).fetchall()
    assert len(rows) == HOT_COMMENTS, f"causerie: {len(rows)} hot rows"
    for raw, body_html, ip, status, depth, toklen in rows:
        if causerie_html(raw) != body_html:
            raise RuntimeError(f"causerie renders {raw!r} as {body_html!r}: update causerie_html()")
        assert status == "approved" and depth == 0, (status, depth)
    toklen = rows[0][5]
    now = int(time.time())
    total = sum(per_page[1:])
    t0 = now - 400 * 86400
    with con:
        con.executemany(
            "INSERT INTO threads (page, title, closed, created_at) VALUES (?, ?, 0, ?)",
            [(page_key(i), f"Article {i}", t0) for i in range(1, len(per_page))])
        ids = dict(con.execute("SELECT page, id FROM threads"))

        def gen():
            k = 0
            for i in range(1, len(per_page)):
                tid = ids[page_key(i)]
                for j in range(per_page[i]):
                    k += 1
                    raw = texts[k % len(texts)] if texts else comment_text(rng)
                    # ip NULL: these comments are older than ip_retention_days, and
                    # Causerie's daily purge would have forgotten their address.
                    yield (tid, f"Reader {i}-{j}", f"reader-{i}-{j}@example.org", raw,
                           causerie_html(raw), None, "%064x" % rng.getrandbits(256),
                           t0 + (k * 300 * 86400) // max(total, 1))
        con.executemany(
            "INSERT INTO comments (thread_id, parent_id, depth, author, email, website, "
            "body_raw, body_html, status, hold_reason, moderator, notify_replies, ip, "
            "edit_token_hash, created_at, edited_at) "
            "VALUES (?, NULL, 0, ?, ?, NULL, ?, ?, 'approved', NULL, 0, 0, ?, ?, ?, NULL)",
            gen())
    if toklen != 64:
        print(f"note: causerie's edit_token_hash has {toklen} characters", file=sys.stderr)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def bulk_isso(db: Path, per_page: list[int], rng: random.Random) -> None:
    """Writes the comments of pages 1… straight into Isso's tables (isso/db/*.py),
    shaped like the hot page's rows that Isso's API wrote (voters: Isso's own
    Bloom filter of the address)."""
    from isso.utils import Bloomfilter  # the virtual environment's Isso

    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT c.text, c.mode, c.remote_addr FROM comments c JOIN threads t ON t.id = c.tid "
        "WHERE t.uri = ?", (HOT_PAGE,)).fetchall()
    assert len(rows) == HOT_COMMENTS, f"isso: {len(rows)} hot rows"
    assert all(m == 1 for _, m, _ in rows), "isso: hot comments not published"
    addr = rows[0][2]
    voters = memoryview(Bloomfilter(iterable=[addr]).array)
    total = sum(per_page[1:])
    t0 = time.time() - 400 * 86400
    with con:
        con.executemany("INSERT INTO threads (uri, title) VALUES (?, ?)",
                        [(page_key(i), f"Article {i}") for i in range(1, len(per_page))])
        ids = dict(con.execute("SELECT uri, id FROM threads"))

        def gen():
            k = 0
            for i in range(1, len(per_page)):
                tid = ids[page_key(i)]
                for j in range(per_page[i]):
                    k += 1
                    yield (tid, t0 + k * 300 * 86400 / max(total, 1), addr, comment_text(rng),
                           f"Reader {i}-{j}", f"reader-{i}-{j}@example.org", voters)
        con.executemany(
            "INSERT INTO comments (tid, parent, created, modified, mode, remote_addr, text, "
            "author, email, website, likes, dislikes, voters, notification) "
            "VALUES (?, NULL, ?, NULL, 1, ?, ?, ?, ?, NULL, 0, 0, ?, 0)", gen())
    con.close()


def stored(engine: str, db: Path, page: str) -> tuple[int, int]:
    """(rows, distinct bodies) of one page, read-only, while the server runs."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if engine == "causerie":
            q = ("SELECT count(*), count(DISTINCT body_raw) FROM comments c "
                 "JOIN threads t ON t.id = c.thread_id WHERE t.page = ?")
        else:
            q = ("SELECT count(*), count(DISTINCT text) FROM comments c "
                 "JOIN threads t ON t.id = c.tid WHERE t.uri = ?")
        return tuple(con.execute(q, (page,)).fetchone())
    finally:
        con.close()


def total_rows(engine: str, db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM comments").fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------- wrk


HZ = os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + f[4]  # idle + iowait
    return (sum(f[:8]) - idle) / HZ, sum(f[:8]) / HZ


def process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (all their threads)."""
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / HZ


#: How long settle() waits at most: --quick makes it short, since its figures only
#: show that the pipeline works (CI runs it, on machines that are rarely quiet).
SETTLE_LIMIT_S = 15.0


def settle(quiet: float = 0.10) -> float:
    """Waits (at most SETTLE_LIMIT_S) until the machine is quiet: less than `quiet` of
    its CPU busy over a quarter of a second. The server measured before may still be
    working through requests its clients gave up on (Isso's workers finish the requests
    they had read, for seconds after wrk stopped): without the wait, whoever is measured
    next pays for it. Returns the seconds waited, and says when the machine never
    became quiet."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < SETTLE_LIMIT_S:
        b0, c0 = machine_busy()
        time.sleep(0.25)
        b1, c1 = machine_busy()
        if c1 > c0 and (b1 - b0) / (c1 - c0) < quiet:
            return time.monotonic() - t0
    print(f"  (the machine was still busy after {SETTLE_LIMIT_S:.0f} s: measuring anyway)",
          flush=True)
    return time.monotonic() - t0


def wrk(name: str, url: str, script: str, conns: int, secs: int, out: Path, env=None,
        pids: list[int] | None = None) -> dict:
    """One wrk run, once the machine is quiet. With `pids` (the server's processes),
    also accounts for the CPU: the server's, wrk's, and what other processes on the
    machine took meanwhile."""
    settle()
    threads = min(2, conns)
    busy0, total0 = machine_busy()
    srv0 = process_cpu(pids or [])
    ch0 = os.times()
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s", "--timeout", "10s", "--latency",
            "-s", str(WRK_DIR / script), url]
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(argv, env=e, capture_output=True, text=True, timeout=secs + 60)
    ch1 = os.times()
    busy1, total1 = machine_busy()
    srv = process_cpu(pids or []) - srv0
    wrk_cpu = (ch1.children_user - ch0.children_user) + (ch1.children_system - ch0.children_system)
    capacity = total1 - total0
    (out / f"wrk-{name}.txt").write_text(" ".join(argv) + "\n\n" + p.stdout + p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"wrk {name} failed ({p.returncode}): {p.stderr[-500:]}")
    m = re.search(r"^BENCH_JSON (.*)$", p.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk {name}: no result line; see {out}/wrk-{name}.txt")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors_total"] = sum(r["errors"].values())
    if pids:
        other = max(0.0, (busy1 - busy0) - srv - wrk_cpu)
        r["cpu"] = {"server_s": round(srv, 2), "wrk_s": round(wrk_cpu, 2),
                    "other_s": round(other, 2), "capacity_s": round(capacity, 2),
                    "other_share": round(other / capacity, 3) if capacity else 0}
    print(f"  {name:<22} {r['rps']:>10.1f} req/s  p50 {r['latency_us']['p50']/1000:8.2f} ms"
          f"  p99 {r['latency_us']['p99']/1000:8.2f} ms  errors {r['errors_total']}"
          + (f"  cpu: server {r['cpu']['server_s']:.1f} s, wrk {r['cpu']['wrk_s']:.1f} s, "
             f"others {r['cpu']['other_share']:.0%}" if "cpu" in r else ""), flush=True)
    return r


def combine(runs: list[dict]) -> dict:
    """Rounds of one measure: requests/s and latencies are the medians of the rounds
    (other processes on a shared machine come and go); counts are summed."""
    if len(runs) == 1:
        r = dict(runs[0])
        r["rounds"] = [runs[0]["rps"]]
        return r
    med = statistics.median
    r = {
        "requests": sum(x["requests"] for x in runs),
        "duration_us": sum(x["duration_us"] for x in runs),
        "bytes": sum(x["bytes"] for x in runs),
        "errors": {k: sum(x["errors"][k] for x in runs) for k in runs[0]["errors"]},
        "latency_us": {k: med([x["latency_us"][k] for x in runs]) for k in runs[0]["latency_us"]},
        "rps": med([x["rps"] for x in runs]),
        "rounds": [round(x["rps"], 1) for x in runs],
    }
    r["errors_total"] = sum(r["errors"].values())
    if "statuses" in runs[0]:
        st: dict = {}
        for x in runs:
            for k, v in x["statuses"].items():
                st[k] = st.get(k, 0) + v
        r["statuses"] = st
    if all("cpu" in x for x in runs):
        cap = sum(x["cpu"]["capacity_s"] for x in runs)
        r["cpu"] = {k: round(sum(x["cpu"][k] for x in runs), 2)
                    for k in ("server_s", "wrk_s", "other_s", "capacity_s")}
        r["cpu"]["other_share"] = round(r["cpu"]["other_s"] / cap, 3) if cap else 0
    return r


def wrk_version() -> str:
    p = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    m = re.search(r"wrk (\S+)", p.stdout + p.stderr)
    return m.group(1) if m else "?"


# ---------------------------------------------------------------- report


def machine(tmp_dir: Path) -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    # What a durable commit costs here: write 4 KiB and fsync, 200 times.
    fd, name = tempfile.mkstemp(prefix="fsync-", dir=tmp_dir)
    t = time.perf_counter()
    for _ in range(200):
        os.write(fd, b"x" * 4096)
        os.fsync(fd)
    fsync_us = (time.perf_counter() - t) / 200 * 1e6
    os.close(fd)
    os.unlink(name)
    debian = Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1048576, 1),
            "kernel": platform.release(), "debian": debian, "fsync_us": round(fsync_us),
            "fs": fs_type(tmp_dir)}


def fs_type(path: Path) -> str:
    try:
        return run(["df", "--output=fstype", str(path)]).split()[-1]
    except (subprocess.CalledProcessError, OSError):
        return "?"


def versions(causerie_rev: str) -> dict:
    from importlib.metadata import version
    rustc = run(["rustc", "--version"]).strip()
    return {"causerie": causerie_rev, "isso": version("isso"), "gunicorn": version("gunicorn"),
            "python": platform.python_version(), "sqlite (isso)": sqlite3.sqlite_version,
            "wrk": wrk_version(), "rustc": rustc}


def fmt_rps(x):
    return "—" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:,.1f}")


def fmt_ms(us):
    return "—" if us is None else (f"{us/1000:,.1f} ms" if us >= 10000 else f"{us/1000:,.2f} ms")


def ratio(a, b):
    if a is None or b in (None, 0):
        return "—"
    r = a / b
    if r >= 1:
        return f"{r:,.0f}×" if r >= 100 else f"{r:,.1f}×"
    return f"{r:.2f}×" if r >= 0.1 else f"1/{1 / r:,.0f}"


def table(res: dict) -> str:
    R = res["results"]
    cfg = res["config"]
    rd, ct, po = R["read"], R["counts"], R["posts"]
    mem, emb = R["memory"], R["embed"]
    tg = res["targets"]
    lines = [
        f"Run of {res['date']} ({'quick' if cfg['quick'] else 'full'} mode): "
        f"{cfg['total_comments']:,} comments over {cfg['pages']:,} pages; the hot page has "
        f"{HOT_COMMENTS} comments of about 150 characters. wrk, 2 threads, on the same machine "
        f"as the servers; each measure {cfg['rounds']} × {cfg['round_secs']} s, the engines "
        f"taking turns, each run once the machine is quiet (under 10 % busy)"
        + (" (medians of the rounds)." if cfg["rounds"] > 1 else "."),
        "",
        "| measure | Isso | Causerie | ceiling | Causerie / Isso | Causerie / ceiling | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]

    def row(name, i, c, ce, fmt, r_isso, r_ceil, target=""):
        lines.append(f"| {name} | {fmt(i)} | {fmt(c)} | {fmt(ce)} | {r_isso} | {r_ceil} | {target} |")

    row(f"reads of the hot page, requests/s ({cfg['read_conns']} connections; Causerie "
        "from its thread cache, as a published thread is read)",
        rd["isso"]["rps"], rd["causerie"]["rps"], rd["ceiling"]["rps"], fmt_rps,
        ratio(rd["causerie"]["rps"], rd["isso"]["rps"]),
        ratio(rd["causerie"]["rps"], rd["ceiling"]["rps"]), tg["read"])
    if "causerie_uncached" in rd:
        u = rd["causerie_uncached"]
        row("reads of the hot page with Causerie's thread cache off (`CAUSERIE_CACHE_MB=0`: "
            "every read queries SQLite), requests/s", rd["isso"]["rps"], u["rps"], None,
            fmt_rps, ratio(u["rps"], rd["isso"]["rps"]), "")
        lines.append(f"| reads with the cache off, p50 / p99 latency | "
                     f"{fmt_ms(rd['isso']['latency_us']['p50'])} / "
                     f"{fmt_ms(rd['isso']['latency_us']['p99'])} | "
                     f"{fmt_ms(u['latency_us']['p50'])} / {fmt_ms(u['latency_us']['p99'])} "
                     f"| — | | | |")
    for p in ("p50", "p99"):
        row(f"reads, {p} latency", rd["isso"]["latency_us"][p], rd["causerie"]["latency_us"][p],
            rd["ceiling"]["latency_us"][p], fmt_ms,
            ratio(rd["causerie"]["latency_us"][p], rd["isso"]["latency_us"][p]),
            ratio(rd["causerie"]["latency_us"][p], rd["ceiling"]["latency_us"][p]))
    def cpu_per_req(r):
        return r["cpu"]["server_s"] / r["requests"] * 1e6 if r.get("cpu") and r["requests"] else None

    def fmt_us(x):
        return "—" if x is None else f"{x:,.0f} µs"
    cr = {e: cpu_per_req(rd[e]) for e in rd}
    row("reads, server CPU time per request", cr["isso"], cr["causerie"], cr["ceiling"], fmt_us,
        ratio(cr["causerie"], cr["isso"]), ratio(cr["causerie"], cr["ceiling"]))
    if cr.get("causerie_uncached") is not None:
        row("reads with the cache off, server CPU time per request", cr["isso"],
            cr["causerie_uncached"], None, fmt_us, ratio(cr["causerie_uncached"], cr["isso"]),
            "")
    row(f"posts, requests/s ({cfg['post_conns']} connections)", po["isso"]["rps"],
        po["causerie"]["rps"], None, fmt_rps,
        ratio(po["causerie"]["rps"], po["isso"]["rps"]), "", tg["posts"])
    lines.append(f"| posts, p50 / p99 latency | {fmt_ms(po['isso']['latency_us']['p50'])} / "
                 f"{fmt_ms(po['isso']['latency_us']['p99'])} | "
                 f"{fmt_ms(po['causerie']['latency_us']['p50'])} / "
                 f"{fmt_ms(po['causerie']['latency_us']['p99'])} | — | | | |")

    def posts_cell(e):
        p = po[e]
        return (f"{p['ok']:,} 2xx, {p['not_ok']:,} other, {p['stored']:,} stored, "
                f"**{p['lost']} lost**")
    lines.append(f"| posts: answers vs rows in the database | {posts_cell('isso')} | "
                 f"{posts_cell('causerie')} | — | | | {tg['lost']} |")
    cp = {e: cpu_per_req(po[e]) for e in po}
    row("posts, server CPU time per request", cp["isso"], cp["causerie"], None, fmt_us,
        ratio(cp["causerie"], cp["isso"]), "")
    row(f"counts of {COUNT_PAGES} pages in one request, requests/s ({cfg['read_conns']} connections)",
        ct["isso"]["rps"], ct["causerie"]["rps"], None, fmt_rps,
        ratio(ct["causerie"]["rps"], ct["isso"]["rps"]), "")
    lines.append(
        f"| memory after the run (VmRSS) | {mem['isso']['rss_kb']/1024:,.1f} MB "
        f"(master + {mem['isso']['processes']-1} workers; PSS {mem['isso']['pss_kb']/1024:,.1f} MB) | "
        f"{mem['causerie']['rss_kb']/1024:,.1f} MB (peak {mem['causerie']['hwm_kb']/1024:,.1f} MB) | "
        f"{mem['ceiling']['rss_kb']/1024:,.1f} MB | "
        f"{ratio(mem['causerie']['rss_kb'], mem['isso']['rss_kb'])} | | {tg['memory']} |")
    hb = R["sizes"]["hot_page_bytes"]
    lines.append(f"| the hot page's answer (JSON, uncompressed) | {hb['isso']:,} B | "
                 f"{hb['causerie']:,} B | {hb['causerie']:,} B (the same bytes) | | | |")
    lines.append(
        f"| embed, gzipped | {emb['isso']['gzip']:,} B (embed.min.js, CSS inside) | "
        f"{emb['causerie']['gzip']:,} B (embed.js {emb['causerie']['js']:,} + embed.css "
        f"{emb['causerie']['css']:,}, as served) | — | "
        f"{ratio(emb['causerie']['gzip'], emb['isso']['gzip'])} | | |")
    if "causerie_metrics_off" in rd:
        on, off = rd["causerie"], rd["causerie_metrics_off"]
        con, coff = cpu_per_req(on), cpu_per_req(off)
        lines += [
            "",
            f"The cost of `/metrics`: the same reads of the hot page ({cfg['read_conns']} "
            "connections), from Causerie as configured by default (`metrics = on`: every "
            "request counted and timed) and from a second Causerie on the same database "
            "with `metrics = off`, taking turns with the others.",
            "",
            "| reads of the hot page | metrics on | metrics off | on / off |",
            "|---|---:|---:|---:|",
            f"| requests/s | {fmt_rps(on['rps'])} | {fmt_rps(off['rps'])} | "
            f"{ratio(on['rps'], off['rps'])} |",
        ]
        for p in ("p50", "p99"):
            lines.append(f"| {p} latency | {fmt_ms(on['latency_us'][p])} | "
                         f"{fmt_ms(off['latency_us'][p])} | "
                         f"{ratio(on['latency_us'][p], off['latency_us'][p])} |")
        def us1(x):
            return "—" if x is None else f"{x:,.1f} µs"
        lines.append(f"| server CPU time per request | {us1(con)} | {us1(coff)} | "
                     f"{ratio(con, coff)} |")
    lines += crowd_table(R)
    lines += outage.table(R.get("outage"))
    errs = []
    for kind in ("read", "counts", "posts"):
        for e in ("isso", "causerie", "causerie_metrics_off", "causerie_uncached", "ceiling"):
            r = R[kind].get(e)
            if r and r["errors_total"]:
                errs.append(f"{e} {kind}: {r['errors']}" + (
                    f" statuses {r['statuses']}" if "statuses" in r else ""))
    shares = [(f"{k} {e}", r["cpu"]["other_share"]) for k in ("read", "counts", "posts")
              for e, r in R[k].items() if r.get("cpu")]
    if shares:
        worst = max(shares, key=lambda x: x[1])
        avg = sum(x[1] for x in shares) / len(shares)
        lines += ["", f"Other processes on the machine took {avg:.0%} of its CPU during the "
                  f"measures on average (at most {worst[1]:.0%}, during {worst[0]}); the "
                  "CPU time per request does not depend on them, the requests/s do."]
    m = res["machine"]
    v = res["versions"]
    lines += [
        "",
        "Errors seen by wrk (non-2xx/3xx answers in `status`, and socket errors): "
        + ("; ".join(errs) if errs else "none") + ".",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Debian {m['debian']}; a 4 KiB write + fsync takes {m['fsync_us']:,} µs on the "
        f"databases' disk ({m['fs']}). Versions: Causerie {v['causerie']} (release build), "
        f"Isso {v['isso']} under gunicorn {v['gunicorn']} (2 sync workers, --preload) on "
        f"Python {v['python']} (SQLite {v['sqlite (isso)']}), wrk {v['wrk']}, {v['rustc']}.",
        "",
        "Data: the hot page's 100 comments were posted through each engine's HTTP API; the "
        "other comments were written straight into each SQLite file, in rows shaped like "
        "the ones the API wrote (checked), servers stopped, then restarted. Posts go to a "
        "fresh page, each with its own text, author and email; `stored` counts that "
        "page's rows in the database afterwards, `lost` = 2xx answers − rows stored "
        "(a few more rows than answers are requests still in flight when wrk stopped).",
    ]
    return "\n".join(lines) + "\n"


CROWD = 2_000
#: What a browser's fetch() sends; wrk sends no Accept-Encoding at all.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def crowd(pid: int, url: str, secs: int, out: Path, accept_encoding: str | None) -> dict:
    """2,000 readers at once on the hot page, `secs` seconds: requests/s, errors, and
    Causerie's memory (VmRSS) before, at its peak (sampled every 100 ms) and 10 s
    after the load ended (issue 19: peak ≤ 80 MB, back to ≤ 40 MB)."""
    import threading
    before = rss_kb(pid)[0]
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], rss_kb(pid)[0])
            except OSError:
                return
            done.wait(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    name = "crowd-" + ("browser" if accept_encoding else "identity")
    env = {"WRK_ACCEPT_ENCODING": accept_encoding} if accept_encoding else {}
    r = wrk(name, url, "fixed.lua", CROWD, secs, out, env, pids=[pid])
    done.set()
    t.join()
    ended = time.monotonic()
    time.sleep(max(0.0, 10.0 - (time.monotonic() - ended)))
    r.update(accept_encoding=accept_encoding, rss_before_kb=before, rss_peak_kb=peak[0],
             rss_after_10s_kb=rss_kb(pid)[0])
    print(f"  {name}: RSS {before / 1024:.1f} MB before, peak {peak[0] / 1024:.1f} MB, "
          f"{r['rss_after_10s_kb'] / 1024:.1f} MB 10 s after", flush=True)
    return r


def crowd_table(R: dict) -> list[str]:
    rows = R.get("crowd")
    if not rows:
        return []
    lines = [
        "",
        f"{CROWD:,} readers at once (issue 19): wrk with {CROWD:,} connections on the hot "
        "page, Causerie's VmRSS sampled every 100 ms, then read 10 s after the load ended. "
        f"Browsers send `Accept-Encoding: {BROWSER_ACCEPT_ENCODING}` and get the thread "
        "gzipped; a client that sends none gets it plain (40 KB), handed over 8 KiB at a "
        "time once a worker has over 64 connections open, since each connection keeps a "
        "copy of what it was sent. Target, for either: peak ≤ 80 MB, back to ≤ 40 MB "
        "within 10 s.",
        "",
        "| readers | requests/s | errors | RSS before | peak | 10 s after | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        who = "browsers (gzip)" if r["accept_encoding"] else "no Accept-Encoding"
        peak, after = r["rss_peak_kb"] / 1024, r["rss_after_10s_kb"] / 1024
        target = "met" if peak <= 80 and after <= 40 else "not yet"
        lines.append(f"| {who} | {fmt_rps(r['rps'])} | {r['errors_total']:,} | "
                     f"{r['rss_before_kb'] / 1024:,.1f} MB | {peak:,.1f} MB | "
                     f"{after:,.1f} MB | {target} |")
    return lines


def targets(R: dict) -> dict:
    rd, po = R["read"], R["posts"]
    t = {}
    rc = rd["causerie"]["rps"] / rd["ceiling"]["rps"]
    ri = rd["causerie"]["rps"] / rd["isso"]["rps"]
    t["read"] = f"≥ 0.7× ceiling and several hundred × Isso: {'met' if rc >= 0.7 and ri >= 200 else 'not yet'}"
    rp = po["causerie"]["rps"] / po["isso"]["rps"] if po["isso"]["rps"] else 0
    t["posts"] = f"≥ 10× Isso: {'met' if rp >= 10 else 'not yet'}"
    t["lost"] = f"0 lost: {'met' if po['causerie']['lost'] == 0 else 'NOT MET'}"
    mb = R["memory"]["causerie"]["rss_kb"] / 1024
    t["memory"] = f"< 30 MB: {'met' if mb < 30 else 'not yet'}"
    return t


def write_benchmarks(md: str, path: Path, begin: str = BEGIN_MARK, end: str = END_MARK,
                     heading: str = "Latest run") -> None:
    block = f"{begin}\n{md}{end}"
    if path.exists():
        text = path.read_text()
        if begin in text and end in text:
            pre, rest = text.split(begin, 1)
            _, post = rest.split(end, 1)
            path.write_text(pre + block + post)
            return
        path.write_text(text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n")
        return
    path.write_text("# Benchmarks\n\n`bench/run.sh` (see the README).\n\n## Latest run\n\n"
                    + block + "\n\n## What we learned\n\n")


# ---------------------------------------------------------------- scaling


def without_times(answer: bytes):
    """A read's JSON without its timestamps and avatar URLs: the same comments, posted
    at other times to another instance (each has its own secret for avatar keys)."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()
                    if not (k.endswith("_at") or k == "avatar")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return strip(json.loads(answer))


def scaling(args, cfg: dict, out: Path, tmp: Path) -> dict:
    """Causerie alone: the hot page's read with the thread cache off and on, in
    databases of cfg["sizes"] comments (100 per page; the hot page's 100 posted
    through the API, the rest written straight into the file)."""
    failures: list[str] = []
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUSERIE_")}
    base_env.update({"CAUSERIE_LIMITS": "off", "CAUSERIE_MODERATION": "none"})

    def server(name: str, db: Path, cache_mb: int) -> Server:
        port = free_port()
        env = dict(base_env, CAUSERIE_LISTEN=f"127.0.0.1:{port}",
                   CAUSERIE_DATABASE_URL=f"sqlite://{db}", CAUSERIE_CACHE_MB=str(cache_mb))
        srv = Server(name, [args.causerie_bin], env, tmp / f"{name}.log",
                     f"http://127.0.0.1:{port}/healthz")
        srv.base = f"http://127.0.0.1:{port}"
        return srv

    loads: dict = {}
    dbs: dict = {}
    texts = [comment_text(random.Random(3)) for _ in range(20_000)]
    for size in cfg["sizes"]:
        pages = max(2, size // HOT_COMMENTS)
        db = tmp / f"causerie-{size}.db"
        print(f"== loading {size:,} comments over {pages:,} pages", flush=True)
        srv = server(f"causerie-load-{size}", db, cfg["cache_on_mb"])
        srv.start()
        post_hot_page("causerie", srv.base, random.Random(1))
        srv.stop()
        t = time.monotonic()
        if size > HOT_COMMENTS:
            bulk_causerie(db, distribution(size, pages), random.Random(2), texts)
        secs = time.monotonic() - t
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        changes = con.execute("SELECT count(*) FROM thread_changes").fetchone()[0]
        con.close()
        n = total_rows("causerie", db)
        if n != size:
            failures.append(f"the {size:,}-comment database holds {n:,} comments")
        mb = sum(f.stat().st_size for f in tmp.glob(f"causerie-{size}.db*")) / 1e6
        loads[size] = {"pages": pages, "load_secs": round(secs, 1), "db_mb": round(mb, 1),
                       "thread_changes_rows": changes}
        print(f"  written in {secs:.1f} s: {mb:,.0f} MB on disk, {changes:,} rows in "
              "thread_changes", flush=True)
        dbs[size] = db

    cells = [(size, cache) for cache in ("off", "on") for size in cfg["sizes"]]
    servers: dict = {}
    for size, cache in cells:
        mb = 0 if cache == "off" else cfg["cache_on_mb"]
        servers[(size, cache)] = server(f"causerie-{size}-cache-{cache}", dbs[size], mb).start()

    # The same read everywhere: 100 comments, the same bytes but for the timestamps.
    answers, raw_bytes = {}, {}
    for (size, cache), srv in servers.items():
        st, _, body = http("GET", f"{srv.base}/api/v1/comments?page={HOT_PAGE}")
        doc = json.loads(body) if st == 200 else {}
        if st != 200 or doc.get("count") != HOT_COMMENTS or len(doc.get("comments", [])) != HOT_COMMENTS:
            failures.append(f"{size:,} comments, cache {cache}: the hot page gives {st}, "
                            f"count {doc.get('count')}")
        raw_bytes[(size, cache)] = len(body)
        # Avatar URLs are absolute, with the server's own address.
        answers[(size, cache)] = body.replace(srv.base.encode(), b"http://SERVER")
        (out / f"answer-{size}-cache-{cache}.json").write_bytes(body)
    sizes = cfg["sizes"]
    for size in sizes:
        if answers[(size, "off")] != answers[(size, "on")]:
            failures.append(f"{size:,} comments: cache off and on answer differently")
    if len({json.dumps(without_times(answers[(s_, 'off')]), sort_keys=True) for s_ in sizes}) != 1:
        failures.append("the hot page's answer differs between the databases (beyond timestamps)")
    answer_bytes = raw_bytes[(sizes[0], "off")]

    url = {c: f"{srv.base}/api/v1/comments?page={HOT_PAGE}" for c, srv in servers.items()}
    name = {c: f"{c[0]}-cache-{c[1]}" for c in cells}
    rounds, secs, warm = cfg["rounds"], cfg["round_secs"], cfg["warmup_secs"]
    print(f"== reads of the hot page, {cfg['read_conns']} connections, {rounds} × {secs} s "
          "per cell, the cells taking turns", flush=True)
    for c in cells:
        wrk(f"warmup-scaling-{name[c]}", url[c], "fixed.lua", cfg["read_conns"], warm, out)
    runs: dict = {c: [] for c in cells}
    for n in range(rounds):
        for c in cells:
            runs[c].append(wrk(f"scaling-{name[c]}-{n + 1}", url[c], "fixed.lua",
                               cfg["read_conns"], secs, out, pids=[servers[c].pid]))
    results = {}
    for c in cells:
        r = combine(runs[c])
        rss, hwm, _ = rss_kb(servers[c].pid)
        r["rss_kb"], r["hwm_kb"] = rss, hwm
        r["cpu_us_per_request"] = (r["cpu"]["server_s"] / r["requests"] * 1e6
                                   if r["requests"] else None)
        if r["errors_total"]:
            failures.append(f"{name[c]}: errors {r['errors']}")
        results[f"{c[0]}/{c[1]}"] = r

    log_lines = []
    for srv in servers.values():
        log_lines += [l for l in srv.log.read_text(errors="replace").splitlines()
                      if re.search(r"\b(WARN|ERROR)\b", l)
                      and "limits are OFF" not in l and "no smtp_url" not in l]
    if log_lines:
        print(f"  causerie logged {len(log_lines)} warnings/errors, e.g. {log_lines[0][:200]}",
              flush=True)
    for srv in servers.values():
        srv.stop()
    return {
        "mode": "scaling",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "config": cfg, "machine": machine(tmp), "versions": versions(args.causerie_rev),
        "loads": {str(k): v for k, v in loads.items()}, "answer_bytes": answer_bytes,
        "results": results, "causerie_log_warnings": {"count": len(log_lines),
                                                      "first": log_lines[:10]},
        "failures": failures,
    }


def scaling_table(res: dict) -> str:
    cfg, R, loads = res["config"], res["results"], res["loads"]
    sizes = cfg["sizes"]
    desc = " and ".join(f"{s:,} comments over {loads[str(s)]['pages']:,} pages" for s in sizes)
    lines = [
        f"Run of {res['date']} (scaling mode): Causerie alone, the hot page's read "
        f"(`GET /api/v1/comments?page={HOT_PAGE}`: {HOT_COMMENTS} comments, "
        f"{res['answer_bytes']:,} B of JSON) at {cfg['read_conns']} connections, with the "
        f"thread cache off (`CAUSERIE_CACHE_MB=0`: every read queries SQLite) and on "
        f"(`CAUSERIE_CACHE_MB={cfg['cache_on_mb']}`), in databases of {desc} (the hot page's "
        f"comments posted through the API, the others written straight into the SQLite "
        f"file). wrk, 2 threads, "
        f"on the same machine; each cell {cfg['rounds']} × {cfg['round_secs']} s, the cells "
        f"taking turns, each run once the machine is quiet (under 10 % busy)"
        + (" (medians of the rounds)." if cfg["rounds"] > 1 else "."),
        "",
        "| comments in the database | thread cache | requests/s | p50 latency | p99 latency "
        "| server CPU time per request | RSS after |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]

    def cpu(r):
        x = r["cpu_us_per_request"]
        return "—" if x is None else (f"{x:,.0f} µs" if x >= 100 else f"{x:,.1f} µs")

    for cache in ("off", "on"):
        for s in sizes:
            r = R[f"{s}/{cache}"]
            lines.append(f"| {s:,} | {cache} | {fmt_rps(r['rps'])} | "
                         f"{fmt_ms(r['latency_us']['p50'])} | {fmt_ms(r['latency_us']['p99'])} | "
                         f"{cpu(r)} | {r['rss_kb'] / 1024:,.1f} MB |")
    lo, hi = sizes[0], sizes[-1]

    def x(b, a):
        return "—" if a in (None, 0) or b is None else f"{b / a:.2f}×"
    for cache in ("off", "on"):
        a, b = R[f"{lo}/{cache}"], R[f"{hi}/{cache}"]
        lines.append(
            f"| **{hi:,} / {lo:,}** | {cache} | {x(b['rps'], a['rps'])} | "
            f"{x(b['latency_us']['p50'], a['latency_us']['p50'])} | "
            f"{x(b['latency_us']['p99'], a['latency_us']['p99'])} | "
            f"**{x(b['cpu_us_per_request'], a['cpu_us_per_request'])}** | "
            f"{x(b['rss_kb'], a['rss_kb'])} |")
    shares = [r["cpu"]["other_share"] for r in R.values() if r.get("cpu")]
    big = loads[str(hi)]
    m, v = res["machine"], res["versions"]
    lines += [
        "",
        f"The {hi:,}-comment database ({big['db_mb']:,.0f} MB on disk) was written in "
        f"{big['load_secs']:.1f} s: one transaction, `executemany`, the migrations' indexes "
        f"and triggers in place (so `thread_changes` holds {big['thread_changes_rows']:,} "
        "rows, far more than a running server keeps: it forgets them after an hour). "
        f"Other processes on the machine took {statistics.mean(shares):.0%} of its CPU during "
        f"the measures on average (at most {max(shares):.0%}); the CPU time per request does "
        "not depend on them, the requests/s do.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Debian {m['debian']}, the databases on {m['fs']}. Causerie {v['causerie']} "
        f"(release build), wrk {v['wrk']}, {v['rustc']}.",
    ]
    return "\n".join(lines) + "\n"


def scaling_main(args, out: Path) -> int:
    cfg = {
        "sizes": [int(x) for x in args.sizes.split(",")],
        "cache_on_mb": 8,
        "rounds": 3,
        "round_secs": 4,
        "warmup_secs": 2,
        "read_conns": 32,
    }
    tmp = Path(tempfile.mkdtemp(prefix="causerie-scaling-"))
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    try:
        res = scaling(args, cfg, out, tmp)
    finally:
        stop_all()
        for log in tmp.glob("*.log"):
            shutil.copy(log, out / log.name)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res["elapsed_s"] = round(time.monotonic() - started, 1)
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    md = scaling_table(res)
    (out / "table.md").write_text(md)
    print("\n" + md)
    if args.write == "yes" or (args.write == "auto" and args.sizes == DEFAULT_SIZES):
        write_benchmarks(md, ROOT / "BENCHMARKS.md", SCALING_BEGIN, SCALING_END,
                         "Reads as the database grows")
        print("BENCHMARKS.md updated")
    print(f"results in {out} ({res['elapsed_s']} s)")
    for f in res["failures"]:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if res["failures"] else 0


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small and fast: 2,000 comments over 100 pages, 5 s per measure")
    ap.add_argument("--scaling", action="store_true",
                    help="Causerie alone: the hot page's read, thread cache off and on, at "
                         "1,000 and 1,000,000 comments; writes its own table in BENCHMARKS.md")
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"with --scaling: database sizes, in comments (default {DEFAULT_SIZES}; "
                         "BENCHMARKS.md is written only for the default)")
    ap.add_argument("--causerie-bin", help="the release binary to measure")
    ap.add_argument("--causerie-rev", default="?", help="what the binary was built from")
    ap.add_argument("--out", help="results folder (default bench/results/full or quick)")
    ap.add_argument("--write", choices=("auto", "yes", "no"), default="auto",
                    help="write BENCHMARKS.md (auto: in full mode only)")
    ap.add_argument("--profile", type=int, default=0, metavar="SECS",
                    help="after measuring, record Causerie with perf for SECS s of reads")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--postgres", metavar="URL", default=outage.server_url(),
                    help="a PostgreSQL server (a role that may create databases) for the "
                         "outage measure (default: BENCH_POSTGRES_URL, else "
                         "TEST_POSTGRES_URL; without one the measure is skipped, and said)")
    ap.add_argument("--report", metavar="RESULTS_JSON",
                    help="only rewrite the table (and BENCHMARKS.md with --write yes) from a "
                         "results.json of an earlier run")
    args = ap.parse_args()
    if args.report:
        res = json.loads(Path(args.report).read_text())
        scaling_run = res.get("mode") == "scaling"
        md = scaling_table(res) if scaling_run else table(res)
        print(md)
        if args.write == "yes":
            if scaling_run:
                write_benchmarks(md, ROOT / "BENCHMARKS.md", SCALING_BEGIN, SCALING_END,
                                 "Reads as the database grows")
            else:
                write_benchmarks(md, ROOT / "BENCHMARKS.md")
        return 0
    if not args.causerie_bin:
        ap.error("--causerie-bin is required (bench/run.sh passes it)")
    if args.scaling:
        if args.quick or args.profile:
            ap.error("--scaling goes alone (not with --quick or --profile)")
        out = Path(args.out) if args.out else BENCH / "results" / "scaling"
        out.mkdir(parents=True, exist_ok=True)
        return scaling_main(args, out)

    quick = args.quick
    cfg = {
        "quick": quick,
        "total_comments": 2_000 if quick else 100_000,
        "pages": 100 if quick else 1_000,
        "rounds": 1 if quick else 3,
        "round_secs": 5 if quick else 7,
        "warmup_secs": 1 if quick else 3,
        "read_conns": 32,
        "post_conns": 8,
        "crowd_secs": 5 if quick else 10,
    }
    global SETTLE_LIMIT_S
    SETTLE_LIMIT_S = 3.0 if quick else 15.0
    out = Path(args.out) if args.out else BENCH / "results" / ("quick" if quick else "full")
    # wrk and Causerie each need a descriptor per reader of the crowd.
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CROWD + 1024
    if soft < want and (hard == resource.RLIM_INFINITY or hard >= want):
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="causerie-bench-"))
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    try:
        res = bench(args, cfg, out, tmp)
    finally:
        stop_all()
        for log in tmp.glob("*.log"):
            shutil.copy(log, out / log.name)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res["elapsed_s"] = round(time.monotonic() - started, 1)
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    md = table(res)
    (out / "table.md").write_text(md)
    print("\n" + md)
    if args.write == "yes" or (args.write == "auto" and not quick):
        write_benchmarks(md, ROOT / "BENCHMARKS.md")
        print("BENCHMARKS.md updated")
    print(f"results in {out} ({res['elapsed_s']} s)")
    failures = res["failures"]
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


def bench(args, cfg: dict, out: Path, tmp: Path) -> dict:
    # The databases live in tmp: on a disk, not tmpfs, or fsync would cost nothing.
    busy0, total0 = machine_busy()
    time.sleep(2)
    busy1, total1 = machine_busy()
    idle_share = 1 - (busy1 - busy0) / max(total1 - total0, 1e-9)
    if idle_share < 0.8:
        print(f"warning: other processes keep {1 - idle_share:.0%} of the CPU busy; the "
              "requests/s will be lower than on a quiet machine (ratios and CPU time per "
              "request much less so)", flush=True)
    per_page = distribution(cfg["total_comments"], cfg["pages"])
    failures: list[str] = []

    # --- Causerie
    c_port = free_port()
    c_base = f"http://127.0.0.1:{c_port}"
    c_db = tmp / "causerie.db"
    c_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUSERIE_")}
    c_env.update({
        "CAUSERIE_LISTEN": f"127.0.0.1:{c_port}",
        "CAUSERIE_DATABASE_URL": f"sqlite://{c_db}",
        "CAUSERIE_LIMITS": "off",
        "CAUSERIE_MODERATION": "none",
        "CAUSERIE_ADMIN_PASSWORD": "benchmark-only-password",
    })
    causerie = Server("causerie", [args.causerie_bin], c_env, tmp / "causerie.log",
                      f"{c_base}/healthz")

    # --- Isso
    i_port = free_port()
    i_base = f"http://127.0.0.1:{i_port}"
    i_db = tmp / "isso.db"
    (tmp / "isso.cfg").write_text(f"""[general]
dbpath = {i_db}
host = http://127.0.0.1:{i_port}/
notify = stdout
reply-notifications = false
gravatar = false
latest-enabled = false
[admin]
enabled = false
[moderation]
enabled = false
[server]
listen = http://127.0.0.1:{i_port}/
[guard]
enabled = false
require-author = false
require-email = false
""")
    i_env = dict(os.environ, ISSO_SETTINGS=str(tmp / "isso.cfg"))
    isso = Server("isso", [str(VENV / "bin" / "gunicorn"), "-b", f"127.0.0.1:{i_port}",
                           "-w", "2", "--preload", "--no-control-socket", "isso.run"],
                  i_env, tmp / "isso.log", f"{i_base}/config")

    print(f"== loading {cfg['total_comments']:,} comments over {cfg['pages']:,} pages", flush=True)
    t = time.monotonic()
    causerie.start()
    post_hot_page("causerie", c_base, random.Random(1))
    causerie.stop()
    isso.start()
    post_hot_page("isso", i_base, random.Random(1))
    isso.stop()
    bulk_causerie(c_db, per_page, random.Random(2))
    bulk_isso(i_db, per_page, random.Random(2))
    causerie.start()
    isso.start()
    load_secs = time.monotonic() - t
    print(f"  loaded in {load_secs:.1f} s", flush=True)

    # --- checks: both hold the same data
    for e, db in (("causerie", c_db), ("isso", i_db)):
        n = total_rows(e, db)
        if n != cfg["total_comments"]:
            failures.append(f"{e} holds {n} comments, not {cfg['total_comments']}")
    st, _, c_hot = http("GET", f"{c_base}/api/v1/comments?page={HOT_PAGE}")
    doc = json.loads(c_hot)
    if st != 200 or doc["count"] != HOT_COMMENTS or len(doc["comments"]) != HOT_COMMENTS:
        failures.append(f"causerie's hot page: {st}, count {doc.get('count')}")
    st, _, i_hot = http("GET", f"{i_base}/?uri={HOT_PAGE}")
    idoc = json.loads(i_hot)
    if st != 200 or idoc["total_replies"] != HOT_COMMENTS or len(idoc["replies"]) != HOT_COMMENTS:
        failures.append(f"isso's hot page: {st}, total_replies {idoc.get('total_replies')}")
    count_keys = [page_key(i) for i in range(1, COUNT_PAGES + 1)]
    c_counts_url = f"{c_base}/api/v1/counts?" + "&".join(f"page={k}" for k in count_keys)
    st, _, body = http("GET", c_counts_url)
    c_counts = json.loads(body)
    (tmp / "isso-count.json").write_text(json.dumps(count_keys))
    st2, _, body2 = http("POST", f"{i_base}/count", count_keys)
    i_counts = json.loads(body2)
    want = [per_page[i] for i in range(1, COUNT_PAGES + 1)]
    if st != 200 or [c_counts.get(k) for k in count_keys] != want:
        failures.append(f"causerie's counts: {st} {str(c_counts)[:200]}")
    if st2 != 200 or i_counts != want:
        failures.append(f"isso's counts: {st2} {str(i_counts)[:200]}")

    # --- the ceiling: Causerie's own answer, from memory
    (tmp / "hot.json").write_bytes(c_hot)
    e_port = free_port()
    e_base = f"http://127.0.0.1:{e_port}"
    ceiling = Server("ceiling", [str(CEILING_BIN), f"127.0.0.1:{e_port}", str(tmp / "hot.json")],
                     dict(os.environ), tmp / "ceiling.log", f"{e_base}/healthz")
    ceiling.start()
    st, _, e_hot = http("GET", f"{e_base}/api/v1/comments?page={HOT_PAGE}")
    if e_hot != c_hot:
        failures.append("the ceiling does not serve Causerie's bytes")

    def beside(name: str, what: str, **setting) -> tuple[Server, str]:
        """Another Causerie on the same database, with one setting changed; it must
        serve the same hot page."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(c_env, CAUSERIE_LISTEN=f"127.0.0.1:{port}", **setting)
        srv = Server(name, [args.causerie_bin], env, tmp / f"{name}.log", f"{base}/healthz")
        srv.start()
        st, _, hot = http("GET", f"{base}/api/v1/comments?page={HOT_PAGE}")
        if st != 200 or without_times(hot) != without_times(c_hot):
            failures.append(f"causerie with {what}: {st}, not the same hot page")
        return srv, base

    # --- the same Causerie with `metrics = off`: what counting every request costs
    nometrics, n_base = beside("causerie-metrics-off", "metrics off", CAUSERIE_METRICS="off")
    st, _, _ = http("GET", f"{n_base}/metrics")
    if st != 404:
        failures.append(f"causerie with metrics off: /metrics answered {st}, not 404")

    # --- the same Causerie with its thread cache off: every read is SQLite's work
    # (the headline read above is served from the cache)
    uncached, u_base = beside("causerie-uncached", "the cache off", CAUSERIE_CACHE_MB="0")

    R: dict = {"read": {}, "counts": {}, "posts": {}, "sizes": {
        "hot_page_bytes": {"causerie": len(c_hot), "isso": len(i_hot)}}}
    secs, warm, rounds = cfg["round_secs"], cfg["warmup_secs"], cfg["rounds"]
    pids = {"isso": lambda: [isso.pid] + children(isso.pid),
            "causerie": lambda: [causerie.pid], "ceiling": lambda: [ceiling.pid],
            "causerie_metrics_off": lambda: [nometrics.pid],
            "causerie_uncached": lambda: [uncached.pid]}
    read_urls = {
        "isso": f"{i_base}/?uri={HOT_PAGE}",
        "causerie": f"{c_base}/api/v1/comments?page={HOT_PAGE}",
        "causerie_metrics_off": f"{n_base}/api/v1/comments?page={HOT_PAGE}",
        "causerie_uncached": f"{u_base}/api/v1/comments?page={HOT_PAGE}",
        "ceiling": f"{e_base}/api/v1/comments?page={HOT_PAGE}",
    }
    # Each measure runs in `rounds` rounds of `secs`, the engines taking turns, so
    # that a burst of other work on the machine does not fall on one engine only.
    print(f"== reads of the hot page, {cfg['read_conns']} connections, "
          f"{rounds} × {secs} s each", flush=True)
    for e, url in read_urls.items():
        wrk(f"warmup-read-{e}", url, "fixed.lua", cfg["read_conns"], warm, out)
    runs: dict = {e: [] for e in read_urls}
    for n in range(rounds):
        for e, url in read_urls.items():
            runs[e].append(wrk(f"read-{e}-{n + 1}", url, "fixed.lua", cfg["read_conns"],
                               secs, out, pids=pids[e]()))
    R["read"] = {e: combine(v) for e, v in runs.items()}
    nometrics.stop()
    uncached.stop()
    # The instance with metrics on counted every read it answered, under the pattern.
    st, _, body = http("GET", f"{c_base}/metrics")
    m = re.search(r'^causerie_http_requests_total\{method="GET",route="/api/v1/comments",'
                  r'status="200"\} (\d+)$', body.decode(errors="replace"), re.M)
    counted = int(m.group(1)) if m else 0
    answered = sum(r["requests"] for r in runs["causerie"])
    R["metrics"] = {"status": st, "reads_counted": counted, "reads_answered": answered}
    print(f"  /metrics: {st}, {counted:,} reads counted, wrk saw {answered:,} in the "
          f"measured rounds", flush=True)
    if st != 200 or counted < answered:
        failures.append(f"/metrics: {st}, {counted} reads counted of at least {answered}")

    print(f"== counts of {COUNT_PAGES} pages, {cfg['read_conns']} connections, "
          f"{rounds} × {secs} s each", flush=True)
    count_req = {
        "isso": (f"{i_base}/count", {"WRK_METHOD": "POST",
                                     "WRK_BODY_FILE": str(tmp / "isso-count.json")}),
        "causerie": (c_counts_url, {}),
    }
    runs = {e: [] for e in count_req}
    for n in range(rounds):
        for e, (url, env) in count_req.items():
            runs[e].append(wrk(f"counts-{e}-{n + 1}", url, "fixed.lua", cfg["read_conns"],
                               secs, out, env, pids=pids[e]()))
    R["counts"] = {e: combine(v) for e, v in runs.items()}

    print(f"== posts, {cfg['post_conns']} connections, {rounds} × {secs} s each", flush=True)
    nonce = f"{int(time.time())}"
    post_to = {"isso": (i_base, i_db), "causerie": (c_base, c_db)}
    runs = {e: [] for e in post_to}
    for n in range(rounds):
        for e, (base, db) in post_to.items():
            runs[e].append(wrk(f"posts-{e}-{n + 1}", base, "post.lua", cfg["post_conns"],
                               secs, out, {"WRK_ENGINE": e, "WRK_PAGE": POST_PAGE,
                                           "WRK_NONCE": f"{nonce}r{n}"}, pids=pids[e]()))
    time.sleep(0.5)  # answers still in flight when wrk stopped
    for e, (base, db) in post_to.items():
        r = combine(runs[e])
        ok = sum(v for k, v in r["statuses"].items() if 200 <= int(k) < 300)
        rows, distinct = stored(e, db, POST_PAGE)
        r.update(ok=ok, not_ok=sum(r["statuses"].values()) - ok, stored=rows,
                 distinct_bodies=distinct, lost=max(0, ok - rows), unanswered=max(0, rows - ok))
        print(f"  {e}: {ok} 2xx, statuses {r['statuses']}, {rows} stored "
              f"({distinct} distinct), lost {r['lost']}", flush=True)
        if e == "causerie" and r["lost"]:
            failures.append(f"causerie lost {r['lost']} comments answered 2xx")
        if distinct != rows:
            failures.append(f"{e}: {rows - distinct} posted bodies stored twice")
        R["posts"][e] = r

    # --- memory after the run
    mem = {}
    c_rss, c_hwm, c_pss = rss_kb(causerie.pid)
    mem["causerie"] = {"rss_kb": c_rss, "hwm_kb": c_hwm, "pss_kb": c_pss, "processes": 1}
    pids = [isso.pid] + children(isso.pid)
    vals = [rss_kb(p) for p in pids]
    mem["isso"] = {"rss_kb": sum(v[0] for v in vals), "hwm_kb": sum(v[1] for v in vals),
                   "pss_kb": sum(v[2] for v in vals), "processes": len(pids)}
    e_rss, e_hwm, e_pss = rss_kb(ceiling.pid)
    mem["ceiling"] = {"rss_kb": e_rss, "hwm_kb": e_hwm, "pss_kb": e_pss, "processes": 1}
    R["memory"] = mem

    # --- embed sizes, as served (Causerie) / gzipped at the best level (Isso serves it raw)
    sizes = {}
    for f in ("embed.js", "embed.css"):
        st, h, body = http("GET", f"{c_base}/{f}", headers={"Accept-Encoding": "gzip"})
        enc = {k.lower(): v for k, v in h.items()}.get("content-encoding")
        if st != 200 or enc != "gzip":
            failures.append(f"causerie /{f}: {st}, Content-Encoding {enc}")
        sizes[f] = len(body)
    from importlib.util import find_spec
    isso_js = Path(find_spec("isso").origin).parent / "js" / "embed.min.js"
    raw = isso_js.read_bytes()
    R["embed"] = {
        "causerie": {"js": sizes["embed.js"], "css": sizes["embed.css"],
                     "gzip": sizes["embed.js"] + sizes["embed.css"]},
        "isso": {"raw": len(raw), "gzip": len(gzip.compress(raw, 9))},
    }

    # --- 2,000 readers at once, after the memory above was read (it stays the
    # figure of the ordinary phases)
    print(f"== {CROWD:,} readers at once, {cfg['crowd_secs']} s each", flush=True)
    R["crowd"] = [crowd(causerie.pid, read_urls["causerie"], cfg["crowd_secs"], out, enc)
                  for enc in (BROWSER_ACCEPT_ENCODING, None)]

    # --- PostgreSQL goes away, on an instance of its own
    if args.postgres:
        print("== PostgreSQL goes away under a running Causerie", flush=True)
        R["outage"] = outage.run(sys.modules[__name__], args.causerie_bin, args.postgres, tmp)
    else:
        print("== PostgreSQL goes away: SKIPPED, no server (give --postgres URL or set "
              "BENCH_POSTGRES_URL)", flush=True)

    # --- what Causerie said meanwhile
    log = (tmp / "causerie.log").read_text(errors="replace")
    bad = [l for l in log.splitlines() if re.search(r"\b(WARN|ERROR)\b", l)
           and "limits are OFF" not in l and "no smtp_url" not in l]
    R["causerie_log_warnings"] = {"count": len(bad), "first": bad[:10]}
    if bad:
        print(f"  causerie logged {len(bad)} warnings/errors, e.g. {bad[0][:200]}", flush=True)

    # --- profile (optional): perf on Causerie during a read run
    if args.profile:
        profile(causerie.pid, read_urls["causerie"], cfg, args.profile, out)

    for k in ("read", "counts"):
        for e, r in R[k].items():
            if r["errors_total"] and e != "isso":
                failures.append(f"{e} {k}: errors {r['errors']}")
    out_r = R.get("outage")
    if out_r and (out_r["recovered_s"] is None or out_r["statuses"] != [503]
                  or out_r["reads_ok"] != out_r["reads"]):
        failures.append(f"causerie on PostgreSQL that went away: {out_r}")
    if R["posts"]["causerie"]["not_ok"]:
        failures.append(f"causerie posts: statuses {R['posts']['causerie']['statuses']}")

    causerie.stop()
    isso.stop()
    ceiling.stop()
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "config": cfg, "machine": machine(tmp), "versions": versions(args.causerie_rev),
        "load_secs": round(load_secs, 1), "busy_before_start": round(1 - idle_share, 3), "results": R, "targets": targets(R),
        "failures": failures,
    }


def profile(pid: int, url: str, cfg: dict, secs: int, out: Path) -> None:
    if not shutil.which("perf"):
        print("  no perf: skipping the profile", flush=True)
        return
    data = out / "perf-causerie-read.data"
    print(f"== perf on Causerie, {secs} s of reads", flush=True)
    # DWARF call graphs: the release binary has no frame pointers, but its unwind
    # tables are enough to attribute time to Causerie's functions.
    rec = subprocess.Popen(["perf", "record", "-F", "299", "--call-graph", "dwarf,16384",
                            "-p", str(pid), "-o", str(data), "--", "sleep", str(secs)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)
    wrk("profiled-read-causerie", url, "fixed.lua", cfg["read_conns"], secs, out)
    rec.wait(timeout=secs + 60)
    for name, opts in (("self", ["--no-children", "--sort", "sym", "--percent-limit", "0.5"]),
                       ("children", ["--children", "--sort", "sym", "--percent-limit", "2"]),
                       ("dso", ["--no-children", "--sort", "dso"])):
        rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none"] + opts,
                             capture_output=True, text=True)
        (out / f"perf-causerie-read-{name}.txt").write_text(rep.stdout + rep.stderr)
    print(f"  perf reports in {out}/perf-causerie-read-*.txt", flush=True)


if __name__ == "__main__":
    sys.exit(main())
