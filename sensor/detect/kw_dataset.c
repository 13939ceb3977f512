/* kw_dataset.c - dataset: is the current sticky buffer in a named IOC set?
 *
 *   dns.query; dataset:isset,bad-domains, type string, load bad-domains.lst;
 *   tls.sni; dataset:isnotset,allowed-sni;          (set declared by an earlier rule)
 *   ip.dst; dataset:isset,bad-ips, type ip, load bad-ips.lst;
 *
 * Only isset and isnotset: ictwatch's sets are read-only, loaded from files
 * at (re)load. A relative load path is taken from the directory of the rule
 * file. memcap and hashsize are accepted (sets are sized from the file);
 * format must be csv; state/save and set/unset are refused.
 */
#include "kw.h"
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

void kw_dataset_free(void *p)
{
    free(p);
}

struct ds_args {
    int op;               /* 0 isset, 1 isnotset */
    char name[128];
    int type;             /* -1 if not given */
    char load[1024];
};

static int parse_args(struct parse_ctx *pc, const char *v, struct ds_args *a)
{
    char buf[2048];
    if (strlen(v) >= sizeof(buf))
        return pc_err(pc, "dataset: value too long");
    strcpy(buf, v);
    memset(a, 0, sizeof(*a));
    a->type = -1;
    char *save = NULL;
    int idx = 0;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save), idx++) {
        item = detect_trim(item);
        if (idx == 0) {
            if (strcmp(item, "isset") == 0)
                a->op = 0;
            else if (strcmp(item, "isnotset") == 0)
                a->op = 1;
            else if (strcmp(item, "set") == 0 || strcmp(item, "unset") == 0)
                return pc_err(pc, "dataset: '%s' is not supported: sets are read-only (loaded "
                                  "from files)", item);
            else
                return pc_err(pc, "dataset: unknown operation '%s' (use isset or isnotset)", item);
            continue;
        }
        if (idx == 1) {
            if (!*item || strlen(item) >= sizeof(a->name) || strpbrk(item, " \t"))
                return pc_err(pc, "dataset: invalid set name '%s'", item);
            strcpy(a->name, item);
            continue;
        }
        char *sp = item + strcspn(item, " \t");
        char *val = sp;
        if (*sp) {
            *sp = '\0';
            val = detect_trim(sp + 1);
        }
        if (!*val)
            return pc_err(pc, "dataset: '%s' needs a value", item);
        if (strcmp(item, "type") == 0) {
            a->type = dataset_type_by_name(val);
            if (a->type < 0)
                return pc_err(pc, "dataset: unknown type '%s' (use string, md5, sha256, ipv4 or ip)", val);
        } else if (strcmp(item, "load") == 0) {
            if (strlen(val) >= sizeof(a->load))
                return pc_err(pc, "dataset: load path too long");
            strcpy(a->load, val);
        } else if (strcmp(item, "memcap") == 0 || strcmp(item, "hashsize") == 0) {
            /* sets are sized from their file */
        } else if (strcmp(item, "format") == 0) {
            if (strcmp(val, "csv") != 0)
                return pc_err(pc, "dataset: format '%s' is not supported (only csv)", val);
        } else if (strcmp(item, "state") == 0 || strcmp(item, "save") == 0) {
            return pc_err(pc, "dataset: '%s' is not supported: sets are read-only", item);
        } else {
            return pc_err(pc, "dataset: unknown option '%s'", item);
        }
    }
    if (idx < 2)
        return pc_err(pc, "dataset: expected 'isset,NAME' or 'isnotset,NAME'");
    return 0;
}

int kw_dataset_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct ds_args a;
    if (parse_args(pc, v, &a) < 0)
        return -1;
    if (pc->cur_buf == BUF_PAYLOAD)
        return pc_err(pc, "dataset needs a sticky buffer before it (dns.query, tls.sni, "
                          "http.host, ja3.hash, ip.src, ...)");
    const struct buf_info *bi = &detect_buffers[pc->cur_buf];
    struct dataset *ds = dataset_find(pc->env->datasets, a.name);
    int type = a.type >= 0 ? a.type : ds ? ds->type : -1;
    if (type < 0)
        return pc_err(pc, "dataset '%s' needs a type where it is first used", a.name);
    bool addr_type = type == DS_IP || type == DS_IPV4;
    if (addr_type && !bi->is_addr)
        return pc_err(pc, "dataset: type %s needs the ip.src or ip.dst buffer, not %s",
                      dataset_type_name(type), bi->name);
    if (!addr_type && !bi->is_string)
        return pc_err(pc, "dataset: type %s cannot be used on %s", dataset_type_name(type), bi->name);
    if (ds) {
        if (ds->type != type)
            return pc_err(pc, "dataset '%s' is already loaded with type %s", a.name,
                          dataset_type_name(ds->type));
    } else {
        if (!a.load[0])
            return pc_err(pc, "dataset '%s' needs a load file where it is first used", a.name);
    }
    if (a.load[0]) {
        char *dir = detect_dirname(pc->file ? pc->file : ".");
        char *path = dir ? detect_path_join(dir, a.load) : NULL;
        free(dir);
        if (!path)
            return pc_err(pc, "out of memory");
        if (ds && strcmp(ds->path, path) != 0) {
            pc_err(pc, "dataset '%s' is already loaded from '%s'", a.name, ds->path);
            free(path);
            return -1;
        }
        if (!ds) {
            char e[DETECT_ERRLEN - 32];
            ds = dataset_load(pc->env->datasets, a.name, type, a.load, path, pc->env->diag, e,
                              sizeof(e));
            free(path);
            if (!ds) {
                /* As an unreadable rule file or reputation list: the rules would silently lose
                 * this IOC list, and a reload would drop it; the load fails (docs/rules.md). */
                pc->env->list_unreadable = true;
                return pc_err(pc, "%s", e);
            }
        } else {
            free(path);
        }
    }
    struct dataset_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    s->set = ds;
    s->isnotset = a.op == 1;
    return pc_add_payload(pc, SM_DATASET, kw_by_name("dataset"), s) ? 0 : -1;
}

void kw_dataset_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct dataset_sm *s = sm->data;
    sbuf_printf(out, "dataset:%s,%s, type %s, load %s; ", s->isnotset ? "isnotset" : "isset",
                s->set->name, dataset_type_name(s->set->type), s->set->load_given);
}
