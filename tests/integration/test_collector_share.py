"""Three-country roll-up, end to end: three national Redis servers with their own
sensors' alerts, three national collectors, one regional Redis (with a password).
Each country shares Crypto-PAn-anonymised daily aggregates under one regional key;
`compare` must find the source prefix that was made to appear in all three countries
(hidden, with each country's count), keep RED data out of the regional store, take
AMBER only as a named recipient, hold each window once (re-sending replaces), skip
hostile documents, and write an HTML page that headless Chromium renders with its
charts and no console errors.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")
C = ictw.COLLECTOR
COUNTRIES = {"KZ": 37, "UZ": 41, "KG": 43}       # alerts from the campaign /24 per country
PAIR = {"KZ": 5, "UZ": 6}                         # a prefix seen by two countries only
RED_SIG = (1, 9999001, 1, "ICTW plant safety system touched", "Attempted Administrator Privilege Gain", 1)
PASSWORD = "regional-s3cret"
KEY_HEX = "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202"


def run(*args, env=None):
    e = dict(os.environ, ICTWATCH_REGIONAL_PASSWORD=PASSWORD)
    if env:
        e.update(env)
    return ictw.run([C] + list(args), env=e)


def national(rd, cc, seed):
    r = ictw_resp.Resp(unix=rd.sock)
    sensors = ["%s-s1" % cc.lower(), "%s-s2" % cc.lower()]
    # Yesterday 08:00-10:00 UTC: one day window whatever the time the test runs.
    t0 = (int(time.time()) // 86400 * 86400 - 86400 + 8 * 3600) * 1000000
    streams = eve_gen.generate(sensors, 1500, seed=seed, campaign=False, span_s=2 * 3600, t0_us=t0)
    rng = random.Random(seed)
    t = streams[sensors[0]][-1][1]["ts"]
    extra = []
    for i in range(COUNTRIES[cc]):
        extra.append(eve_gen.make_alert(rng, t - 1000000 * i, sensors[0], 0, 1 + i, src="100.64.77.%d" % (1 + i % 200)))
    for i in range(PAIR.get(cc, 0)):
        extra.append(eve_gen.make_alert(rng, t - 1000000 * i, sensors[1], 1, 9 + i, src="100.64.88.%d" % (1 + i)))
    streams[sensors[0]] += extra
    if cc == "KG":  # a sensor in a critical plant: everything it sees is RED
        red = "kg-plant-red"
        streams[red] = [eve_gen.make_alert(rng, t - 1000000 * i, red, 2, 50 + i, src="100.64.99.%d" % (1 + i),
                                           sig=RED_SIG) for i in range(30)]
        r.cmd("HSET", "ictwatch:sensor:{%s}" % red, "country", "KG", "tlp", "red")
    eve_gen.xadd_all(r, {s: recs[-len(recs):] for s, recs in streams.items()})
    r.cmd("SADD", "ictwatch:sensors", *streams.keys())
    res = run("run", "--redis", rd.unix_url, "--drain", "--lateness", "1d", "-q")
    ictw.check(res.returncode == 0, "%s: national collector ingests its sensors" % cc, res.stderr)
    return streams


def share(rd, reg, cc, *extra):
    return run("share", "--redis", rd.unix_url, "--to", reg.url, "--as", cc, "--since", "all", "--window", "day",
               "--anonymize", "cryptopan", "--key", KEY, "--threshold", "5", *extra)


def regional_docs(r):
    out = {}
    for k in r.cmd("KEYS", "ictwatch:share:*"):
        if r.cmd("TYPE", k) == b"stream":
            out[k.decode()] = [dict(zip(e[1][::2], e[1][1::2])) for e in r.cmd("XRANGE", k, "-", "+")]
    return out


servers = []
tmp = tempfile.mkdtemp(prefix="ictw-share-")
try:
    KEY = os.path.join(tmp, "region.key")
    with open(KEY, "w") as f:
        f.write(KEY_HEX + "\n")
    os.chmod(KEY, 0o600)
    nat = {}
    want_sev = {}
    for i, cc in enumerate(COUNTRIES):
        nat[cc] = ictw.Redis()
        servers.append(nat[cc])
        facts = national(nat[cc], cc, 1000 + i)
        # what compare's by_severity must say: every alert except the RED sensor's
        want_sev[cc] = Counter(str(f["sev"]) for sensor, recs in facts.items() if sensor != "kg-plant-red"
                               for _, f in recs)
    reg = ictw.Redis()
    servers.append(reg)
    reg.cli("CONFIG", "SET", "requirepass", PASSWORD)
    rr = ictw_resp.Resp(unix=reg.sock)
    rr.cmd("AUTH", PASSWORD)

    res = share(nat["KZ"], reg, "KZ")
    ictw.check(res.returncode == 0 and "1 windows new" in res.stdout, "KZ shares (TLP:GREEN, password from env)",
               res.stdout + res.stderr)
    res = share(nat["UZ"], reg, "UZ", "--tlp", "amber")
    ictw.check(res.returncode == 1 and "only to recipients named" in res.stderr and
               not rr.cmd("EXISTS", "ictwatch:share:{UZ}"),
               "UZ at TLP:AMBER without the regional store named as a recipient: refused, nothing written")
    res = share(nat["UZ"], reg, "UZ", "--tlp", "amber", "--set", "tlp.amber-recipients=regional")
    ictw.check(res.returncode == 0, "UZ at TLP:AMBER to the named regional store", res.stderr)
    res = share(nat["KG"], reg, "KG", "--tlp", "red")
    ictw.check(res.returncode == 1 and not rr.cmd("EXISTS", "ictwatch:share:{KG}"),
               "KG at --tlp red: refused, nothing written to the regional Redis")
    res = share(nat["KG"], reg, "KG")
    ictw.check(res.returncode == 0 and "withheld" in res.stderr, "KG shares; its RED sensor's alerts are withheld",
               res.stderr)

    docs = regional_docs(rr)
    blob = json.dumps({k: [{f.decode(): v.decode(errors="replace") for f, v in e.items()} for e in es]
                       for k, es in docs.items()})
    ictw.check(set(docs) == {"ictwatch:share:{KZ}", "ictwatch:share:{UZ}", "ictwatch:share:{KG}"} and
               all(len(es) == 1 for es in docs.values()), "one entry per country and window", list(docs))
    ictw.check("9999001" not in blob and "TLP:RED" not in blob and "100.64.99" not in blob,
               "no RED data (signature, level, addresses) in the regional Redis")
    ictw.check("100.64.77." not in blob and "100.64.88." not in blob, "real prefixes never reach the region")
    uz = json.loads(docs["ictwatch:share:{UZ}"][0][b"doc"])
    kz = json.loads(docs["ictwatch:share:{KZ}"][0][b"doc"])
    ictw.check(uz["tlp"] == "TLP:AMBER" and kz["tlp"] == "TLP:GREEN" and kz["anonymization"]["method"] == "cryptopan",
               "documents carry their TLP level and the anonymisation method")

    # exactly once per window: the same push is a no-op, a change replaces the entry
    res = share(nat["KZ"], reg, "KZ")
    ictw.check("0 windows new, 0 replaced, 1 unchanged" in res.stdout, "re-sending an unchanged window changes nothing",
               res.stdout)
    r = ictw_resp.Resp(unix=nat["KZ"].sock)
    t = int(time.time()) // 86400 * 86400 - 3 * 3600
    recs = [eve_gen.make_alert(random.Random(5), (t + i) * 1000000, "kz-s1", 0, 77) for i in range(3)]
    eve_gen.xadd_all(r, {"kz-s1": recs})
    want_sev["KZ"].update(str(f["sev"]) for _, f in recs)
    run("run", "--redis", nat["KZ"].unix_url, "--drain", "--lateness", "3d", "-q")
    res = share(nat["KZ"], reg, "KZ")
    n_windows = len(rr.cmd("HKEYS", "ictwatch:share:{KZ}:windows"))
    ictw.check("replaced" in res.stdout and rr.cmd("XLEN", "ictwatch:share:{KZ}") == n_windows,
               "after new alerts the window is replaced, not duplicated (%d entries, %d windows)" %
               (rr.cmd("XLEN", "ictwatch:share:{KZ}"), n_windows), res.stdout)

    # hostile documents in the regional store are skipped
    rr.cmd("XADD", "ictwatch:share:{KZ}", "*", "doc", "{not json")
    rr.cmd("XADD", "ictwatch:share:{XX}", "*", "doc", json.dumps({"schema": "ictwatch-share/1",
                                                                  "country": "<script>alert(1)</script>"}))

    html = os.path.join(tmp, "compare.html")
    res = run("compare", "--from", reg.url, "--since", "all", "--format", "json", "--html", html)
    doc = json.loads(res.stdout or "{}")
    ictw.check(res.returncode == 0 and [c["country"] for c in doc.get("countries", [])] == ["KG", "KZ", "UZ"],
               "compare reads the three countries (and no bogus one)", res.stderr)
    ictw.check("skipped" in res.stderr, "hostile regional entries are skipped with a warning", res.stderr)
    shared = [p for p in doc.get("shared_prefixes", []) if len(p["countries"]) == 3 and
              p["countries"] == COUNTRIES]
    ictw.check(len(shared) == 1 and not shared[0]["prefix"].startswith("100.64.77."),
               "compare finds the prefix made to appear in all three countries (hidden: %s)" %
               (shared[0]["prefix"] if shared else "-"), json.dumps(doc.get("shared_prefixes", [])[:5]))
    pair = [p for p in doc.get("shared_prefixes", []) if p["countries"] == PAIR]
    ictw.check(len(pair) == 1, "and the prefix seen by two of them")
    totals = {c["country"]: c["total"] for c in doc.get("countries", [])}
    ictw.check(totals.get("KG") == 3000 + COUNTRIES["KG"] and doc.get("tlp") == "TLP:AMBER",
               "KG's total excludes the RED sensor; the comparison is TLP:AMBER (max of inputs)", totals)
    ictw.check(all(c["by_category"] and c["top_signatures"] and c["trend"] for c in doc["countries"]),
               "per country: categories, top signatures, trend per day")
    got_sev = {c["country"]: c.get("by_severity") for c in doc.get("countries", [])}
    exp_sev = {cc: {"1": n.get("1", 0), "2": n.get("2", 0), "3": n.get("3", 0), "other": 0}
               for cc, n in want_sev.items()}
    ictw.check(got_sev == exp_sev and all(sum(v.values()) == totals[cc] for cc, v in got_sev.items()),
               "per country: alerts by severity equal the input's (RED sensor left out)", (got_sev, exp_sev))
    res3 = run("compare", "--from", reg.url, "--since", "all", "--min-countries", "3")
    ictw.check(res3.returncode == 0 and "seen by 3 or more countries (1)" in res3.stdout and "KZ 37" in res3.stdout,
               "table output: the campaign prefix with per-country counts", res3.stdout[-800:])

    page = open(html).read() if os.path.exists(html) else ""
    ictw.check(page.startswith("<!DOCTYPE html>") and "<script" not in page and "http://" not in
               page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page,
               "HTML page is self-contained (no script, no external resource)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        ictw.skip("HTML rendered in headless Chromium (chromium not installed)")
    else:
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + os.path.join(tmp, "chromium"), "--enable-logging=stderr", "--v=0"]
        shot = os.path.join(tmp, "compare.png")
        p1 = subprocess.run(base + ["--screenshot=" + shot, "--window-size=1200,2000", "file://" + html],
                            capture_output=True, text=True, timeout=120)
        p2 = subprocess.run(base + ["--dump-dom", "file://" + html], capture_output=True, text=True, timeout=120)
        dom = p2.stdout
        console = [l for l in (p1.stderr + p2.stderr).splitlines() if "CONSOLE" in l or "Uncaught" in l]
        ictw.check(os.path.exists(shot) and os.path.getsize(shot) > 20000, "Chromium took a screenshot (%d bytes)" %
                   (os.path.getsize(shot) if os.path.exists(shot) else 0), p1.stderr[-500:])
        ictw.check(not console, "no console errors", "\n".join(console))
        ictw.check('id="chart-bars"' in dom and dom.count('class="bar"') >= 3 and dom.count('class="trend"') == 3 and
                   'id="chart-heatmap"' in dom and dom.count('class="cell"') >= 3 * 3 and
                   'id="shared-prefixes"' in dom and shared and shared[0]["prefix"] in dom,
                   "the rendered DOM has the bars, 3 trend lines, the heat map and the shared-prefix table",
                   dom[:300])
        # The DOM holds the SVG whether or not it was drawn: look at the pixels. Every heat-map
        # cell and severity-bar colour the page asks for (white is the background) must cover a
        # good part of its shape on the screenshot.
        import re
        cells = {tuple(int(x) for x in m) for m in
                 re.findall(r'<rect class="cell"[^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', page)}
        bars = {(int(m[0:2], 16), int(m[2:4], 16), int(m[4:6], 16)) for m in
                re.findall(r'<rect class="bar"[^>]*fill="#([0-9a-fA-F]{6})"', page)}
        cells.discard((255, 255, 255))
        try:
            px = ictw.png_colours(shot)
            perr = ""
        except (OSError, ValueError) as e:
            px, perr = {}, str(e)
        missing = sorted(c for c in cells if px.get(c, 0) < 70 * 24 // 3)
        ictw.check(len(cells) >= 3 and not missing,
                   "screenshot: all %d non-white heat-map cell colours are drawn (%s)" %
                   (len(cells), ", ".join("%r %d px" % (c, px.get(c, 0)) for c in sorted(cells)[:6])),
                   perr or "missing %r; most common %r" % (missing, px and px.most_common(8)))
        missing = sorted(c for c in bars if px.get(c, 0) < 200)
        ictw.check(len(bars) >= 2 and not missing,
                   "screenshot: the %d severity colours of the bars are drawn" % len(bars),
                   perr or "missing %r of %r" % (missing, bars))

    # share --every: a push each period; an unchanged window is left alone, a window changed
    # between two periods is replaced once by the next push. Against its own regional Redis.
    reg2 = ictw.Redis()
    servers.append(reg2)
    reg2.cli("CONFIG", "SET", "requirepass", PASSWORD)
    r2 = ictw_resp.Resp(unix=reg2.sock)
    r2.cmd("AUTH", PASSWORD)
    out_path = os.path.join(tmp, "every.out")
    with open(out_path, "w") as out_f, open(os.path.join(tmp, "every.err"), "w") as err_f:
        sp = subprocess.Popen([C, "share", "--redis", nat["KZ"].unix_url, "--to", reg2.url, "--as", "KZ",
                               "--since", "all", "--window", "day", "--anonymize", "cryptopan", "--key", KEY,
                               "--threshold", "5", "--every", "1s"],
                              stdout=out_f, stderr=err_f, env=dict(os.environ, ICTWATCH_REGIONAL_PASSWORD=PASSWORD))

    def pushes(n, timeout=60):
        """The push lines so far, waiting (polling) until there are at least n."""
        deadline = time.monotonic() + timeout
        while True:
            with open(out_path) as f:
                lines = [l for l in f.read().splitlines() if l.startswith("shared ")]
            if len(lines) >= n or time.monotonic() > deadline or sp.poll() is not None:
                return lines
            time.sleep(0.1)

    def stream_state():
        entries = r2.cmd("XRANGE", "ictwatch:share:{KZ}", "-", "+")
        return [(e[0], dict(zip(e[1][::2], e[1][1::2]))) for e in entries]

    try:
        lines = pushes(1)
        first = stream_state()
        n_win = len(r2.cmd("HKEYS", "ictwatch:share:{KZ}:windows"))
        ictw.check(lines and " %d windows new, 0 replaced, 0 unchanged" % n_win in lines[0] and
                   len(first) == n_win >= 1, "share --every 1s: the first push adds the %d window(s)" % n_win, lines)
        lines = pushes(4)
        again = stream_state()
        ictw.check(len(lines) >= 4 and all("0 windows new, 0 replaced, %d unchanged" % n_win in l for l in lines[1:])
                   and [e[0] for e in again] == [e[0] for e in first],
                   "it pushes again each period (%d pushes); unchanged windows are not sent again (XLEN %d, "
                   "same entry ids)" % (len(lines), len(again)), "\n".join(lines))

        # one new alert in the newest shared window, between two periods
        newest = max(int(e[1][b"window"]) for e in first)
        rk = ictw_resp.Resp(unix=nat["KZ"].sock)
        rec = eve_gen.make_alert(random.Random(9), (newest + 4 * 3600) * 1000000, "kz-s1", 0, 4242)
        eve_gen.xadd_all(rk, {"kz-s1": [rec]})
        seen = len(pushes(1))
        res = run("run", "--redis", nat["KZ"].unix_url, "--drain", "--lateness", "3d", "-q")
        ictw.check(res.returncode == 0, "a new alert is ingested while share --every runs", res.stderr)
        lines = pushes(len(pushes(1)) + 3)
        after = lines[seen:]
        changed = [l for l in after if "0 windows new, 1 replaced, %d unchanged" % (n_win - 1) in l]
        same = [l for l in after if "0 windows new, 0 replaced, %d unchanged" % n_win in l]
        final = stream_state()
        docs = {int(f[b"window"]): json.loads(f[b"doc"]) for _, f in final}
        before = {int(f[b"window"]): json.loads(f[b"doc"]) for _, f in first}
        ictw.check(len(changed) == 1 and len(same) == len(after) - 1 and len(final) == n_win and
                   len(docs) == n_win and docs[newest]["total"] == before[newest]["total"] + 1 and
                   all(docs[w] == before[w] for w in docs if w != newest),
                   "the next push carries the changed window once (total %d -> %d), later pushes leave it; "
                   "the stream still holds one entry per window" %
                   (before[newest]["total"], docs.get(newest, {}).get("total", -1)), "\n".join(after))
    finally:
        sp.send_signal(signal.SIGTERM)
        try:
            sp.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sp.kill()
            sp.wait()
    ictw.check(sp.returncode == 0, "share --every stops on SIGTERM with status 0 (%r)" % sp.returncode,
               open(os.path.join(tmp, "every.err")).read()[-500:])
finally:
    for s in servers:
        s.close()
    shutil.rmtree(tmp, ignore_errors=True)
ictw.finish()
