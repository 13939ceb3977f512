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
import hashlib
import json
import os
import re
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


PCAP_HEADER = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def pcap_packets(first, last, per_flow, gap_us=1000):
    """The packet records of flows first..last-1 (one-way UDP, per_flow
    packets each, in time order), without the file header."""
    base = 1700000000 * 1000000
    out = []
    payload = b"x" * 20
    for i in range(first, last):
        src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        udp = struct.pack("!HHHH", 10000 + (i % 50000), 53, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src,
                         bytes([192, 168, 1, 1])) + udp
        fr = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip
        for k in range(per_flow):
            t = base + i * gap_us + k * 10
            out.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)) + fr)
    return b"".join(out)


def write_pcap(path, nflows, per_flow, gap_us=1000):
    """nflows one-way UDP flows of per_flow packets each, in time order."""
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for first in range(0, nflows, 10000):
            f.write(pcap_packets(first, min(first + 10000, nflows), per_flow, gap_us))


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


def doc_acls():
    """The sensor ACL of docs/redis.md, as given there: the ACL SETUSER
    command (continuation lines joined) and the ACL file line."""
    with open(os.path.join(ictw.ROOT, "docs", "redis.md")) as f:
        text = f.read()
    blocks, cur = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if cur is None:
                cur = []
            else:
                blocks.append("".join(cur))
                cur = None
        elif cur is not None:
            cur.append(line)
    setuser = [b.replace("\\\n", " ") for b in blocks if b.startswith("ACL SETUSER ")]
    aclfile = [b.strip() for b in blocks if b.startswith("user sensor-")]
    return (" ".join(setuser[0].split()) if len(setuser) == 1 else None,
            aclfile[0] if len(aclfile) == 1 else None)


def test_acl_from_docs(tmp, pcap):
    """The sensor runs as the Redis user docs/redis.md defines (loaded with
    ACL SETUSER, then from an ACL file): its stream, heartbeat and the sensors
    set get written; that user cannot write another sensor's stream."""
    setuser, fileline = doc_acls()
    if not ictw.check(setuser is not None and fileline is not None,
                      "docs/redis.md has one ACL SETUSER block and one ACL file line",
                      "%r %r" % (setuser, fileline)):
        return
    m = re.match(r"ACL SETUSER (sensor-(\S+)) on >(\S+) ", setuser)
    ictw.check(m is not None, "the ACL SETUSER command names user sensor-ID and a >password",
               setuser)
    if not m:
        return
    user, sid, placeholder = m.group(1), m.group(2), m.group(3)
    secret = "t0p-" + os.urandom(8).hex()
    pwfile = os.path.join(tmp, "acl.pass")
    with open(pwfile, "w") as f:
        f.write(secret + "\n")
    os.chmod(pwfile, 0o600)
    sha = hashlib.sha256(secret.encode()).hexdigest()
    for how in ("ACL SETUSER", "aclfile"):
        logdir = os.path.join(tmp, "acl-" + how.replace(" ", "-"))
        os.makedirs(logdir)
        extra = []
        if how == "aclfile":
            path = os.path.join(logdir, "users.acl")
            with open(path, "w") as f:
                f.write(fileline.replace("#<sha256 of the password>", "#" + sha) + "\n")
                f.write("user default on nopass ~* &* +@all\n")
            extra = ["--aclfile", path]
        r = ictw.Redis(extra=extra)
        try:
            if how == "ACL SETUSER":
                out = r.cli(*setuser.replace(">" + placeholder, ">" + secret).split())
                ictw.check(out.strip() == "OK", "ACL SETUSER of docs/redis.md accepted", out)
            url = "redis://%s@127.0.0.1:%d" % (user, r.port)
            p = ictw.run([ictw.SENSOR, "-r", pcap, "-l", logdir, "-S", RULES, "--sensor-id", sid,
                          "--redis", url, "--set", "redis.password-file=" + pwfile,
                          "--set", "heartbeat.interval=5"])
            want = [ln for ln in eve_lines(os.path.join(logdir, "eve.json"))
                    if b'"event_type":"alert"' in ln]
            got = stream_records(r, "ictwatch:eve:{%s}" % sid)
            hb = r.cli("HGET", "ictwatch:sensor:{%s}" % sid, "alerts").strip()
            member = r.cli("SISMEMBER", "ictwatch:sensors", sid).strip()
            ictw.check(p.returncode == 0 and len(want) == 3000 and got == want
                       and hb == str(len(want)) and member == "1"
                       and "refused" not in p.stderr and "WRONGPASS" not in p.stderr,
                       "%s: sensor as user %s (password file) writes its %d alerts to its stream, "
                       "its heartbeat and the sensors set, nothing refused" % (how, user, len(want)),
                       "rc %s, eve %d alerts, stream %d, heartbeat alerts %r, member %r\n%s"
                       % (p.returncode, len(want), len(got), hb, member, p.stderr[-1500:]))
            other = subprocess.run(
                ["redis-cli", "-s", r.sock, "--user", user, "--pass", secret, "--no-auth-warning",
                 "XADD", "ictwatch:eve:{other}", "*", "eve", "{}"], capture_output=True, text=True)
            own = subprocess.run(
                ["redis-cli", "-s", r.sock, "--user", user, "--pass", secret, "--no-auth-warning",
                 "XADD", "ictwatch:eve:{%s}" % sid, "*", "eve", "{}"], capture_output=True, text=True)
            ictw.check("NOPERM" in other.stdout + other.stderr
                       and r.cli("EXISTS", "ictwatch:eve:{other}").strip() == "0"
                       and re.match(r"\d+-\d+$", own.stdout.strip()) is not None,
                       "%s: user %s may XADD its own stream but gets NOPERM for "
                       "ictwatch:eve:{other}" % (how, user),
                       "other: %r %r; own: %r %r" % (other.stdout, other.stderr, own.stdout,
                                                     own.stderr))
        finally:
            r.close()


def hgetall(r, key):
    lines = r.cli("HGETALL", key, raw=True).split("\n")
    return dict(zip(lines[0::2], lines[1::2])) if len(lines) > 1 else {}


def test_heartbeat(tmp):
    """The heartbeat hash during and after a paced replay (a pipe the test
    feeds chunk by chunk): refreshed while the run goes on, and at the end
    every field of docs/redis.md with the run's numbers; TTL at most 3N."""
    interval = 2
    chunks, flows_per_chunk = 8, 2500          # 5000 packets per chunk
    fifo = os.path.join(tmp, "hb.pcap")
    os.mkfifo(fifo)
    logdir = os.path.join(tmp, "heartbeat")
    spool = os.path.join(tmp, "hb-spool")
    os.makedirs(logdir)
    stop_feed = threading.Event()

    def feed():
        with open(fifo, "wb") as f:
            f.write(PCAP_HEADER)
            for c in range(chunks):
                f.write(pcap_packets(c * flows_per_chunk, (c + 1) * flows_per_chunk, 2))
                f.flush()
                if stop_feed.wait(0.8):
                    return
    r = ictw.Redis()
    try:
        key = "ictwatch:sensor:{hb1}"
        t0 = int(time.time())
        p = subprocess.Popen([ictw.SENSOR, "-q", "-r", fifo, "-l", logdir, "-S", RULES,
                              "--sensor-id", "hb1", "--country", "KZ", "--org", "CERT-KZ",
                              "--redis", r.unix_url, "--spool-dir", spool,
                              "--set", "heartbeat.interval=%d" % interval],
                             stderr=subprocess.PIPE, text=True)
        th = threading.Thread(target=feed, daemon=True)
        th.start()
        first = {}

        def seen_packets():
            first.update(hgetall(r, key))
            return int(first.get("packets", "0")) > 0
        got_first = wait_for(seen_packets, 30)
        second = {}

        def refreshed():
            second.clear()
            second.update(hgetall(r, key))
            return (int(second.get("packets", "0")) > int(first.get("packets", "0"))
                    and int(second.get("last_seen", "0")) > int(first.get("last_seen", "0")))
        got_second = wait_for(refreshed, 30)
        running = p.poll() is None
        ictw.check(got_first and got_second and running,
                   "heartbeat refreshed every heartbeat.interval during the run (packets %s -> %s, "
                   "last_seen %s -> %s, sensor still running: %s)"
                   % (first.get("packets"), second.get("packets"), first.get("last_seen"),
                      second.get("last_seen"), running), "%r\n%r" % (first, second))
        th.join(60)
        try:
            err = p.communicate(timeout=120)[1]
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1]
        stop_feed.set()
        h = hgetall(r, key)
        ttl = int(r.cli("TTL", key).strip() or -2)
        t1 = int(time.time())
        eve = ictw.read_eve(os.path.join(logdir, "eve.json"))
        alerts = sum(1 for e in eve if e["event_type"] == "alert")
        flows = sum(1 for e in eve if e["event_type"] == "flow")
        npackets = chunks * flows_per_chunk * 2
        want = {"version": "0.1.0", "country": "KZ", "organisation": "CERT-KZ", "sensor": "hb1",
                "packets": str(npackets), "drops_kernel": "0", "drops": "0",
                "flows": str(flows), "alerts": str(alerts), "alerts_spooled": "0",
                "rules_loaded": "1", "redis_dropped": "0"}
        bad = {k: (h.get(k), v) for k, v in want.items() if h.get(k) != v}
        # An empty spool is its open segment's header: no record's worth of bytes.
        if not h.get("spool_bytes", "x").isdigit() or int(h["spool_bytes"]) > 64:
            bad["spool_bytes"] = (h.get("spool_bytes"), "<= 64")
        started, last_seen = int(h.get("started", "0")), int(h.get("last_seen", "0"))
        ictw.check(p.returncode == 0 and not bad and alerts == flows == npackets // 2
                   and t0 - 1 <= started <= last_seen <= t1 + 1
                   and set(h) == set(want) | {"started", "last_seen", "spool_bytes"},
                   "final heartbeat: every field, packets %d = the capture's, alerts %d = the EVE "
                   "file's, flows, rules_loaded 1, started <= last_seen, nothing dropped or spooled"
                   % (npackets, alerts),
                   "rc %s wrong %r\n%r\n%s" % (p.returncode, bad, h, err[-1500:]))
        ictw.check(0 < ttl <= 3 * interval, "heartbeat TTL %d is in (0, 3 x heartbeat.interval]" % ttl)
        ictw.check(r.cli("SISMEMBER", "ictwatch:sensors", "hb1").strip() == "1",
                   "the sensor added itself to ictwatch:sensors")
    finally:
        stop_feed.set()
        r.close()


def replay_stopped_by_sigterm(tmp, name, r, pcap):
    """Starts a replay of pcap (stream, spool) into two fresh log dirs and
    sends SIGTERM once the stream holds 20,000 entries. Returns (logs, args,
    started, returncode, stderr, time of the signal)."""
    spool = os.path.join(tmp, name + "-spool")
    logs = [os.path.join(tmp, "%s-%d" % (name, i)) for i in (1, 2)]
    for d in logs:
        os.makedirs(d)
    args = ["--redis-mode", "stream", "--spool-dir", spool]
    p = subprocess.Popen([a for a in sensor_args(pcap, logs[0], r, args) if a != "-q"],
                         stderr=subprocess.PIPE, text=True)
    started = wait_for(lambda: xlen(r) > 20000, 120)
    t_term = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        err = p.communicate(timeout=120)[1]
    except subprocess.TimeoutExpired:
        p.kill()
        err = p.communicate()[1]
    return logs, args, started, p.returncode, err, t_term


def test_sigterm_flushes(tmp, big, small):
    """SIGTERM in the middle of a replay with --redis and a spool: exit 0, the
    flows active at the stop get their flow records (reason shutdown), every
    record of the EVE file is in the stream or in the spool, whose state is
    saved; a next start (another input) drains the spool first: the stream
    then holds the stopped run's EVE file exactly, followed by the new run's."""
    r = ictw.Redis()
    try:
        logs, args, started, rc, err, t_term = replay_stopped_by_sigterm(tmp, "term", r, big)
        spool = args[-1]
        eve = eve_lines(os.path.join(logs[0], "eve.json"))
        recs = [json.loads(x) for x in eve]
        alerts = [x for x in recs if x["event_type"] == "alert"]
        flows = [x for x in recs if x["event_type"] == "flow"]
        shutdown = [x for x in flows if x["flow"].get("reason") == "shutdown"]
        # Each flow raises one alert on its first packet: every flow that was
        # seen has exactly one flow record, those still active at the stop too.
        ictw.check(started and rc == 0 and 0 < len(alerts) < 100000
                   and sorted(a["flow_id"] for a in alerts) == sorted(f["flow_id"] for f in flows)
                   and len(shutdown) > 0,
                   "SIGTERM mid-replay: exit 0 after %d of 100000 alerts; every flow seen has its "
                   "flow record, the %d active at the stop with reason shutdown"
                   % (len(alerts), len(shutdown)),
                   "started %s rc %s alerts %d flows %d shutdown %d\n%s"
                   % (started, rc, len(alerts), len(flows), len(shutdown), err[-1500:]))
        got = stream_records(r, "ictwatch:eve:{e2e}")
        m = re.search(r"(\d+) records taken, (\d+) delivered .*?, (\d+) in the spool, dropped: "
                      r"queue full (\d+), spool cap (\d+), other (\d+)", err)
        taken, _, in_spool, *dropped = (int(x) for x in m.groups()) if m else (-1, -1, -1, 1)
        state = os.path.join(spool, "state")
        ictw.check(m is not None and taken == len(eve) and got == eve[:len(got)]
                   # The batch in flight at the stop may be in both (its replies were not
                   # read); the next start's XADDs of those are refused by id.
                   and len(eve) <= len(got) + in_spool <= len(eve) + 256 and in_spool > 0
                   and not any(dropped)
                   and os.path.exists(state) and os.path.getmtime(state) >= t_term - 1,
                   "after SIGTERM the stream holds the first %d EVE records and the spool the "
                   "rest (%d, at most a batch already in the stream), nothing dropped; the spool "
                   "state was saved at exit"
                   % (len(got), in_spool),
                   "summary %r, eve %d, stream %d, state %s\n%s"
                   % (m and m.group(0), len(eve), len(got), os.path.exists(state), err[-1500:]))
        p2 = ictw.run(sensor_args(small, logs[1], r, args))
        eve2 = eve_lines(os.path.join(logs[1], "eve.json"))
        got = stream_records(r, "ictwatch:eve:{e2e}")
        ictw.check(p2.returncode == 0 and len(eve2) == 6000 and got == eve + eve2,
                   "the next start drains the spool first: the stream is exactly the stopped "
                   "run's %d records, then the new run's %d, none twice" % (len(eve), len(eve2)),
                   p2.stderr[-1500:] + "\n" + diff_detail(eve + eve2, got))
    finally:
        r.close()


def test_sigterm_resume_same_input(tmp, big):
    """SIGTERM mid-replay (alerts and flow records to Redis, a spool), then
    the same input again: the second run resumes. The flows ended by the stop
    got shutdown records; the resumed run makes the input's own records from
    the stop on, numbered after those, so none is skipped: the stream is the
    stopped run's EVE file, then the second run's records after the point
    where the two runs part (the first shutdown record)."""
    r = ictw.Redis()
    try:
        logs, args, started, rc, err, _ = replay_stopped_by_sigterm(tmp, "resume", r, big)
        eve1 = eve_lines(os.path.join(logs[0], "eve.json"))
        p2 = ictw.run([a for a in sensor_args(big, logs[1], r, args) if a != "-q"])
        eve2 = eve_lines(os.path.join(logs[1], "eve.json"))
        common = 0
        while common < min(len(eve1), len(eve2)) and eve1[common] == eve2[common]:
            common += 1
        shutdown = sum(1 for x in eve1[common:] if b'"reason":"shutdown"' in x)
        got = stream_records(r, "ictwatch:eve:{e2e}")
        want = eve1 + eve2[common:]
        alert_ids = [json.loads(x)["flow_id"] for x in got if b'"event_type":"alert"' in x]
        ictw.check(started and rc == 0 and 0 < common < len(eve1)
                   and shutdown == len(eve1) - common > 0,
                   "SIGTERM mid-replay: the stopped run wrote %d records of the input, then %d "
                   "flow records of flows ended at the stop" % (common, len(eve1) - common),
                   "started %s rc %s common %d eve1 %d shutdown %d\n%s"
                   % (started, rc, common, len(eve1), shutdown, err[-1500:]))
        ictw.check(p2.returncode == 0 and "resuming a replay that was interrupted" in p2.stderr
                   and got == want and len(alert_ids) == len(set(alert_ids)) == 100000,
                   "the same input again resumes after the stop: the stream is the stopped run's "
                   "%d records then the resumed run's %d from the stop on, all 100000 alerts "
                   "once each" % (len(eve1), len(eve2) - common),
                   "alerts %d distinct %d\n%s\n%s" % (len(alert_ids), len(set(alert_ids)),
                                                      p2.stderr[-1500:], diff_detail(want, got)))
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
        test_acl_from_docs(tmp, small)
        test_heartbeat(tmp)
        big = os.path.join(tmp, "big.pcap")
        # 100,000 flows of 20 packets, 1 ms apart: 100,000 alerts throughout the replay.
        write_pcap(big, 100000, 20)
        test_sigterm_flushes(tmp, big, small)
        test_sigterm_resume_same_input(tmp, big)
        test_outage_replay_wait(tmp, big)
        test_outage_sensor_killed(tmp, big)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    ictw.finish()


if __name__ == "__main__":
    main()
