"""Ground truth with real sensors: four ictwatch-sensor processes, each with its own
--sensor-id and country, replay the volume captures (tests/captures/make-volume-captures.py:
port scans, host and ICMP sweeps, a UDP scan, a spoofed SYN flood, DNS reflection) with
the shipped ruleset, all at once, into a private Redis and into their own EVE files
(-l DIR): more than 200,000 alerts in all. One collector drains the streams; every
aggregate must equal what tests/lib/eve_gen.Truth computes from the EVE files alone.

Covers: discovery from ictwatch:sensors and the SCAN fallback (one sensor is taken out of
the set), country and organisation from the sensors' heartbeats (an organisation with
'|' and '%', which must be escaped) and from the collector's sensor table, every window
(counts, first/last seen, distinct sources/destinations, top sources), no late alerts
with the default lateness (each sensor's alerts come in time order), the counters, the
signature messages, the report's JSON totals, and trimming of fully acknowledged streams.
"""
import json
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402
import ruleset  # noqa: E402
import sensor_truth  # noqa: E402

# sensor id, --country, --org (None: not given to the sensor)
SITES = [("kz-ala-01", "KZ", "KZ-CERT | Almaty 100%"), ("kz-ast-02", "KZ", None), ("uz-tas-03", "UZ", None),
         ("kg-bis-04", None, None)]
# what the collector must record: heartbeat first, then its sensor table (collector.conf below)
META = {"kz-ala-01": ("KZ", "KZ-CERT | Almaty 100%"), "kz-ast-02": ("KZ", "Astana ops"),
        "uz-tas-03": ("UZ", ""), "kg-bis-04": ("KG", "Bishkek grid")}

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")
ruleset.require_engine()

work = tempfile.mkdtemp(prefix="ictw-truth-")
rd = ictw.Redis()
try:
    t0 = time.monotonic()
    r = ictw_resp.Resp(unix=rd.sock)
    eve = sensor_truth.replay(rd, SITES, work)
    total = sum(len(v) for v in eve.values())
    ictw.check(total >= 200000, "4 sensors raised %d alerts (%s)" % (total, ", ".join(
        "%s %d" % (s, len(v)) for s, v in eve.items())))
    xlen = {s: r.cmd("XLEN", "ictwatch:eve:{%s}" % s) for s in eve}
    ictw.check(all(xlen[s] == len(eve[s]) for s in eve), "each stream holds its sensor's EVE file (%r)" % xlen)
    sample = [rec for recs in eve.values() for rec in random.Random(5).sample(recs, 100)]
    if ictw.eve_validator() is None:
        ictw.skip("sensor alerts valid against ../shared/eve-schema.json (schema absent)")
    else:
        errs = ictw.eve_errors(sample)
        ictw.check(not errs, "400 sampled sensor alerts are valid EVE", "\n".join(errs))
    sigs = {rec["alert"]["signature_id"] for recs in eve.values() for rec in recs}
    ictw.check(len(sigs) >= 8, "the alerts come from %d signatures" % len(sigs))

    r.cmd("SREM", "ictwatch:sensors", "kg-bis-04")           # found only by SCAN
    conf = os.path.join(rd.dir, "collector.conf")
    with open(conf, "w") as f:
        f.write("# test configuration\nconsumer = truth-1\n"
                "sensor = kz-ast-02, XX, Astana ops\n"          # the heartbeat's country wins
                "sensor = kg-bis-04, KG, Bishkek grid\n")
    truth = eve_gen.Truth(eve_gen.DEFAULT_WINDOWS, META)
    for s, recs in eve.items():
        for rec in recs:
            truth.add(s, sensor_truth.facts(rec))

    res = ictw.run([ictw.COLLECTOR, "run", "-c", conf, "--redis", rd.unix_url, "--drain"], timeout=600)
    ictw.check(res.returncode == 0, "collector run --drain exits 0", res.stderr[-2000:])
    ictw.check(" %d alerts (" % total in res.stderr, "collector says it applied %d alerts" % total,
               res.stderr[-500:])

    problems = eve_gen.compare(r, truth)
    ictw.check(not problems, "every window's counts, first/last, distinct counts and top sources equal the "
               "truth from the EVE files", "\n".join(problems))

    msgs = {}
    for recs in eve.values():
        for rec in recs:
            f = sensor_truth.facts(rec)
            msgs[f["sig"]] = f["msg"]
    stored = {k: v.decode() for k, v in ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:signatures")).items()}
    ictw.check(stored == msgs, "ictwatch:agg:signatures holds each signature's message (%d)" % len(msgs),
               "%r\n%r" % (stored, msgs))

    counters = {s: ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{%s}" % s)) for s in eve}
    ok = all(int(c.get("alerts", 0)) == len(eve[s]) and int(c.get("entries", 0)) == len(eve[s]) and
             int(c.get("dead", 0)) == 0 and not any(k.startswith("late") for k in c) for s, c in counters.items())
    ictw.check(ok, "per-sensor counters: entries = alerts = EVE file lines, nothing dead or late", counters)

    pending = [r.cmd("XPENDING", "ictwatch:eve:{%s}" % s, "ictwatch-collectors")[0] for s in eve]
    lengths = [r.cmd("XLEN", "ictwatch:eve:{%s}" % s) for s in eve]
    ictw.check(pending == [0] * 4 and lengths == [0] * 4,
               "all entries acknowledged and trimmed (pending %r, lengths %r)" % (pending, lengths))

    rep = ictw.run([ictw.COLLECTOR, "report", "--redis", rd.unix_url, "--window", "day", "--by",
                    "sensor,country,organisation", "--format", "json"])
    try:
        doc = json.loads(rep.stdout)
    except ValueError:
        doc = {}
    got = {(x["sensor"], x["country"], x["organisation"]): x["count"] for x in doc.get("rows", [])}
    want = {(s, META[s][0], META[s][1]): len(eve[s]) for s in eve}
    ictw.check(got == want and doc.get("total") == total, "report --by sensor,country,organisation JSON equals truth",
               "%r\n%r\n%s" % (got, want, rep.stderr))

    # Per-signature counts and distinct sources over the whole day from the report vs exact sets.
    rep = ictw.run([ictw.COLLECTOR, "report", "--redis", rd.unix_url, "--window", "day", "--by", "signature",
                    "--format", "json"])
    doc = json.loads(rep.stdout or "{}")
    exact, want = {}, {}
    for recs in eve.values():
        for rec in recs:
            f = sensor_truth.facts(rec)
            exact.setdefault(f["sig"], set()).add(eve_gen.short(f["src"]))
            want[f["sig"]] = want.get(f["sig"], 0) + 1
    worst = max(abs(x["src"] - len(exact[x["signature"]])) / len(exact[x["signature"]]) for x in doc["rows"])
    ictw.check(worst < 0.03, "report distinct sources per signature within 3%% of exact (worst %.2f%%)" % (worst * 100))
    ictw.check({x["signature"]: x["count"] for x in doc["rows"]} == want, "report --by signature counts equal truth")
    sys.stdout.write("# %.1f s\n" % (time.monotonic() - t0))
finally:
    rd.close()
    shutil.rmtree(work, ignore_errors=True)
ictw.finish()
