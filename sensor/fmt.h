/* fmt.h - snprintf without glibc's printf machinery for simple formats.
 *
 * fmt_snprintf() is snprintf(): same bytes, same return value. Formats made
 * of literal text, %s, %u and %0Nx / %0NX (N = 1..9) are written directly;
 * any other format goes to vsnprintf. fmt.c also takes over the fortified
 * __snprintf_chk that libndpi calls for every number of a JA3 string (see
 * the top of fmt.c).
 */
#ifndef ICTWATCH_FMT_H
#define ICTWATCH_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

int fmt_snprintf(char *s, size_t maxlen, const char *format, ...) __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *s, size_t maxlen, const char *format, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
