/* rule_testutil.h - helpers for the rule engine unit tests (test_rule_*.c).
 *
 * A test context owns a temporary directory, a configuration, an nDPI
 * context (for protocol names) and the loaded engine. Rules are written to a
 * file and loaded the way the sensor loads them; parse errors can be read
 * either from rule_parse() directly (exact message) or from what the loader
 * printed on stderr (FILE:LINE: message). Packets and flows are built in C,
 * without captures, and alerts are recorded by sid.
 */
#ifndef ICTWATCH_RULE_TESTUTIL_H
#define ICTWATCH_RULE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/dataset.h"
#include "detect/iprep.h"
#include "detect/engine.h"
#include "dpi.h"

#define RT_MAX_ALERTS 4096
#define SEC ICTW_USEC_PER_SEC

struct rt {
    struct log_ctx lg;
    struct dpi_ctx *dpi;
    struct config cfg;
    char dir[128];
    struct detect_engine *e;
    struct detect_load_report rep;
    /* for rule_parse() without the loader */
    struct classification cls;
    struct refconf refs;
    struct iprep iprep;
    struct dataset_registry datasets;
    struct flowbit_names fb;
    struct load_diag diag;
    struct load_env env;
    struct rule *parsed[64];
    int nparsed;
    /* alerts */
    uint32_t sid[RT_MAX_ALERTS];
    int dir_of[RT_MAX_ALERTS];
    bool had_packet[RT_MAX_ALERTS];
    int nalerts;
    char errout[16384];
};

static const char RT_CLASSIFICATION[] =
    "# test classification\n"
    "config classification: not-suspicious,Not Suspicious Traffic,3\n"
    "config classification: trojan-activity,A Network Trojan was detected,1\n"
    "config classification: attempted-recon,Attempted Information Leak,2\n"
    "config classification: policy-violation,Potential Corporate Privacy Violation,1\n"
    "config classification: misc-activity,Misc activity,3\n";

static const char RT_REFERENCE[] =
    "config reference: url http://\n"
    "config reference: cve http://cve.mitre.org/cgi-bin/cvename.cgi?name=\n";

static inline char *rt_path(struct rt *t, const char *name)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 512, "%s/%s", t->dir, name);
    return b;
}

static inline const char *rt_write(struct rt *t, const char *name, const char *text)
{
    const char *p = rt_path(t, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static inline void rt_init(struct rt *t)
{
    memset(t, 0, sizeof(*t));
    t->lg.prog = "test";
    t->lg.level = LOG_WARN;
    struct dpi_config dc;
    dpi_config_defaults(&dc);
    t->dpi = dpi_new(&dc, &t->lg);
    assert_non_null(t->dpi);
    config_init(&t->cfg);
    snprintf(t->dir, sizeof(t->dir), "/tmp/ictw-rule-test.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    rt_write(t, "classification.config", RT_CLASSIFICATION);
    rt_write(t, "reference.config", RT_REFERENCE);
    config_add(&t->cfg, "rules-dir", t->dir, "test", 1);
    t->diag.lg = &t->lg;
    assert_int_equal(classification_load(&t->cls, rt_path(t, "classification.config"), &t->diag), 0);
    assert_int_equal(refconf_load(&t->refs, rt_path(t, "reference.config"), &t->diag), 0);
    iprep_init(&t->iprep);
    t->env.cfg = &t->cfg;
    t->env.dpi = t->dpi;
    t->env.diag = &t->diag;
    t->env.cls = &t->cls;
    t->env.refs = &t->refs;
    t->env.iprep = &t->iprep;
    t->env.datasets = &t->datasets;
    t->env.fbnames = &t->fb;
}

static inline void rt_free(struct rt *t)
{
    detect_engine_free(t->e);
    for (int i = 0; i < t->nparsed; i++)
        rule_free(t->parsed[i]);
    classification_free(&t->cls);
    refconf_free(&t->refs);
    iprep_free(&t->iprep);
    dataset_registry_free(&t->datasets);
    flowbit_names_free(&t->fb);
    config_free(&t->cfg);
    dpi_free(t->dpi);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

/* Parses one rule; returns "" on success (rule kept until rt_free) or the error. */
static inline const char *rt_parse(struct rt *t, const char *text)
{
    static char err[DETECT_ERRLEN];
    err[0] = '\0';
    struct rule *r = rule_parse(&t->env, text, rt_path(t, "inline.rules"), 1, err, sizeof(err));
    if (r) {
        assert_true(t->nparsed < 64);
        t->parsed[t->nparsed++] = r;
        return "";
    }
    return err;
}

static inline struct rule *rt_last(struct rt *t)
{
    return t->nparsed ? t->parsed[t->nparsed - 1] : NULL;
}

/* Loads rules text as a rule file; stderr of the loader goes to t->errout. */
static inline struct detect_engine *rt_load_text(struct rt *t, const char *rules)
{
    detect_engine_free(t->e);
    t->e = NULL;
    const char *p = rt_write(t, "test.rules", rules);
    size_t pos = 0;
    bool have = false;
    const struct config_entry *ce;
    while ((ce = config_next(&t->cfg, "rule-files", &pos)))
        if (strcmp(ce->value, p) == 0)
            have = true;
    if (!have)
        config_add(&t->cfg, "rule-files", p, "test", 2);
    fflush(stderr);
    int saved = dup(2);
    const char *ep = rt_path(t, "stderr.txt");
    int fd = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    struct detect_load_opts o = {&t->cfg, &t->lg, t->dpi, false};
    t->e = detect_engine_load(&o, &t->rep);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(ep, "r");
    size_t n = f ? fread(t->errout, 1, sizeof(t->errout) - 1, f) : 0;
    t->errout[n] = '\0';
    if (f)
        fclose(f);
    return t->e;
}

static inline void rt_alert(void *arg, const struct eve_alert_sig *sig, struct flow *f,
                            const struct packet *p, int dir)
{
    (void)f;
    struct rt *t = arg;
    if (t->nalerts < RT_MAX_ALERTS) {
        t->sid[t->nalerts] = sig->sid;
        t->dir_of[t->nalerts] = dir;
        t->had_packet[t->nalerts] = p != NULL;
    }
    t->nalerts++;
}

static inline int rt_count(const struct rt *t, uint32_t sid)
{
    int n = 0;
    for (int i = 0; i < t->nalerts && i < RT_MAX_ALERTS; i++)
        n += t->sid[i] == sid;
    return n;
}

static inline void rt_reset_alerts(struct rt *t)
{
    t->nalerts = 0;
}

struct rt_pkt {
    struct packet p;
    uint8_t data[4096];
};

static inline void rt_mkpkt(struct rt_pkt *tp, const char *src, uint16_t sp, const char *dst,
                            uint16_t dp, uint8_t proto, const void *payload, size_t len,
                            ictw_usec ts)
{
    memset(tp, 0, sizeof(*tp));
    struct packet *p = &tp->p;
    assert_int_equal(ictw_addr_parse(src, &p->src), 0);
    assert_int_equal(ictw_addr_parse(dst, &p->dst), 0);
    p->ip_version = p->src.family;
    p->sport = sp;
    p->dport = dp;
    p->proto = proto;
    p->ttl = 64;
    p->ts = ts;
    if (proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP || proto == IPPROTO_NUM_SCTP)
        p->flags |= PKT_HAS_PORTS;
    if (proto == IPPROTO_NUM_TCP)
        p->tcp_flags = TCP_ACK | TCP_PSH;
    assert_true(len <= sizeof(tp->data));
    if (len)
        memcpy(tp->data, payload, len);
    p->payload = tp->data;
    p->payload_len = (uint32_t)len;
    p->wire_len = p->cap_len = (uint32_t)len + 54;
}

/* A flow between cli:cp and srv:sp; established unless told otherwise. */
static inline void rt_mkflow(struct flow *f, const char *cli, uint16_t cp, const char *srv,
                             uint16_t sp, uint8_t proto)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(ictw_addr_parse(cli, &f->cli), 0);
    assert_int_equal(ictw_addr_parse(srv, &f->srv), 0);
    f->cli_port = cp;
    f->srv_port = sp;
    f->key.proto = proto;
    f->ip_version = f->cli.family;
    f->pclass = proto == IPPROTO_NUM_TCP ? FLOW_CLASS_TCP
                : proto == IPPROTO_NUM_UDP ? FLOW_CLASS_UDP
                : (proto == IPPROTO_NUM_ICMP || proto == IPPROTO_NUM_ICMPV6) ? FLOW_CLASS_ICMP
                : FLOW_CLASS_OTHER;
    f->state = FLOW_STATE_ESTABLISHED;
    f->pkts[0] = f->pkts[1] = 1;
}

/* Sends a packet of flow f in direction dir with payload text. */
static inline void rt_send(struct rt *t, struct flow *f, int dir, const char *payload, ictw_usec ts)
{
    struct rt_pkt tp;
    char a[ICTW_ADDR_STRLEN], b[ICTW_ADDR_STRLEN];
    ictw_addr_format_short(&f->cli, a, sizeof(a));
    ictw_addr_format_short(&f->srv, b, sizeof(b));
    size_t len = payload ? strlen(payload) : 0;
    if (dir == FLOW_TOSERVER)
        rt_mkpkt(&tp, a, f->cli_port, b, f->srv_port, f->key.proto, payload, len, ts);
    else
        rt_mkpkt(&tp, b, f->srv_port, a, f->cli_port, f->key.proto, payload, len, ts);
    f->last_seen = ts;
    detect_packet(t->e, f, &tp.p, dir, 0, rt_alert, t);
}

/* Gives the flow app-layer fields (as dpi.c would). */
static inline struct flow_app *rt_app(struct flow *f)
{
    if (!f->app)
        f->app = calloc(1, sizeof(*f->app));
    assert_non_null(f->app);
    return f->app;
}

static inline void rt_app_free(struct flow *f)
{
    struct flow_app *a = f->app;
    if (!a)
        return;
    free(a->host);
    free(a->dns_query);
    free(a->tls_sni);
    free(a->http_host);
    free(a->http_uri);
    free(a->http_method);
    free(a->http_user_agent);
    free(a);
    f->app = NULL;
}

static inline void rt_flow_done(struct flow *f)
{
    rt_app_free(f);
    detect_flow_free(f);
}

static inline int rt_proto(struct rt *t, const char *name)
{
    int id = dpi_proto_by_name(t->dpi, name);
    assert_true(id > 0);
    return id;
}

#endif
