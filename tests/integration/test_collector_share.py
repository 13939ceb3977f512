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
import subprocess
import sys
import tempfile
import time

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
    for i, cc in enumerate(COUNTRIES):
        nat[cc] = ictw.Redis()
        servers.append(nat[cc])
        national(nat[cc], cc, 1000 + i)
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
finally:
    for s in servers:
        s.close()
    shutil.rmtree(tmp, ignore_errors=True)
ictw.finish()
