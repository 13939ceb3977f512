/* spool.h - an append-only, size-capped, crash-safe record spool on disk.
 *
 * When Redis is away (or too slow, or refuses writes) the Redis sink appends
 * records here and sends them later, oldest first. The spool is a directory:
 *
 *   lock                    flock()ed while a sensor uses the directory
 *   state                   the read cursor + 64 bytes of the owner's metadata,
 *                           in two alternating checksummed slots
 *   seg-0000000000000001.spool, ...   segment files, appended in order
 *
 * Every record is framed (magic, length, id, kind, severity, modes, flags,
 * CRC-32C over header and payload), so a record torn by a crash or a power
 * cut is recognised at the next open and the file is cut back to the last
 * whole record. When the size cap would be exceeded, whole segments are
 * dropped oldest first (a segment is 1/8 of the cap); the records lost are
 * counted and logged, never silently. Records are consumed strictly in order:
 * the owner reads ahead (spool_read), and marks records done (spool_consume)
 * once Redis confirmed them; spool_save persists the cursor so that a restart
 * resends nothing that was confirmed before the last save.
 *
 * Appends are buffered in memory (1 MiB) and written by spool_flush; data
 * written survives a killed process, not a power cut (no fsync).
 * One thread owns a struct spool; it does no locking of its own.
 */
#ifndef ICTWATCH_SPOOL_H
#define ICTWATCH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct log_ctx;
struct spool;

#define SPOOL_META_LEN 64
#define SPOOL_MAX_RECORD (16u << 20)   /* a longer record is refused */
#define SPOOL_REC_OVERHEAD 32u         /* frame header bytes per record */

struct spool_rec {
    uint64_t id_ms, id_seq;     /* stream entry id the owner gave the record */
    uint8_t kind;
    int8_t severity;
    uint8_t modes;              /* owner's bits: what is still to be done */
    uint8_t flags;              /* owner's bits */
    uint32_t len;
    const char *data;           /* spool_read: valid until the next spool call */
};

/* A position in the spool: just after one record. */
struct spool_pos {
    uint64_t seg, off;
};

struct spool_stats {
    uint64_t records;           /* records not yet consumed */
    uint64_t bytes;             /* bytes of all segment files */
    uint64_t appended;          /* records appended since open */
    uint64_t consumed;          /* records consumed since open */
    uint64_t dropped;           /* records dropped unread by the size cap */
    uint64_t dropped_bytes;
    uint64_t too_big;           /* records refused: larger than the cap allows */
    uint64_t recovered_cut;     /* bytes cut at open (torn or damaged records) */
    uint64_t corrupt;           /* damaged regions found (open or read) */
    uint64_t write_errors;
};

/* Opens (creating if needed) the spool in dir, recovering torn records.
 * max_bytes caps the segment files' total size. NULL with err on failure
 * (directory not writable, already used by another process, ...). */
struct spool *spool_open(const char *dir, uint64_t max_bytes, const struct log_ctx *lg,
                         char *err, size_t errlen);
/* Saves the state and closes. */
void spool_close(struct spool *sp);

/* Appends a record; *end (may be NULL) gets the position after it.
 * 0 = appended, 1 = refused because it can never fit (counted in too_big),
 * -1 = write error (logged, counted). Dropping old segments to make room
 * is counted in dropped. */
int spool_append(struct spool *sp, const struct spool_rec *r, struct spool_pos *end);
/* As spool_append, for a record the owner already holds in memory (taken
 * from elsewhere, in order after everything in the spool): it is stored as
 * already read, so spool_read does not return it again. Needs
 * spool_unread() == 0; otherwise it is a plain append. */
int spool_append_held(struct spool *sp, const struct spool_rec *r, struct spool_pos *end);
/* Writes buffered appends to the file. 0 or -1 (logged). */
int spool_flush(struct spool *sp);

/* Reads the next record after the read position: 1 = got one (*end is the
 * position after it), 0 = nothing unread, -1 = error (logged). */
int spool_read(struct spool *sp, struct spool_rec *r, struct spool_pos *end);
/* Moves the read position back to the first unconsumed record. */
void spool_rewind(struct spool *sp);
/* Marks every record up to end (a position from spool_read or spool_append)
 * as done; call in order. Positions in segments already dropped are ignored. */
void spool_consume(struct spool *sp, const struct spool_pos *end);
/* Flushes appends and persists the cursor and metadata. 0 or -1. */
int spool_save(struct spool *sp);

/* The owner's metadata, saved with the cursor (len <= SPOOL_META_LEN). */
void spool_set_meta(struct spool *sp, const void *meta, size_t len);
void spool_get_meta(const struct spool *sp, void *meta, size_t len);
/* Id of the newest record in the spool (consumed or not) since it was last
 * empty; false when none. */
bool spool_last_id(const struct spool *sp, uint64_t *ms, uint64_t *seq);

const struct spool_stats *spool_stats(const struct spool *sp);
/* Records appended but not read yet. */
uint64_t spool_unread(const struct spool *sp);

#endif
