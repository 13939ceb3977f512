"""The collector's verbs and settings on small, hand-made data whose answers are known:
report (table, JSON, CSV, --by any dimensions, --top, --since/--until, --sources),
status, tail (filters, --json, hostile messages), lateness, trimming that keeps what
another group still needs, a sensor appearing while the collector runs, SIGTERM,
the config file (errors with file:line) and the password from a file or the environment.
"""
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ictw_resp  # noqa: E402

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")

C = ictw.COLLECTOR
DAY = int(time.time()) // 86400 * 86400 - 2 * 86400      # two days ago, 00:00 UTC


def ts(sec, usec=0):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%06d+0000" % usec


def alert(t, sid=1001, sev=2, src="198.51.100.1", dst="10.0.0.1", dport=502, cat="Attempted Information Leak",
          msg="ICTW test rule", app="modbus", host="s1"):
    rec = {"timestamp": ts(t), "event_type": "alert", "src_ip": src, "src_port": 40000, "dest_ip": dst,
           "dest_port": dport, "proto": "TCP",
           "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1, "signature": msg,
                     "category": cat, "severity": sev}, "app_proto": app, "host": host}
    return json.dumps(rec)


def run(*args, **kw):
    return ictw.run([C] + list(args), **kw)


TTL_SLACK = 300     # seconds a key's TTL may have run down between the collector's write and the check


def check_ttls(r, windows, times, what):
    """windows: (label, size, retention, counts_only). Every bucket of the given event times must
    exist with TTL in (retention - TTL_SLACK, retention] on its count, first and last keys, and
    (full windows) on its distinct-source HyperLogLogs and top-source sets."""
    bad = []
    for label, size, retention, counts_only in windows:
        starts = sorted({t // size * size for t in times})
        got = sorted(int(x) for x in r.cmd("ZRANGE", "ictwatch:agg:%s:windows" % label, "0", "-1"))
        if got != starts:
            bad.append("%s: buckets %r, expected %r" % (label, got, starts))
        for start in starts:
            base = "ictwatch:agg:%s:%d:" % (label, start)
            keys = [base + "count", base + "first", base + "last"]
            src = r.cmd("KEYS", base + "src:*")
            top = r.cmd("KEYS", base + "top:*")
            if counts_only:
                if src or top:
                    bad.append("%s: a counts-only window has %r" % (label, (src + top)[:2]))
            else:
                if not src or not top:
                    bad.append("%s %d: no src HyperLogLog or top-source set" % (label, start))
                keys += [k.decode() for k in src + top]
            for k in keys:
                ttl = r.cmd("TTL", k)
                if not (retention - TTL_SLACK < ttl <= retention):
                    bad.append("%s: TTL %r, expected (%d, %d]" % (k, ttl, retention - TTL_SLACK, retention))
    ictw.check(not bad, "%s: every bucket key's TTL is its window's retention (%s), from the write" %
               (what, ", ".join("%s:%d" % (w[0], w[2]) for w in windows)), "\n".join(bad[:20]))


rd = ictw.Redis()
try:
    r = ictw_resp.Resp(unix=rd.sock)
    U = rd.unix_url
    # s1 (KZ): 3 alerts sid 1001 from two /24s, 1 alert sid 2002 severity 1; s2 (UZ): 2 alerts sid 1001.
    data = {
        "s1": [alert(DAY + 3600 + 10, src="198.51.100.1"), alert(DAY + 3600 + 20, src="198.51.100.2"),
               alert(DAY + 7200 + 5, src="203.0.113.9"),
               alert(DAY + 7200 + 6, sid=2002, sev=1, cat="Web Application Attack", msg="ICTW, \"quoted\" rule",
                     dport=80, app="http", src="203.0.113.9")],
        "s2": [alert(DAY + 3600 + 30, src="198.51.100.7", host="s2"),
               alert(DAY + 3600 + 40, src="192.0.2.1", host="s2")],
    }
    for s, recs in data.items():
        for js in recs:
            r.cmd("XADD", "ictwatch:eve:{%s}" % s, "*", "eve", js)
    r.cmd("SADD", "ictwatch:sensors", "s1", "s2")
    r.cmd("HSET", "ictwatch:sensor:{s1}", "country", "KZ", "organisation", "KZ-CERT")
    r.cmd("HSET", "ictwatch:sensor:{s2}", "country", "UZ", "organisation", "UZ-CERT")
    # another application's group that has read but not acknowledged s1's entries
    r.cmd("XGROUP", "CREATE", "ictwatch:eve:{s1}", "archiver", "0")
    r.cmd("XREADGROUP", "GROUP", "archiver", "arch-1", "COUNT", "2", "STREAMS", "ictwatch:eve:{s1}", ">")

    res = run("run", "--redis", U, "--consumer", "v1", "--drain", "--lateness", "1h")
    ictw.check(res.returncode == 0, "run --drain", res.stderr)
    s1_len = r.cmd("XLEN", "ictwatch:eve:{s1}")
    s2_len = r.cmd("XLEN", "ictwatch:eve:{s2}")
    ictw.check(s1_len == 4 and s2_len == 0,
               "trim keeps entries another group still has pending (s1: %d of 4 kept), trims the rest (s2: %d)"
               % (s1_len, s2_len))
    r.cmd("XACK", "ictwatch:eve:{s1}", "archiver", *[e[0] for e in r.cmd("XRANGE", "ictwatch:eve:{s1}", "-", "+")][:1])

    # Retention: apply.c sets each bucket key's TTL with EXPIRE to the window's retention at every
    # write, i.e. retention counted from the write, not from the bucket's end (the buckets here are
    # two days old; measured from their end, the minute buckets would already have expired).
    check_ttls(r, [("1m", 60, 2 * 86400, True), ("1h", 3600, 35 * 86400, False), ("1d", 86400, 400 * 86400, False)],
               [DAY + 3600 + 10, DAY + 7200 + 6], "default windows")

    rep = run("report", "--redis", U, "--window", "day", "--by", "country,signature", "--format", "json")
    doc = json.loads(rep.stdout or "{}")
    rows = {(x["country"], x["signature"]): x for x in doc.get("rows", [])}
    ictw.check(doc.get("total") == 6 and rows.get(("KZ", "1:1001:1"), {}).get("count") == 3 and
               rows.get(("UZ", "1:1001:1"), {}).get("count") == 2 and
               rows.get(("KZ", "1:2002:1"), {}).get("count") == 1,
               "report --by country,signature counts", rep.stdout + rep.stderr)
    kz = rows.get(("KZ", "1:1001:1"), {})
    ictw.check(kz.get("src") == 3 and kz.get("dst") == 1 and kz.get("msg") == "ICTW test rule" and
               kz.get("first_seen") == ts(DAY + 3600 + 10).replace("+0000", "Z") and
               kz.get("last_seen") == ts(DAY + 7200 + 5).replace("+0000", "Z"),
               "distinct sources/destinations, message, exact first/last seen", kz)

    rep = run("report", "--redis", U, "--window", "hour", "--by", "src_prefix", "--format", "json")
    rows = {x["src_prefix"]: x["count"] for x in json.loads(rep.stdout or "{}").get("rows", [])}
    ictw.check(rows == {"198.51.100.0/24": 3, "203.0.113.0/24": 2, "192.0.2.0/24": 1},
               "report --by src_prefix (/24)", rows)

    rep = run("report", "--redis", U, "--window", "hour", "--by", "window,sensor", "--format", "csv")
    table = list(csv.reader(io.StringIO(rep.stdout)))
    ictw.check(table and table[0][:3] == ["window", "sensor", "count"] and len(table) == 4,
               "report --by window,sensor as CSV: header and one row per hour and sensor", rep.stdout)

    rep = run("report", "--redis", U, "--window", "day", "--by", "signature", "--format", "csv")
    table = list(csv.reader(io.StringIO(rep.stdout)))
    ictw.check(any(row[1] == 'ICTW, "quoted" rule' for row in table[1:]),
               "CSV quotes commas and quotes (RFC 4180)", rep.stdout)

    rep = run("report", "--redis", U, "--window", "day", "--by", "severity,dest_port,app_proto", "--top", "1")
    lines = rep.stdout.splitlines()
    ictw.check(rep.returncode == 0 and any(l.split()[:4] == ["2", "502", "modbus", "5"] for l in lines) and
               "1 of 2 groups" in rep.stdout, "table: aligned columns, --top 1 keeps the largest", rep.stdout)
    hdr = [l for l in lines if l.startswith("severity")]
    sep = [l for l in lines if l.startswith("--------")]
    ictw.check(hdr and sep and len(hdr[0].rstrip()) <= len(sep[0]), "table has a header and a rule line")

    rep = run("report", "--redis", U, "--window", "day", "--by", "signature", "--sources", "2", "--format", "json")
    rows = {x["signature"]: x for x in json.loads(rep.stdout or "{}").get("rows", [])}
    ictw.check(rows.get("1:2002:1", {}).get("top_sources") == "203.0.113.9 (1)",
               "--sources lists the top sources of a signature", rows)

    rep = run("report", "--redis", U, "--window", "hour", "--by", "sensor", "--since", ts(DAY + 7200).replace(
        "+0000", "Z"), "--until", ts(DAY + 7300).replace("+0000", "Z"), "--format", "json")
    doc = json.loads(rep.stdout or "{}")
    ictw.check(doc.get("total") == 2 and doc.get("buckets") == 1, "--since/--until select buckets", rep.stdout)
    rep = run("report", "--redis", U, "--since", "1h", "--format", "json")
    ictw.check(json.loads(rep.stdout or "{}").get("total") == 0, "--since 1h: nothing in the last hour")
    rep = run("report", "--redis", U, "--by", "nonsense")
    ictw.check(rep.returncode != 0 and "unknown dimension 'nonsense'" in rep.stderr, "unknown dimension is an error")

    # lateness: s1's newest is DAY+7206; an event of DAY+60 is beyond 1h of lateness for hour windows.
    r.cmd("XADD", "ictwatch:eve:{s1}", "*", "eve", alert(DAY + 60))
    r.cmd("XADD", "ictwatch:eve:{s1}", "*", "eve", alert(DAY + 7200 + 100))
    res = run("run", "--redis", U, "--consumer", "v1", "--drain", "--lateness", "1h")
    c = ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{s1}"))
    late_h = r.cmd("HGETALL", "ictwatch:agg:1h:%d:late" % DAY)
    ictw.check(int(c.get("late:1h", 0)) == 1 and int(c.get("late:1d", 0)) == 0 and len(late_h) == 2 and
               int(late_h[1]) == 1, "an event beyond the lateness is counted as late, not lost", (c, late_h))
    rep = run("report", "--redis", U, "--window", "hour", "--by", "sensor", "--format", "json")
    rows = {x["sensor"]: x for x in json.loads(rep.stdout or "{}").get("rows", [])}
    ictw.check(rows["s1"]["count"] == 5 and rows["s1"]["late"] == 1, "report shows the late count", rows)

    # status
    st = run("status", "--redis", U)
    ictw.check(st.returncode == 0 and "s1" in st.stdout and "KZ" in st.stdout and "lag" in st.stdout and
               "pending" in st.stdout and "v1" in st.stdout, "status table lists sensors and collectors", st.stdout)
    doc = json.loads(run("status", "--redis", U, "--format", "json").stdout or "{}")
    s1 = [x for x in doc.get("sensors", []) if x["sensor"] == "s1"]
    ictw.check(s1 and s1[0]["alerts"] == 6 and s1[0]["lag"] == 0 and s1[0]["pending"] == 0,
               "status JSON: alerts, lag and pending of a sensor", doc)

    # tail with filters
    tail = subprocess.Popen([C, "tail", "--redis", U, "--severity", "1", "--count", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if r.cmd("PUBSUB", "NUMSUB", "ictwatch:alerts")[1] > 0:
            break
        time.sleep(0.05)
    r.cmd("PUBLISH", "ictwatch:alerts", alert(DAY, sev=3, msg="not shown"))
    r.cmd("PUBLISH", "ictwatch:alerts", b"\xff\xfe not json")
    r.cmd("PUBLISH", "ictwatch:alerts", alert(DAY, sev=1, msg="shown one\x1b[31m", sid=7))
    r.cmd("PUBLISH", "ictwatch:alerts", alert(DAY, sev=1, msg="shown two", sid=8, host="s2"))
    out, err = tail.communicate(timeout=20)
    lines = out.splitlines()
    ictw.check(tail.returncode == 0 and len(lines) == 2 and "shown one" in lines[0] and "[1:7:1]" in lines[0] and
               "198.51.100.1:40000 -> 10.0.0.1:502" in lines[0] and "\x1b" not in out and "not shown" not in out,
               "tail --severity 1 --count 2: readable lines, filtered, no control characters", out + err)
    tail = subprocess.Popen([C, "tail", "--redis", U, "--sensor", "s2", "--json", "--count", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        if r.cmd("PUBSUB", "NUMSUB", "ictwatch:alerts")[1] > 0:
            break
        time.sleep(0.05)
    r.cmd("PUBLISH", "ictwatch:alerts", alert(DAY, msg="from s1"))
    r.cmd("PUBLISH", "ictwatch:alerts", alert(DAY, msg="from s2", host="s2"))
    out, _ = tail.communicate(timeout=20)
    ictw.check(json.loads(out.splitlines()[0])["alert"]["signature"] == "from s2",
               "tail --sensor s2 --json prints the raw alert", out)

    # a sensor appearing while the collector runs, then SIGTERM
    p = subprocess.Popen([C, "run", "--redis", U, "--consumer", "v2", "--set", "discover-interval=1s"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    r.cmd("XADD", "ictwatch:eve:{s3-new}", "*", "eve", alert(DAY + 3600, host="s3-new"))
    for _ in range(100):
        c = ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{s3-new}"))
        if c.get("alerts") == b"1":
            break
        time.sleep(0.1)
    ictw.check(c.get("alerts") == b"1", "a new sensor's stream is found (SCAN) and consumed while running")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    ictw.check(p.returncode == 0 and "stopped after" in err, "SIGTERM: clean exit with a summary", err[-500:])

    # config file errors name the file and line
    conf = os.path.join(rd.dir, "bad.conf")
    with open(conf, "w") as f:
        f.write("# comment\nbatch-size = 100\nlateness = soon\n")
    res = run("run", "-c", conf, "--redis", U)
    ictw.check(res.returncode == 2 and "bad.conf:3: lateness" in res.stderr, "bad value: file:line in the message",
               res.stderr)
    with open(conf, "w") as f:
        f.write("windwos = 1h:1d\n")
    res = run("status", "-c", conf, "--redis", U)
    ictw.check(res.returncode == 2 and "bad.conf:1: unknown setting 'windwos'" in res.stderr,
               "unknown setting: file:line", res.stderr)
    res = run("report", "--redis", "redis://user:secret@127.0.0.1:%d" % rd.port)
    ictw.check(res.returncode != 0 and "no password in the URL" in res.stderr, "a password in the URL is refused",
               res.stderr)
    res = run("report", "--lateness", "1h", "--redis", U)
    ictw.check(res.returncode == 2 and "not an option of 'report'" in res.stderr, "an option of another verb is refused")
finally:
    rd.close()

# password from a file or the environment
rd = ictw.Redis()
try:
    rd.cli("CONFIG", "SET", "requirepass", "s3cret-pw")
    pw = os.path.join(rd.dir, "pw")
    with open(pw, "w") as f:
        f.write("s3cret-pw\n")
    res = ictw.run([C, "status", "--redis", rd.url, "--set", "redis.password-file=" + pw])
    ictw.check(res.returncode == 0 and "0 sensors" in res.stdout, "password from redis.password-file", res.stderr)
    env = dict(os.environ, ICTWATCH_REDIS_PASSWORD="s3cret-pw")
    res = ictw.run([C, "status", "--redis", rd.url], env=env)
    ictw.check(res.returncode == 0, "password from $ICTWATCH_REDIS_PASSWORD", res.stderr)
    env = dict(os.environ, ICTWATCH_REDIS_PASSWORD="wrong")
    res = ictw.run([C, "status", "--redis", rd.url], env=env)
    ictw.check(res.returncode != 0 and "refused the credentials" in res.stderr, "a wrong password is reported",
               res.stderr)
    subprocess.run(["redis-cli", "-s", rd.sock, "-a", "s3cret-pw", "--no-auth-warning", "CONFIG", "SET",
                    "requirepass", ""], capture_output=True)
finally:
    rd.close()
# custom windows: only these exist, each with its own retention
rd = ictw.Redis()
try:
    r = ictw_resp.Resp(unix=rd.sock)
    times = [DAY + 3600 + 10, DAY + 3600 + 1000, DAY + 86400 + 30]
    for t in times:
        r.cmd("XADD", "ictwatch:eve:{s1}", "*", "eve", alert(t))
    res = run("run", "--redis", rd.unix_url, "--drain", "--lateness", "3d", "--set",
              "windows=15m:3h, 2d:10d:counts, 1h:7d")
    ictw.check(res.returncode == 0, "run --drain with custom windows", res.stderr)
    check_ttls(r, [("15m", 900, 3 * 3600, False), ("2d", 2 * 86400, 10 * 86400, True), ("1h", 3600, 7 * 86400, False)],
               times, "windows=15m:3h, 2d:10d:counts, 1h:7d")
    other = [k for k in r.cmd("KEYS", "ictwatch:agg:*") if k.split(b":")[2] not in (b"15m", b"2d", b"1h")
             and k.split(b":")[2] not in (b"counters", b"watermark", b"signatures")]
    ictw.check(not other, "no buckets of the default windows", other[:5])
finally:
    rd.close()
ictw.finish()
