/* log.h - messages for people, on stderr.
 *
 * Every message is one line: "ictwatch-sensor: warning: rules/ics.rules:12: ...".
 * The program name and the verbosity live in a struct log_ctx that the
 * program owns and passes down, so there is no global logging state.
 * Messages a person must act on name the file, line and what to do.
 */
#ifndef ICTWATCH_LOG_H
#define ICTWATCH_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

struct log_ctx {
    const char *prog;       /* "ictwatch-sensor" */
    enum log_level level;   /* messages above this level are not printed */
};

void log_msg(const struct log_ctx *lg, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(const struct log_ctx *lg, enum log_level lvl, const char *fmt, va_list ap);

#define log_error(lg, ...) log_msg((lg), LOG_ERROR, __VA_ARGS__)
#define log_warn(lg, ...)  log_msg((lg), LOG_WARN, __VA_ARGS__)
#define log_info(lg, ...)  log_msg((lg), LOG_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), LOG_DEBUG, __VA_ARGS__)

#endif
