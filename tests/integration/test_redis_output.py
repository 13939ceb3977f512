"""test_redis_output.py - the sensor's Redis output end to end.

A capture replay with rules and --redis sends exactly the records of the EVE
file (alerts and flow records), byte for byte and in order, in every mode
(stream, publish, lpush, rpush). Then a replay raising 100,000 alerts with
Redis stopped for several seconds in the middle (appendonly on): the stream
ends with exactly the EVE file's alerts, none twice; and the same with the
sensor killed (SIGKILL) during the outage and started again with the same
input.

The captures and the rule are written here (UDP flows; the rule raises one
alert on the first packet of each flow), so the test needs nothing from
../shared.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

KINDS = "alert,flow"
# One alert per flow: on its first packet (the flowbit is not set yet).
RULE = ('alert udp any any -> any 53 (msg:"ictwatch e2e: first packet of a flow"; '
        'flowbits:isnotset,e2e.seen; flowbits:set,e2e.seen; content:"xxxx"; '
        'classtype:misc-activity; sid:9990001; rev:1;)\n')


def write_pcap(path, nflows, per_flow, gap_us=1000):
    """nflows one-way UDP flows of per_flow packets each, in time order."""
    base = 1700000000 * 1000000
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        payload = b"x" * 20
        for i in range(nflows):
            src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
            udp = struct.pack("!HHHH", 10000 + (i % 50000), 53, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src,
                             bytes([192, 168, 1, 1])) + udp
            fr = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip
            for k in range(per_flow):
                t = base + i * gap_us + k * 10
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)) + fr)


def eve_lines(path):
    with open(path, "rb") as f:
        return [line.rstrip(b"\n") for line in f if line.strip()]


def cli_raw(r, *args):
    out = subprocess.run(["redis-cli", "-s", r.sock, "--raw"] + list(args),
                         capture_output=True).stdout
    return out.split(b"\n")[:-1] if out else []


def stream_records(r, key):
    """The eve fields of the whole stream, in order (ids checked increasing)."""
    lines = cli_raw(r, "XRANGE", key, "-", "+")
    recs, last = [], (0, -1)
    for i in range(0, len(lines), 3):
        ms, seq = (int(x) for x in lines[i].split(b"-"))
        if (ms, seq) <= last:
            raise AssertionError("stream ids not increasing at %r" % lines[i])
        last = (ms, seq)
        if lines[i + 1] != b"eve":
            raise AssertionError("field is %r, not eve" % lines[i + 1])
        recs.append(lines[i + 2])
    return recs


def sensor_args(pcap, logdir, r, extra, kinds=KINDS):
    return [ictw.SENSOR, "-q", "-r", pcap, "-l", logdir, "--eve-types", kinds, "-S", RULES,
            "--sensor-id", "e2e", "--redis", r.unix_url, "--set", "redis.types=" + kinds] + extra


def count_alerts(lines):
    return sum(1 for ln in lines if b'"event_type":"alert"' in ln)


def diff_detail(want, got):
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            return "first difference at record %d:\n  eve  %s\n  redis %s" % (i, a[:200], b[:200])
    return "eve file %d records, redis %d" % (len(want), len(got))


class Subscriber(threading.Thread):
    """SUBSCRIBE on a raw socket; collects the message payloads in order."""

    def __init__(self, sock_path, channel):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(sock_path)
        self.s.sendall(b"SUBSCRIBE %s\r\n" % channel.encode())
        self.buf = b""
        self.messages = []
        self.done = False
        self.read_reply()          # the subscribe confirmation
        self.start()

    def fill(self):
        chunk = self.s.recv(1 << 20)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def read_reply(self):
        head = self.line()
        if head[:1] == b"*":
            return [self.read_reply() for _ in range(int(head[1:]))]
        if head[:1] == b"$":
            n = int(head[1:])
            while len(self.buf) < n + 2:
                self.fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        return head[1:]

    def run(self):
        try:
            while True:
                m = self.read_reply()
                if m[0] == b"message":
                    self.messages.append(m[2])
        except (EOFError, OSError):
            pass

    def stop(self):
        self.s.shutdown(socket.SHUT_RDWR)
        self.join(5)


def test_modes(tmp, pcap):
    for mode in ("stream", "publish", "lpush", "rpush"):
        r = ictw.Redis()
        try:
            logdir = os.path.join(tmp, "modes-" + mode)
            os.makedirs(logdir)
            sub = None
            if mode == "publish":
                sub = Subscriber(r.sock, "ictwatch:alerts")
            p = ictw.run(sensor_args(pcap, logdir, r, ["--redis-mode", mode]))
            want = eve_lines(os.path.join(logdir, "eve.json"))
            if mode == "stream":
                got = stream_records(r, "ictwatch:eve:{e2e}")
            elif mode == "publish":
                wait_for(lambda: len(sub.messages) >= len(want), 10)
                sub.stop()
                got = sub.messages
            else:
                got = cli_raw(r, "LRANGE", "ictwatch:eve-list:{e2e}", "0", "-1")
                if mode == "lpush":
                    got.reverse()
            alerts = count_alerts(want)
            ictw.check(p.returncode == 0 and alerts == 3000 and len(want) == 6000 and got == want,
                       "--redis-mode %s delivers exactly the EVE file's %d records (%d alerts, "
                       "the rest flow records), byte-identical, in order" % (mode, len(want), alerts),
                       p.stderr[-2000:] + "\n" + diff_detail(want, got))
        finally:
            r.close()


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def xlen(r):
    try:
        return int(r.cli("XLEN", "ictwatch:eve:{e2e}").strip() or 0)
    except ValueError:
        return 0


def test_outage_replay_wait(tmp, pcap):
    r = ictw.Redis(extra=["--appendonly", "yes"])
    try:
        logdir = os.path.join(tmp, "outage")
        os.makedirs(logdir)
        p = subprocess.Popen(sensor_args(pcap, logdir, r, ["--redis-mode", "stream,publish",
                                                           "--set", "redis.command-timeout=500ms"],
                                         kinds="alert"),
                             stderr=subprocess.PIPE, text=True)
        started = wait_for(lambda: xlen(r) > 5000, 120)
        r.stop()
        time.sleep(4)
        r.start()
        try:
            err = p.communicate(timeout=600)[1]
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1]
        want = eve_lines(os.path.join(logdir, "eve.json"))
        got = stream_records(r, "ictwatch:eve:{e2e}")
        ictw.check(started and p.returncode == 0 and count_alerts(want) == len(want) >= 100000
                   and got == want,
                   "Redis stopped 4 s during a replay raising %d alerts (replay-wait): stream has "
                   "exactly the EVE file's alerts, in order, none twice" % len(want),
                   err[-2000:] + "\n" + diff_detail(want, got))
    finally:
        r.close()


def test_outage_sensor_killed(tmp, pcap):
    r = ictw.Redis(extra=["--appendonly", "yes"])
    try:
        spool = os.path.join(tmp, "spool")
        runs = []
        for run in (1, 2):
            logdir = os.path.join(tmp, "killed-%d" % run)
            os.makedirs(logdir)
            runs.append(logdir)
        args = ["--redis-mode", "stream", "--spool-dir", spool, "--replay-wait", "no",
                "--set", "redis.connect-timeout=200ms"]
        p = subprocess.Popen(sensor_args(pcap, runs[0], r, args, kinds="alert"),
                             stderr=subprocess.PIPE, text=True)
        started = wait_for(lambda: xlen(r) > 5000, 120)
        r.stop()

        def spooling():
            return any(f.startswith("seg-") and os.path.getsize(os.path.join(spool, f)) > 16
                       for f in os.listdir(spool)) if os.path.isdir(spool) else False
        spooled = wait_for(spooling, 30)
        p.send_signal(signal.SIGKILL)
        p.communicate()
        killed = p.returncode == -signal.SIGKILL
        r.start()
        before = xlen(r)
        p2 = ictw.run([a for a in sensor_args(pcap, runs[1], r, args, kinds="alert") if a != "-q"])
        want = eve_lines(os.path.join(runs[1], "eve.json"))
        got = stream_records(r, "ictwatch:eve:{e2e}")
        ictw.check(started and spooled and killed and 0 < before < len(want),
                   "sensor killed (SIGKILL) during the outage with records in the spool "
                   "(%d of %d in the stream then)" % (before, len(want)),
                   "started %s spooled %s killed %s" % (started, spooled, killed))
        ictw.check(p2.returncode == 0 and count_alerts(want) == len(want) >= 100000 and got == want,
                   "restarted with the same input: spool drained first, the stream has exactly "
                   "the %d alerts in order, none twice" % len(want),
                   p2.stderr[-2000:] + "\n" + diff_detail(want, got))
        ictw.check("resuming a replay that was interrupted" in p2.stderr,
                   "the restarted sensor says it resumes the interrupted replay", p2.stderr[-1000:])
    finally:
        r.close()


def main():
    if not os.access(ictw.SENSOR, os.X_OK):
        ictw.skip_all("sensor not built (%s)" % ictw.SENSOR)
    if subprocess.run(["redis-server", "--version"], capture_output=True).returncode != 0:
        ictw.skip_all("redis-server not installed")
    tmp = tempfile.mkdtemp(prefix="ictw-redis-e2e-")
    global RULES
    RULES = os.path.join(tmp, "e2e.rules")
    with open(RULES, "w") as f:
        f.write(RULE)
    try:
        small = os.path.join(tmp, "small.pcap")
        write_pcap(small, 3000, 2)
        test_modes(tmp, small)
        big = os.path.join(tmp, "big.pcap")
        # 100,000 flows of 20 packets, 1 ms apart: 100,000 alerts throughout the replay.
        write_pcap(big, 100000, 20)
        test_outage_replay_wait(tmp, big)
        test_outage_sensor_killed(tmp, big)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    ictw.finish()


if __name__ == "__main__":
    main()
