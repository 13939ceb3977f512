#!/usr/bin/python3
"""test_ruleset_fp.py - false positives of the shipped ruleset on benign traffic.

The benign mixed captures of ../shared/pcaps/ndpi (1kxun, netflix, alexa-app,
reddit, teams, quic, sites, android, iphone, http_ipv6) and the benchmark
capture (BENCH_PCAP if set, else ../shared/bench/make-bench-pcap.sh with 8
copies, built once into build/bench/) are replayed with every shipped rule
file and the tests' default HOME_NET:

- no alert of severity 1 or 2 may fire;
- the lower-severity alerts must be exactly the ones listed, with their
  justification, in the false-positive table of docs/ruleset.md (same
  capture, sid and count; for the benchmark capture, whose size and address
  rewriting vary, every sid that fires must be listed).

Skips when ../shared is absent; the benchmark part skips when the capture
cannot be built (tcprewrite, editcap, mergecap missing).
"""
import collections
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruleset  # noqa: E402

BENIGN = ["1kxun.pcap", "netflix.pcap", "alexa-app.pcapng", "reddit.pcap", "teams.pcap", "quic.pcap",
          "sites.pcapng", "android.pcap", "iphone.pcap", "http_ipv6.pcap"]
DOC = os.path.join(ictw.ROOT, "docs", "ruleset.md")
BENCH_NAME = "bench"


def documented():
    """{(capture, sid): count or None} from the table between the false-positive markers."""
    with open(DOC) as f:
        text = f.read()
    m = re.search(r"<!-- false-positives:begin -->(.*?)<!-- false-positives:end -->", text, re.S)
    if not m:
        return None
    out = {}
    for line in m.group(1).splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 4 or not cols[1].isdigit():
            continue
        capture = cols[0].strip("`")
        out[(capture, int(cols[1]))] = None if cols[2] == "any" else int(cols[2])
    return out


def bench_capture():
    path = os.environ.get("BENCH_PCAP")
    if path:
        return path if os.path.exists(path) else None
    out = os.path.join(ictw.BUILD, "bench", "bench-ruleset-8.pcap")
    if os.path.exists(out):
        return out
    script = os.path.join(ictw.SHARED, "bench", "make-bench-pcap.sh")
    if not os.path.exists(script):
        return None
    os.makedirs(os.path.dirname(out), exist_ok=True)
    p = subprocess.run(["bash", script, out + ".tmp", "8"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.stdout.write("# make-bench-pcap.sh failed: %s\n" % p.stderr.strip()[-300:])
        return None
    os.replace(out + ".tmp", out)
    return out


def main():
    ruleset.require_engine(need_shared="the false-positive checks need its benign captures")
    doc = documented()
    ictw.check(doc is not None, "docs/ruleset.md has the false-positive table markers")
    doc = doc or {}

    seen = collections.Counter()
    runs = [(c, os.path.join(ictw.SHARED, "pcaps", "ndpi", c)) for c in BENIGN]
    bench = bench_capture()
    if bench:
        runs.append((BENCH_NAME, bench))
    else:
        ictw.skip("benchmark capture: none (set BENCH_PCAP, or install tcpreplay and wireshark-common)")
    for name, path in runs:
        recs, err, rc = ruleset.run_sensor(path)
        als = ruleset.alerts(recs)
        high = sorted({(a["alert"]["signature_id"], a["alert"]["signature"]) for a in als
                       if a["alert"]["severity"] <= 2})
        ictw.check(rc == 0 and not high, "%s: no severity 1 or 2 alert" % name,
                   "exit %d; %s" % (rc, high))
        errs = ictw.eve_errors(als)
        ictw.check(not errs, "%s: alerts validate against eve-schema.json" % name, "\n".join(errs))
        for a in als:
            seen[(name, a["alert"]["signature_id"])] += 1

    problems = []
    for (name, sid), n in sorted(seen.items()):
        if (name, sid) not in doc:
            problems.append("%s raises sid %d %d times: not in the docs/ruleset.md table" % (name, sid, n))
        elif doc[(name, sid)] is not None and doc[(name, sid)] != n:
            problems.append("%s sid %d: %d alerts, the table says %d" % (name, sid, n, doc[(name, sid)]))
    for (name, sid), n in sorted(doc.items()):
        if name == BENCH_NAME:
            continue
        if (name, sid) not in seen:
            problems.append("the table lists %s sid %d, which no longer fires" % (name, sid))
    ictw.check(not problems, "every lower-severity alert on benign traffic is listed and justified in docs/ruleset.md",
               "\n".join(problems))
    ictw.finish()


if __name__ == "__main__":
    main()
