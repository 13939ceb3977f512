/* sensor.c - builds the stages from the configuration and runs one packet
 * through them (see sensor.h).
 *
 *   decode -> flow_table_update -> dpi_process -> detect_packet -> outputs
 *
 * Idle flows are expired once per second of packet time, not per packet.
 * A flow's end (timeout, eviction, TCP port reuse, exit) arrives through
 * on_flow_end(): classification is finished (nDPI giveup), end-of-flow rules
 * run, and the flow record is written. on_flow_release() frees what the
 * DPI and the rule engine hung off the flow.
 */
#include "sensor.h"
#include "detect/detect.h"
#include "output/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* ---- configuration ------------------------------------------------------ */

static int cfg_duration32(struct sensor *s, const char *key, uint32_t *out)
{
    char err[512];
    uint64_t v = *out;
    if (config_get_duration(&s->cfg, key, &v, err, sizeof(err)) || v > UINT32_MAX) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int cfg_size(struct sensor *s, const char *key, uint64_t *out)
{
    char err[512];
    if (config_get_size(&s->cfg, key, out, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    return 0;
}

static int cfg_uint(struct sensor *s, const char *key, uint64_t max, uint64_t *out)
{
    char err[512];
    if (config_get_uint(&s->cfg, key, max, out, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    return 0;
}

static int read_flow_config(struct sensor *s, struct flow_config *fc)
{
    static const char *const cls[FLOW_CLASS_COUNT] = {"tcp", "udp", "icmp", "other"};
    static const char *const st[FLOW_STATE_COUNT] = {"new", "established", "closed"};
    uint64_t v;
    flow_config_defaults(fc);
    v = fc->hash_size;
    if (cfg_uint(s, "flow.hash-size", 1u << 30, &v))
        return -1;
    fc->hash_size = (uint32_t)v;
    if (cfg_size(s, "flow.memcap", &fc->memcap) || cfg_duration32(s, "flow.active-timeout", &fc->active_timeout))
        return -1;
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int t = 0; t < FLOW_STATE_COUNT; t++) {
            char key[64];
            snprintf(key, sizeof(key), "flow.timeout.%s.%s", cls[c], st[t]);
            if (cfg_duration32(s, key, &fc->timeout[c][t]))
                return -1;
        }
    return 0;
}

static int read_defrag_config(struct sensor *s, struct defrag_config *dc)
{
    defrag_config_defaults(dc);
    uint64_t v = dc->max_datagrams;
    if (cfg_size(s, "defrag.memcap", &dc->memcap) || cfg_duration32(s, "defrag.timeout", &dc->timeout) ||
        cfg_uint(s, "defrag.max-datagrams", 1u << 24, &v))
        return -1;
    dc->max_datagrams = (uint32_t)v;
    return 0;
}

static int read_dpi_config(struct sensor *s, struct dpi_config *dc)
{
    dpi_config_defaults(dc);
    uint64_t t = dc->max_tcp_packets, u = dc->max_udp_packets;
    if (cfg_uint(s, "dpi.max-tcp-packets", 65535, &t) || cfg_uint(s, "dpi.max-udp-packets", 65535, &u))
        return -1;
    dc->max_tcp_packets = (uint16_t)t;
    dc->max_udp_packets = (uint16_t)u;
    dc->ja3_file = config_get(&s->cfg, "dpi.ja3-file");
    dc->sha1_file = config_get(&s->cfg, "dpi.sha1-file");
    return 0;
}

static int open_outputs(struct sensor *s)
{
    struct output_file_opts o = {0};
    char path[4096], err[512];
    unsigned def = EVE_KIND_MASK(EVE_KIND_ALERT) | EVE_KIND_MASK(EVE_KIND_FLOW);
    const char *dir = config_get(&s->cfg, "log-dir"), *file = config_get(&s->cfg, "eve-file");
    if (file) {
        o.file_path = file;
    } else if (dir) {
        snprintf(path, sizeof(path), "%s/eve.json", dir);
        o.file_path = path;
    }
    o.file_kinds = o.stdout_kinds = def;
    const char *k = config_get(&s->cfg, "eve-types");
    if (k && output_parse_kinds(k, &o.file_kinds)) {
        log_error(&s->log, "eve-types '%s': expected a list of alert, flow", k);
        return -1;
    }
    k = config_get(&s->cfg, "stdout-types");
    if (k && output_parse_kinds(k, &o.stdout_kinds)) {
        log_error(&s->log, "stdout-types '%s': expected a list of alert, flow", k);
        return -1;
    }
    bool to_stdout = false;
    if (config_get_bool(&s->cfg, "stdout", &to_stdout, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    o.to_stdout = to_stdout;
    s->out = output_new(&o, &s->log, err, sizeof(err));
    if (!s->out) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    bool live = config_get(&s->cfg, "interface") != NULL;
    struct redis_sink *r = redis_sink_new(&s->cfg, s->sensor_id, live, &s->log, err, sizeof(err));
    if (!r && err[0]) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    if (r) {
        if (s->sig)
            redis_sink_set_stop_flag(r, &s->sig->stop);
        output_set_redis(s->out, r);
    }
    return 0;
}

void sensor_heartbeat(struct sensor *s)
{
    struct redis_sink *r = s->out ? output_redis(s->out) : NULL;
    if (!r)
        return;
    struct redis_heartbeat_info hb = {
        .version = ICTW_VERSION, .country = s->country, .organisation = s->organisation,
        .packets = s->stats.packets, .drops_kernel = s->stats.kernel_drops,
        .drops = s->stats.untracked, .flows = flow_table_stats(s->flows)->created,
        .alerts = s->stats.alerts,
        .rules_loaded = s->detect ? detect_engine_rule_count(s->detect) : 0,
    };
    redis_sink_heartbeat(r, &hb);
}

/* ---- flow end ----------------------------------------------------------- */

static void on_alert(void *arg, const struct eve_alert_sig *sig, struct flow *f,
                     const struct packet *p, int dir)
{
    sensor_emit_alert(arg, sig, f, p, dir);
}

static void on_flow_end(void *arg, struct flow *f, enum flow_end_reason reason)
{
    struct sensor *s = arg;
    if (!(f->flags & FLOW_F_DPI_DONE) && reason != FLOW_END_ACTIVE_TIMEOUT) {
        int64_t mem = 0;
        unsigned ev = dpi_giveup(s->dpi, f, &mem);
        flow_table_account(s->flows, f, mem);
        if (s->detect)
            detect_flow_end(s->detect, f, ev, on_alert, s);
    }
    s->stats.flow_records++;
    if (!output_wants(s->out, EVE_KIND_FLOW))
        return;
    jsonw_reset(&s->json);
    eve_write_flow(&s->eve, &s->json, f, reason, s->now);
    if (!s->json.failed)
        output_emit(s->out, EVE_KIND_FLOW, 0, s->json.buf, s->json.len);
}

static void on_flow_release(void *arg, struct flow *f)
{
    struct sensor *s = arg;
    dpi_flow_release(s->dpi, f);
    detect_flow_free(f);
}

void sensor_emit_alert(struct sensor *s, const struct eve_alert_sig *sig, struct flow *f,
                       const struct packet *p, int dir)
{
    f->flags |= FLOW_F_ALERTED;
    s->stats.alerts++;
    jsonw_reset(&s->json);
    eve_write_alert(&s->eve, &s->json, sig, f, p, dir, s->now);
    if (!s->json.failed)
        output_emit(s->out, EVE_KIND_ALERT, sig->severity, s->json.buf, s->json.len);
}

/* ---- setup --------------------------------------------------------------- */

int sensor_init(struct sensor *s)
{
    struct flow_config fc;
    struct defrag_config dfc;
    struct dpi_config dc;
    if (read_flow_config(s, &fc) || read_defrag_config(s, &dfc) || read_dpi_config(s, &dc))
        return -1;

    s->sensor_id = config_get(&s->cfg, "sensor-id");
    s->country = config_get(&s->cfg, "country");
    s->organisation = config_get(&s->cfg, "organisation");

    s->defrag = defrag_new(&dfc);
    s->dpi = dpi_new(&dc, &s->log);
    s->flows = flow_table_new(&fc, on_flow_end, on_flow_release, s);
    if (!s->defrag || !s->dpi || !s->flows) {
        log_error(&s->log, "out of memory while setting up");
        return -1;
    }
    s->decode.defrag = s->defrag;
    jsonw_init(&s->json);
    s->eve.host = s->sensor_id;
    s->eve.in_iface = config_get(&s->cfg, "interface");
    s->eve.dpi = s->dpi;
    if (open_outputs(s))
        return -1;
    if (config_find(&s->cfg, "rule-files") && sensor_load_rules(s, NULL) < 0)
        return -1;
    s->stats.wall_start = ictw_monotonic();
    sensor_heartbeat(s);   /* identity (country, organisation) known from the start */
    return 0;
}

/* Loads the rules named by rule-files (see sensor/detect/loader.c). */
int sensor_load_rules(struct sensor *s, struct detect_load_report *rep)
{
    bool strict = false;
    char err[512];
    if (config_get_bool(&s->cfg, "strict-rules", &strict, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    struct detect_load_opts o = {&s->cfg, &s->log, s->dpi, strict};
    struct detect_load_report r;
    s->detect = detect_engine_load(&o, rep ? rep : &r);
    if (!s->detect)
        return -1;
    s->detect_thread = detect_reload_new(&s->log);
    return s->detect_thread ? 0 : -1;
}

/* --test-rules: loads the rules as the sensor would, reports, and says
 * whether every rule loaded (exit status 0) or not (1). */
int sensor_test_rules(struct sensor *s)
{
    struct dpi_config dc;
    if (!config_find(&s->cfg, "rule-files")) {
        log_error(&s->log, "--test-rules needs rules: give -S FILE or set rule-files");
        return 2;
    }
    if (read_dpi_config(s, &dc))
        return 2;
    s->dpi = dpi_new(&dc, &s->log);
    if (!s->dpi)
        return 2;
    struct detect_load_report rep;
    memset(&rep, 0, sizeof(rep));
    int rc = sensor_load_rules(s, &rep);
    fprintf(stderr, "%u rules loaded, %u failed, %u warnings\n", rep.loaded, rep.failed, rep.warnings);
    return rc == 0 && rep.failed == 0 ? 0 : 1;
}

/* SIGHUP: starts building the rules aside; sensor_poll_reload() swaps them in. */
void sensor_reload_rules(struct sensor *s)
{
    if (!s->detect_thread) {
        log_warn(&s->log, "SIGHUP: no rules are loaded, nothing to reload");
        return;
    }
    bool strict = false;
    char err[512];
    config_get_bool(&s->cfg, "strict-rules", &strict, err, sizeof(err));
    struct detect_load_opts o = {&s->cfg, &s->log, s->dpi, strict};
    detect_reload_start(s->detect_thread, &o, s->detect);
}

void sensor_poll_reload(struct sensor *s)
{
    if (s->detect_thread)
        detect_reload_poll(s->detect_thread, &s->detect, NULL);
}

void sensor_finish(struct sensor *s)
{
    /* A signal ended a replay early: the flows ended now are not records of
     * the input, which a resumed replay must know (redis_sink_input_stopped). */
    if (s->sig && s->sig->stop && s->out)
        redis_sink_input_stopped(output_redis(s->out));
    if (s->flows) {
        flow_table_flush(s->flows, FLOW_END_SHUTDOWN);
    }
    /* The last heartbeat carries the final counts (a short replay may end
     * before the first periodic one). */
    sensor_heartbeat(s);
    if (s->out)
        output_flush(s->out);
}

void sensor_free(struct sensor *s)
{
    flow_table_free(s->flows);
    s->flows = NULL;
    detect_reload_free(s->detect_thread);
    s->detect_thread = NULL;
    detect_engine_free(s->detect);
    s->detect = NULL;
    output_free(s->out);
    s->out = NULL;
    dpi_free(s->dpi);
    s->dpi = NULL;
    defrag_free(s->defrag);
    s->defrag = NULL;
    jsonw_free(&s->json);
}

/* ---- per packet ---------------------------------------------------------- */

static void expire_idle(struct sensor *s)
{
    if (s->now < s->next_expire)
        return;
    s->next_expire = s->now + ICTW_USEC_PER_SEC;
    flow_table_expire(s->flows, s->now);
    defrag_expire(s->defrag, s->now);
}

void sensor_process_packet(struct sensor *s, int dlt, ictw_usec ts, uint32_t caplen,
                           uint32_t wire_len, const uint8_t *data, uint64_t pcap_cnt)
{
    struct packet p;
    enum decode_error derr;

    s->stats.packets++;
    s->stats.bytes += wire_len;
    if (!s->stats.first_ts || ts < s->stats.first_ts)
        s->stats.first_ts = ts;
    if (ts > s->stats.last_ts)
        s->stats.last_ts = ts;
    if (ts > s->now)
        s->now = ts;

    p.ts = ts;
    p.pcap_cnt = pcap_cnt;
    p.wire_len = wire_len;
    p.cap_len = caplen;
    p.datalink = dlt;
    if (decode_packet(&s->decode, dlt, data, caplen, &p, &derr) != DECODE_OK) {
        expire_idle(s);
        return;
    }
    s->stats.decoded++;

    int dir;
    bool created;
    struct flow *f = flow_table_update(s->flows, &p, &dir, &created);
    if (!f) {
        s->stats.untracked++;
        expire_idle(s);
        return;
    }
    unsigned ev = 0;
    int64_t mem = 0;
    if (!(f->flags & FLOW_F_DPI_DONE))
        ev = dpi_process(s->dpi, f, &p, dir, &mem);
    else if (f->dpi.classified && dir == FLOW_TOSERVER && p.payload_len)
        ev = dpi_dns_packet(s->dpi, f, &p, &mem);   /* every later DNS query of the flow */
    if (mem)
        flow_table_account(s->flows, f, mem);
    if (s->detect)
        detect_packet(s->detect, f, &p, dir, ev, on_alert, s);
    if (f->app)
        f->app->changed = 0;    /* the rules have seen this packet's fields */
    expire_idle(s);
}

/* ---- statistics ---------------------------------------------------------- */

void sensor_print_stats(struct sensor *s)
{
    const struct flow_stats *fs = flow_table_stats(s->flows);
    const struct defrag_stats *ds = defrag_stats(s->defrag);
    const struct dpi_stats *dp = dpi_stats(s->dpi);
    const struct decode_stats *dc = &s->decode.stats;
    double wall = (double)(ictw_monotonic() - s->stats.wall_start) / 1e6;
    FILE *o = stderr;

    fprintf(o, "--- ictwatch-sensor statistics ---\n");
    fprintf(o, "packets:        %llu (%llu bytes), decoded %llu, %.0f packets/s over %.2f s\n",
            (unsigned long long)s->stats.packets, (unsigned long long)s->stats.bytes,
            (unsigned long long)s->stats.decoded, wall > 0 ? (double)s->stats.packets / wall : 0.0, wall);
    if (s->stats.kernel_packets || s->stats.kernel_drops)
        fprintf(o, "capture:        kernel received %llu, kernel dropped %llu, interface dropped %llu\n",
                (unsigned long long)s->stats.kernel_packets, (unsigned long long)s->stats.kernel_drops,
                (unsigned long long)s->stats.ifdrops);
    fprintf(o, "decoded:        ipv4 %llu, ipv6 %llu, tcp %llu, udp %llu, icmp %llu, icmpv6 %llu, sctp %llu, other %llu\n",
            (unsigned long long)dc->ipv4, (unsigned long long)dc->ipv6, (unsigned long long)dc->tcp,
            (unsigned long long)dc->udp, (unsigned long long)dc->icmp, (unsigned long long)dc->icmpv6,
            (unsigned long long)dc->sctp, (unsigned long long)dc->other_ip);
    fprintf(o, "encapsulation:  vlan %llu, pppoe %llu, mpls %llu", (unsigned long long)dc->vlan,
            (unsigned long long)dc->pppoe, (unsigned long long)dc->mpls);
    for (int t = 1; t < TUNNEL_TYPE_COUNT; t++)
        fprintf(o, ", %s %llu", decode_tunnel_name(t), (unsigned long long)dc->tunnels[t]);
    fprintf(o, "\n");
    fprintf(o, "other frames:   not IP %llu (ARP, LLDP, STP, ...); decoded although cut by the snap length %llu\n",
            (unsigned long long)dc->errors[DECODE_ERR_NOT_IP], (unsigned long long)dc->truncated);
    bool any = false;
    for (int e = 1; e < DECODE_ERR_COUNT; e++) {
        if (!dc->errors[e] || e == DECODE_ERR_NOT_IP)
            continue;
        fprintf(o, "%s %s %llu", any ? "," : "decode errors: ", decode_error_names[e],
                (unsigned long long)dc->errors[e]);
        any = true;
    }
    if (any)
        fprintf(o, "\n");
    fprintf(o, "fragments:      %llu, reassembled %llu, overlaps %llu (conflicting %llu), timeouts %llu, evicted %llu, invalid %llu\n",
            (unsigned long long)ds->fragments, (unsigned long long)ds->reassembled,
            (unsigned long long)ds->overlaps, (unsigned long long)ds->overlap_conflicts,
            (unsigned long long)ds->timeouts, (unsigned long long)ds->evicted,
            (unsigned long long)ds->invalid);
    fprintf(o, "flows:          %llu (tcp %llu, udp %llu, icmp %llu, other %llu), active %llu, peak %llu\n",
            (unsigned long long)fs->created, (unsigned long long)fs->tcp, (unsigned long long)fs->udp,
            (unsigned long long)fs->icmp, (unsigned long long)fs->other, (unsigned long long)fs->active,
            (unsigned long long)fs->active_peak);
    fprintf(o, "flow ends:      timeout %llu, active timeout %llu, evicted %llu, emergency %llu, untracked packets %llu, memory %llu (peak %llu)\n",
            (unsigned long long)fs->timeouts, (unsigned long long)fs->active_timeouts,
            (unsigned long long)fs->evicted, (unsigned long long)fs->emergency_entered,
            (unsigned long long)s->stats.untracked, (unsigned long long)fs->memuse,
            (unsigned long long)fs->memuse_peak);
    fprintf(o, "ndpi:           packets %llu, classified %llu, gave up %llu, unknown %llu\n",
            (unsigned long long)dp->packets, (unsigned long long)dp->classified,
            (unsigned long long)dp->gave_up, (unsigned long long)dp->unknown);
    fprintf(o, "output:         alerts %llu, flow records %llu",
            (unsigned long long)s->stats.alerts, (unsigned long long)s->stats.flow_records);
    if (s->out && output_stats(s->out)->file_errors)
        fprintf(o, ", write errors %llu", (unsigned long long)output_stats(s->out)->file_errors);
    fprintf(o, "\n");
}
