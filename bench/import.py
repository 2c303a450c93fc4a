#!/usr/bin/env python3
"""Import benchmark: a generated WordPress export (WXR 1.2) imported by Causerie and by
Isso (`isso import -t wordpress`), side by side in one run, on the same file.

    bench/run.sh --import              # 200 MB export; writes its table into BENCHMARKS.md
    bench/run.sh --import --size 20    # another size (MB); results in bench/results/import/

Measured per engine: wall time, peak memory of the importing process (ru_maxrss, from
wait4), comments stored. Causerie's import must store exactly the comments the
generator wrote (by status), and a second run must add none: the benchmark fails
otherwise. Causerie's memory must not grow with the file: the 20 MB and full-size
runs are compared in the table.
"""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = BENCH / ".venv"
sys.path.insert(0, str(BENCH))
from bench import write_benchmarks  # noqa: E402

BEGIN = "<!-- import:begin (written by bench/run.sh --import; edits between the markers are lost) -->"
END = "<!-- import:end -->"

WORDS = ("le café était déjà froid quand elle a répondu à l&#8217;article "
         "sur les jardins partagés de la ville l’hiver dernier et nous avons "
         "beaucoup appris grâce à vos conseils merci encore pour ce billet").split()


def text(rng: random.Random) -> str:
    n = rng.randint(20, 160)
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), '<a href="https://example.org/page">un lien</a>')
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), "<strong>important</strong>")
    body = " ".join(words)
    if rng.random() < 0.3:
        body += "\n\nUn second paragraphe &amp; une esperluette."
    return body


def generate(path: Path, size_mb: int, seed: int = 7) -> dict:
    """Writes a WXR 1.2 file of about `size_mb` MB; returns what it holds."""
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    expect = {"approved": 0, "pending": 0, "spam": 0, "deleted": 0, "pingbacks": 0,
              "threads": 0}
    post_id = 0
    comment_id = 0
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8" ?>\n'
                '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
                '\t<title>Blog de test</title>\n\t<link>https://blog.example.fr</link>\n'
                '\t<description>Généré pour le banc d&#8217;essai</description>\n'
                '\t<language>fr-FR</language>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n'
                '\t<wp:base_site_url>https://blog.example.fr</wp:base_site_url>\n'
                '\t<wp:base_blog_url>https://blog.example.fr</wp:base_blog_url>\n')
        while f.tell() < target:
            post_id += 1
            slug = f"article-{post_id}"
            f.write(f"\t<item>\n\t\t<title><![CDATA[Article n° {post_id}]]></title>\n"
                    f"\t\t<link>https://blog.example.fr/2020/{slug}/</link>\n"
                    f"\t\t<guid isPermaLink=\"false\">https://blog.example.fr/?p={post_id}</guid>\n"
                    f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
                    f"\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n"
                    f"\t\t<wp:post_name><![CDATA[{slug}]]></wp:post_name>\n"
                    f"\t\t<wp:status><![CDATA[publish]]></wp:status>\n"
                    f"\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n")
            ids = []
            kept = 0
            for _ in range(rng.randint(1, 60)):
                comment_id += 1
                r = rng.random()
                approved, kind = "1", "comment"
                if r < 0.03:
                    approved = "0"
                elif r < 0.04:
                    approved = "spam"
                elif r < 0.05:
                    approved = "trash"
                elif r < 0.06:
                    kind = "pingback"
                parent = rng.choice(ids) if ids and rng.random() < 0.3 else 0
                t = 1_500_000_000 + comment_id * 60
                date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
                local = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t + 3600))
                f.write(f"\t\t<wp:comment>\n"
                        f"\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
                        f"\t\t\t<wp:comment_author><![CDATA[Lectrice {comment_id % 997}]]></wp:comment_author>\n"
                        f"\t\t\t<wp:comment_author_email><![CDATA[lectrice{comment_id % 997}@example.org]]></wp:comment_author_email>\n"
                        f"\t\t\t<wp:comment_author_url>https://example.org/{comment_id % 31}</wp:comment_author_url>\n"
                        f"\t\t\t<wp:comment_author_IP><![CDATA[192.0.2.{comment_id % 250}]]></wp:comment_author_IP>\n"
                        f"\t\t\t<wp:comment_date><![CDATA[{local}]]></wp:comment_date>\n"
                        f"\t\t\t<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>\n"
                        f"\t\t\t<wp:comment_content><![CDATA[{text(rng)}]]></wp:comment_content>\n"
                        f"\t\t\t<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>\n"
                        f"\t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>\n"
                        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
                        f"\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
                        f"\t\t</wp:comment>\n")
                if kind == "pingback":
                    expect["pingbacks"] += 1
                    continue
                kept += 1
                ids.append(comment_id)
                expect[{"1": "approved", "0": "pending", "spam": "spam",
                        "trash": "deleted"}[approved]] += 1
            if kept:
                expect["threads"] += 1
            f.write("\t</item>\n")
        f.write("</channel>\n</rss>\n")
    expect["bytes"] = path.stat().st_size
    return expect


def measured(argv: list[str], env=None, cwd=None) -> dict:
    """Runs argv; its wall time, peak RSS (kB) and output."""
    start = time.monotonic()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    out, err = "", ""
    # wait4 gives the child's own rusage; read its pipes on threads meanwhile.
    import threading
    chunks = {"out": [], "err": []}
    t1 = threading.Thread(target=lambda: chunks["out"].append(p.stdout.read()))
    t2 = threading.Thread(target=lambda: chunks["err"].append(p.stderr.read()))
    t1.start()
    t2.start()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    t1.join()
    t2.join()
    out, err = "".join(chunks["out"]), "".join(chunks["err"])
    return {"seconds": time.monotonic() - start, "max_rss_kb": usage.ru_maxrss,
            "code": p.returncode, "out": out, "err": err}


def causerie_import(bin_: str, tmp: Path, wxr: Path) -> tuple[dict, dict]:
    db = tmp / "causerie.db"
    cfg = tmp / "causerie.toml"
    cfg.write_text(f'database_url = "sqlite://{db}"\norigins = ["https://blog.example.fr"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUSERIE_")}
    env["CAUSERIE_CONFIG"] = str(cfg)
    env["RUST_LOG"] = "warn"
    subprocess.run([bin_, "migrate"], env=env, check=True, capture_output=True)
    first = measured([bin_, "import", "wordpress", str(wxr)], env=env)
    if first["code"] != 0:
        raise SystemExit(f"causerie import failed: {first['err']}")
    again = measured([bin_, "import", "wordpress", str(wxr)], env=env)
    if again["code"] != 0:
        raise SystemExit(f"causerie import (again) failed: {again['err']}")
    con = sqlite3.connect(db)
    first["stored"] = dict(con.execute("SELECT status, COUNT(*) FROM comments GROUP BY status"))
    first["threads"] = con.execute("SELECT COUNT(*) FROM threads").fetchone()[0]
    con.close()
    return first, again


def isso_import(tmp: Path, wxr: Path) -> dict:
    db = tmp / "isso.db"
    cfg = tmp / "isso.cfg"
    cfg.write_text(f"[general]\ndbpath = {db}\nhost = https://blog.example.fr/\n")
    r = measured([str(VENV / "bin" / "isso"), "-c", str(cfg), "import", "-t", "wordpress",
                  str(wxr)], cwd=tmp)
    if r["code"] != 0:
        r["stored"] = None
        return r
    con = sqlite3.connect(db)
    r["stored"] = con.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
    r["threads"] = con.execute("SELECT COUNT(*) FROM threads").fetchone()[0]
    con.close()
    return r


def check(expect: dict, first: dict, again: dict) -> list[str]:
    problems = []
    for status in ("approved", "pending", "spam", "deleted"):
        if first["stored"].get(status, 0) != expect[status]:
            problems.append(f"{status}: stored {first['stored'].get(status, 0)}, "
                            f"the file holds {expect[status]}")
    if first["threads"] != expect["threads"]:
        problems.append(f"threads: {first['threads']} stored, {expect['threads']} in the file")
    if "comments: 0 added" not in again["out"]:
        problems.append(f"the second import added comments: {again['out']}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--causerie-bin", required=True)
    ap.add_argument("--causerie-rev", default="?")
    ap.add_argument("--size", type=int, default=200, help="MB of WXR (default 200)")
    ap.add_argument("--small", type=int, default=20,
                    help="MB of the smaller run, to see whether memory grows with the file")
    ap.add_argument("--no-isso", action="store_true")
    ap.add_argument("--write", choices=("auto", "yes", "no"), default="auto")
    args = ap.parse_args()
    out = BENCH / "results" / "import"
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="causerie-import-bench-") as t:
        tmp = Path(t)
        for size in sorted({args.small, args.size}):
            run_dir = tmp / f"{size}"
            run_dir.mkdir()
            wxr = run_dir / "export.xml"
            print(f"== generating {size} MB of WXR", flush=True)
            expect = generate(wxr, size)
            print(f"   {expect}", flush=True)
            print("== causerie import", flush=True)
            first, again = causerie_import(args.causerie_bin, run_dir, wxr)
            problems = check(expect, first, again)
            print(f"   {first['seconds']:.1f} s, {first['max_rss_kb'] / 1024:.1f} MB peak; "
                  f"again: {again['seconds']:.1f} s", flush=True)
            isso = None
            if not args.no_isso:
                print("== isso import", flush=True)
                isso = isso_import(run_dir, wxr)
                print(f"   {isso['seconds']:.1f} s, {isso['max_rss_kb'] / 1024:.1f} MB peak, "
                      f"code {isso['code']}", flush=True)
            results[size] = {"expect": expect, "causerie": first, "again": again,
                             "isso": isso, "problems": problems}
            if problems:
                print("FAILED: " + "; ".join(problems), file=sys.stderr)
                (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
                return 1
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    md = table(results, args)
    (out / "table.md").write_text(md)
    print(md)
    if args.write == "yes" or (args.write == "auto" and args.size >= 200):
        write_benchmarks(md, ROOT / "BENCHMARKS.md", BEGIN, END, heading="Imports")
    return 0


def table(results: dict, args) -> str:
    lines = ["| export (WXR 1.2) | comments | Causerie: time | Causerie: peak memory | "
             "Causerie: again (adds nothing) | Isso: time | Isso: peak memory | Isso: stored |",
             "|---|---|---|---|---|---|---|---|"]
    for size, r in sorted(results.items()):
        e, c, a, i = r["expect"], r["causerie"], r["again"], r["isso"]
        n = e["approved"] + e["pending"] + e["spam"] + e["deleted"]
        if i is None:
            iso = "| | | |"
        elif i["code"] != 0:
            iso = f"| failed (exit {i['code']}) | {i['max_rss_kb'] / 1024:,.0f} MB | |"
        else:
            iso = (f"| {i['seconds']:.1f} s | {i['max_rss_kb'] / 1024:,.0f} MB | "
                   f"{i['stored']:,} |")
        lines.append(f"| {e['bytes'] / 1048576:,.0f} MB, {e['threads']:,} posts | {n:,} "
                     f"(+ {e['pingbacks']:,} pingbacks left out) | {c['seconds']:.1f} s | "
                     f"{c['max_rss_kb'] / 1024:,.0f} MB | {a['seconds']:.1f} s {iso}")
    lines.append("")
    lines.append(f"Causerie {args.causerie_rev} (release), SQLite; Isso from bench/.venv. "
                 "Peak memory is the importing process's maximum resident set (wait4).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
