"""Exports: TLP enforcement for each level (sensors and rules raise levels; RED never
leaves; AMBER only to named recipients; an export carries the most restrictive level
of what it holds), STIX 2.1 bundles valid against the OASIS JSON schemas in
../shared/stix2-schemas (all schema files loaded into a resolver store keyed by
their $id, nothing fetched), deterministic ids on re-export, MISP feed layout with
md5 hashes, JSON aggregates, anonymisation of addresses.
"""
import glob
import hashlib
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import eve_gen  # noqa: E402
import ictw_resp  # noqa: E402

if not os.path.exists(ictw.COLLECTOR):
    ictw.skip_all("collector not built")
C = ictw.COLLECTOR
SENSORS = ["kz-plant-01", "kz-office-02"]
RED_SENSOR = "kz-red-03"                      # its heartbeat says tlp red
# The same alerts (rule, source) from the AMBER plant sensor (25) and from the RED sensor (30),
# which also sees a source of its own; and a source seen only in alerts of the RED rule 9100003.
TWIN_SIG = (1, 9100077, 1, "ICTW twin rule seen at two levels", "Attempted Information Leak", 2)
TWIN_SRC, RED_ONLY_SRC, RED_RULE_SRC = "100.64.97.1", "100.64.99.1", "100.64.96.1"
N_TWIN_AMBER, N_TWIN_RED = 25, 30
RED_RULE = (1, 9100003, 1, "ICTW ICS DNP3 unsolicited response flood", "Attempted Denial of Service", 1)
MARK = {"amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}
TLP_EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def stix_validators():
    base = os.path.join(ictw.SHARED, "stix2-schemas", "schemas")
    if not os.path.isdir(base):
        return None
    import jsonschema
    store = {}
    for path in glob.glob(os.path.join(base, "**", "*.json"), recursive=True):
        with open(path) as f:
            s = json.load(f)
        store[s["$id"]] = s
    out = {}
    for sid, s in store.items():
        name = sid.rsplit("/", 1)[1][:-5]
        resolver = jsonschema.RefResolver(base_uri=sid, referrer=s, store=store)
        out[name] = jsonschema.Draft202012Validator(s, resolver=resolver)
    return out


# Types the schemas define but common/bundle.json (at the commit in ../shared) does not list
# among a bundle's objects; its catch-all branch accepts no SDO (core and cyber-observable-core
# both match, so its oneOf fails). Such objects are checked against their own schema only.
NOT_IN_BUNDLE_SCHEMA = {"location", "note", "opinion", "grouping", "incident"}


def stix_errors(bundle, validators):
    envelope = dict(bundle, objects=[o for o in bundle.get("objects", []) if o.get("type") not in NOT_IN_BUNDLE_SCHEMA])
    errs = ["bundle: " + e.message[:200] for e in validators["bundle"].iter_errors(envelope)]
    for o in bundle.get("objects", []):
        v = validators.get(o.get("type"))
        if v is None:
            errs.append("no schema for %s" % o.get("type"))
            continue
        errs += ["%s: %s at %s" % (o["type"], e.message[:200], list(e.absolute_path)) for e in v.iter_errors(o)]
    return errs


def run(*args, **kw):
    return ictw.run([C] + list(args), **kw)


rd = ictw.Redis()
try:
    r = ictw_resp.Resp(unix=rd.sock)
    U = rd.unix_url
    streams = eve_gen.generate(SENSORS, 3000, seed=606, span_s=3 * 3600)
    rng = random.Random(607)
    tw = (int(time.time()) - 3 * 3600 - 3600) // 3600 * 3600 + 3600 + 60     # inside one hour of the data
    streams["kz-plant-01"] += [eve_gen.make_alert(rng, (tw + i) * 1000000, "kz-plant-01", 0, 1 + i, src=TWIN_SRC,
                                                  sig=TWIN_SIG) for i in range(N_TWIN_AMBER)]
    streams[RED_SENSOR] = [eve_gen.make_alert(rng, (tw + i) * 1000000, RED_SENSOR, 2, 100 + i, src=TWIN_SRC,
                                              sig=TWIN_SIG) for i in range(N_TWIN_RED)] + \
        [eve_gen.make_alert(rng, (tw + 40 + i) * 1000000, RED_SENSOR, 2, 200 + i, src=RED_ONLY_SRC, sig=TWIN_SIG)
         for i in range(30)]
    streams["kz-office-02"] += [eve_gen.make_alert(rng, (tw + i) * 1000000, "kz-office-02", 1, 300 + i,
                                                   src=RED_RULE_SRC, sig=RED_RULE) for i in range(25)]
    levels = {"green": 0, "amber": 0, "red": 0}
    # rules raise levels: sid 9100003 says tlp red in its metadata; tlp.signature makes 9100006 amber;
    # the plant sensor's heartbeat says amber.
    for s, recs in streams.items():
        for i, (js, f) in enumerate(recs):
            rec = json.loads(js)
            lvl = "amber" if s == "kz-plant-01" else "green"
            if f["sig"] == "1:9100003:1" or s == RED_SENSOR:
                rec["alert"]["metadata"]["tlp"] = ["red"]
                recs[i] = (json.dumps(rec), f)
                lvl = "red"
            elif f["sig"] == "1:9100006:1":
                lvl = "amber"
            levels[lvl] += 1
    eve_gen.xadd_all(r, streams)
    r.cmd("SADD", "ictwatch:sensors", *streams)
    r.cmd("HSET", "ictwatch:sensor:{%s}" % RED_SENSOR, "country", "KZ", "tlp", "red")
    r.cmd("HSET", "ictwatch:sensor:{kz-plant-01}", "country", "KZ", "tlp", "amber")
    r.cmd("HSET", "ictwatch:sensor:{kz-office-02}", "country", "KZ")
    res = run("run", "--redis", U, "--drain", "--lateness", "1d", "--set", "tlp.signature=9100006, amber")
    ictw.check(res.returncode == 0, "ingest", res.stderr)

    rep = json.loads(run("report", "--redis", U, "--window", "day", "--by", "tlp", "--format", "json").stdout)
    got = {x["tlp"]: x["count"] for x in rep["rows"]}
    ictw.check(got == {k: v for k, v in levels.items() if v},
               "each alert's level is the max of default, sensor (heartbeat), rule (metadata, tlp.signature)",
               (got, levels))

    out = os.path.join(rd.dir, "out")
    since, until = "--since", "all"
    # GREEN to an unnamed recipient: only green tuples, level GREEN
    res = run("export", "--redis", U, since, until, "--format", "json", "--tlp", "green", "--as", "KZ",
              "--out", out + "/g")
    files = glob.glob(out + "/g/*.json")
    doc = json.load(open(files[0])) if files else {}
    total = sum(w["total"] for w in doc.get("windows", []))
    text = open(files[0]).read() if files else ""
    ictw.check(res.returncode == 0 and total == levels["green"] and doc.get("tlp") == "TLP:GREEN" and
               "9100003" not in text and "9100006" not in text,
               "GREEN export to an unnamed recipient holds only GREEN alerts (%d of %d)" % (total, levels["green"]),
               res.stderr)
    ictw.check("withheld" in res.stderr, "withheld alerts are reported locally", res.stderr)

    # AMBER to a named recipient: green + amber, level raised to AMBER, RED still out
    res = run("export", "--redis", U, since, until, "--format", "json", "--tlp", "green", "--as", "KZ",
              "--recipient", "cert-partner", "--set", "tlp.amber-recipients=cert-other, cert-partner",
              "--out", out + "/a")
    files = glob.glob(out + "/a/*.json")
    doc = json.load(open(files[0])) if files else {}
    total = sum(w["total"] for w in doc.get("windows", []))
    ictw.check(res.returncode == 0 and total == levels["green"] + levels["amber"] and doc.get("tlp") == "TLP:AMBER"
               and all(w["tlp"] in ("TLP:AMBER", "TLP:GREEN") for w in doc["windows"]) and
               "9100003" not in open(files[0]).read(),
               "to a named AMBER recipient: GREEN+AMBER alerts, the export raised to TLP:AMBER, no RED", res.stderr)

    res = run("export", "--redis", U, since, until, "--format", "json", "--tlp", "amber", "--as", "KZ",
              "--recipient", "somebody", "--out", out + "/x")
    ictw.check(res.returncode == 1 and not os.path.exists(out + "/x") and "only to recipients named" in res.stderr,
               "--tlp amber to a recipient not named: refused, nothing written", res.stderr)
    for lvl in ("red", "TLP:RED"):
        res = run("export", "--redis", U, since, until, "--format", "stix", "--tlp", lvl, "--as", "KZ",
                  "--recipient", "cert-partner", "--set", "tlp.amber-recipients=cert-partner", "--out", out + "/r")
        ictw.check(res.returncode == 1 and not os.path.exists(out + "/r") and "RED" in res.stderr,
                   "--tlp %s: refused even to a named recipient, nothing written" % lvl, res.stderr)
    res = run("export", "--redis", U, since, until, "--format", "json", "--tlp", "clear", "--as", "KZ",
              "--out", out + "/c")
    doc = json.load(open(glob.glob(out + "/c/*.json")[0]))
    ictw.check(doc["tlp"] == "TLP:GREEN", "--tlp clear over GREEN data: the export carries TLP:GREEN (max of inputs)")

    # STIX: schema-valid, markings included, addresses hidden, deterministic ids
    key = os.path.join(rd.dir, "region.key")
    with open(key, "w") as f:
        f.write("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n")
    os.chmod(key, 0o600)
    t0 = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(time.time() - 3 * 86400))
    t1 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    bundles = []
    for n in (1, 2):
        res = run("export", "--redis", U, "--since", t0, "--until", t1, "--window", "hour", "--format", "stix",
                  "--tlp", "green", "--anonymize", "cryptopan", "--key", key, "--as", "KZ", "--threshold", "20",
                  "--producer", "KZ-CERT", "--recipient", "cert-partner", "--set",
                  "tlp.amber-recipients=cert-partner", "--out", out + "/stix%d" % n)
        files = glob.glob(out + "/stix%d/*.json" % n)
        bundles.append(json.load(open(files[0])) if files else {})
        ictw.check(res.returncode == 0 and files, "STIX export %d" % n, res.stderr)
    b = bundles[0]
    types = {}
    for o in b.get("objects", []):
        types[o["type"]] = types.get(o["type"], 0) + 1
    ictw.check(types.get("indicator", 0) > 0 and types.get("indicator") == types.get("sighting") and
               types.get("identity") == 1 and types.get("location") == 1 and types.get("marking-definition", 0) >= 1,
               "bundle holds identity, location, markings, indicators and their sightings %r" % types)
    v = stix_validators()
    if v is None:
        ictw.skip("STIX bundle valid against the OASIS schemas (../shared/stix2-schemas absent)")
    else:
        errs = stix_errors(b, v)
        ictw.check(not errs, "STIX bundle valid against the OASIS STIX 2.1 JSON schemas (%d objects)" %
                   len(b["objects"]), "\n".join(errs[:10]))
    ids = [o["id"] for o in b["objects"]]
    ictw.check(ids == [o["id"] for o in bundles[1]["objects"]] and b["id"] == bundles[1]["id"] and
               len(set(ids)) == len(ids), "re-export gives the same ids (UUIDv5), all unique")
    marks = {o["id"] for o in b["objects"] if o["type"] == "marking-definition"}
    refs = {m for o in b["objects"] for m in o.get("object_marking_refs", [])}
    ictw.check(refs and refs <= marks and all(o.get("object_marking_refs") for o in b["objects"]
                                              if o["type"] != "marking-definition"),
               "every object is marked and every marking used is in the bundle")
    sightings = [o for o in b["objects"] if o["type"] == "sighting"]
    ictw.check(all(s["last_seen"] > s["first_seen"] and s["count"] >= 20 and s["where_sighted_refs"] for s in sightings),
               "sightings: count above the threshold, first_seen < last_seen, where_sighted")
    text = json.dumps(b)
    ictw.check(all(a not in text for a in eve_gen.CAMPAIGN_SOURCES[:3]),
               "the real source addresses do not appear (cryptopan)")

    res = run("export", "--redis", U, since, until, "--format", "stix", "--anonymize", "hmac", "--key", key,
              "--as", "KZ", "--out", out + "/h")
    ictw.check(res.returncode == 2 and "not addresses" in res.stderr, "STIX with hmac pseudonyms is refused")
    res = run("export", "--redis", U, since, until, "--format", "json", "--anonymize", "hmac", "--key", key,
              "--as", "KZ", "--window", "day", "--threshold", "20", "--out", out + "/hj")
    doc = json.load(open(glob.glob(out + "/hj/*.json")[0]))
    srcs = [s["address"] for w in doc["windows"] for s in w["sources"]]
    ictw.check(srcs and all(s.startswith("h:") for s in srcs), "JSON export with hmac pseudonyms", srcs[:3])

    # MISP feed
    res = run("export", "--redis", U, since, until, "--window", "hour", "--format", "misp", "--tlp", "green",
              "--anonymize", "truncate", "--as", "KZ", "--threshold", "20", "--out", out + "/misp")
    mdir = out + "/misp"
    manifest = json.load(open(mdir + "/manifest.json")) if os.path.exists(mdir + "/manifest.json") else {}
    events = {os.path.basename(p)[:-5]: json.load(open(p)) for p in glob.glob(mdir + "/*.json")
              if not p.endswith("manifest.json")}
    ictw.check(res.returncode == 0 and manifest and set(manifest) == set(events),
               "MISP feed: manifest.json lists exactly the event files (%d)" % len(events), res.stderr)
    ok = all(e["Event"]["uuid"] == u and e["Event"]["Tag"][0]["name"] == "tlp:green" and
             isinstance(e["Event"]["timestamp"], str) and e["Event"]["Orgc"]["uuid"] for u, e in events.items())
    ictw.check(ok, "events: uuid, tlp:green tag, timestamps as strings, Orgc")
    want = set()
    for u, e in events.items():
        for a in e["Event"]["Attribute"]:
            if a["type"] == "ip-src":
                want.add("%s,%s" % (hashlib.md5(a["value"].encode()).hexdigest(), u))
                if not a["value"].endswith(".0") and ":" not in a["value"]:
                    ok = False
    lines = set(open(mdir + "/hashes.csv").read().split())
    ictw.check(want and lines == want, "hashes.csv: md5 of every ip-src value with its event uuid")
    ictw.check(ok and all(not a["to_ids"] for e in events.values() for a in e["Event"]["Attribute"]),
               "truncated addresses are /24 networks and never marked for IDS use")

    # RED never reaches an export of any format; the same data at AMBER does, at AMBER only.
    named = ["--recipient", "cert-partner", "--set", "tlp.amber-recipients=cert-partner"]
    red_marks = [RED_SENSOR, RED_ONLY_SRC, RED_RULE_SRC, "1:9100003:1", RED_RULE[3], MARK["red"], "TLP:RED", "tlp:red"]
    for fmt in ("json", "stix", "misp"):
        got = {}
        for lvl, extra in (("green", []), ("amber", named), ("amber+strict", named)):
            d = "%s/%s-%s" % (out, fmt, lvl.replace("+", "-"))
            res = run("export", "--redis", U, "--since", "all", "--window", "hour", "--format", fmt, "--tlp", lvl,
                      "--anonymize", "none", "--as", "KZ", "--threshold", "20", "--out", d, *extra)
            files = sorted(glob.glob(d + "/*.json"))
            got[lvl] = (res, files, "".join(open(p).read() for p in files + glob.glob(d + "/*.csv")))
        for lvl, (res, files, text) in got.items():
            leaked = [m for m in red_marks if m in text]
            ictw.check(res.returncode == 0 and files and not leaked,
                       "%s export at TLP:%s: nothing of the RED sensor or the RED rule (%d files)" %
                       (fmt, lvl.upper(), len(files)), res.stderr + "leaked: %r" % leaked)
        g = got["green"][2]
        ictw.check(TWIN_SRC not in g and "9100077" not in g and TWIN_SIG[3] not in g,
                   "%s export at TLP:GREEN: the AMBER twin data is left out as well" % fmt)
        for lvl in ("amber", "amber+strict"):
            files, text = got[lvl][1], got[lvl][2]
            if fmt == "json":
                docs = [json.load(open(p)) for p in files]
                srcs = [x["count"] for doc in docs for w in doc["windows"] for x in w["sources"]
                        if x["address"] == TWIN_SRC]
                sigs = [x["count"] for doc in docs for w in doc["windows"] for x in w["signatures"]
                        if x["signature"] == "1:9100077:1"]
                level = {doc["tlp"] for doc in docs}
            elif fmt == "stix":
                objs = [o for p in files for o in json.load(open(p))["objects"]]
                ind = {o["id"] for o in objs if o["type"] == "indicator" and "'%s'" % TWIN_SRC in o["pattern"]}
                srcs = [o["count"] for o in objs if o["type"] == "sighting" and o["sighting_of_ref"] in ind]
                sigs = [N_TWIN_AMBER]       # STIX carries sources only
                level = {m for o in objs if o["type"] != "marking-definition" for m in o["object_marking_refs"]}
                marks = [o for o in objs if o["type"] == "marking-definition"]
                ictw.check(level == {MARK[lvl]} and len({o["id"] for o in marks}) == 1 and
                           all(o["id"] == MARK[lvl] and o["name"] == "TLP:" + lvl.upper() and
                               o["extensions"][TLP_EXT]["tlp_2_0"] == lvl for o in marks),
                           "STIX at TLP:%s: every object marked %s, that marking object included" %
                           (lvl.upper(), MARK[lvl]), json.dumps(marks)[:600])
                v = stix_validators()
                if v is not None:
                    errs = [e for p in files for e in stix_errors(json.load(open(p)), v)]
                    ictw.check(not errs, "STIX at TLP:%s valid against the OASIS schemas" % lvl.upper(),
                               "\n".join(errs[:10]))
                level = {"TLP:" + lvl.upper()} if level == {MARK[lvl]} else level
            else:
                evs = [json.load(open(p))["Event"] for p in files if not p.endswith("manifest.json")]
                attrs = [a for e in evs for a in e["Attribute"]]
                srcs = [int(a["comment"].split()[0]) for a in attrs if a["type"] == "ip-src" and a["value"] == TWIN_SRC]
                sigs = [int(a["value"].rsplit(": ", 1)[1].split()[0]) for a in attrs
                        if a["type"] == "text" and TWIN_SIG[3] in a["value"]]
                level = {t["name"] for e in evs for t in e["Tag"] if t["name"].startswith("tlp:")}
                level = {"TLP:" + lvl.upper()} if level == {"tlp:" + lvl} else level
            ictw.check(srcs == [N_TWIN_AMBER] and sigs == [N_TWIN_AMBER] and level == {"TLP:" + lvl.upper()},
                       "%s export at TLP:%s to a named recipient: the twin source and rule counted %d times "
                       "(the AMBER sensor's, not the RED one's %d), marked TLP:%s" %
                       (fmt, lvl.upper(), N_TWIN_AMBER, N_TWIN_RED, lvl.upper()), (srcs, sigs, level))
    res = run("export", "--redis", U, "--since", "all", "--format", "stix", "--tlp", "amber+strict", "--as", "KZ",
              "--recipient", "somebody", "--set", "tlp.amber-recipients=cert-partner", "--out", out + "/as-x")
    ictw.check(res.returncode == 1 and not os.path.exists(out + "/as-x") and "only to recipients named" in res.stderr,
               "--tlp amber+strict to a recipient not named: refused, nothing written", res.stderr)
finally:
    rd.close()
ictw.finish()
