/* html.h - the comparison as one self-contained HTML page with inline SVG charts.
 *
 * No script, no style sheet or font from elsewhere, no network access: the page is
 * one file a coordinator can mail or open offline. Sections: a TLP banner, alerts
 * per country (stacked bars by severity), a trend line per country (per day), a
 * country x category heat map, and the table of source prefixes seen by several
 * countries. Every text from the regional store is HTML-escaped (it is hostile).
 */
#ifndef ICTWATCH_HTML_H
#define ICTWATCH_HTML_H

#include <stddef.h>

#include "compare.h"

int html_write_compare(const struct compare_model *m, const char *path, char *err, size_t errlen);

#endif
