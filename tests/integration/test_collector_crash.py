"""Crash: two collectors share the consumer group while one of them is killed with
SIGKILL at random moments (at least 3 times) and restarted under the same name, and
the other is killed once for good (its pending entries must be taken over with
XAUTOCLAIM by the survivor). The aggregates must still equal the truth exactly:
no entry counted twice, none missed.
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

PER_SENSOR = int(os.environ.get("ICTW_TRUTH_PER_SENSOR", "50000"))
SENSORS = ["uz-tas-01", "uz-sam-02", "uz-nuk-03", "uz-fer-04"]

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")


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
    streams = eve_gen.generate(SENSORS, PER_SENSOR, seed=4242)
    eve_gen.xadd_all(r, streams)
    r.cmd("SADD", "ictwatch:sensors", *SENSORS)
    truth = eve_gen.Truth(eve_gen.DEFAULT_WINDOWS, {}).add_streams(streams)

    rng = random.Random(int(os.environ.get("ICTW_CRASH_SEED", str(int(time.time())))))
    log_a = open(os.path.join(rd.dir, "a.log"), "w")
    log_b = open(os.path.join(rd.dir, "b.log"), "w")
    procs["a"] = start(rd, "crash-a", log_a)
    procs["b"] = start(rd, "crash-b", log_b)
    kills = 0
    for k in range(4):
        time.sleep(rng.uniform(0.2, 1.2))
        procs["a"].send_signal(signal.SIGKILL)
        procs["a"].wait()
        kills += 1
        if k == 1:
            # b dies for good while it holds entries: a must take them over after claim-idle.
            for _ in range(2000):
                if held_by(r, "crash-b") > 0:
                    break
                time.sleep(0.002)
            held = held_by(r, "crash-b")
            procs["b"].send_signal(signal.SIGKILL)
            procs["b"].wait()
            del procs["b"]
        procs["a"] = start(rd, "crash-a", log_a)
    ictw.check(held > 0, "collector b killed for good while holding %d pending entries" % held)
    ictw.check(kills >= 3, "collector a killed with SIGKILL %d times and restarted" % kills)

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
    ictw.check(entries == alerts == len(SENSORS) * PER_SENSOR,
               "counters: %d entries, %d alerts applied (expected %d each)" % (entries, alerts,
                                                                             len(SENSORS) * PER_SENSOR))
finally:
    for p in procs.values():
        p.kill()
        p.wait()
    rd.close()
ictw.finish()
