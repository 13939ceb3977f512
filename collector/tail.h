/* tail.h - `ictwatch-collector tail`: live alerts for an analyst.
 *
 * Subscribes to the sensors' pub/sub channel ictwatch:alerts and prints one line
 * per alert that passes the filters (--severity N: severity N or more severe;
 * --sid N; --sensor ID), or the alert's JSON with --json. Messages are hostile like
 * everything from Redis: what is not a JSON alert is skipped, control characters
 * are never written to the terminal. Stops on SIGINT/SIGTERM or after --count N.
 */
#ifndef ICTWATCH_TAIL_H
#define ICTWATCH_TAIL_H

#include <signal.h>

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "settings.h"

int tail_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg,
             volatile sig_atomic_t *stop);

#endif
