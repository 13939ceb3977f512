/* spool.c - the on-disk spool of the Redis sink (see spool.h for the layout).
 *
 * Segment file: a 16-byte header ("ICTWSPL1" + segment number, little endian)
 * then records. Record frame, little endian:
 *
 *    0 u32 magic 0x52535749      8 u64 id ms       24 u8 kind    26 u8 modes
 *    4 u32 payload length       16 u64 id seq      25 i8 sev     27 u8 flags
 *   28 u32 CRC-32C of bytes 0..27 and the payload     32 payload
 *
 * Open scans every segment: the first frame that is incomplete, too long,
 * has a bad magic or a bad CRC ends the valid data of its file, and the file
 * is cut there (in the newest segment this is the torn last write of a
 * crash; in an older one, damage: the rest of that file is lost and counted).
 *
 * The state file holds two 128-byte slots written alternately, each with a
 * generation number and a CRC; open takes the valid slot with the higher
 * generation, so a write torn by a crash leaves the previous state intact.
 *
 * Segment bookkeeping (per segment: records, records read, records consumed)
 * gives the counts without rescanning. A fully consumed segment is deleted;
 * when everything is consumed, the newest segment is cut back to its header
 * so that an idle spool takes no space.
 */
#include "spool.h"
#include "crc32c.h"
#include "ictwatch/common.h"
#include "ictwatch/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_MAGIC "ICTWSPL1"
#define SEG_HDR 16u
#define REC_MAGIC 0x52535749u
#define STATE_MAGIC 0x3154535357544349ull   /* "ICTWSST1" */
#define STATE_SLOT 128u
#define WBUF_SIZE (1u << 20)
#define RBUF_MIN (1u << 20)
#define SEG_MIN 4096u
#define SEG_MAX_CAP (64ull << 20)

struct seg {
    uint64_t num;
    uint64_t size;          /* logical size, including buffered appends */
    uint64_t nrec, nread, nconsumed;
};

struct spool {
    char *dir;
    const struct log_ctx *lg;
    uint64_t max_bytes, seg_max;
    int lock_fd, state_fd;

    struct seg *segs;       /* oldest first; the last one is the tail */
    size_t nsegs, segs_cap;

    int tail_fd;            /* write fd of the tail segment */
    uint64_t tail_flushed;  /* bytes of the tail actually in the file */
    uint8_t *wbuf;
    size_t wlen;

    struct spool_pos rpos;  /* next record to read */
    struct spool_pos cursor;/* first unconsumed record */
    int rfd;                /* read fd and the segment it belongs to */
    uint64_t rfd_seg;
    uint8_t *rbuf;          /* read buffer: file bytes [rbuf_off, rbuf_off + rbuf_len) */
    size_t rbuf_cap, rbuf_len;
    uint64_t rbuf_seg, rbuf_off;

    uint8_t meta[SPOOL_META_LEN];
    uint64_t state_gen;
    bool have_last;
    uint64_t last_ms, last_seq;
    uint64_t drops_unlogged;
    ictw_usec last_drop_log;
    struct spool_stats st;
};

/* ---- little-endian helpers ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- paths and segments ---- */

static void seg_path(const struct spool *sp, uint64_t num, char *buf, size_t len)
{
    snprintf(buf, len, "%s/seg-%016" PRIx64 ".spool", sp->dir, num);
}

static struct seg *seg_find(struct spool *sp, uint64_t num)
{
    for (size_t i = 0; i < sp->nsegs; i++)
        if (sp->segs[i].num == num)
            return &sp->segs[i];
    return NULL;
}

static struct seg *seg_tail(struct spool *sp)
{
    return &sp->segs[sp->nsegs - 1];
}

static int seg_push(struct spool *sp, uint64_t num, uint64_t size)
{
    if (sp->nsegs == sp->segs_cap) {
        size_t cap = sp->segs_cap ? sp->segs_cap * 2 : 16;
        struct seg *n = realloc(sp->segs, cap * sizeof(*n));
        if (!n)
            return -1;
        sp->segs = n;
        sp->segs_cap = cap;
    }
    sp->segs[sp->nsegs++] = (struct seg){.num = num, .size = size};
    return 0;
}

static uint64_t total_bytes(const struct spool *sp)
{
    uint64_t t = 0;
    for (size_t i = 0; i < sp->nsegs; i++)
        t += sp->segs[i].size;
    return t;
}

static void close_rfd(struct spool *sp)
{
    if (sp->rfd >= 0)
        close(sp->rfd);
    sp->rfd = -1;
    sp->rbuf_len = 0;
}

/* Removes the oldest segment's file and bookkeeping (never the tail). */
static void seg_remove_oldest(struct spool *sp)
{
    char path[4096];
    seg_path(sp, sp->segs[0].num, path, sizeof(path));
    if (sp->rfd_seg == sp->segs[0].num || sp->rbuf_seg == sp->segs[0].num)
        close_rfd(sp);
    if (unlink(path) && errno != ENOENT)
        log_warn(sp->lg, "spool %s: cannot delete: %s", path, strerror(errno));
    memmove(&sp->segs[0], &sp->segs[1], (sp->nsegs - 1) * sizeof(sp->segs[0]));
    sp->nsegs--;
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Creates a new empty segment file after the current tail and makes it the tail. */
static int seg_create(struct spool *sp, uint64_t num)
{
    char path[4096];
    seg_path(sp, num, path, sizeof(path));
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error(sp->lg, "spool %s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    uint8_t hdr[SEG_HDR];
    memcpy(hdr, SEG_MAGIC, 8);
    put64(hdr + 8, num);
    if (write_all(fd, hdr, sizeof(hdr), 0) || seg_push(sp, num, SEG_HDR)) {
        log_error(sp->lg, "spool %s: cannot write: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    if (sp->tail_fd >= 0)
        close(sp->tail_fd);
    sp->tail_fd = fd;
    sp->tail_flushed = SEG_HDR;
    return 0;
}

/* ---- reading frames ---- */

/* Makes file bytes [off, off+len) of segment num available in rbuf; returns a
 * pointer to them, or NULL if the file is shorter (or on a read error). */
static const uint8_t *rbuf_get(struct spool *sp, uint64_t num, uint64_t off, size_t len)
{
    if (sp->rbuf_seg == num && off >= sp->rbuf_off && off + len <= sp->rbuf_off + sp->rbuf_len)
        return sp->rbuf + (off - sp->rbuf_off);
    if (sp->rfd < 0 || sp->rfd_seg != num) {
        close_rfd(sp);
        char path[4096];
        seg_path(sp, num, path, sizeof(path));
        sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (sp->rfd < 0)
            return NULL;
        sp->rfd_seg = num;
    }
    size_t want = len > RBUF_MIN ? len : RBUF_MIN;
    if (want > sp->rbuf_cap) {
        uint8_t *n = realloc(sp->rbuf, want);
        if (!n)
            return NULL;
        sp->rbuf = n;
        sp->rbuf_cap = want;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(sp->rfd, sp->rbuf + got, want - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    sp->rbuf_seg = num;
    sp->rbuf_off = off;
    sp->rbuf_len = got;
    return got >= len ? sp->rbuf : NULL;
}

/* Decodes and checks the frame at off of segment num (file size fsize).
 * Returns the frame length, or 0 if there is no whole valid frame there. */
static uint64_t frame_at(struct spool *sp, uint64_t num, uint64_t off, uint64_t fsize,
                         struct spool_rec *r)
{
    if (off + SPOOL_REC_OVERHEAD > fsize)
        return 0;
    const uint8_t *h = rbuf_get(sp, num, off, SPOOL_REC_OVERHEAD);
    if (!h || get32(h) != REC_MAGIC)
        return 0;
    uint32_t len = get32(h + 4);
    if (len > SPOOL_MAX_RECORD || off + SPOOL_REC_OVERHEAD + len > fsize)
        return 0;
    const uint8_t *p = rbuf_get(sp, num, off, SPOOL_REC_OVERHEAD + len);
    if (!p)
        return 0;
    uint32_t crc = crc32c(0, p, 28);
    crc = crc32c(crc, p + SPOOL_REC_OVERHEAD, len);
    if (crc != get32(p + 28))
        return 0;
    r->len = len;
    r->id_ms = get64(p + 8);
    r->id_seq = get64(p + 16);
    r->kind = p[24];
    r->severity = (int8_t)p[25];
    r->modes = p[26];
    r->flags = p[27];
    r->data = (const char *)p + SPOOL_REC_OVERHEAD;
    return SPOOL_REC_OVERHEAD + (uint64_t)len;
}

/* ---- open: scan and recover ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int list_segments(struct spool *sp, uint64_t **nums, size_t *n)
{
    DIR *d = opendir(sp->dir);
    if (!d)
        return -1;
    size_t cap = 0;
    *nums = NULL;
    *n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        uint64_t num;
        char tail[8];
        if (sscanf(de->d_name, "seg-%16" SCNx64 ".%6s", &num, tail) != 2 || strcmp(tail, "spool"))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *nn = realloc(*nums, cap * sizeof(*nn));
            if (!nn) {
                closedir(d);
                return -1;
            }
            *nums = nn;
        }
        (*nums)[(*n)++] = num;
    }
    closedir(d);
    if (*n > 1)
        qsort(*nums, *n, sizeof(**nums), cmp_u64);
    return 0;
}

/* Scans one segment file, cuts it after its last whole record, adds it to
 * the bookkeeping. is_newest selects the wording of the message. */
static int scan_segment(struct spool *sp, uint64_t num, bool is_newest)
{
    char path[4096];
    seg_path(sp, num, path, sizeof(path));
    struct stat stb;
    if (stat(path, &stb))
        return -1;
    uint64_t fsize = (uint64_t)stb.st_size;
    const uint8_t *h = fsize >= SEG_HDR ? rbuf_get(sp, num, 0, SEG_HDR) : NULL;
    if (!h || memcmp(h, SEG_MAGIC, 8) || get64(h + 8) != num) {
        log_warn(sp->lg, "spool %s: not a spool segment (bad header), %" PRIu64
                 " bytes removed", path, fsize);
        sp->st.corrupt++;
        sp->st.recovered_cut += fsize;
        close_rfd(sp);
        unlink(path);
        return 0;
    }
    uint64_t off = SEG_HDR, nrec = 0;
    struct spool_rec r;
    uint64_t flen;
    while ((flen = frame_at(sp, num, off, fsize, &r)) > 0) {
        off += flen;
        nrec++;
        sp->have_last = true;
        sp->last_ms = r.id_ms;
        sp->last_seq = r.id_seq;
    }
    if (off < fsize) {
        uint64_t cut = fsize - off;
        if (is_newest)
            log_warn(sp->lg, "spool %s: last record incomplete or damaged at offset %" PRIu64
                     " (a crash while writing?): kept %" PRIu64 " whole records, cut %"
                     PRIu64 " bytes", path, off, nrec, cut);
        else
            log_error(sp->lg, "spool %s: damaged record at offset %" PRIu64 ": kept %" PRIu64
                      " records before it, the remaining %" PRIu64 " bytes of this file are lost",
                      path, off, nrec, cut);
        sp->st.corrupt += !is_newest;
        sp->st.recovered_cut += cut;
        close_rfd(sp);
        if (truncate(path, (off_t)off)) {
            log_error(sp->lg, "spool %s: cannot cut damaged tail: %s", path, strerror(errno));
            return -1;
        }
    }
    if (seg_push(sp, num, off))
        return -1;
    seg_tail(sp)->nrec = nrec;
    return 0;
}

static bool state_slot_valid(const uint8_t *s)
{
    return get64(s) == STATE_MAGIC && crc32c(0, s, STATE_SLOT - 4) == get32(s + STATE_SLOT - 4);
}

static void load_state(struct spool *sp)
{
    uint8_t buf[2 * STATE_SLOT];
    ssize_t n = pread(sp->state_fd, buf, sizeof(buf), 0);
    const uint8_t *best = NULL;
    for (int i = 0; i < 2; i++) {
        const uint8_t *s = buf + i * STATE_SLOT;
        if (n >= (ssize_t)((i + 1) * STATE_SLOT) && state_slot_valid(s) &&
            (!best || get64(s + 8) > get64(best + 8)))
            best = s;
    }
    if (!best)
        return;
    sp->state_gen = get64(best + 8);
    sp->cursor.seg = get64(best + 16);
    sp->cursor.off = get64(best + 24);
    memcpy(sp->meta, best + 32, SPOOL_META_LEN);
}

/* Places the cursor on a record boundary of an existing segment and deletes
 * segments wholly before it. Records before the cursor count as consumed. */
static void settle_cursor(struct spool *sp)
{
    while (sp->nsegs > 1 && sp->segs[0].num < sp->cursor.seg)
        seg_remove_oldest(sp);
    struct seg *s = &sp->segs[0];
    if (s->num != sp->cursor.seg) {       /* the cursor's segment is gone: start of the oldest */
        sp->cursor = (struct spool_pos){s->num, SEG_HDR};
        return;
    }
    uint64_t off = SEG_HDR, n = 0;
    struct spool_rec r;
    uint64_t flen;
    while (off < sp->cursor.off && (flen = frame_at(sp, s->num, off, s->size, &r)) > 0 &&
           off + flen <= sp->cursor.off) {
        off += flen;
        n++;
    }
    sp->cursor.off = off;                 /* a cursor inside a record is moved back */
    s->nconsumed = s->nread = n;
}

struct spool *spool_open(const char *dir, uint64_t max_bytes, const struct log_ctx *lg,
                         char *err, size_t errlen)
{
    struct spool *sp = calloc(1, sizeof(*sp));
    if (!sp || !(sp->dir = strdup(dir))) {
        free(sp);
        snprintf(err, errlen, "spool: out of memory");
        return NULL;
    }
    sp->lg = lg;
    sp->lock_fd = sp->state_fd = sp->tail_fd = sp->rfd = -1;
    sp->rbuf_seg = UINT64_MAX;
    sp->rfd_seg = UINT64_MAX;
    sp->max_bytes = max_bytes;
    sp->seg_max = ICTW_MAX(max_bytes / 8, SEG_MIN);
    if (sp->seg_max > SEG_MAX_CAP)
        sp->seg_max = SEG_MAX_CAP;

    char path[4096];
    if (mkdir(dir, 0700) && errno != EEXIST) {
        snprintf(err, errlen, "spool.dir %s: cannot create: %s", dir, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof(path), "%s/lock", dir);
    sp->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->lock_fd < 0) {
        snprintf(err, errlen, "spool.dir %s: cannot open %s: %s (is the directory writable?)",
                 dir, path, strerror(errno));
        goto fail;
    }
    if (flock(sp->lock_fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "?";
        ssize_t n = pread(sp->lock_fd, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 1] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen, "spool.dir %s is in use by another process (pid %s): give each "
                 "sensor its own spool directory", dir, pid);
        goto fail;
    }
    char pidtxt[32];
    int pl = snprintf(pidtxt, sizeof(pidtxt), "%ld\n", (long)getpid());
    if (ftruncate(sp->lock_fd, 0) || write_all(sp->lock_fd, pidtxt, (size_t)pl, 0))
        log_warn(lg, "spool %s: cannot write pid: %s", path, strerror(errno));

    snprintf(path, sizeof(path), "%s/state", dir);
    sp->state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->state_fd < 0) {
        snprintf(err, errlen, "spool %s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    load_state(sp);

    uint64_t *nums = NULL;
    size_t n = 0;
    if (list_segments(sp, &nums, &n)) {
        snprintf(err, errlen, "spool.dir %s: cannot list: %s", dir, strerror(errno));
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if (scan_segment(sp, nums[i], i + 1 == n)) {
            snprintf(err, errlen, "spool.dir %s: cannot read segment %zu: %s", dir, i,
                     strerror(errno));
            free(nums);
            goto fail;
        }
    uint64_t next = n ? nums[n - 1] + 1 : sp->cursor.seg + 1;
    free(nums);

    if (sp->nsegs == 0) {
        if (seg_create(sp, next))
            goto fail_io;
        sp->cursor = (struct spool_pos){seg_tail(sp)->num, SEG_HDR};
    } else {
        settle_cursor(sp);
        struct seg *t = seg_tail(sp);
        seg_path(sp, t->num, path, sizeof(path));
        sp->tail_fd = open(path, O_RDWR | O_CLOEXEC);
        if (sp->tail_fd < 0)
            goto fail_io;
        sp->tail_flushed = t->size;
    }
    sp->rpos = sp->cursor;
    for (size_t i = 0; i < sp->nsegs; i++)
        sp->st.records += sp->segs[i].nrec - sp->segs[i].nconsumed;
    sp->st.bytes = total_bytes(sp);
    if (!(sp->wbuf = malloc(WBUF_SIZE)))
        goto fail_io;
    if (sp->st.records)
        log_info(lg, "spool %s: %" PRIu64 " records (%" PRIu64 " bytes) waiting from an "
                 "earlier run; they are sent before new records", dir, sp->st.records, sp->st.bytes);
    return sp;

fail_io:
    snprintf(err, errlen, "spool.dir %s: %s", dir, strerror(errno ? errno : EIO));
fail:
    spool_close(sp);
    return NULL;
}

/* ---- state ---- */

static int save_state(struct spool *sp)
{
    uint8_t s[STATE_SLOT];
    memset(s, 0, sizeof(s));
    sp->state_gen++;
    put64(s, STATE_MAGIC);
    put64(s + 8, sp->state_gen);
    put64(s + 16, sp->cursor.seg);
    put64(s + 24, sp->cursor.off);
    memcpy(s + 32, sp->meta, SPOOL_META_LEN);
    put32(s + STATE_SLOT - 4, crc32c(0, s, STATE_SLOT - 4));
    if (write_all(sp->state_fd, s, sizeof(s), (sp->state_gen & 1) * STATE_SLOT)) {
        log_error(sp->lg, "spool %s/state: cannot write: %s", sp->dir, strerror(errno));
        sp->st.write_errors++;
        return -1;
    }
    return 0;
}

int spool_flush(struct spool *sp)
{
    if (sp->wlen == 0)
        return 0;
    if (write_all(sp->tail_fd, sp->wbuf, sp->wlen, sp->tail_flushed)) {
        log_error(sp->lg, "spool %s: cannot write segment %" PRIu64 ": %s (%zu bytes lost)",
                  sp->dir, seg_tail(sp)->num, strerror(errno), sp->wlen);
        sp->st.write_errors++;
        /* The bookkeeping already counts those records: undo by cutting the
         * logical size back to what the file holds. */
        struct seg *t = seg_tail(sp);
        t->size = sp->tail_flushed;
        sp->wlen = 0;
        return -1;
    }
    sp->tail_flushed += sp->wlen;
    sp->wlen = 0;
    return 0;
}

int spool_save(struct spool *sp)
{
    int rc = spool_flush(sp);
    return save_state(sp) || rc ? -1 : 0;
}

void spool_set_meta(struct spool *sp, const void *meta, size_t len)
{
    memset(sp->meta, 0, sizeof(sp->meta));
    memcpy(sp->meta, meta, ICTW_MIN(len, sizeof(sp->meta)));
}

void spool_get_meta(const struct spool *sp, void *meta, size_t len)
{
    memcpy(meta, sp->meta, ICTW_MIN(len, sizeof(sp->meta)));
}

bool spool_last_id(const struct spool *sp, uint64_t *ms, uint64_t *seq)
{
    if (!sp->have_last)
        return false;
    *ms = sp->last_ms;
    *seq = sp->last_seq;
    return true;
}

const struct spool_stats *spool_stats(const struct spool *sp)
{
    return &sp->st;
}

uint64_t spool_unread(const struct spool *sp)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp->nsegs; i++)
        n += sp->segs[i].nrec - sp->segs[i].nread;
    return n;
}

/* ---- append ---- */

/* Drops the oldest segments until `need` more bytes fit under the cap. */
static void make_room(struct spool *sp, uint64_t need)
{
    uint64_t dropped = 0, dbytes = 0;
    while (sp->nsegs > 1 && total_bytes(sp) + need > sp->max_bytes) {
        struct seg *s = &sp->segs[0];
        dropped += s->nrec - s->nread;
        dbytes += s->size;
        sp->st.records -= s->nrec - s->nconsumed;
        bool had_rpos = sp->rpos.seg == s->num;
        seg_remove_oldest(sp);
        sp->cursor = (struct spool_pos){sp->segs[0].num, SEG_HDR};
        if (had_rpos || sp->rpos.seg < sp->segs[0].num)
            sp->rpos = sp->cursor;
    }
    if (!dropped && !dbytes)
        return;
    sp->st.dropped += dropped;
    sp->st.dropped_bytes += dbytes;
    sp->drops_unlogged += dropped;
    /* One line at most every 10 s while the cap keeps biting. */
    ictw_usec now = ictw_monotonic();
    if (sp->last_drop_log && now - sp->last_drop_log < 10 * ICTW_USEC_PER_SEC)
        return;
    log_warn(sp->lg, "spool %s: size cap %" PRIu64 " bytes reached: dropped the %" PRIu64
             " oldest unsent records (%" PRIu64 " dropped since start); raise spool.max-size "
             "or bring Redis back", sp->dir, sp->max_bytes, sp->drops_unlogged, sp->st.dropped);
    sp->drops_unlogged = 0;
    sp->last_drop_log = now;
}

int spool_append(struct spool *sp, const struct spool_rec *r, struct spool_pos *end)
{
    uint64_t flen = SPOOL_REC_OVERHEAD + (uint64_t)r->len;
    if (r->len > SPOOL_MAX_RECORD || flen + SEG_HDR > sp->max_bytes) {
        sp->st.too_big++;
        return 1;
    }
    struct seg *t = seg_tail(sp);
    if (t->size > SEG_HDR && t->size + flen > sp->seg_max) {
        if (spool_flush(sp) || seg_create(sp, t->num + 1))
            return -1;
        t = seg_tail(sp);
    }
    make_room(sp, flen);
    t = seg_tail(sp);

    uint8_t h[SPOOL_REC_OVERHEAD];
    put32(h, REC_MAGIC);
    put32(h + 4, r->len);
    put64(h + 8, r->id_ms);
    put64(h + 16, r->id_seq);
    h[24] = r->kind;
    h[25] = (uint8_t)r->severity;
    h[26] = r->modes;
    h[27] = r->flags;
    uint32_t crc = crc32c(0, h, 28);
    put32(h + 28, crc32c(crc, r->data, r->len));

    if (sp->wlen + flen > WBUF_SIZE && spool_flush(sp))
        return -1;
    if (flen > WBUF_SIZE) {     /* too big for the buffer: write directly */
        if (write_all(sp->tail_fd, h, sizeof(h), sp->tail_flushed) ||
            write_all(sp->tail_fd, r->data, r->len, sp->tail_flushed + sizeof(h))) {
            log_error(sp->lg, "spool %s: cannot write: %s", sp->dir, strerror(errno));
            sp->st.write_errors++;
            return -1;
        }
        sp->tail_flushed += flen;
    } else {
        memcpy(sp->wbuf + sp->wlen, h, sizeof(h));
        memcpy(sp->wbuf + sp->wlen + sizeof(h), r->data, r->len);
        sp->wlen += flen;
    }
    t->size += flen;
    t->nrec++;
    sp->st.records++;
    sp->st.appended++;
    sp->st.bytes = total_bytes(sp);
    sp->have_last = true;
    sp->last_ms = r->id_ms;
    sp->last_seq = r->id_seq;
    if (end)
        *end = (struct spool_pos){t->num, t->size};
    return 0;
}

int spool_append_held(struct spool *sp, const struct spool_rec *r, struct spool_pos *end)
{
    bool at_end = spool_unread(sp) == 0;
    struct spool_pos e;
    int rc = spool_append(sp, r, &e);
    if (rc == 0 && at_end) {
        struct seg *t = seg_tail(sp);
        t->nread++;
        sp->rpos = e;
    }
    if (end)
        *end = e;
    return rc;
}

/* ---- read and consume ---- */

int spool_read(struct spool *sp, struct spool_rec *r, struct spool_pos *end)
{
    for (;;) {
        struct seg *s = seg_find(sp, sp->rpos.seg);
        if (!s)
            return 0;
        if (sp->rpos.off >= s->size) {
            if (s == seg_tail(sp))
                return 0;
            sp->rpos = (struct spool_pos){(s + 1)->num, SEG_HDR};
            continue;
        }
        if (s == seg_tail(sp) && sp->wlen && spool_flush(sp))   /* read what was appended */
            return -1;
        uint64_t flen = frame_at(sp, s->num, sp->rpos.off, s->size, r);
        if (flen == 0) {
            /* Damaged on disk since we wrote or scanned it. */
            uint64_t lost = s->nrec - s->nread;
            log_error(sp->lg, "spool %s: segment %" PRIu64 " damaged at offset %" PRIu64
                      ": %" PRIu64 " records in the rest of it are lost", sp->dir, s->num,
                      sp->rpos.off, lost);
            sp->st.corrupt++;
            sp->st.dropped += lost;
            sp->st.records -= lost;
            s->nrec = s->nread;
            s->size = sp->rpos.off;
            if (s == seg_tail(sp)) {
                sp->tail_flushed = s->size;
                if (ftruncate(sp->tail_fd, (off_t)s->size))
                    sp->st.write_errors++;
            }
            continue;
        }
        sp->rpos.off += flen;
        s->nread++;
        *end = sp->rpos;
        return 1;
    }
}

void spool_rewind(struct spool *sp)
{
    sp->rpos = sp->cursor;
    for (size_t i = 0; i < sp->nsegs; i++)
        sp->segs[i].nread = sp->segs[i].nconsumed;
}

/* Everything consumed: cut the tail back to its header so an idle spool is empty. */
static void reset_when_empty(struct spool *sp)
{
    struct seg *t = seg_tail(sp);
    if (sp->nsegs != 1 || t->nconsumed != t->nrec || t->size == SEG_HDR || sp->wlen)
        return;
    save_state(sp);           /* cursor at the end first: a crash now resends nothing */
    if (ftruncate(sp->tail_fd, SEG_HDR)) {
        sp->st.write_errors++;
        return;
    }
    if (sp->rbuf_seg == t->num)
        sp->rbuf_len = 0;
    t->size = SEG_HDR;
    t->nrec = t->nread = t->nconsumed = 0;
    sp->tail_flushed = SEG_HDR;
    sp->cursor = sp->rpos = (struct spool_pos){t->num, SEG_HDR};
    sp->have_last = false;
    sp->st.bytes = total_bytes(sp);
}

void spool_consume(struct spool *sp, const struct spool_pos *end)
{
    struct seg *s = seg_find(sp, end->seg);
    if (!s || end->seg < sp->cursor.seg ||
        (end->seg == sp->cursor.seg && end->off <= sp->cursor.off))
        return;               /* dropped meanwhile, or already consumed */
    /* Segments before this one are fully consumed by now (records go in order). */
    while (sp->segs[0].num < end->seg)
        seg_remove_oldest(sp);
    s = &sp->segs[0];
    s->nconsumed++;
    if (s->nread < s->nconsumed)
        s->nread = s->nconsumed;
    sp->cursor = *end;
    sp->st.records--;
    sp->st.consumed++;
    if (s->nconsumed == s->nrec && sp->nsegs > 1) {
        seg_remove_oldest(sp);
        sp->cursor = (struct spool_pos){sp->segs[0].num, SEG_HDR};
        if (sp->rpos.seg < sp->cursor.seg)
            sp->rpos = sp->cursor;
    }
    sp->st.bytes = total_bytes(sp);
    reset_when_empty(sp);
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    if (sp->state_fd >= 0 && sp->nsegs > 0)
        spool_save(sp);
    close_rfd(sp);
    if (sp->tail_fd >= 0)
        close(sp->tail_fd);
    if (sp->state_fd >= 0)
        close(sp->state_fd);
    if (sp->lock_fd >= 0)
        close(sp->lock_fd);
    free(sp->segs);
    free(sp->wbuf);
    free(sp->rbuf);
    free(sp->dir);
    free(sp);
}
