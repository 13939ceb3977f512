/* validate.c - EVE alert validation (see validate.h).
 *
 * Order of checks: size before parsing (a huge entry costs nothing), UTF-8 before
 * JSON (so that the reason is "not-utf8" rather than a parser message), then the
 * fields in the order a reader looks at them. The first failure wins.
 *
 * Two ways to parse, one set of checks. The fast path is evescan.c: it accepts only
 * records jansson surely accepts and finds the same field values, so the checks
 * (check_record) run on its findings directly. Whatever it is unsure about - a
 * syntax error, a duplicate key, bad UTF-8, an escaped string the checks need -
 * goes the jansson path, whose error text becomes the dead letter's detail. Both
 * paths hand the checks a struct evescan, so a check exists once.
 */
#include "validate.h"

#include "evescan.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const reason_names[VALIDATE_RESULT_COUNT] = {
    [VALID_ALERT] = "ok",
    [VALID_IGNORED] = "ignored",
    [INVALID_NO_EVE_FIELD] = "no-eve-field",
    [INVALID_OVERSIZED] = "oversized",
    [INVALID_NOT_UTF8] = "not-utf8",
    [INVALID_NOT_JSON] = "not-json",
    [INVALID_NOT_OBJECT] = "not-object",
    [INVALID_MISSING_FIELD] = "missing-field",
    [INVALID_WRONG_TYPE] = "wrong-type",
    [INVALID_OUT_OF_RANGE] = "out-of-range",
    [INVALID_FIELD_TOO_LONG] = "field-too-long",
    [INVALID_BAD_TIMESTAMP] = "bad-timestamp",
    [INVALID_FUTURE_TIMESTAMP] = "future-timestamp",
    [INVALID_TOO_OLD] = "too-old",
    [INVALID_BAD_ADDRESS] = "bad-address",
};

const char *validate_reason_name(enum validate_result r)
{
    return (unsigned)r < VALIDATE_RESULT_COUNT ? reason_names[r] : "unknown";
}

bool validate_utf8(const char *str, size_t n, size_t *bad_at)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned min, cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto bad;
        }
        if (n - i <= need)
            goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            goto bad;
        i += need + 1;
    }
    return true;
bad:
    if (bad_at)
        *bad_at = i;
    return false;
}

/* Field checks write the reason's detail and return the result. UNSURE: a string the
 * fast path did not decode (it has escapes) is needed; take the jansson path. */
#define UNSURE VALIDATE_RESULT_COUNT

struct vctx {
    char *detail;
    size_t dlen;
};

static enum validate_result fail(struct vctx *v, enum validate_result r, const char *fmt, const char *field,
                                 long long num)
{
    if (v->detail && v->dlen)
        snprintf(v->detail, v->dlen, fmt, field, num);
    return r;
}

static enum validate_result get_string(struct vctx *v, const struct evescan_value *x, const char *path,
                                       bool required, size_t max, const char **s, size_t *n)
{
    if (x->type == EVS_ABSENT) {
        if (required)
            return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", path, 0);
        *s = "";
        *n = 0;
        return VALID_ALERT;
    }
    if (x->type != EVS_STRING)
        return fail(v, INVALID_WRONG_TYPE, "%s is not a string%.0lld", path, 0);
    if (x->escaped)
        return UNSURE;
    *s = x->s;
    *n = x->n;
    if (*n > max)
        return fail(v, INVALID_FIELD_TOO_LONG, "%s is %lld bytes long", path, (long long)*n);
    if (memchr(*s, '\0', *n))
        return fail(v, INVALID_WRONG_TYPE, "%s contains a NUL character%.0lld", path, 0);
    return VALID_ALERT;
}

static enum validate_result get_int(struct vctx *v, const struct evescan_value *x, const char *path,
                                    bool required, long long lo, long long hi, long long def, long long *out)
{
    if (x->type == EVS_ABSENT) {
        if (required)
            return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", path, 0);
        *out = def;
        return VALID_ALERT;
    }
    if (x->type != EVS_INTEGER)
        return fail(v, INVALID_WRONG_TYPE, "%s is not an integer%.0lld", path, 0);
    if (x->i < lo || x->i > hi)
        return fail(v, INVALID_OUT_OF_RANGE, "%s is out of range (%lld)", path, x->i);
    *out = x->i;
    return VALID_ALERT;
}

/* Copies a checked string (at most 64 bytes) into buf as a C string. */
static const char *cstr(const char *s, size_t n, char *buf, size_t len)
{
    n = ICTW_MIN(n, len - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

static enum validate_result get_addr(struct vctx *v, const struct evescan_value *x, const char *key,
                                     struct ictw_addr *a)
{
    const char *s;
    size_t n;
    char buf[72];
    enum validate_result r = get_string(v, x, key, true, 64, &s, &n);
    if (r != VALID_ALERT)
        return r;
    if (ictw_addr_parse(cstr(s, n, buf, sizeof(buf)), a))
        return fail(v, INVALID_BAD_ADDRESS, "%s is not an IPv4 or IPv6 address%.0lld", key, 0);
    return VALID_ALERT;
}

static enum validate_result check_time(struct vctx *v, const struct evescan_value *x,
                                       const struct validate_limits *lim, ictw_usec *ts)
{
    const char *s;
    size_t n;
    char buf[72];
    enum validate_result r = get_string(v, x, "timestamp", true, 64, &s, &n);
    if (r == INVALID_WRONG_TYPE || r == INVALID_FIELD_TOO_LONG)
        return fail(v, INVALID_BAD_TIMESTAMP, "%s is not an EVE time string%.0lld", "timestamp", 0);
    if (r != VALID_ALERT)
        return r;
    if (ictw_time_parse(cstr(s, n, buf, sizeof(buf)), ts))
        return fail(v, INVALID_BAD_TIMESTAMP, "%s is not YYYY-MM-DDTHH:MM:SS.uuuuuu+HHMM%.0lld", "timestamp", 0);
    if (*ts > lim->max_time)
        return fail(v, INVALID_FUTURE_TIMESTAMP, "%s is %lld s ahead of the collector's clock", "timestamp",
                    (long long)((*ts - lim->max_time) / ICTW_USEC_PER_SEC));
    if (*ts < lim->min_time)
        return fail(v, INVALID_TOO_OLD, "%s is before the earliest plausible time%.0lld", "timestamp", 0);
    return VALID_ALERT;
}

static enum validate_result check_alert(struct vctx *v, const struct evescan *f, struct eve_alert *a)
{
    if (f->f[EVF_ALERT].type == EVS_ABSENT)
        return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", "alert", 0);
    if (f->f[EVF_ALERT].type != EVS_OBJECT)
        return fail(v, INVALID_WRONG_TYPE, "%s is not an object%.0lld", "alert", 0);
    long long gid, sid, rev, sev;
    enum validate_result r;
    if ((r = get_int(v, &f->f[EVF_SIGNATURE_ID], "alert.signature_id", true, 0, UINT32_MAX, 0, &sid)) ||
        (r = get_int(v, &f->f[EVF_GID], "alert.gid", false, 0, UINT32_MAX, 1, &gid)) ||
        (r = get_int(v, &f->f[EVF_REV], "alert.rev", false, 0, UINT32_MAX, 0, &rev)) ||
        (r = get_int(v, &f->f[EVF_SEVERITY], "alert.severity", true, 1, 255, 3, &sev)) ||
        (r = get_string(v, &f->f[EVF_SIGNATURE], "alert.signature", true, VALIDATE_MAX_SIGNATURE, &a->msg,
                        &a->msg_len)) ||
        (r = get_string(v, &f->f[EVF_CATEGORY], "alert.category", false, VALIDATE_MAX_CATEGORY, &a->category,
                        &a->category_len)))
        return r;
    /* A rule may raise the TLP level of its alerts: metadata: tlp amber; -> {"tlp":["amber"]}.
     * Anything else in metadata is the rule's business and is not checked. */
    a->tlp = "";
    a->tlp_len = 0;
    const struct evescan_value *t = &f->f[EVF_TLP];
    if (t->type == EVS_STRING && t->escaped)
        return UNSURE;
    if (t->type == EVS_STRING && t->n < 32) {
        a->tlp = t->s;
        a->tlp_len = t->n;
    }
    a->gid = (uint32_t)gid;
    a->sid = (uint32_t)sid;
    a->rev = (uint32_t)rev;
    a->severity = (unsigned)sev;
    return VALID_ALERT;
}

/* The checks after parsing, the same for both paths. Strings of *out point into
 * the record (fast path) or the jansson tree. */
static enum validate_result check_record(struct vctx *v, const struct evescan *f,
                                         const struct validate_limits *lim, struct eve_alert *out)
{
    enum validate_result r;
    const char *s;
    size_t n;
    if ((r = get_string(v, &f->f[EVF_EVENT_TYPE], "event_type", true, VALIDATE_MAX_SHORT, &s, &n)))
        return r;
    if (n != 5 || memcmp(s, "alert", 5) != 0) {
        if (v->detail && v->dlen)
            snprintf(v->detail, v->dlen, "event_type %.*s", (int)ICTW_MIN(n, 32), s);
        return VALID_IGNORED;
    }
    long long dport;
    if ((r = check_time(v, &f->f[EVF_TIMESTAMP], lim, &out->ts)) ||
        (r = get_addr(v, &f->f[EVF_SRC_IP], "src_ip", &out->src)) ||
        (r = get_addr(v, &f->f[EVF_DEST_IP], "dest_ip", &out->dst)) ||
        (r = get_string(v, &f->f[EVF_PROTO], "proto", true, VALIDATE_MAX_SHORT, &out->proto, &out->proto_len)) ||
        (r = get_string(v, &f->f[EVF_APP_PROTO], "app_proto", false, VALIDATE_MAX_SHORT, &out->app_proto,
                        &out->app_proto_len)) ||
        (r = get_int(v, &f->f[EVF_SRC_PORT], "src_port", false, 0, 65535, -1, &dport)) ||
        (r = get_int(v, &f->f[EVF_DEST_PORT], "dest_port", false, 0, 65535, -1, &dport)) ||
        (r = check_alert(v, f, out)))
        return r;
    out->dest_port = (int)dport;
    return VALID_ALERT;
}

static void value_from_json(struct evescan_value *v, json_t *x)
{
    memset(v, 0, sizeof(*v));
    if (!x)
        return;
    switch (json_typeof(x)) {
    case JSON_OBJECT: v->type = EVS_OBJECT; break;
    case JSON_ARRAY: v->type = EVS_ARRAY; break;
    case JSON_STRING:
        v->type = EVS_STRING;
        v->s = json_string_value(x);
        v->n = json_string_length(x);
        break;
    case JSON_INTEGER:
        v->type = EVS_INTEGER;
        v->i = json_integer_value(x);
        break;
    case JSON_REAL: v->type = EVS_REAL; break;
    case JSON_TRUE: v->type = EVS_TRUE; break;
    case JSON_FALSE: v->type = EVS_FALSE; break;
    case JSON_NULL: v->type = EVS_NULL; break;
    }
}

/* The fields of a parsed record, as the fast scan would find them. */
static void fields_from_json(json_t *rec, struct evescan *f)
{
    static const char *const top[] = {
        [EVF_EVENT_TYPE] = "event_type", [EVF_TIMESTAMP] = "timestamp", [EVF_SRC_IP] = "src_ip",
        [EVF_DEST_IP] = "dest_ip", [EVF_PROTO] = "proto", [EVF_APP_PROTO] = "app_proto",
        [EVF_SRC_PORT] = "src_port", [EVF_DEST_PORT] = "dest_port", [EVF_ALERT] = "alert",
        [EVF_SIGNATURE_ID] = "signature_id", [EVF_GID] = "gid", [EVF_REV] = "rev", [EVF_SEVERITY] = "severity",
        [EVF_SIGNATURE] = "signature", [EVF_CATEGORY] = "category", [EVF_METADATA] = "metadata",
    };
    memset(f, 0, sizeof(*f));
    json_t *al = json_object_get(rec, "alert");
    for (int i = 0; i < EVF_TLP; i++)
        value_from_json(&f->f[i], json_object_get(i < EVF_SIGNATURE_ID ? rec : json_is_object(al) ? al : NULL,
                                                  top[i]));
    json_t *md = json_is_object(al) ? json_object_get(al, "metadata") : NULL;
    json_t *t = json_is_object(md) ? json_object_get(md, "tlp") : NULL;
    value_from_json(&f->f[EVF_TLP], json_is_array(t) ? json_array_get(t, 0) : t);
}

static enum validate_result validate_jansson(struct vctx *v, const char *data, size_t len,
                                             const struct validate_limits *lim, struct eve_alert *out)
{
    size_t bad;
    if (!validate_utf8(data, len, &bad))
        return fail(v, INVALID_NOT_UTF8, "%s: invalid UTF-8 at byte %lld", "record", (long long)bad);
    json_error_t jerr;
    json_t *rec = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!rec) {
        if (v->detail && v->dlen)
            snprintf(v->detail, v->dlen, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return INVALID_NOT_JSON;
    }
    if (!json_is_object(rec)) {
        json_decref(rec);
        return fail(v, INVALID_NOT_OBJECT, "the %s is not a JSON object%.0lld", "record", 0);
    }
    struct evescan f;
    fields_from_json(rec, &f);
    enum validate_result r = check_record(v, &f, lim, out);
    if (r != VALID_ALERT) {
        json_decref(rec);
        return r;
    }
    out->json = rec;
    return VALID_ALERT;
}

static enum validate_result validate(const char *data, size_t len, const struct validate_limits *lim,
                                     struct eve_alert *out, char *detail, size_t detail_len, bool fast)
{
    struct vctx v = {detail, detail_len};
    memset(out, 0, sizeof(*out));
    if (detail && detail_len)
        detail[0] = '\0';
    if (!data)
        return fail(&v, INVALID_NO_EVE_FIELD, "the entry has no '%s' field%.0lld", "eve", 0);
    if (len > lim->max_entry)
        return fail(&v, INVALID_OVERSIZED, "%s: %lld bytes, above max-entry-size", "record", (long long)len);
    struct evescan f;
    if (fast && evescan_record(data, len, &f)) {
        /* The scan accepted the record, so jansson would have parsed it to the same
         * fields, and the same checks give the same result; only escaped strings need
         * jansson to decode them. */
        enum validate_result r = check_record(&v, &f, lim, out);
        if (r != UNSURE)
            return r;
        memset(out, 0, sizeof(*out));
        if (detail && detail_len)
            detail[0] = '\0';
    }
    return validate_jansson(&v, data, len, lim, out);
}

enum validate_result validate_entry(const char *data, size_t len, const struct validate_limits *lim,
                                    struct eve_alert *out, char *detail, size_t detail_len)
{
    return validate(data, len, lim, out, detail, detail_len, true);
}

enum validate_result validate_entry_jansson(const char *data, size_t len, const struct validate_limits *lim,
                                            struct eve_alert *out, char *detail, size_t detail_len)
{
    return validate(data, len, lim, out, detail, detail_len, false);
}

void validate_release(struct eve_alert *a)
{
    if (a->json)
        json_decref((json_t *)a->json);
    a->json = NULL;
}
