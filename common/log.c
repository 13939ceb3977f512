/* log.c - one-line messages on stderr, prefixed with the program and level. */
#include "ictwatch/log.h"

#include <stdio.h>

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_vmsg(const struct log_ctx *lg, enum log_level lvl, const char *fmt, va_list ap)
{
    if (lg && lvl > lg->level)
        return;
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    /* One fprintf per message so lines of several threads do not interleave. */
    fprintf(stderr, "%s: %s: %s\n", lg && lg->prog ? lg->prog : "ictwatch",
            level_names[lvl <= LOG_DEBUG ? lvl : LOG_DEBUG], line);
}

void log_msg(const struct log_ctx *lg, enum log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lg, lvl, fmt, ap);
    va_end(ap);
}
