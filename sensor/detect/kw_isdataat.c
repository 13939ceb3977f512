/* kw_isdataat.c - isdataat: is there data at an offset of the buffer?
 *
 *   isdataat:100;            at least 101 bytes in the buffer
 *   isdataat:!1,relative;    nothing after the previous match
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

int kw_isdataat_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    struct isdataat_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    char buf[64];
    if (strlen(v) >= sizeof(buf)) {
        free(s);
        return pc_err(pc, "isdataat: value too long");
    }
    strcpy(buf, v);
    char *comma = strchr(buf, ',');
    if (comma) {
        *comma = '\0';
        if (strcmp(detect_trim(comma + 1), "relative") != 0) {
            free(s);
            return pc_err(pc, "isdataat: expected 'relative' after ',', got '%s'", detect_trim(comma + 1));
        }
        s->flags |= PM_RELATIVE;
    }
    uint64_t x;
    if (ictw_parse_uint(detect_trim(buf), CONTENT_MAX_RELATIVE, &x) < 0) {
        free(s);
        return pc_err(pc, "isdataat: '%s' is not a number from 0 to %d", detect_trim(buf),
                      CONTENT_MAX_RELATIVE);
    }
    s->n = (uint32_t)x;
    if (neg)
        s->flags |= PM_NEGATED;
    return pc_add_payload(pc, SM_ISDATAAT, kw_by_name("isdataat"), s) ? 0 : -1;
}

void kw_isdataat_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct isdataat_sm *s = sm->data;
    sbuf_printf(out, "isdataat:%s%u%s; ", s->flags & PM_NEGATED ? "!" : "", s->n,
                s->flags & PM_RELATIVE ? ",relative" : "");
}
