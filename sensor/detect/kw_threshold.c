/* kw_threshold.c - threshold and detection_filter: how often a matching rule alerts.
 *
 *   threshold: type limit, track by_src, count 1, seconds 60;
 *   threshold: type backoff, track by_flow, count 1, multiplier 10;
 *   detection_filter: track by_src, count 20, seconds 60, unique_on dst_port;
 *   detection_filter: track by_src, count 50, seconds 10, unique_on dst_ip;   (host sweep)
 *
 * The pairs may come in any order. unique_on (detection_filter only) counts
 * distinct values instead of hits: src_port/dst_port as Suricata has it
 * (tcp, udp or sctp rules), and our extension src_ip/dst_ip. The counting
 * itself (fixed windows, Suricata's rules per type) is in threshold.c.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"limit", "threshold", "both", "backoff"};
static const char *const track_names[] = {"by_src", "by_dst", "by_rule", "by_both", "by_flow"};
static const char *const unique_names[] = {"", "src_port", "dst_port", "src_ip", "dst_ip"};

static int find_name(const char *const *names, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], v) == 0)
            return i;
    return -1;
}

static int parse_thr(struct parse_ctx *pc, const char *v, bool detection)
{
    const char *kw = detection ? "detection_filter" : "threshold";
    if (pc->seen_thr)
        return pc_err(pc, "only one threshold or detection_filter per rule");
    pc->seen_thr = true;
    char buf[512];
    if (strlen(v) >= sizeof(buf))
        return pc_err(pc, "%s: value too long", kw);
    strcpy(buf, v);
    struct thr_spec t = {0};
    bool have_type = detection, have_track = false, have_count = false, have_seconds = false,
         have_mult = false, have_unique = false;
    if (detection)
        t.type = THR_DETECTION;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = detect_trim(item);
        char *sp = item + strcspn(item, " \t");
        char *val = sp;
        if (*sp) {
            *sp = '\0';
            val = detect_trim(sp + 1);
        }
        if (!*val)
            return pc_err(pc, "%s: '%s' needs a value", kw, item);
        uint64_t num;
        if (strcmp(item, "type") == 0 && !detection) {
            if (have_type)
                return pc_err(pc, "%s: 'type' given twice", kw);
            int i = find_name(type_names, 4, val);
            if (i < 0)
                return pc_err(pc, "%s: type must be limit, threshold, both or backoff, not '%s'", kw, val);
            t.type = (uint8_t)i;
            have_type = true;
        } else if (strcmp(item, "track") == 0) {
            if (have_track)
                return pc_err(pc, "%s: 'track' given twice", kw);
            int i = find_name(track_names, 5, val);
            if (i < 0)
                return pc_err(pc, "%s: track must be by_src, by_dst, by_rule, by_both or by_flow, "
                                  "not '%s'", kw, val);
            t.track = (uint8_t)i;
            have_track = true;
        } else if (strcmp(item, "count") == 0) {
            if (have_count)
                return pc_err(pc, "%s: 'count' given twice", kw);
            if (ictw_parse_uint(val, UINT32_MAX, &num) < 0 || num == 0)
                return pc_err(pc, "%s: count must be a number from 1 to 4294967295, not '%s'", kw, val);
            t.count = (uint32_t)num;
            have_count = true;
        } else if (strcmp(item, "seconds") == 0) {
            if (have_seconds)
                return pc_err(pc, "%s: 'seconds' given twice", kw);
            if (ictw_parse_uint(val, UINT32_MAX, &num) < 0 || num == 0)
                return pc_err(pc, "%s: seconds must be a number from 1 to 4294967295, not '%s'", kw, val);
            t.seconds = (uint32_t)num;
            have_seconds = true;
        } else if (strcmp(item, "multiplier") == 0 && !detection) {
            if (have_mult)
                return pc_err(pc, "%s: 'multiplier' given twice", kw);
            if (ictw_parse_uint(val, UINT32_MAX, &num) < 0 || num < 2)
                return pc_err(pc, "%s: multiplier must be a number from 2 to 4294967295, not '%s'", kw, val);
            t.multiplier = (uint32_t)num;
            have_mult = true;
        } else if (strcmp(item, "unique_on") == 0) {
            if (!detection)
                return pc_err(pc, "threshold: unique_on is only allowed in detection_filter");
            if (have_unique)
                return pc_err(pc, "%s: 'unique_on' given twice", kw);
            int i = find_name(unique_names, 5, val);
            if (i <= 0)
                return pc_err(pc, "%s: unique_on must be src_port, dst_port, src_ip or dst_ip, "
                                  "not '%s'", kw, val);
            t.unique = (uint8_t)i;
            have_unique = true;
        } else {
            return pc_err(pc, "%s: unknown option '%s'", kw, item);
        }
    }
    if (!have_type)
        return pc_err(pc, "%s: missing 'type'", kw);
    if (!have_track)
        return pc_err(pc, "%s: missing 'track'", kw);
    if (!have_count)
        return pc_err(pc, "%s: missing 'count'", kw);
    if (t.type == THR_BACKOFF) {
        if (!have_mult)
            return pc_err(pc, "%s: type backoff needs 'multiplier'", kw);
        if (t.track != TRK_FLOW)
            return pc_err(pc, "%s: type backoff needs track by_flow", kw);
        if (have_seconds)
            return pc_err(pc, "%s: type backoff takes a multiplier, not seconds", kw);
    } else {
        if (have_mult)
            return pc_err(pc, "%s: multiplier is only for type backoff", kw);
        if (!have_seconds)
            return pc_err(pc, "%s: missing 'seconds'", kw);
    }
    if (t.unique) {
        if (t.count > 65535)
            return pc_err(pc, "%s: with unique_on, count must be at most 65535", kw);
        bool pointless = (t.unique == UNQ_SRC_IP && (t.track == TRK_SRC || t.track == TRK_BOTH)) ||
                         (t.unique == UNQ_DST_IP && (t.track == TRK_DST || t.track == TRK_BOTH)) ||
                         t.track == TRK_FLOW;
        if (pointless)
            return pc_err(pc, "%s: unique_on %s with track %s can only ever see one value", kw,
                          unique_names[t.unique], track_names[t.track]);
    }
    pc->r->thr = malloc(sizeof(t));
    if (!pc->r->thr)
        return pc_err(pc, "out of memory");
    *pc->r->thr = t;
    return 0;
}

int kw_threshold_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return parse_thr(pc, v, false);
}

int kw_detection_filter_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return parse_thr(pc, v, true);
}

void thr_print(const struct thr_spec *t, bool detection_filter, struct sbuf *out)
{
    if (detection_filter)
        sbuf_printf(out, "detection_filter:track %s, count %u, seconds %u", track_names[t->track],
                    t->count, t->seconds);
    else if (t->type == THR_BACKOFF)
        sbuf_printf(out, "threshold:type backoff, track %s, count %u, multiplier %u",
                    track_names[t->track], t->count, t->multiplier);
    else
        sbuf_printf(out, "threshold:type %s, track %s, count %u, seconds %u", type_names[t->type],
                    track_names[t->track], t->count, t->seconds);
    if (t->unique)
        sbuf_printf(out, ", unique_on %s", unique_names[t->unique]);
    sbuf_puts(out, "; ");
}
