"""tests/lib/sensor_truth.py - real sensor alerts for the collector's tests, and their truth.

replay() runs one ictwatch-sensor per site at once, each replaying its capture of
tests/captures/make-volume-captures.py (port scans, sweeps, floods, reflection: tens
of thousands of alerts each) with the shipped ruleset, writing every alert both to the
private Redis (the stream the collector reads) and to its own EVE file (-l DIR).
facts() turns one EVE alert record into what tests/lib/eve_gen.Truth aggregates, read
from the record alone, so the expected aggregates come from the EVE files,
independently of the collector's C code.
"""
import calendar
import json
import os
import subprocess

import ictw
import ruleset

GEN = os.path.join(ictw.ROOT, "tests", "captures", "make-volume-captures.py")
CAPS = os.path.join(ictw.CAPS, "volume")


def ensure_captures():
    return ictw.ensure_generated(GEN, CAPS)


def replay(rd, sites, workdir):
    """sites: [(sensor_id, country or None, organisation or None)], one capture each
    (volume-1, volume-2, ...). Returns {sensor_id: [EVE alert records from its file]}."""
    caps = ensure_captures()
    procs = []
    for k, (sid, cc, org) in enumerate(sites, 1):
        logdir = os.path.join(workdir, "eve-" + sid)
        os.makedirs(logdir, exist_ok=True)
        args = [ictw.SENSOR, "-q", "-r", os.path.join(caps, "volume-%d.pcap" % k), "--sensor-id", sid,
                "--redis", rd.unix_url, "-l", logdir, "--eve-types", "alert",
                "--set", "heartbeat.interval=60s"] + ruleset.sensor_args()
        if cc:
            args += ["--country", cc]
        if org:
            args += ["--org", org]
        procs.append((sid, logdir, subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                    text=True)))
    out = {}
    for sid, logdir, p in procs:
        _, err = p.communicate(timeout=300)
        if p.returncode != 0:
            raise RuntimeError("sensor %s failed (%d): %s" % (sid, p.returncode, err[-1000:]))
        out[sid] = ictw.read_eve(os.path.join(logdir, "eve.json"))
    return out


_seconds = {}


def eve_usec(ts):
    """'2026-03-02T08:05:00.010000+0000' -> microseconds since the epoch."""
    head = ts[:19]
    sec = _seconds.get(head)
    if sec is None:
        sec = calendar.timegm((int(head[0:4]), int(head[5:7]), int(head[8:10]), int(head[11:13]),
                               int(head[14:16]), int(head[17:19])))
        _seconds[head] = sec
    rest = ts[19:]
    frac, zone = "0", rest
    if rest.startswith("."):
        i = 1
        while i < len(rest) and rest[i].isdigit():
            i += 1
        frac, zone = rest[1:i], rest[i:]
    us = int((frac + "000000")[:6])
    if zone not in ("", "Z"):
        off = int(zone[1:3]) * 3600 + int(zone[-2:]) * 60
        sec = sec - off if zone[0] == "+" else sec + off
    return sec * 1000000 + us


def facts(rec):
    """The fact dict of eve_gen.Truth for one EVE alert record."""
    a = rec["alert"]
    tlp = (a.get("metadata") or {}).get("tlp")
    return {"ts": eve_usec(rec["timestamp"]),
            "sig": "%d:%d:%d" % (a.get("gid", 1), a["signature_id"], a.get("rev", 0)),
            "msg": a["signature"], "sev": a["severity"], "cat": a.get("category", ""),
            "app": rec.get("app_proto", ""), "proto": rec["proto"], "dport": rec.get("dest_port"),
            "src": rec["src_ip"], "dst": rec["dest_ip"], "tlp": tlp[0] if isinstance(tlp, list) and tlp else None}


def stream_matches_file(r, sensor, records):
    """True when the sensor's stream holds exactly the records of its EVE file, in order."""
    key = "ictwatch:eve:{%s}" % sensor
    got, start = [], "-"
    while True:
        part = r.cmd("XRANGE", key, start, "+", "COUNT", "20000")
        for _, fields in part:
            got.append(json.loads(fields[1]))
        if len(part) < 20000:
            break
        start = "(" + part[-1][0].decode()
    return got == records
