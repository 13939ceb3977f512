/* sensors.h - which sensor streams exist, and each sensor's country and organisation.
 *
 * Sensors announce themselves in the set ictwatch:sensors; streams written by
 * anything else (an older sensor, Suricata 8 pointed at our key) are found with
 * SCAN for ictwatch:eve:{*} as a fallback. Discovery runs again every few seconds,
 * so a sensor that appears while the collector runs is picked up. For ingest, each
 * new stream gets the consumer group (XGROUP CREATE ... 0 MKSTREAM: from the start
 * of the stream, so entries written before the collector came are not skipped).
 *
 * Country and organisation label every aggregate. The sensor's heartbeat hash says
 * them (country, organisation or org); when it does not, the collector's sensor
 * table does; otherwise they are empty.
 */
#ifndef ICTWATCH_SENSORS_H
#define ICTWATCH_SENSORS_H

#include <stdbool.h>
#include <stddef.h>

#include "ictwatch/common.h"
#include "ictwatch/log.h"
#include "rconn.h"
#include "settings.h"

struct sensor_entry {
    char id[COLL_MAX_SENSOR_ID + 1];
    char stream[COLL_MAX_SENSOR_ID + 32];
    char country[65];
    char organisation[129];
    enum tlp_level tlp;          /* default, raised by tlp.sensor and the heartbeat's "tlp" */
    bool group_ready;            /* the consumer group exists on the stream */
    char cursor[48];             /* own-pending re-read position ("0" at start) */
    bool pending_done;           /* own pending entries all re-read */
};

struct sensor_list {
    struct sensor_entry *v;
    size_t n, cap;
};

void sensors_init(struct sensor_list *l);
void sensors_free(struct sensor_list *l);

/* Finds sensors (set + SCAN) and adds new ones. With create_groups, makes sure each
 * stream has the group. Returns the number of sensors added, or -1 on a Redis error. */
int sensors_discover(struct rconn *r, struct sensor_list *l, const struct coll_settings *s,
                     bool create_groups, const struct log_ctx *lg);
/* Creates the group on every stream that lacks it (after NOGROUP: a stream was deleted). */
int sensors_create_groups(struct rconn *r, struct sensor_list *l, const struct coll_settings *s,
                          const struct log_ctx *lg);
/* Reads every sensor's heartbeat for country and organisation. 0 or -1. */
int sensors_refresh_meta(struct rconn *r, struct sensor_list *l, const struct coll_settings *s);
/* The entry for a stream key, or NULL. */
struct sensor_entry *sensors_by_stream(struct sensor_list *l, const char *key, size_t len);

#endif
