/* kw_pcre.c - pcre: a Perl-compatible regular expression (libpcre2-8).
 *
 *   pcre:"/^GET \/[a-z]{32}\.php/i";   pcre:!"/admin/R";   pcre:"/evil/U";
 *
 * Flags: i s m x (caseless, dotall, multiline, extended), A (anchored),
 * E (dollar end only), G (ungreedy), R (relative to the end of the previous
 * match in the buffer), O (accepted, no effect). The old buffer flags U
 * (http.uri), M (http.method), W (http.host) and V (http.user_agent) put the
 * expression into that buffer. Patterns are JIT-compiled when libpcre2 can;
 * matching uses the engine's match limits (3500 / depth 1500, Suricata's
 * defaults) so a bad expression cannot stall the packet thread.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "kw.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

void kw_pcre_free(void *p)
{
    struct pcre_sm *s = p;
    if (!s)
        return;
    pcre2_code_free(s->code);
    free(s->text);
    free(s);
}

static int flag_buffer(char f)
{
    switch (f) {
    case 'U': return BUF_HTTP_URI;
    case 'M': return BUF_HTTP_METHOD;
    case 'W': return BUF_HTTP_HOST;
    case 'V': return BUF_HTTP_UA;
    default: return -1;
    }
}

int kw_pcre_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    size_t n = strlen(v);
    const char *last = strrchr(v, '/');
    if (n < 2 || v[0] != '/' || last == v)
        return pc_err(pc, "pcre: expected \"/regex/flags\", got '%s'", v);
    uint32_t opts = 0, flags = neg ? PM_NEGATED : 0;
    int buf = -1;
    for (const char *f = last + 1; *f; f++) {
        switch (*f) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        case 'A': opts |= PCRE2_ANCHORED; break;
        case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
        case 'G': opts |= PCRE2_UNGREEDY; break;
        case 'R': flags |= PM_RELATIVE; break;
        case 'O': break;
        case 'U': case 'M': case 'W': case 'V':
            if (buf >= 0)
                return pc_err(pc, "pcre: only one buffer flag (U, M, W, V) is allowed");
            buf = flag_buffer(*f);
            break;
        case 'H': case 'D': case 'C': case 'K': case 'S': case 'Y': case 'B': case 'P':
        case 'Q': case 'I': case 'Z':
            return pc_err(pc, "pcre: flag '%c' selects an HTTP buffer ictwatch does not have", *f);
        default:
            return pc_err(pc, "pcre: unknown flag '%c'", *f);
        }
    }
    if (buf >= 0 && pc->cur_buf != BUF_PAYLOAD)
        return pc_err(pc, "pcre: flag for a buffer cannot be used after the sticky buffer '%s'",
                      pc->cur_buf_kw);
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(v + 1), (PCRE2_SIZE)(last - v - 1), opts,
                                     &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        return pc_err(pc, "pcre: cannot compile '%s': %s at offset %zu", v, (char *)msg,
                      (size_t)erroff);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    struct pcre_sm *s = calloc(1, sizeof(*s));
    if (s && (s->text = strdup(v))) {
        /* Keep the text without the buffer flag: it is printed inside its buffer. */
        char *w = s->text + (last - v) + 1;
        for (const char *f = last + 1; *f; f++)
            if (flag_buffer(*f) < 0)
                *w++ = *f;
        *w = '\0';
    }
    if (!s || !s->text) {
        free(s);
        pcre2_code_free(code);
        return pc_err(pc, "out of memory");
    }
    s->code = code;
    s->flags = flags;
    if (buf >= 0) {
        if (!pc_add(pc, buf, SM_PCRE, kw_by_name("pcre"), s, NULL))
            return -1;
        pc->last_payload_list = buf;
        return 0;
    }
    return pc_add_payload(pc, SM_PCRE, kw_by_name("pcre"), s) ? 0 : -1;
}

void kw_pcre_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct pcre_sm *s = sm->data;
    sbuf_printf(out, "pcre:%s\"%s\"; ", s->flags & PM_NEGATED ? "!" : "", s->text);
}
