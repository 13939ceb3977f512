"""The sensor's command line, configuration, exit codes, signals, live capture
and `make install`, on captures this test writes itself with scapy."""
import filecmp
import json
import os
import pty
import re
import signal
import struct
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

TMP = tempfile.mkdtemp(prefix="ictw-cli-")


def capture(name, packets):
    path = os.path.join(TMP, name)
    for i, p in enumerate(packets):
        p.time = 1700000000 + i * 0.01
    wrpcap(path, packets)
    return path


def mixed():
    pkts = []
    for port in (80, 443, 53):
        proto = UDP if port == 53 else TCP
        kw = {} if proto is UDP else {"flags": "S"}
        pkts.append(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / proto(sport=40000 + port, dport=port, **kw))
    return capture("mixed.pcap", pkts)


def sensor(*args, **kw):
    return ictw.run([ictw.SENSOR] + list(args), **kw)


def records(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def test_help_version_and_usage_errors():
    r = sensor("--help")
    ictw.check(r.returncode == 0 and "-r, --read FILE" in r.stdout, "--help lists the options")
    r = sensor("--version")
    ictw.check(r.returncode == 0 and r.stdout.startswith("ictwatch-sensor "), "--version")
    r = sensor("--no-such-option")
    ictw.check(r.returncode == 2, "an unknown option exits 2", r.stderr)
    r = sensor()
    ictw.check(r.returncode == 2 and "give either -r FILE" in r.stderr, "no input exits 2 and says what to give",
               r.stderr)
    r = sensor("-r", os.path.join(TMP, "missing.pcap"), "--stdout")
    ictw.check(r.returncode == 1 and "missing.pcap" in r.stderr, "a missing file exits 1 and names it", r.stderr)


def test_config_file_errors_name_file_and_line():
    conf = os.path.join(TMP, "bad.conf")
    with open(conf, "w") as f:
        f.write("# test\nsensor-id = x\nflow.memcapp = 1g\n")
    r = sensor("-c", conf, "-r", mixed(), "--stdout")
    ictw.check(r.returncode == 2 and "%s:3: unknown setting 'flow.memcapp'" % conf in r.stderr,
               "a misspelt config key is an error with file:line", r.stderr)
    with open(conf, "w") as f:
        f.write("flow.memcap = lots\n")
    r = sensor("-c", conf, "-r", mixed(), "--stdout")
    ictw.check(r.returncode == 2 and "%s:1: flow.memcap: 'lots' is not a size" % conf in r.stderr,
               "a bad config value is an error with file:line", r.stderr)
    r = sensor("-r", mixed(), "--stdout", "--set", "flow.timeout.udp.new=soon")
    ictw.check(r.returncode == 2 and "command line: flow.timeout.udp.new" in r.stderr,
               "a bad --set value names the command line", r.stderr)


def test_config_file_settings_apply_and_cli_wins():
    conf = os.path.join(TMP, "good.conf")
    with open(conf, "w") as f:
        f.write("sensor-id = from-file\nstdout = yes\n")
    r = sensor("-q", "-c", conf, "-r", mixed())
    recs = records(r.stdout)
    ictw.check(r.returncode == 0 and recs and all(x["host"] == "from-file" for x in recs),
               "config file settings apply", r.stderr)
    r = sensor("-q", "-c", conf, "-r", mixed(), "--sensor-id", "from-cli")
    ictw.check(all(x["host"] == "from-cli" for x in records(r.stdout)), "the command line wins over the file")


def test_bpf_applies_to_files():
    r = sensor("-q", "-r", mixed(), "--stdout", "-f", "tcp port 443")
    recs = records(r.stdout)
    ictw.check(len(recs) == 1 and recs[0]["dest_port"] == 443, "-f filters packets read from files",
               r.stdout + r.stderr)
    r = sensor("-q", "-r", mixed(), "--stdout", "-f", "this is not bpf")
    ictw.check(r.returncode == 1 and "bad BPF filter" in r.stderr, "a bad BPF filter is reported", r.stderr)


def test_several_files_and_format_by_content():
    a = mixed()
    b = os.path.join(TMP, "really-pcapng.pcap")
    from scapy.utils import PcapNgWriter
    w = PcapNgWriter(b)
    p = Ether() / IP(src="10.0.0.5", dst="10.0.0.6") / UDP(sport=5000, dport=5353) / Raw(b"x")
    p.time = 1700000100
    w.write(p)
    w.close()
    r = sensor("-q", "-r", a, "-r", b, "--stdout")
    recs = records(r.stdout)
    ictw.check(r.returncode == 0 and len(recs) == 4, "two files, one pcapng named .pcap, are both read",
               r.stderr)


def test_eve_file_and_types():
    d = os.path.join(TMP, "logs")
    os.makedirs(d, exist_ok=True)
    r = sensor("-q", "-r", mixed(), "-l", d)
    recs = ictw.read_eve(os.path.join(d, "eve.json"))
    ictw.check(r.returncode == 0 and len(recs) == 3 and not ictw.eve_errors(recs),
               "-l DIR writes DIR/eve.json with valid records", ictw.eve_errors(recs))
    r = sensor("-q", "-r", mixed(), "--stdout", "--stdout-types", "alert")
    ictw.check(r.returncode == 0 and r.stdout == "", "--stdout-types alert leaves flow records out")
    r = sensor("-q", "-r", mixed(), "--stdout", "--stdout-types", "alerts,flows")
    ictw.check(r.returncode == 2 and "stdout-types" in r.stderr, "an unknown record type is an error", r.stderr)


def test_stats_at_exit_and_sigusr1():
    r = sensor("-r", mixed(), "--stdout")
    ictw.check("--- ictwatch-sensor statistics ---" in r.stderr and "packets:        3" in r.stderr,
               "statistics are printed at exit", r.stderr)
    port = ictw.free_port()
    p = subprocess.Popen([ictw.SENSOR, "-i", "lo", "-f", "udp port %d" % port, "--stdout", "--progress", "no"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(signal.SIGUSR1)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    ictw.check(err.count("--- ictwatch-sensor statistics ---") == 2,
               "SIGUSR1 prints statistics while running (and again at exit)", err)


def test_live_capture_on_loopback():
    if os.geteuid() != 0:
        ictw.skip("live capture needs root")
        return
    port = ictw.free_port()
    p = subprocess.Popen([ictw.SENSOR, "-i", "lo", "-f", "udp port %d" % port, "--stdout", "-q",
                          "--sensor-id", "live-test"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(5):
        s.sendto(b"hello ictwatch", ("127.0.0.1", port))
        time.sleep(0.05)
    s.close()
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    recs = records(out)
    ok = (p.returncode == 0 and len(recs) == 1 and recs[0]["dest_port"] == port
          and recs[0]["flow"]["pkts_toserver"] == 5 and recs[0]["flow"]["reason"] == "shutdown"
          and recs[0].get("in_iface") == "lo")
    ictw.check(ok, "live capture on lo with a BPF filter; SIGTERM writes the open flow", out + err)
    ictw.check(not ictw.eve_errors(recs), "live records validate against the EVE schema", ictw.eve_errors(recs))


def test_make_install_honours_prefix_and_destdir():
    dest = os.path.join(TMP, "dest")
    r = ictw.run(["make", "-C", ictw.ROOT, "--no-print-directory", "BUILD=" + ictw.BUILD, "install",
                  "PREFIX=/opt/ictw", "DESTDIR=" + dest])
    binp = os.path.join(dest, "opt/ictw/bin/ictwatch-sensor")
    ictw.check(r.returncode == 0 and os.access(binp, os.X_OK)
               and os.path.exists(os.path.join(dest, "opt/ictw/share/doc/ictwatch/README.md")),
               "make install PREFIX=... DESTDIR=... puts files under DESTDIR/PREFIX", r.stdout[-500:] + r.stderr[-500:])


# ------------------------------------------------------------------ progress line

def _udp_frame(sport):
    """An Ethernet/IPv4/UDP frame from 10.0.0.1:sport to 10.0.0.2:9999 with 8 bytes of payload."""
    udp = struct.pack(">HHHH", sport, 9999, 16, 0) + b"progress"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]),
                     bytes([10, 0, 0, 2]))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def _records(n, t0, first_port):
    out = bytearray()
    for i in range(n):
        frame = _udp_frame(first_port + i % 50)
        out += struct.pack("<IIII", t0 + i // 1000, i % 1000 * 1000, len(frame), len(frame)) + frame
    return bytes(out)


def _replay_slowly(stderr_is_tty, extra=(), batches=None):
    """Replays `-r -` fed through a pipe in batches of 4096 packets (the sensor's poll interval) with
    a pause of 1.3 s between batches. The first poll starts the progress clock and the line is due at
    the first poll one second later, so the pauses make it due whatever the machine's speed (they are
    lower bounds, never a race). batches=None: feed until the line shows (at most 8 batches), for the
    runs that must show it; a number: feed that many, for the runs that must not.
    Returns (exit status, stderr text, batches fed)."""
    args = [ictw.SENSOR, "-r", "-", "--eve-file", os.devnull] + list(extra)
    if stderr_is_tty:
        rfd, wfd = pty.openpty()
        tty.setraw(wfd)           # no "\n" -> "\r\n": a "\r" in the output is the sensor's own
    else:
        rfd, wfd = os.pipe()
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=wfd)
    os.close(wfd)
    chunks = []

    def drain():
        while True:
            try:
                b = os.read(rfd, 4096)
            except OSError:       # EIO once the sensor has exited and the pty is closed
                break
            if not b:
                break
            chunks.append(b)
    reader = threading.Thread(target=drain)
    reader.start()
    p.stdin.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    fed = 0
    while fed < (batches or 8):
        if fed:
            time.sleep(1.3)
        p.stdin.write(_records(4096, 1700000000 + 10 * fed, 20000))
        p.stdin.flush()
        fed += 1
        if batches is None and fed >= 2:
            time.sleep(0.3)
            if b"packets/s, " in b"".join(chunks):
                break
    p.stdin.close()
    p.wait(timeout=120)
    reader.join(timeout=30)
    os.close(rfd)
    return p.returncode, b"".join(chunks).decode(errors="replace"), fed


def test_progress_line_on_a_terminal_only():
    rc, err, fed = _replay_slowly(True)
    line = re.search(r"\r-: (\d+) packets, \d+ packets/s, 50 flows, 0 alerts   ", err)
    ictw.check(rc == 0 and line and int(line.group(1)) % 4096 == 0 and int(line.group(1)) >= 8192,
               "stderr a terminal, no --progress: a progress line (\\r-: N packets, P packets/s, 50 flows, 0 alerts) "
               "after %d batches" % fed, repr(err[-600:]))
    n = max(fed, 3)
    rc, err, _ = _replay_slowly(False, batches=n)
    ictw.check(rc == 0 and "packets/s, " not in err and "\r" not in err and "packets:        %d" % (4096 * n) in err,
               "stderr a pipe: no progress line, statistics only (%d batches)" % n, repr(err[-600:]))
    rc, err, _ = _replay_slowly(True, ["--progress", "no"], batches=n)
    ictw.check(rc == 0 and "packets/s, " not in err and "\r" not in err and "statistics" in err,
               "a terminal with --progress no: no progress line", repr(err[-600:]))
    rc, err, fed = _replay_slowly(False, ["--progress", "yes"])
    ictw.check(rc == 0 and "\r-: " in err and "packets/s, " in err, "a pipe with --progress yes: the progress line",
               repr(err[-600:]))


# ------------------------------------------------------------ deterministic replay

def _timeouts_capture():
    """120 short UDP flows and 40 TCP connections (some left open) spread over two hours of packet time,
    after the ruleset captures' time: most end by idle timeout during the replay, the rest at shutdown."""
    pkts = []
    t = 1772500000.0
    for i in range(120):
        a = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.7.0.%d" % (1 + i % 9),
                                                                       dst="203.0.113.%d" % (1 + i % 17))
        pkts.append((t, a / UDP(sport=30000 + i, dport=53 + i % 3) / Raw(b"q%03d" % i)))
        if i % 2:
            b = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src=a[IP].dst, dst=a[IP].src)
            pkts.append((t + 0.01, b / UDP(sport=53 + i % 3, dport=30000 + i) / Raw(b"a%03d" % i)))
        if i % 3 == 0:
            c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.8.0.1", dst="198.51.100.9")
            pkts.append((t + 0.02, c / TCP(sport=50000 + i, dport=80 + i % 2, flags="S", seq=i)))
            if i % 2 == 0:
                d = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src="198.51.100.9", dst="10.8.0.1")
                pkts.append((t + 0.03, d / TCP(sport=80 + i % 2, dport=50000 + i, flags="SA", seq=7, ack=i + 1)))
        t += 61.0
    out = []
    for ts, p in pkts:
        p.time = ts
        out.append(p)
    path = os.path.join(TMP, "timeouts.pcap")
    wrpcap(path, out)
    return path


def test_replay_gives_the_same_output_every_run():
    sys.path.insert(0, os.path.join(ictw.ROOT, "tests", "lib"))
    import ruleset  # noqa: E402
    caps = ruleset.ensure_captures()
    files = [os.path.join(caps, n) for n in sorted(os.listdir(caps)) if n.endswith(".pcap")]
    files += [_timeouts_capture(), os.path.join(ictw.ensure_captures(), "udp-dns.pcap")]
    args = [ictw.SENSOR, "-q", "-c", "rules/sensor-rules.conf", "--set", "rules-dir=rules",
            "--sensor-id", "same-every-run"]
    for r in sorted(os.listdir(os.path.join(ictw.ROOT, "rules"))):
        if r.endswith(".rules"):
            args += ["-S", os.path.join("rules", r)]
    for f in files:
        args += ["-r", f]
    eves = []
    for n in (1, 2):
        d = os.path.join(TMP, "same-%d" % n)
        os.makedirs(d, exist_ok=True)
        r = ictw.run(args + ["-l", d], cwd=ictw.ROOT)
        ictw.check(r.returncode == 0, "replay %d of %d captures with the shipped rules exits 0" % (n, len(files)),
                   r.stderr[-800:])
        eves.append(os.path.join(d, "eve.json"))
    recs = ictw.read_eve(eves[0])
    reasons = {x["flow"]["reason"] for x in recs if x["event_type"] == "flow"}
    alerts = sum(1 for x in recs if x["event_type"] == "alert")
    ictw.check({"timeout", "shutdown"} <= reasons and alerts >= 50 and all("flow_id" in x for x in recs),
               "the replay mixes alerts (%d), flows ended by timeout and at shutdown, all with flow_id" % alerts,
               reasons)
    same = filecmp.cmp(eves[0], eves[1], shallow=False)
    detail = ""
    if not same:
        with open(eves[0]) as a, open(eves[1]) as b:
            for i, (x, y) in enumerate(zip(a, b)):
                if x != y:
                    detail = "first difference at line %d:\n%s%s" % (i + 1, x[:400], y[:400])
                    break
    ictw.check(same and os.path.getsize(eves[0]) > 100000,
               "two replays write byte-identical EVE files (%d bytes, flow_id included)" % os.path.getsize(eves[0]),
               detail)


if __name__ == "__main__":
    ictw.run_sensor_tests(globals())
