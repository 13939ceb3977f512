#!/usr/bin/python3
"""tools/bench_collector.py - collector ingest speed, driven by tools/bench-collector.sh.

Measures `ictwatch-collector run --drain` consuming pre-filled sensor streams into the
aggregates: one collector process, a private local redis-server on a unix socket (no
persistence). Two data sets, each filled once (not timed), saved to an RDB file and
loaded into a fresh redis-server before every run, so every run starts from the same
streams:

  sensors  what real sensors produce: tests/captures/make-volume-captures.py (port
           scans, host sweeps, ICMP sweeps, a UDP scan, a spoofed SYN flood, DNS
           reflection) replayed through four ictwatch-sensor processes with the shipped
           ruleset (rules/*.rules), each with its own --sensor-id and --country, writing
           to the streams as in production. About 229,000 alerts.
  worst    generated alerts (tests/lib/eve_gen.py without campaign sources) whose
           sources are all over IPv4/IPv6: nearly every alert has its own tuple in the
           hour and day windows, its own top-source member and HyperLogLog element.

Printed per data set: the median run (by alerts/s) of REPEAT, with wall time, alerts/s,
and the CPU seconds of the collector (wait4 rusage) and of redis-server (/proc/PID/stat)
per alert; then what the data looks like (distinct tuples per alert in each window).
On a machine with at least two free cores the collector and Redis overlap, so alerts/s
approaches 1 / max(collector, Redis CPU per alert); on a loaded machine it is lower.

Usage: bench_collector.py BUILD SENSOR WORST_ALERTS REPEAT [OUT]
Environment: COLLECTOR_ARGS, extra collector options (e.g. "--set windows=1h:35d,1d:400d").
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402

HOME_NET = "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8]"
SITES = [("kz-ala-1", "KZ"), ("kz-ast-2", "KZ"), ("uz-tas-3", "UZ"), ("kg-bis-4", "KG")]
# lateness: the generated worst case has a little jitter; COLLECTOR_ARGS adds settings
# (e.g. COLLECTOR_ARGS="--set windows=1h:35d,1d:400d")
COLLECTOR_SETTINGS = ["--set", "lateness=1d", "--set", "block=100"] + os.environ.get("COLLECTOR_ARGS", "").split()


class Server:
    """A private redis-server in its own directory, optionally loading dump.rdb."""

    def __init__(self, workdir, rdb=None):
        self.dir = tempfile.mkdtemp(prefix="srv.", dir=workdir)
        if rdb:
            shutil.copy(rdb, os.path.join(self.dir, "dump.rdb"))
        self.sock = os.path.join(self.dir, "redis.sock")
        self.proc = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", self.sock, "--unixsocketperm",
                                      "700", "--dir", self.dir, "--save", "", "--appendonly", "no",
                                      "--logfile", os.path.join(self.dir, "redis.log")])
        for _ in range(600):
            if os.path.exists(self.sock):
                try:
                    r = ictw_resp.Resp(unix=self.sock)
                    if r.cmd("PING") in (b"PONG", "PONG"):
                        self.r = r
                        return
                except Exception:
                    pass
            time.sleep(0.05)
        raise SystemExit("bench-collector: redis-server did not start (%s)" % self.dir)

    def cpu(self):
        f = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def save(self, path):
        self.r.cmd("SAVE")
        shutil.copy(os.path.join(self.dir, "dump.rdb"), path)

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def fill_sensors(work, build, sensor):
    """Replays the volume captures through four sensors into a server; returns the RDB path."""
    caps = os.path.join(build, "captures", "volume")
    gen = os.path.join(ROOT, "tests", "captures", "make-volume-captures.py")
    stamp = os.path.join(caps, ".stamp")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(gen):
        os.makedirs(caps, exist_ok=True)
        subprocess.run([sys.executable, gen, caps], check=True)
        open(stamp, "w").close()
    srv = Server(work)
    rules = []
    for f in sorted(os.listdir(os.path.join(ROOT, "rules"))):
        if f.endswith(".rules"):
            rules += ["-S", os.path.join(ROOT, "rules", f)]
    procs = []
    for k, (sid, cc) in enumerate(SITES, 1):
        procs.append(subprocess.Popen(
            [sensor, "-q", "-r", os.path.join(caps, "volume-%d.pcap" % k), "--sensor-id", sid, "--country", cc,
             "--rules-dir", os.path.join(ROOT, "rules"), "-c", os.path.join(ROOT, "rules", "sensor-rules.conf"),
             "--set", "HOME_NET=" + HOME_NET, "--redis", "unix://" + srv.sock]
            + rules, cwd=ROOT, stdout=subprocess.DEVNULL))
    for p in procs:
        if p.wait() != 0:
            raise SystemExit("bench-collector: a sensor failed (%d)" % p.returncode)
    n = sum(srv.r.cmd("XLEN", "ictwatch:eve:{%s}" % s) for s, _ in SITES)
    rdb = os.path.join(work, "sensors.rdb")
    srv.save(rdb)
    srv.close()
    return rdb, n


def fill_worst(work, total):
    srv = Server(work)
    ids = ["worst-%02d" % i for i in range(4)]
    eve_gen.xadd_all(srv.r, eve_gen.generate(ids, total // len(ids), seed=1, campaign=False))
    srv.r.cmd("SADD", "ictwatch:sensors", *ids)
    n = sum(srv.r.cmd("XLEN", "ictwatch:eve:{%s}" % s) for s in ids)
    rdb = os.path.join(work, "worst.rdb")
    srv.save(rdb)
    srv.close()
    return rdb, n


def shape(r):
    """Distinct (bucket, tuple) pairs per window, summed over buckets."""
    out = {}
    labels = [x.decode().split(":")[2] for x in r.cmd("KEYS", "ictwatch:agg:*:windows")]
    for w in sorted(labels, key=lambda w: (w[-1] != "m", w[-1] != "h", w)):
        starts = r.cmd("ZRANGE", "ictwatch:agg:%s:windows" % w, "0", "-1")
        out[w] = sum(r.cmd("HLEN", "ictwatch:agg:%s:%s:count" % (w, s.decode())) for s in starts)
    return out


def run_once(work, collector, rdb, want):
    srv = Server(work, rdb)
    try:
        r0, t0 = srv.cpu(), time.monotonic()
        p = subprocess.Popen([collector, "run", "--redis", "unix://" + srv.sock, "--consumer", "bench", "--drain"]
                             + COLLECTOR_SETTINGS, stderr=subprocess.PIPE, text=True)
        _, status, ru = os.wait4(p.pid, 0)
        wall, r1 = time.monotonic() - t0, srv.cpu()
        err = p.stderr.read()
        alerts = 0
        for line in err.splitlines():
            if "stopped after" in line:
                alerts = int(line.split(" alerts (")[0].rsplit(" ", 1)[1])
        if status != 0 or alerts != want:
            raise SystemExit("bench-collector: the collector applied %d of %d alerts:\n%s" % (alerts, want, err))
        return {"wall": wall, "rate": alerts / wall, "coll": ru.ru_utime + ru.ru_stime, "redis": r1 - r0,
                "alerts": alerts, "shape": shape(srv.r)}
    finally:
        srv.close()


def report(name, runs, out):
    runs.sort(key=lambda x: x["rate"])
    m = runs[(len(runs) - 1) // 2]
    a = m["alerts"]
    lines = ["  %-8s %7d alerts %6.2f s %8.0f alerts/s   CPU per alert: collector %5.2f us, redis-server %5.2f us"
             % (name, a, m["wall"], m["rate"], m["coll"] * 1e6 / a, m["redis"] * 1e6 / a),
             "           runs: " + ", ".join("%.0f/s (%.1f+%.1f us)" % (x["rate"], x["coll"] * 1e6 / a,
                                                                         x["redis"] * 1e6 / a) for x in runs),
             "           distinct tuples per alert: " + ", ".join("%s %.2f" % (w, n / a)
                                                               for w, n in m["shape"].items())]
    for line in lines:
        print(line)
        out.write(line + "\n")


def main():
    build, sensor, worst, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out = open(sys.argv[5], "a") if len(sys.argv) > 5 and sys.argv[5] else open(os.devnull, "w")
    collector = os.path.join(build, "bin", "ictwatch-collector")
    work = tempfile.mkdtemp(prefix="ictw-bench-collector.")
    try:
        extra = " ".join(COLLECTOR_SETTINGS[4:]) or "default windows"
        head = ("== collector ingest (issue 5): one collector, local redis-server (unix socket), %s; "
                "median of %d runs (target >= 100000 alerts/s)" % (extra, repeat))
        print(head)
        out.write(head + "\n")
        sets = []
        if os.access(sensor, os.X_OK):
            sets.append(("sensors",) + fill_sensors(work, build, sensor))
        else:
            print("  sensors: skipped (no sensor binary at %s)" % sensor)
        sets.append(("worst",) + fill_worst(work, worst))
        for name, rdb, n in sets:
            report(name, [run_once(work, collector, rdb, n) for _ in range(repeat)], out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
