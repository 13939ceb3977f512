#!/usr/bin/python3
"""test_rules_cli.py - loading rules from the command line and the config file.

--test-rules exit codes and FILE:LINE messages, bad rules skipped while the
others work, --strict-rules, unreadable files, rule variables from --set and
the config file, rules-dir, and SIGHUP reloading rules on a live capture
(keeping the old rules when the reload fails), and SIGHUP reloading the lists
(a dataset file, an iprep list) with a broken list keeping the old ones.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruletest as rt  # noqa: E402

wd = rt.Workdir()
caps = rt.require_rules_in_sensor(wd)
ICMP = os.path.join(caps, "rules-icmp.pcap")


def sensor(*args):
    return ictw.run([ictw.SENSOR] + list(args))


good = wd.write("good.rules",
                'alert icmp $HOME_NET any -> any any (msg:"home ping"; itype:8; sid:1;)\n'
                'alert icmp any any -> any any (msg:"any icmp"; sid:2;)\n')
bad = wd.write("bad.rules",
               'alert icmp any any -> any any (msg:"fine"; itype:8; sid:1;)\n'
               '# a comment\n'
               'alert icmp any any -> any any (msg:"typo"; itpye:8; sid:2;)\n'
               'alert icmp any any -> any any (msg:"dup"; sid:1;)\n'
               'alert icmp any any -> any any (msg:"bad value"; ttl:300; sid:3;)\n')

r = sensor("--test-rules", "-S", good)
ictw.check(r.returncode == 0 and "2 rules loaded, 0 failed" in r.stderr,
           "--test-rules: exit 0 when every rule loads", r.stderr)
r = sensor("--test-rules", "-S", bad)
ictw.check(r.returncode == 1 and "1 rules loaded, 3 failed" in r.stderr,
           "--test-rules: exit 1 when a rule fails", r.stderr)
for want in ["%s:3: unknown keyword 'itpye'" % bad,
             "%s:4: duplicate sid 1 (gid 1), first defined at %s:1" % (bad, bad),
             "%s:5: ttl: '300' is not a number from 0 to 255" % bad]:
    ictw.check(want in r.stderr, "--test-rules reports: " + want.split(": ", 1)[1], r.stderr)
r = sensor("--test-rules")
ictw.check(r.returncode == 2 and "--test-rules needs rules" in r.stderr, "--test-rules without rules", r.stderr)

r = sensor("-r", ICMP, "-S", bad, "--stdout")
recs = rt.alerts([json.loads(line) for line in r.stdout.splitlines()])
ictw.check(r.returncode == 0 and len(recs) == 1 and recs[0]["alert"]["signature_id"] == 1,
           "bad rules are skipped, the others run", r.stderr[-1500:])
r = sensor("-r", ICMP, "-S", bad, "--strict-rules", "--stdout")
ictw.check(r.returncode == 2 and "strict-rules refuses to continue" in r.stderr and r.stdout == "",
           "--strict-rules: a failed rule stops the sensor", r.stderr)
missing = os.path.join(wd.path, "missing.rules")
r = sensor("-r", ICMP, "-S", missing, "--stdout")
ictw.check(r.returncode == 2 and "%s: cannot read the rule file" % missing in r.stderr,
           "an unreadable rule file stops the sensor", r.stderr)
dsrules = wd.write("ds-missing.rules", 'alert icmp any any -> any any (msg:"fine"; sid:1;)\n'
                   'alert icmp any any -> any any (ip.src; dataset:isset,gone, type ip, load gone.lst; sid:2;)\n')
r = sensor("-r", ICMP, "-S", dsrules, "--stdout")
ictw.check(r.returncode == 2 and "ds-missing.rules:2: dataset 'gone': cannot read '%s'"
           % os.path.join(wd.path, "gone.lst") in r.stderr and r.stdout == "",
           "an unreadable dataset file stops the sensor, as an unreadable rule file does (docs/rules.md)", r.stderr)

# Variables: HOME_NET decides whether sid 1 fires (the pinger is 10.0.0.88).
recs, err, rc = rt.run(ICMP, good)
# sid 2 is an IP-only rule: once per flow direction (echo request, echo reply).
ictw.check(rt.count_by_sid(recs) == {1: 1, 2: 2}, "default HOME_NET includes 10.0.0.0/8", err[-800:])
recs, err, rc = rt.run(ICMP, good, ["--set", "HOME_NET=[192.168.0.0/16]"])
ictw.check(rt.count_by_sid(recs) == {2: 2}, "--set HOME_NET=... changes the rules' addresses", err[-800:])
recs, err, rc = rt.run(ICMP, good, ["--set", "HOME_NET=[10.0.0.0/8,!]"])
ictw.check(rc == 0 and "good.rules:1: source address: unexpected ']'" in err and rt.count_by_sid(recs) == {2: 2},
           "a broken variable is reported against the rule that uses it", err)

# A config file: relative rule-files resolve against rules-dir, which also holds classification.config.
os.makedirs(os.path.join(wd.path, "rulesdir"), exist_ok=True)
wd.write("rulesdir/local.rules", 'alert icmp any any -> any any (msg:"cfg"; classtype:icmp-event; sid:9;)\n')
wd.write("rulesdir/classification.config", "config classification: icmp-event,Custom ICMP category,2\n")
cfg = wd.write("sensor.conf", "rules-dir = %s\nrule-files = local.rules\nHOME_NET = [10.0.0.0/8]\n"
               % os.path.join(wd.path, "rulesdir"))
r = sensor("-c", cfg, "-r", ICMP, "--stdout")
recs = [json.loads(line) for line in r.stdout.splitlines()]
al = rt.alerts(recs)
ictw.check(r.returncode == 0 and len(al) == 2 and al[0]["alert"]["category"] == "Custom ICMP category"
           and al[0]["alert"]["severity"] == 2, "rule-files and classification.config from rules-dir",
           r.stderr[-800:])


def live_reload():
    if os.geteuid() != 0:
        ictw.skip("SIGHUP reload test needs live capture, which needs root")
        return
    port = ictw.free_port()
    rules = wd.write("live.rules", 'alert udp any any -> any %d (msg:"v1"; content:"before"; sid:1;)\n' % port)
    p = subprocess.Popen([ictw.SENSOR, "-i", "lo", "-f", "udp port %d" % port, "-S", rules, "--stdout",
                          "--stdout-types", "alert", "--progress", "no", "--sensor-id", "reload-test"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(payload, n):
        for _ in range(n):
            s.sendto(payload, ("127.0.0.1", port))
            time.sleep(0.05)
        time.sleep(0.3)

    send(b"before", 2)
    wd.write("live.rules", 'alert udp any any -> any %d (msg:"v2"; content:"after"; sid:2;)\n' % port)
    p.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    send(b"after", 2)
    send(b"before", 1)
    os.unlink(rules)                      # the next reload cannot read the rules: keep the old ones
    p.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    send(b"after", 1)
    s.close()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    recs = [json.loads(line) for line in out.splitlines() if line.strip()]
    got = rt.count_by_sid(recs)
    ictw.check(got == {1: 2, 2: 3}, "SIGHUP: new rules replace the old ones without a restart", "%s\n%s" % (got, err))
    ictw.check("rules reloaded: 1 rules loaded, 0 failed" in err, "SIGHUP: the reload is reported", err)
    ictw.check("rule reload failed: keeping the 1 rules loaded before" in err and
               "cannot read the rule file" in err, "SIGHUP: a failed reload keeps the rules and says why", err)
    ictw.check(not ictw.eve_errors(recs), "live alerts validate against the EVE schema", ictw.eve_errors(recs))


class LiveSensor:
    """A sensor capturing on lo whose stdout (alerts) and stderr are read as they come, so the test
    waits for what it expects (an alert, a reload message) instead of sleeping for a guessed time."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out)),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line)

    def alerts(self):
        return [json.loads(x) for x in list(self.out) if x.strip()]

    def wait(self, cond, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.05)
        return cond()

    def stderr(self):
        return "".join(self.err)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=60)
        for t in self.threads:
            t.join(timeout=30)


def live_reload_lists():
    if os.geteuid() != 0:
        ictw.skip("SIGHUP list reload test needs live capture, which needs root")
        return
    port = ictw.free_port()
    d = os.path.join(wd.path, "lists")
    os.makedirs(d, exist_ok=True)
    ds = os.path.join(d, "bad-ips.lst")
    cats = wd.write("lists/categories.txt", "1,BadHosts,Known bad hosts\n")
    rep = os.path.join(d, "rep.txt")

    def lists(ds_addr, rep_lines):
        if ds_addr is not None:
            wd.write("lists/bad-ips.lst", ds_addr + "\n")
        if rep_lines is not None:
            wd.write("lists/rep.txt", rep_lines)

    rules = wd.write("lists/lists.rules",
                     'alert udp any any -> any %d (msg:"probe"; content:"probe"; sid:29;)\n'
                     'alert udp any any -> any %d (msg:"dataset"; ip.dst; dataset:isset,bad-ips, type ip, '
                     'load bad-ips.lst; sid:21;)\n'
                     'alert udp any any -> any %d (msg:"iprep"; iprep:dst,BadHosts,>,30; sid:22;)\n'
                     % (port, port, port))
    lists("127.0.0.2", "127.0.0.4,1,90\n127.0.0.5,1,10\n")
    s = LiveSensor([ictw.SENSOR, "-i", "lo", "-f", "udp port %d" % port, "-S", rules, "--stdout",
                    "--stdout-types", "alert", "--progress", "no", "--sensor-id", "reload-lists",
                    "--set", "reputation-categories-file=" + cats, "--set", "reputation-files=" + rep])
    phase_of = {}     # source port -> phase

    def send(phase, last_octets):
        """One packet per destination, each from a new socket (a new flow): the non-matching ones are
        sent first so that, once the last alert of the phase is out, every packet was seen."""
        for o in last_octets:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            phase_of[sock.getsockname()[1]] = phase
            sock.sendto(b"data", ("127.0.0.%d" % o, port))
            sock.close()

    def got(phase):
        return sorted((a["alert"]["signature_id"], a["dest_ip"]) for a in s.alerts()
                      if phase_of.get(a["src_port"]) == phase)

    def wait_alerts(phase, n):
        return s.wait(lambda: len(got(phase)) >= n)

    def reload(word):
        before = s.stderr().count(word)
        s.p.send_signal(signal.SIGHUP)
        return s.wait(lambda: s.stderr().count(word) > before)

    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ready = s.wait(lambda: probe.sendto(b"probe", ("127.0.0.1", port)) and
                       any(a["alert"]["signature_id"] == 29 for a in s.alerts()), timeout=30)
        probe.close()
        if not ictw.check(ready, "lists: the live sensor is capturing (a probe alert came back)", s.stderr()):
            return
        # Phase 1: the dataset holds .2, the reputation list scores .4 90 and .5 10.
        send(1, [3, 5, 2, 4])
        wait_alerts(1, 2)
        ictw.check(got(1) == [(21, "127.0.0.2"), (22, "127.0.0.4")],
                   "lists before SIGHUP: dataset matches 127.0.0.2, iprep (score > 30) 127.0.0.4", got(1))
        # Phase 2: new contents, SIGHUP.
        lists("127.0.0.3", "127.0.0.4,1,10\n127.0.0.5,1,90\n")
        ictw.check(reload("rules reloaded"), "lists: SIGHUP reloads", s.stderr()[-800:])
        send(2, [2, 4, 3, 5])
        wait_alerts(2, 2)
        ictw.check(got(2) == [(21, "127.0.0.3"), (22, "127.0.0.5")],
                   "SIGHUP re-reads the dataset file (127.0.0.3 now) and the iprep list (127.0.0.5 now)", got(2))
        # Phase 3: the dataset file is gone (and the iprep list changed): the reload fails, all stays.
        os.unlink(ds)
        lists(None, "127.0.0.4,1,90\n")
        ictw.check(reload("rule reload failed"), "lists: a reload with a missing dataset file fails",
                   s.stderr()[-800:])
        send(3, [2, 4, 3, 5])
        wait_alerts(3, 2)
        ictw.check(got(3) == [(21, "127.0.0.3"), (22, "127.0.0.5")],
                   "a failed reload (dataset file missing) keeps the old dataset and the old iprep list", got(3))
        # Phase 4: the dataset is back with new contents, the iprep list is unreadable: fails again.
        lists("127.0.0.2", None)
        os.unlink(rep)
        ictw.check(reload("rule reload failed"), "lists: a reload with a missing iprep list fails", s.stderr()[-800:])
        send(4, [2, 4, 3, 5])
        wait_alerts(4, 2)
        ictw.check(got(4) == [(21, "127.0.0.3"), (22, "127.0.0.5")],
                   "a failed reload (iprep list missing) keeps the old dataset and the old iprep list", got(4))
    finally:
        s.stop()
    err = s.stderr()
    fails = [ln for ln in err.splitlines() if "rule reload failed" in ln or ds in ln or rep in ln]
    ictw.check(any(ds in ln for ln in fails) and any(rep in ln for ln in fails) and
               err.count("rule reload failed: keeping the 3 rules loaded before") == 2,
               "each failed reload says why (the missing file by name) and that the 3 rules are kept", err[-1500:])
    ictw.check(not ictw.eve_errors(s.alerts()), "list reload alerts validate against the EVE schema",
               ictw.eve_errors(s.alerts()))


live_reload()
live_reload_lists()
ictw.finish()
