/* validate.c - EVE alert validation with jansson (see validate.h).
 *
 * Order of checks: size before parsing (a huge entry costs nothing), UTF-8 before
 * JSON (so that the reason is "not-utf8" rather than a parser message), then the
 * fields in the order a reader looks at them. The first failure wins.
 */
#include "validate.h"

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

/* Field checks write the reason's detail and return the result. */
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

static enum validate_result get_string(struct vctx *v, json_t *obj, const char *key, const char *path,
                                       bool required, size_t max, const char **s, size_t *n)
{
    json_t *x = json_object_get(obj, key);
    if (!x) {
        if (required)
            return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", path, 0);
        *s = "";
        *n = 0;
        return VALID_ALERT;
    }
    if (!json_is_string(x))
        return fail(v, INVALID_WRONG_TYPE, "%s is not a string%.0lld", path, 0);
    *s = json_string_value(x);
    *n = json_string_length(x);
    if (*n > max)
        return fail(v, INVALID_FIELD_TOO_LONG, "%s is %lld bytes long", path, (long long)*n);
    if (memchr(*s, '\0', *n))
        return fail(v, INVALID_WRONG_TYPE, "%s contains a NUL character%.0lld", path, 0);
    return VALID_ALERT;
}

static enum validate_result get_int(struct vctx *v, json_t *obj, const char *key, const char *path,
                                    bool required, long long lo, long long hi, long long def, long long *out)
{
    json_t *x = json_object_get(obj, key);
    if (!x) {
        if (required)
            return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", path, 0);
        *out = def;
        return VALID_ALERT;
    }
    if (!json_is_integer(x))
        return fail(v, INVALID_WRONG_TYPE, "%s is not an integer%.0lld", path, 0);
    long long val = json_integer_value(x);
    if (val < lo || val > hi)
        return fail(v, INVALID_OUT_OF_RANGE, "%s is out of range (%lld)", path, val);
    *out = val;
    return VALID_ALERT;
}

static enum validate_result get_addr(struct vctx *v, json_t *obj, const char *key, struct ictw_addr *a)
{
    const char *s;
    size_t n;
    enum validate_result r = get_string(v, obj, key, key, true, 64, &s, &n);
    if (r != VALID_ALERT)
        return r;
    if (ictw_addr_parse(s, a))
        return fail(v, INVALID_BAD_ADDRESS, "%s is not an IPv4 or IPv6 address%.0lld", key, 0);
    return VALID_ALERT;
}

static enum validate_result check_time(struct vctx *v, json_t *rec, const struct validate_limits *lim,
                                       ictw_usec *ts)
{
    const char *s;
    size_t n;
    enum validate_result r = get_string(v, rec, "timestamp", "timestamp", true, 64, &s, &n);
    if (r == INVALID_WRONG_TYPE || r == INVALID_FIELD_TOO_LONG)
        return fail(v, INVALID_BAD_TIMESTAMP, "%s is not an EVE time string%.0lld", "timestamp", 0);
    if (r != VALID_ALERT)
        return r;
    if (ictw_time_parse(s, ts))
        return fail(v, INVALID_BAD_TIMESTAMP, "%s is not YYYY-MM-DDTHH:MM:SS.uuuuuu+HHMM%.0lld", "timestamp", 0);
    if (*ts > lim->max_time)
        return fail(v, INVALID_FUTURE_TIMESTAMP, "%s is %lld s ahead of the collector's clock", "timestamp",
                    (long long)((*ts - lim->max_time) / ICTW_USEC_PER_SEC));
    if (*ts < lim->min_time)
        return fail(v, INVALID_TOO_OLD, "%s is before the earliest plausible time%.0lld", "timestamp", 0);
    return VALID_ALERT;
}

static enum validate_result check_alert(struct vctx *v, json_t *rec, struct eve_alert *a)
{
    json_t *al = json_object_get(rec, "alert");
    if (!al)
        return fail(v, INVALID_MISSING_FIELD, "%s is missing%.0lld", "alert", 0);
    if (!json_is_object(al))
        return fail(v, INVALID_WRONG_TYPE, "%s is not an object%.0lld", "alert", 0);
    long long gid, sid, rev, sev;
    enum validate_result r;
    if ((r = get_int(v, al, "signature_id", "alert.signature_id", true, 0, UINT32_MAX, 0, &sid)) ||
        (r = get_int(v, al, "gid", "alert.gid", false, 0, UINT32_MAX, 1, &gid)) ||
        (r = get_int(v, al, "rev", "alert.rev", false, 0, UINT32_MAX, 0, &rev)) ||
        (r = get_int(v, al, "severity", "alert.severity", true, 1, 255, 3, &sev)) ||
        (r = get_string(v, al, "signature", "alert.signature", true, VALIDATE_MAX_SIGNATURE, &a->msg,
                        &a->msg_len)) ||
        (r = get_string(v, al, "category", "alert.category", false, VALIDATE_MAX_CATEGORY, &a->category,
                        &a->category_len)))
        return r;
    /* A rule may raise the TLP level of its alerts: metadata: tlp amber; -> {"tlp":["amber"]}.
     * Anything else in metadata is the rule's business and is not checked. */
    a->tlp = "";
    a->tlp_len = 0;
    json_t *md = json_object_get(al, "metadata");
    json_t *t = json_is_object(md) ? json_object_get(md, "tlp") : NULL;
    json_t *t0 = json_is_array(t) ? json_array_get(t, 0) : t;
    if (json_is_string(t0) && json_string_length(t0) < 32) {
        a->tlp = json_string_value(t0);
        a->tlp_len = json_string_length(t0);
    }
    a->gid = (uint32_t)gid;
    a->sid = (uint32_t)sid;
    a->rev = (uint32_t)rev;
    a->severity = (unsigned)sev;
    return VALID_ALERT;
}

enum validate_result validate_entry(const char *data, size_t len, const struct validate_limits *lim,
                                    struct eve_alert *out, char *detail, size_t detail_len)
{
    struct vctx v = {detail, detail_len};
    memset(out, 0, sizeof(*out));
    if (detail && detail_len)
        detail[0] = '\0';
    if (!data)
        return fail(&v, INVALID_NO_EVE_FIELD, "the entry has no '%s' field%.0lld", "eve", 0);
    if (len > lim->max_entry)
        return fail(&v, INVALID_OVERSIZED, "%s: %lld bytes, above max-entry-size", "record", (long long)len);
    size_t bad;
    if (!validate_utf8(data, len, &bad))
        return fail(&v, INVALID_NOT_UTF8, "%s: invalid UTF-8 at byte %lld", "record", (long long)bad);

    json_error_t jerr;
    json_t *rec = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!rec) {
        if (detail && detail_len)
            snprintf(detail, detail_len, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return INVALID_NOT_JSON;
    }
    enum validate_result r;
    const char *s;
    size_t n;
    if (!json_is_object(rec)) {
        r = fail(&v, INVALID_NOT_OBJECT, "the %s is not a JSON object%.0lld", "record", 0);
        goto out;
    }
    if ((r = get_string(&v, rec, "event_type", "event_type", true, VALIDATE_MAX_SHORT, &s, &n)))
        goto out;
    if (strcmp(s, "alert") != 0) {
        r = VALID_IGNORED;
        if (detail && detail_len)
            snprintf(detail, detail_len, "event_type %.*s", (int)ICTW_MIN(n, 32), s);
        goto out;
    }
    long long dport;
    if ((r = check_time(&v, rec, lim, &out->ts)) || (r = get_addr(&v, rec, "src_ip", &out->src)) ||
        (r = get_addr(&v, rec, "dest_ip", &out->dst)) ||
        (r = get_string(&v, rec, "proto", "proto", true, VALIDATE_MAX_SHORT, &out->proto, &out->proto_len)) ||
        (r = get_string(&v, rec, "app_proto", "app_proto", false, VALIDATE_MAX_SHORT, &out->app_proto,
                        &out->app_proto_len)) ||
        (r = get_int(&v, rec, "src_port", "src_port", false, 0, 65535, -1, &dport)) ||
        (r = get_int(&v, rec, "dest_port", "dest_port", false, 0, 65535, -1, &dport)) ||
        (r = check_alert(&v, rec, out)))
        goto out;
    out->dest_port = (int)dport;
    out->json = rec;
    return VALID_ALERT;
out:
    json_decref(rec);
    out->json = NULL;
    return r;
}

void validate_release(struct eve_alert *a)
{
    if (a->json)
        json_decref((json_t *)a->json);
    a->json = NULL;
}
