"""The sensor's command line, configuration, exit codes, signals, live capture
and `make install`, on captures this test writes itself with scapy."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

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


if __name__ == "__main__":
    ictw.run_sensor_tests(globals())
