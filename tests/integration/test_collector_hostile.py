"""Hostile input: entries injected with redis-cli (broken JSON, huge fields, wrong
types, missing fields, future and impossible timestamps, non-UTF-8, ...) end in the
dead-letter stream ictwatch:dead:{SENSOR} with the right reason and the original id,
are counted per reason, are acknowledged, and never crash the collector; valid alerts
around them are still counted and EVE records of other types are ignored, not dead.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ictw_resp  # noqa: E402

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")

SENSOR = "am-evn-01"
KEY = "ictwatch:eve:{%s}" % SENSOR
NOW = time.strftime("%Y-%m-%dT%H:%M:%S.000000+0000", time.gmtime(time.time() - 60))


def alert(**over):
    rec = {"timestamp": NOW, "flow_id": 1, "event_type": "alert", "src_ip": "198.51.100.9", "src_port": 4444,
           "dest_ip": "10.1.2.3", "dest_port": 502, "proto": "TCP",
           "alert": {"action": "allowed", "gid": 1, "signature_id": 9100001, "rev": 1,
                     "signature": "ICTW test", "category": "Attempted Information Leak", "severity": 2},
           "host": SENSOR}
    for k, v in over.items():
        if k.startswith("alert_"):
            k = k[6:]
            if v is None:
                rec["alert"].pop(k, None)
            else:
                rec["alert"][k] = v
        elif v is None:
            rec.pop(k, None)
        else:
            rec[k] = v
    return json.dumps(rec)


CASES = [
    # name, bytes of the eve field (None: entry without it), expected reason
    ("broken JSON", b'{"timestamp": "2025-01-01T00:00:00.000000+0000", "event_type": "alert"', "not-json"),
    ("JSON array", b"[1, 2, 3]", "not-object"),
    ("duplicate key", b'{"event_type":"alert","event_type":"flow"}', "not-json"),
    ("NUL escape", alert(alert_signature="a\u0000b").encode(), "not-json"),
    ("huge record", alert(alert_signature="x" * 1000, payload_printable="A" * 200000).encode(), "oversized"),
    ("huge signature", alert(alert_signature="S" * 5000).encode(), "field-too-long"),
    ("huge category", alert(alert_category="C" * 300).encode(), "field-too-long"),
    ("sid as string", alert(alert_signature_id="9100001").encode(), "wrong-type"),
    ("port as string", alert(dest_port="502").encode(), "wrong-type"),
    ("alert as array", alert(alert=[1]).encode(), "wrong-type"),
    ("severity as float", alert(alert_severity=1.5).encode(), "wrong-type"),
    ("negative sid", alert(alert_signature_id=-5).encode(), "out-of-range"),
    ("port 70000", alert(dest_port=70000).encode(), "out-of-range"),
    ("severity 0", alert(alert_severity=0).encode(), "out-of-range"),
    ("missing src_ip", alert(src_ip=None).encode(), "missing-field"),
    ("missing alert", alert(alert=None).encode(), "missing-field"),
    ("missing signature_id", alert(alert_signature_id=None).encode(), "missing-field"),
    ("missing event_type", alert(event_type=None).encode(), "missing-field"),
    ("missing timestamp", alert(timestamp=None).encode(), "missing-field"),
    ("bad address", alert(src_ip="999.1.2.3").encode(), "bad-address"),
    ("address as number", alert(dest_ip=167772161).encode(), "wrong-type"),
    ("timestamp words", alert(timestamp="yesterday").encode(), "bad-timestamp"),
    ("timestamp as number", alert(timestamp=1700000000).encode(), "bad-timestamp"),
    ("month 13", alert(timestamp="2025-13-01T00:00:00.000000+0000").encode(), "bad-timestamp"),
    ("future timestamp", alert(timestamp="2099-01-01T00:00:00.000000+0000").encode(), "future-timestamp"),
    ("impossible old timestamp", alert(timestamp="1971-01-01T00:00:00.000000+0000").encode(), "too-old"),
    ("non-UTF-8 signature", alert(alert_signature="SIGPLACEHOLDER").encode().replace(b"SIGPLACEHOLDER",
                                                                                       b"bad \xff\xfe bytes"),
     "not-utf8"),
    ("overlong UTF-8", b'{"event_type":"alert","x":"\xc0\xaf"}', "not-utf8"),
    ("no eve field", None, "no-eve-field"),
]


def cli(rd, *args, stdin=None):
    r = subprocess.run(["redis-cli", "-s", rd.sock] + list(args), input=stdin, capture_output=True)
    return r.stdout.decode(errors="replace").strip()


rd = ictw.Redis()
try:
    ids = {}
    good_before = cli(rd, "XADD", KEY, "*", "eve", alert())
    for name, data, reason in CASES:
        if data is None:
            ids[cli(rd, "XADD", KEY, "*", "something", "else")] = (name, reason, data)
        else:
            # -x: the last argument comes from stdin, byte for byte (non-UTF-8, huge).
            ids[cli(rd, "-x", "XADD", KEY, "*", "eve", stdin=data)] = (name, reason, data)
    flow = json.dumps({"timestamp": NOW, "event_type": "flow", "src_ip": "10.0.0.1", "dest_ip": "10.0.0.2",
                       "proto": "UDP", "host": SENSOR})
    cli(rd, "XADD", KEY, "*", "eve", flow)
    cli(rd, "XADD", KEY, "*", "eve", alert(src_ip="2001:0db8:0000:0000:0000:0000:0000:0001"))
    cli(rd, "SADD", "ictwatch:sensors", SENSOR)
    ictw.check(len(ids) == len(CASES) and all(ids), "%d hostile entries injected with redis-cli" % len(CASES))

    res = ictw.run([ictw.COLLECTOR, "run", "--redis", rd.unix_url, "--consumer", "h1", "--drain"], timeout=120)
    ictw.check(res.returncode == 0, "collector survives and exits 0", res.stderr[-1500:])

    r = ictw_resp.Resp(unix=rd.sock)
    dead = r.cmd("XRANGE", "ictwatch:dead:{%s}" % SENSOR, "-", "+")
    by_id = {}
    for _, fields in dead:
        d = {fields[i].decode(): fields[i + 1] for i in range(0, len(fields), 2)}
        by_id[d["id"].decode()] = d
    for eid, (name, reason, data) in ids.items():
        d = by_id.get(eid)
        if not d:
            ictw.not_ok("%s: in the dead-letter stream with its original id %s" % (name, eid))
            continue
        ok = d["reason"].decode() == reason and d["sensor"].decode() == SENSOR
        if data is not None:
            keep = min(len(data), 4096)
            ok = ok and d["data"] == data[:keep] and int(d["size"]) == len(data)
        ictw.check(ok, "%s: dead letter with reason %s, original id, data kept (up to 4k)" % (name, reason),
                   {k: v[:120] for k, v in d.items()})
    ictw.check(len(dead) == len(CASES), "exactly the hostile entries are dead letters (%d)" % len(dead))

    c = ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{%s}" % SENSOR))
    want = {}
    for _, _, reason in CASES:
        want[reason] = want.get(reason, 0) + 1
    got = {k[5:]: int(v) for k, v in c.items() if k.startswith("dead:")}
    ictw.check(got == want and int(c["dead"]) == len(CASES), "dead-letter counters per reason", (got, want))
    ictw.check(int(c.get("alerts", 0)) == 2 and int(c.get("ignored", 0)) == 1 and
               int(c.get("entries", 0)) == len(CASES) + 3,
               "the 2 valid alerts are counted, the flow record is ignored, all entries acknowledged", c)
    pend = r.cmd("XPENDING", KEY, "ictwatch-collectors")[0]
    ictw.check(pend == 0, "nothing left pending")

    st = ictw.run([ictw.COLLECTOR, "status", "--redis", rd.unix_url, "--format", "json"])
    doc = json.loads(st.stdout or "{}")
    row = [x for x in doc.get("sensors", []) if x["sensor"] == SENSOR]
    ictw.check(row and row[0]["dead"] == len(CASES) and row[0]["alerts"] == 2,
               "status shows the dead-letter count", st.stdout + st.stderr)
finally:
    rd.close()
ictw.finish()
