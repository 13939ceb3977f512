"""tests/lib/eve_gen.py - generated EVE alert records and the aggregates they must give.

Used by the collector's tests and tools/bench-collector.sh. generate() makes alert
records shaped like the sensor's (valid against ../shared/eve-schema.json), spread
over several sensors, signatures, protocols, IPv4 and IPv6 addresses, with a few
heavy "campaign" sources, in event-time order per sensor with small jitter.
Truth computes, independently of the collector's C code, what the aggregates must
hold (docs/collector.md describes the layout): counts, first/last seen per window
and tuple, distinct sources/destinations per grain, top sources per signature.
"""
import ipaddress
import json
import random
from collections import Counter, defaultdict

SIGNATURES = [
    # gid, sid, rev, msg, category, severity
    (1, 9100001, 1, "ICTW SCAN Modbus/TCP device identification", "Attempted Information Leak", 2),
    (1, 9100002, 3, "ICTW SCAN S7comm setup from outside", "Attempted Information Leak", 2),
    (1, 9100003, 1, "ICTW ICS DNP3 unsolicited response flood", "Attempted Denial of Service", 1),
    (1, 9100004, 2, "ICTW TLS SNI on IOC list", "Malware Command and Control Activity Detected", 1),
    (1, 9100005, 1, "ICTW DNS query for a dynamic-DNS domain", "Potentially Bad Traffic", 3),
    (1, 9100006, 1, "ICTW HTTP user agent of a scanner", "Web Application Attack", 2),
    (1, 9100007, 4, "ICTW ICMP sweep of the OT network", "Detection of a Network Scan", 3),
    (1, 9100008, 1, "ICTW IEC-104 start from an unknown master", "Potential Corporate Privacy Violation", 1),
    (1, 9100009, 1, "ICTW SSH brute force | many sessions", "Attempted Administrator Privilege Gain", 1),
    (1, 9100010, 2, "ICTW nDPI risk: known-proto on non-standard port", "Misc activity", 3),
    (1, 9100011, 1, "ICTW Telnet login attempt 100% fail", "", 3),
    (3, 9100012, 1, "ICTW BACnet who-is from the Internet", "Attempted Information Leak", 2),
]

PROTOS = [
    # proto, dest ports, app_proto
    ("TCP", [502, 102, 20000, 2404, 22, 23, 443, 80, 8080], ["modbus", "", "tls", "http", "ssh", "failed"]),
    ("UDP", [53, 47808, 161, 123], ["dns", "", "snmp"]),
    ("ICMP", [None], [""]),
]

CAMPAIGN_SOURCES = ["198.51.100.7", "203.0.113.45", "192.0.2.200", "2001:db8:bad::7"]


def eve_time(us):
    import datetime
    dt = datetime.datetime.fromtimestamp(us // 1000000, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d+0000" % (us % 1000000)


def eve_addr(a):
    ip = ipaddress.ip_address(a)
    return ip.exploded if ip.version == 6 else str(ip)


def random_source(rng, campaign=True):
    r = rng.random()
    if r < 0.25 and campaign:
        return rng.choice(CAMPAIGN_SOURCES)
    if r < 0.90:
        return "%d.%d.%d.%d" % (rng.choice([45, 89, 185, 5, 91]), rng.randrange(256), rng.randrange(256),
                                rng.randrange(1, 255))
    return "2001:db8:%x:%x::%x" % (rng.randrange(1, 0xffff), rng.randrange(0xffff), rng.randrange(1, 0xffff))


def random_dest(rng, sensor_index):
    if rng.random() < 0.9:
        return "10.%d.%d.%d" % (sensor_index, rng.randrange(4), rng.randrange(1, 255))
    return "fd00:%x::%x" % (sensor_index + 1, rng.randrange(1, 200))


def make_alert(rng, ts_us, sensor, sensor_index, flow_id, campaign=True, src=None, sig=None):
    gid, sid, rev, msg, cat, sev = sig or rng.choice(SIGNATURES)
    proto, ports, apps = rng.choice(PROTOS)
    src = src or random_source(rng, campaign)
    dst = random_dest(rng, sensor_index)
    if (":" in src) != (":" in dst):
        dst = ("fd00:%x::%x" % (sensor_index + 1, rng.randrange(1, 200))) if ":" in src else \
            "10.%d.0.%d" % (sensor_index, rng.randrange(1, 255))
    dport = rng.choice(ports)
    app = rng.choice(apps)
    rec = {"timestamp": eve_time(ts_us), "flow_id": flow_id, "event_type": "alert",
           "src_ip": eve_addr(src)}
    if dport is not None:
        rec["src_port"] = rng.randrange(1024, 65536)
    rec["dest_ip"] = eve_addr(dst)
    if dport is not None:
        rec["dest_port"] = dport
    rec["proto"] = proto
    rec["ip_v"] = 6 if ":" in src else 4
    rec["pkt_src"] = "wire/pcap"
    if proto == "ICMP":
        if rec["ip_v"] == 6:
            rec["proto"] = proto = "IPv6-ICMP"
        rec["icmp_type"] = 8
        rec["icmp_code"] = 0
    rec["alert"] = {"action": "allowed", "gid": gid, "signature_id": sid, "rev": rev, "signature": msg,
                    "category": cat, "severity": sev, "metadata": {"ictwatch": ["generated"]}}
    if app:
        rec["app_proto"] = app
    rec["direction"] = "to_server"
    rec["flow"] = {"pkts_toserver": rng.randrange(1, 20), "pkts_toclient": rng.randrange(0, 20),
                   "bytes_toserver": rng.randrange(60, 9000), "bytes_toclient": rng.randrange(0, 9000),
                   "start": eve_time(ts_us - rng.randrange(0, 5000000)),
                   "src_ip": rec["src_ip"], "dest_ip": rec["dest_ip"]}
    if dport is not None:
        rec["flow"]["src_port"] = rec["src_port"]
        rec["flow"]["dest_port"] = dport
    rec["host"] = sensor
    fact = {"ts": ts_us, "sig": "%d:%d:%d" % (gid, sid, rev), "msg": msg, "sev": sev, "cat": cat,
            "app": app, "proto": proto, "dport": dport, "src": src, "dst": dst}
    return json.dumps(rec, separators=(",", ":")), fact


def generate(sensors, per_sensor, seed=1, t0_us=None, span_s=6 * 3600, jitter_s=20, campaign=True):
    """sensors: list of ids. Returns {sensor: [(json, fact), ...]} in stream order."""
    rng = random.Random(seed)
    if t0_us is None:
        import time
        t0_us = (int(time.time()) - span_s - 3600) // 3600 * 3600 * 1000000
    out = {}
    for si, s in enumerate(sensors):
        recs = []
        step = span_s * 1000000 // max(per_sensor, 1)
        for i in range(per_sensor):
            ts = t0_us + i * step + rng.randrange(0, max(step, 1))
            ts -= rng.randrange(0, jitter_s * 1000000) if rng.random() < 0.05 else 0
            recs.append(make_alert(rng, max(ts, t0_us), s, si, rng.randrange(1, 1 << 50), campaign))
        out[s] = recs
    return out


def xadd_all(resp, streams, key_fmt="ictwatch:eve:{%s}", chunk=5000):
    """XADDs every record (field eve), pipelined. streams: {sensor: [(json, fact)]}."""
    cmds = []
    for s, recs in streams.items():
        key = key_fmt % s
        for js, _ in recs:
            cmds.append(["XADD", key, "*", "eve", js])
    resp.pipeline(cmds, chunk=chunk)


# --- the expected aggregates ---

def escape(s):
    out = []
    for ch in s.encode():
        if ch in (0x25, 0x7c) or ch < 0x20 or ch == 0x7f:
            out.append("%%%02X" % ch)
        else:
            out.append(chr(ch))
    return "".join(out)


def prefix(addr, v4=24, v6=48):
    ip = ipaddress.ip_address(addr)
    bits = v4 if ip.version == 4 else v6
    return "%s/%d" % (ipaddress.ip_network("%s/%d" % (addr, bits), strict=False).network_address, bits)


def short(addr):
    return str(ipaddress.ip_address(addr))


class Truth:
    """Expected aggregates of facts per sensor. meta: {sensor: (country, org)};
    windows: [(name, size_seconds, detail)] (detail False = counts only)."""

    def __init__(self, windows, meta, v4=24, v6=48, tlp=None):
        self.windows = windows
        self.meta = meta
        self.tlp = tlp or {}              # sensor -> TLP value ("green" when absent)
        self.v4, self.v6 = v4, v6
        self.count = Counter()            # (w, start, tuple) -> n
        self.first = {}                   # (w, start, grain) -> first time (us)
        self.last = {}
        self.src = defaultdict(set)       # (w, start, grain) -> set
        self.dst = defaultdict(set)
        self.top = defaultdict(Counter)   # (w, start, sig) -> Counter(src)
        self.total = 0

    def tuple_of(self, sensor, f, detail=True):
        country, org = self.meta.get(sensor, ("", ""))
        fields = [escape(sensor), escape(country), escape(org), f["sig"], str(f["sev"]), escape(f["cat"]),
                  f.get("tlp") or self.tlp.get(sensor, "green"), escape(f["app"]), escape(f["proto"]), "" if f["dport"] is None else str(f["dport"]),
                  prefix(f["src"], self.v4, self.v6) if detail else "",
                  prefix(f["dst"], self.v4, self.v6) if detail else ""]
        return "|".join(fields), "|".join(fields[:7])

    def add(self, sensor, f):
        self.total += 1
        for w, size, detail in self.windows:
            t, grain = self.tuple_of(sensor, f, detail)
            start = f["ts"] // 1000000 // size * size
            self.count[(w, start, t)] += 1
            g = (w, start, grain)
            self.first[g] = min(self.first.get(g, f["ts"]), f["ts"])
            self.last[g] = max(self.last.get(g, f["ts"]), f["ts"])
            if detail:
                self.src[g].add(short(f["src"]))
                self.dst[g].add(short(f["dst"]))
                lvl = f.get("tlp") or self.tlp.get(sensor, "green")
                self.top[(w, start, lvl + ":" + f["sig"])][short(f["src"])] += 1

    def add_streams(self, streams):
        for s, recs in streams.items():
            for _, f in recs:
                self.add(s, f)
        return self


def read_window(resp, w):
    """Reads every bucket of window w: {(w, start, tuple): count}, first, last, late."""
    starts = [int(x) for x in resp.cmd("ZRANGE", "ictwatch:agg:%s:windows" % w, "0", "-1")]
    cmds = []
    for st in starts:
        base = "ictwatch:agg:%s:%d:" % (w, st)
        cmds += [["HGETALL", base + "count"], ["HGETALL", base + "late"],
                 ["ZRANGE", base + "first", "0", "-1", "WITHSCORES"],
                 ["ZRANGE", base + "last", "0", "-1", "WITHSCORES"]]
    replies = resp.pipeline(cmds)
    count, late, first, last = Counter(), Counter(), {}, {}
    for i, st in enumerate(starts):
        c, l, f, s = replies[4 * i:4 * i + 4]
        for j in range(0, len(c), 2):
            count[(w, st, c[j].decode())] = int(c[j + 1])
        for j in range(0, len(l), 2):
            late[(w, st, l[j].decode())] = int(l[j + 1])
        for j in range(0, len(f), 2):
            first[(w, st, f[j].decode())] = int(float(f[j + 1]))
        for j in range(0, len(s), 2):
            last[(w, st, s[j].decode())] = int(float(s[j + 1]))
    return count, late, first, last


DEFAULT_WINDOWS = [("1m", 60, False), ("1h", 3600, True), ("1d", 86400, True)]


def compare(resp, truth, hll_tolerance=0.05):
    """Compares everything stored with the truth; returns a list of problems (empty = equal).
    HyperLogLog counts have a standard error of 0.81%; over hundreds of keys the worst one
    stays within 5% (sets of one or two differ by at most 1)."""
    problems = []
    for w, size, detail in truth.windows:
        count, late, first, last = read_window(resp, w)
        exp = {k: v for k, v in truth.count.items() if k[0] == w}
        if late:
            problems.append("%s: %d late tuples (expected none)" % (w, len(late)))
        if count != exp:
            missing = [k for k in exp if count.get(k) != exp[k]][:3]
            extra = [k for k in count if k not in exp][:3]
            problems.append("%s: counts differ (%d stored, %d expected tuples; total %d vs %d); e.g. %r / %r"
                            % (w, len(count), len(exp), sum(count.values()), sum(exp.values()), missing, extra))
        ef = {k: v for k, v in truth.first.items() if k[0] == w}
        el = {k: v for k, v in truth.last.items() if k[0] == w}
        if first != ef or last != el:
            bad = [k for k in ef if first.get(k) != ef[k]][:2]
            problems.append("%s: first/last differ, e.g. %r" % (w, [(k, first.get(k), ef.get(k)) for k in bad]))
        if not detail:
            continue
        keys = sorted(truth.src)
        keys = [k for k in keys if k[0] == w]
        cmds = []
        for k in keys:
            base = "ictwatch:agg:%s:%d:" % (w, k[1])
            cmds.append(["PFCOUNT", base + "src:" + k[2]])
            cmds.append(["PFCOUNT", base + "dst:" + k[2]])
        replies = resp.pipeline(cmds)
        worst = 0.0
        for i, k in enumerate(keys):
            for got, exp_set in ((replies[2 * i], truth.src[k]), (replies[2 * i + 1], truth.dst[k])):
                err = abs(got - len(exp_set)) / max(len(exp_set), 1)
                if abs(got - len(exp_set)) > 1:
                    worst = max(worst, err)
        if worst > hll_tolerance:
            problems.append("%s: distinct counts off by up to %.1f%%" % (w, worst * 100))
        tops = [k for k in truth.top if k[0] == w]
        cmds = [["ZREVRANGE", "ictwatch:agg:%s:%d:top:%s" % (w, k[1], k[2]), "0", "2", "WITHSCORES"] for k in tops]
        replies = resp.pipeline(cmds)
        for k, r in zip(tops, replies):
            got = [(r[i].decode(), int(float(r[i + 1]))) for i in range(0, len(r), 2)]
            want = truth.top[k].most_common()
            # the top 3 must have the expected counts (ties may order either way)
            for src, n in got:
                if truth.top[k][src] != n:
                    problems.append("%s top %r: %s has %d, expected %d" % (w, k, src, n, truth.top[k][src]))
                    break
            if want and got and got[0][1] != want[0][1]:
                problems.append("%s top %r: first is %r, expected count %d" % (w, k, got[0], want[0][1]))
            if len(problems) > 20:
                return problems
    return problems
