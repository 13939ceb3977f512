"""Ground truth: 200,000 generated EVE alerts from 4 sensors, aggregated by the collector,
equal the totals computed independently in Python (tests/lib/eve_gen.py).

Covers: discovery from ictwatch:sensors and the SCAN fallback (one sensor is not in
the set), country/organisation from heartbeats and from the collector's sensor table,
every window (counts, first/last, distinct sources/destinations, top sources),
the counters, the report's JSON totals, and trimming of fully acknowledged streams.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402

PER_SENSOR = int(os.environ.get("ICTW_TRUTH_PER_SENSOR", "50000"))
SENSORS = ["kz-ala-01", "kz-ast-02", "kz-shy-03", "kz-kar-04"]

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")

rd = ictw.Redis()
try:
    r = ictw_resp.Resp(unix=rd.sock)
    streams = eve_gen.generate(SENSORS, PER_SENSOR, seed=20261126)
    total = sum(len(v) for v in streams.values())
    ictw.check(total >= 200000 or PER_SENSOR != 50000, "generated %d alerts for %d sensors" % (total, len(SENSORS)))

    rng = random.Random(7)
    sample = [json.loads(js) for recs in streams.values() for js, _ in rng.sample(recs, 100)]
    errs = ictw.eve_errors(sample)
    if ictw.eve_validator() is None:
        ictw.skip("generated records valid against ../shared/eve-schema.json (schema absent)")
    else:
        ictw.check(not errs, "400 sampled generated records are valid EVE", "\n".join(errs))

    eve_gen.xadd_all(r, streams)
    r.cmd("SADD", "ictwatch:sensors", *SENSORS[:3])            # the 4th only by SCAN
    r.cmd("HSET", "ictwatch:sensor:{kz-ala-01}", "version", "0.1.0", "country", "KZ",
          "organisation", "KZ-CERT | Almaty", "last_seen", "1700000000")
    r.cmd("HSET", "ictwatch:sensor:{kz-ast-02}", "country", "KZ", "org", "Astana 100% ops")
    conf = os.path.join(rd.dir, "collector.conf")
    with open(conf, "w") as f:
        f.write("# test configuration\nconsumer = truth-1\nlateness = 1d\n"
                "sensor = kz-shy-03, KZ, Shymkent water\nsensor = kz-ala-01, XX, ignored because heartbeat wins\n")
    meta = {"kz-ala-01": ("KZ", "KZ-CERT | Almaty"), "kz-ast-02": ("KZ", "Astana 100% ops"),
            "kz-shy-03": ("KZ", "Shymkent water"), "kz-kar-04": ("", "")}
    truth = eve_gen.Truth(eve_gen.DEFAULT_WINDOWS, meta).add_streams(streams)

    res = ictw.run([ictw.COLLECTOR, "run", "-c", conf, "--redis", rd.unix_url, "--drain"], timeout=900)
    ictw.check(res.returncode == 0, "collector run --drain exits 0", res.stderr[-2000:])
    ictw.check("200000 alerts" in res.stderr or PER_SENSOR != 50000, "collector says it applied 200000 alerts",
               res.stderr[-500:])

    problems = eve_gen.compare(r, truth)
    ictw.check(not problems, "every window's counts, first/last, distinct counts and top sources equal the truth",
               "\n".join(problems))

    counters = {s: ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{%s}" % s)) for s in SENSORS}
    ok = all(int(c.get("alerts", 0)) == PER_SENSOR and int(c.get("entries", 0)) == PER_SENSOR and
             int(c.get("dead", 0)) == 0 for c in counters.values())
    ictw.check(ok, "per-sensor counters: entries = alerts = %d, no dead letters" % PER_SENSOR, counters)

    pending = [r.cmd("XPENDING", "ictwatch:eve:{%s}" % s, "ictwatch-collectors")[0] for s in SENSORS]
    lengths = [r.cmd("XLEN", "ictwatch:eve:{%s}" % s) for s in SENSORS]
    ictw.check(pending == [0] * 4 and lengths == [0] * 4,
               "all entries acknowledged and trimmed (pending %r, lengths %r)" % (pending, lengths))

    rep = ictw.run([ictw.COLLECTOR, "report", "--redis", rd.unix_url, "--window", "day", "--by",
                    "sensor,country,organisation", "--format", "json"])
    try:
        doc = json.loads(rep.stdout)
    except ValueError:
        doc = {}
    got = {(x["sensor"], x["country"], x["organisation"]): x["count"] for x in doc.get("rows", [])}
    want = {(s, meta[s][0], meta[s][1]): PER_SENSOR for s in SENSORS}
    ictw.check(got == want and doc.get("total") == total, "report --by sensor,country,organisation JSON equals truth",
               "%r\n%r\n%s" % (got, want, rep.stderr))

    # Per-signature distinct sources over the whole day from the report vs exact sets.
    rep = ictw.run([ictw.COLLECTOR, "report", "--redis", rd.unix_url, "--window", "day", "--by", "signature",
                    "--format", "json"])
    doc = json.loads(rep.stdout or "{}")
    exact = {}
    for s, recs in streams.items():
        for _, f in recs:
            exact.setdefault(f["sig"], set()).add(eve_gen.short(f["src"]))
    worst = max(abs(x["src"] - len(exact[x["signature"]])) / len(exact[x["signature"]]) for x in doc["rows"])
    ictw.check(worst < 0.03, "report distinct sources per signature within 3%% of exact (worst %.2f%%)" % (worst * 100))
    counts = {x["signature"]: x["count"] for x in doc["rows"]}
    want = {}
    for recs in streams.values():
        for _, f in recs:
            want[f["sig"]] = want.get(f["sig"], 0) + 1
    ictw.check(counts == want, "report --by signature counts equal truth")
finally:
    rd.close()
ictw.finish()
