"""Crash: four real sensors replay the volume captures with the shipped rules into Redis
and their EVE files (the data of test_collector_truth.py, over 200,000 alerts); two
collectors share the consumer group while one of them is killed with SIGKILL at random
moments (at least 3 times, each while entries remain to be read or applied) and
restarted under the same name, and the other is killed once for good (its pending
entries must be taken over with XAUTOCLAIM by the survivor). The aggregates must still
equal the truth computed from the EVE files exactly: no entry counted twice, none missed.
"""
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402
import ruleset  # noqa: E402
import sensor_truth  # noqa: E402

SITES = [("uz-tas-01", "UZ", "UZ-CERT"), ("uz-sam-02", "UZ", None), ("tj-dyu-03", "TJ", None),
         ("tm-asb-04", "TM", None)]
SENSORS = [s for s, _, _ in SITES]
META = {"uz-tas-01": ("UZ", "UZ-CERT"), "uz-sam-02": ("UZ", ""), "tj-dyu-03": ("TJ", ""), "tm-asb-04": ("TM", "")}

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")
ruleset.require_engine()


def start(rd, name, log):
    return subprocess.Popen([ictw.COLLECTOR, "run", "--redis", rd.unix_url, "--consumer", name, "--batch-size",
                             "300", "--claim-idle", "2s", "--set", "claim-interval=1s", "--set", "lateness=1d",
                             "--set", "discover-interval=1s"], stdout=subprocess.DEVNULL, stderr=log)


def done(r):
    """True when every stream's entries were all delivered and acknowledged."""
    for s in SENSORS:
        groups = r.cmd("XINFO", "GROUPS", "ictwatch:eve:{%s}" % s)
        if not groups:
            return False
        g = ictw_resp.as_dict(groups[0])
        info = ictw_resp.as_dict(r.cmd("XINFO", "STREAM", "ictwatch:eve:{%s}" % s))
        if int(g["pending"]) != 0 or g["last-delivered-id"] != info["last-generated-id"]:
            return False
    return True


def remaining(r):
    """Entries not yet applied: undelivered (group lag) plus pending."""
    n = 0
    for s in SENSORS:
        g = ictw_resp.as_dict(r.cmd("XINFO", "GROUPS", "ictwatch:eve:{%s}" % s)[0])
        n += int(g["pending"]) + int(g["lag"] or 0)
    return n


def wait_stopped(pid):
    """Until the kernel shows pid stopped (state T): kill() returns before that."""
    for _ in range(1000):
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                return
        time.sleep(0.001)


def held_by(r, consumer):
    n = 0
    for s in SENSORS:
        summary = r.cmd("XPENDING", "ictwatch:eve:{%s}" % s, "ictwatch-collectors")
        for name, count in summary[3] or []:
            if name.decode() == consumer:
                n += int(count)
    return n


rd = ictw.Redis()
logs = []
procs = {}
try:
    r = ictw_resp.Resp(unix=rd.sock)
    eve = sensor_truth.replay(rd, SITES, rd.dir)
    total = sum(len(v) for v in eve.values())
    ictw.check(total >= 200000, "4 sensors raised %d alerts" % total)
    truth = eve_gen.Truth(eve_gen.DEFAULT_WINDOWS, META)
    for s, recs in eve.items():
        for rec in recs:
            truth.add(s, sensor_truth.facts(rec))

    rng = random.Random(int(os.environ.get("ICTW_CRASH_SEED", str(int(time.time())))))
    log_a = open(os.path.join(rd.dir, "a.log"), "w")
    log_b = open(os.path.join(rd.dir, "b.log"), "w")
    procs["a"] = start(rd, "crash-a", log_a)
    procs["b"] = start(rd, "crash-b", log_b)
    kills = busy_kills = 0
    for k in range(4):
        time.sleep(rng.uniform(0.1, 0.6))
        busy = remaining(r) > 0
        procs["a"].send_signal(signal.SIGKILL)
        procs["a"].wait()
        kills += 1
        busy_kills += busy
        if k == 1:
            # b dies for good while it holds entries: a must take them over after claim-idle.
            # b is frozen first, so what it holds when counted is what it holds when it dies
            # (counted while it runs, it could apply its batch before the kill lands).
            held = 0
            for _ in range(2000):
                procs["b"].send_signal(signal.SIGSTOP)
                wait_stopped(procs["b"].pid)
                held = held_by(r, "crash-b")
                if held > 0:
                    break
                procs["b"].send_signal(signal.SIGCONT)
                time.sleep(0.002)
            procs["b"].send_signal(signal.SIGKILL)
            procs["b"].wait()
            del procs["b"]
        procs["a"] = start(rd, "crash-a", log_a)
    ictw.check(held > 0, "collector b killed for good while holding %d pending entries" % held)
    ictw.check(kills >= 3 and busy_kills >= 3, "collector a killed with SIGKILL %d times and restarted, %d times "
               "while entries remained to be applied" % (kills, busy_kills))

    deadline = time.time() + 600
    while time.time() < deadline and not done(r):
        time.sleep(0.5)
    ictw.check(done(r), "all entries delivered and acknowledged after the crashes")
    procs["a"].send_signal(signal.SIGTERM)
    rc = procs["a"].wait(timeout=60)
    ictw.check(rc == 0, "the survivor stops cleanly on SIGTERM (status %d)" % rc)
    del procs["a"]
    log_a.close()
    log_b.close()
    text = open(os.path.join(rd.dir, "a.log")).read()
    ictw.check("took over" in text, "entries of the dead consumer were reclaimed (XAUTOCLAIM)", text[-1500:])

    problems = eve_gen.compare(r, truth)
    ictw.check(not problems, "aggregates equal the truth exactly after crashes", "\n".join(problems))
    counters = [ictw_resp.as_dict(r.cmd("HGETALL", "ictwatch:agg:counters:{%s}" % s)) for s in SENSORS]
    entries = sum(int(c.get("entries", 0)) for c in counters)
    alerts = sum(int(c.get("alerts", 0)) for c in counters)
    ictw.check(entries == alerts == total,
               "counters: %d entries, %d alerts applied (expected %d each)" % (entries, alerts, total))
finally:
    for p in procs.values():
        p.kill()
        p.wait()
    rd.close()
ictw.finish()
