"""Race: a collector is frozen (SIGSTOP) while it holds a batch, long enough for the
other collector to take the batch's entries over (XAUTOCLAIM) and apply them; then it
is thawed (SIGCONT) and tries to apply the same entries. The apply script's guard
(every id still pending for this consumer) must refuse them, so nothing is counted
twice. Repeated until the guard was seen refusing at least 3 times.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402

SENSORS = ["ge-tbs-01", "ge-bat-02"]
PER_SENSOR = int(os.environ.get("ICTW_RACE_PER_SENSOR", "40000"))

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")


def start(rd, name, log, extra=()):
    return subprocess.Popen([ictw.COLLECTOR, "run", "-v", "--redis", rd.unix_url, "--consumer", name,
                             "--batch-size", "200", "--claim-idle", "1s", "--set", "claim-interval=1s",
                             "--set", "lateness=1d"] + list(extra), stdout=subprocess.DEVNULL, stderr=log)


def held_by(r, consumer):
    n = 0
    for s in SENSORS:
        summary = r.cmd("XPENDING", "ictwatch:eve:{%s}" % s, "ictwatch-collectors")
        for name, count in summary[3] or []:
            if name.decode() == consumer:
                n += int(count)
    return n


def finished(r):
    for s in SENSORS:
        g = ictw_resp.as_dict(r.cmd("XINFO", "GROUPS", "ictwatch:eve:{%s}" % s)[0])
        info = ictw_resp.as_dict(r.cmd("XINFO", "STREAM", "ictwatch:eve:{%s}" % s))
        if int(g["pending"]) or g["last-delivered-id"] != info["last-generated-id"]:
            return False
    return True


rd = ictw.Redis()
procs = []
try:
    r = ictw_resp.Resp(unix=rd.sock)
    streams = eve_gen.generate(SENSORS, PER_SENSOR, seed=99)
    eve_gen.xadd_all(r, streams)
    r.cmd("SADD", "ictwatch:sensors", *SENSORS)
    truth = eve_gen.Truth(eve_gen.DEFAULT_WINDOWS, {}).add_streams(streams)
    slow_log = os.path.join(rd.dir, "slow.log")
    with open(slow_log, "w") as ls, open(os.path.join(rd.dir, "fast.log"), "w") as lf:
        slow = start(rd, "slow", ls)
        procs.append(slow)
        freezes = 0
        refused = 0
        time.sleep(0.3)
        fast = start(rd, "fast", lf)
        procs.append(fast)
        while refused < 3 and freezes < 40 and not finished(r):
            # freeze slow while it holds entries, let fast reclaim them, thaw slow
            for _ in range(500):
                if held_by(r, "slow") > 0:
                    break
                time.sleep(0.001)
            slow.send_signal(signal.SIGSTOP)
            freezes += 1
            for _ in range(60):
                time.sleep(0.1)
                if held_by(r, "slow") == 0:
                    break
            slow.send_signal(signal.SIGCONT)
            time.sleep(0.3)
            refused = open(slow_log).read().count("no longer ours")
        ictw.check(refused >= 3, "the guard refused entries taken over while their consumer was frozen (%d times "
                   "in %d freezes)" % (refused, freezes))
        deadline = time.time() + 300
        while time.time() < deadline and not finished(r):
            time.sleep(0.3)
        ictw.check(finished(r), "all entries delivered and acknowledged")
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=60) for p in procs]
        ictw.check(codes == [0, 0], "both collectors stop cleanly on SIGTERM %r" % codes)
    problems = eve_gen.compare(r, truth)
    ictw.check(not problems, "aggregates equal the truth: nothing counted twice", "\n".join(problems))
finally:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGCONT)
            p.kill()
            p.wait()
    rd.close()
ictw.finish()
