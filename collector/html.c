/* html.c - the comparison page (see html.h). Charts are drawn as SVG by hand. */
#include "html.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ictwatch/common.h"

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
static const char *const sev_colour[] = {"#9e9e9e", "#c62828", "#ef6c00", "#f9a825"}; /* other, 1, 2, 3 */

/* Writes s HTML-escaped (also inside attributes); control bytes become '?'. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
        }
    }
}

static const char *colour(size_t i)
{
    return palette[i % ICTW_ARRAY_LEN(palette)];
}

static void head(FILE *f, const struct compare_model *m)
{
    static const char *const tlp_bg[] = {"#ffffff", "#33ff00", "#ffc000", "#ffc000", "#ff2b2b"};
    char a[32], b[32];
    sharedoc_time(m->since, a, sizeof(a));
    sharedoc_time(m->until, b, sizeof(b));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>ictwatch regional comparison</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fafafa}\n"
          "h1{font-size:1.4em} h2{font-size:1.1em;margin-top:1.6em}\n"
          ".tlp{display:inline-block;padding:.2em .6em;font-weight:bold;background:#000}\n"
          "table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ccc;padding:.25em .6em}\n"
          "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "svg{background:#fff;border:1px solid #ddd} svg text{font-size:11px}\n"
          ".legend span{display:inline-block;margin-right:1em}\n"
          ".sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em}\n"
          "</style>\n</head>\n<body>\n",
          f);
    fprintf(f, "<p><span class=\"tlp\" id=\"tlp\" style=\"color:%s\">", tlp_bg[m->level % TLP_LEVELS]);
    esc(f, tlp_name(m->level));
    fputs("</span></p>\n<h1>Regional comparison</h1>\n", f);
    fprintf(f, "<p>%zu countries, windows starting from %s to %s. Addresses and prefixes as each country shared "
               "them (anonymised).</p>\n",
            m->nc, a, b);
}

static void bars(FILE *f, const struct compare_model *m)
{
    uint64_t max = 1;
    for (size_t i = 0; i < m->nc; i++)
        max = ICTW_MAX(max, m->c[i].total);
    int rowh = 28, left = 70, width = 560, h = (int)m->nc * rowh + 40;
    fputs("<h2>Alerts per country</h2>\n", f);
    fprintf(f, "<svg id=\"chart-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"alerts per country by severity\">\n",
            left + width + 90, h);
    for (size_t i = 0; i < m->nc; i++) {
        const struct compare_country *c = &m->c[i];
        int y = 10 + (int)i * rowh;
        double x = left;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6, y + 15);
        esc(f, c->cc);
        fputs("</text>\n", f);
        static const int order[] = {1, 2, 3, 0};
        for (int k = 0; k < 4; k++) {
            uint64_t v = c->by_severity[order[k]];
            if (!v)
                continue;
            double w = (double)v * width / (double)max;
            fprintf(f, "<rect class=\"bar\" data-country=\"");
            esc(f, c->cc);
            fprintf(f, "\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x, y,
                    w < 0.5 ? 0.5 : w, rowh - 8, sev_colour[order[k]]);
            esc(f, c->cc);
            fprintf(f, " severity %s: %llu</title></rect>\n", order[k] ? (const char *[]){"", "1", "2", "3"}[order[k]] : "other",
                    (unsigned long long)v);
            x += w;
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">%llu</text>\n", x + 4, y + 15, (unsigned long long)c->total);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">severity: </text>", left, h - 8);
    static const char *const names[] = {"other", "1", "2", "3"};
    for (int k = 1; k <= 4; k++) {
        int s = k % 4;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
                left + 60 + (k - 1) * 60, h - 17, sev_colour[s], left + 74 + (k - 1) * 60, h - 8, names[s]);
    }
    fputs("\n</svg>\n", f);
}

static void trend(FILE *f, const struct compare_model *m)
{
    int left = 70, top = 15, width = 600, height = 220;
    uint64_t max = 1;
    for (size_t i = 0; i < m->nc; i++)
        for (uint64_t d = 0; d < m->ndays; d++)
            max = ICTW_MAX(max, m->c[i].days[d]);
    fputs("<h2>Trend per day</h2>\n", f);
    fprintf(f, "<svg id=\"chart-trend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"alerts per day and country\">\n",
            left + width + 30, top + height + 45);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left, top + height,
            left + width, top + height);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left, top, left, top + height);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", left - 4, top + 8,
            (unsigned long long)max);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, top + height);
    double step = m->ndays > 1 ? (double)width / (double)(m->ndays - 1) : 0;
    for (uint64_t d = 0; d < m->ndays; d++) {
        if (m->ndays > 14 && d % (m->ndays / 7 + 1))
            continue;
        char day[32];
        sharedoc_time((m->first_day + d) * 86400, day, sizeof(day));
        day[10] = '\0';
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                left + (m->ndays > 1 ? step * (double)d : width / 2.0), top + height + 16, day + 5);
    }
    for (size_t i = 0; i < m->nc; i++) {
        fprintf(f, "<polyline class=\"trend\" data-country=\"");
        esc(f, m->c[i].cc);
        fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour(i));
        for (uint64_t d = 0; d < m->ndays; d++)
            fprintf(f, "%s%.1f,%.1f", d ? " " : "", left + (m->ndays > 1 ? step * (double)d : width / 2.0),
                    top + height - (double)m->c[i].days[d] * height / (double)max);
        fputs("\"/>\n", f);
        for (uint64_t d = 0; d < m->ndays; d++) {
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
                    left + (m->ndays > 1 ? step * (double)d : width / 2.0),
                    top + height - (double)m->c[i].days[d] * height / (double)max, colour(i));
            esc(f, m->c[i].cc);
            fprintf(f, ": %llu</title></circle>\n", (unsigned long long)m->c[i].days[d]);
        }
    }
    fputs("</svg>\n<p class=\"legend\">", f);
    for (size_t i = 0; i < m->nc; i++) {
        fprintf(f, "<span><i class=\"sw\" style=\"background:%s\"></i>", colour(i));
        esc(f, m->c[i].cc);
        fputs("</span>", f);
    }
    fputs("</p>\n", f);
}

static uint64_t category_count(const struct compare_country *c, const char *cat)
{
    for (size_t j = 0; j < c->categories.n; j++)
        if (!strcmp(c->categories.v[j].key, cat))
            return c->categories.v[j].count;
    return 0;
}

static void heatmap(FILE *f, const struct compare_model *m)
{
    size_t ncat = ICTW_MIN(m->all_categories.n, 25);
    int left = 300, top = 30, cw = 70, ch = 24;
    uint64_t max = 1;
    for (size_t i = 0; i < m->nc; i++)
        for (size_t k = 0; k < ncat; k++)
            max = ICTW_MAX(max, category_count(&m->c[i], m->all_categories.v[k].key));
    fputs("<h2>Country &#215; category</h2>\n", f);
    fprintf(f, "<svg id=\"chart-heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "role=\"img\" aria-label=\"alerts per country and category\">\n",
            left + (int)m->nc * cw + 10, top + (int)ncat * ch + 10);
    for (size_t i = 0; i < m->nc; i++) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", left + (int)i * cw + cw / 2, top - 10);
        esc(f, m->c[i].cc);
        fputs("</text>\n", f);
    }
    for (size_t k = 0; k < ncat; k++) {
        const char *cat = m->all_categories.v[k].key;
        char shown[64];
        snprintf(shown, sizeof(shown), "%.45s%s", cat[0] ? cat : "(none)", strlen(cat) > 45 ? "..." : "");
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6, top + (int)k * ch + 16);
        esc(f, shown);
        fputs("</text>\n", f);
        for (size_t i = 0; i < m->nc; i++) {
            uint64_t v = category_count(&m->c[i], cat);
            double t = (double)v / (double)max;
            int r = 255 - (int)(t * 200), g = 255 - (int)(t * 120), b = 255 - (int)(t * 40);
            fprintf(f, "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\"><title>",
                    left + (int)i * cw, top + (int)k * ch, cw, ch, r, g, b);
            esc(f, m->c[i].cc);
            fputs(" / ", f);
            esc(f, shown);
            fprintf(f, ": %llu</title></rect>\n", (unsigned long long)v);
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%llu</text>\n",
                    left + (int)i * cw + cw / 2, top + (int)k * ch + 16, t > 0.6 ? "#fff" : "#222",
                    (unsigned long long)v);
        }
    }
    fputs("</svg>\n", f);
}

static void prefixes(FILE *f, const struct compare_model *m)
{
    fprintf(f, "<h2>Source prefixes seen by %u or more countries</h2>\n", m->min_countries);
    if (!m->np) {
        fputs("<p id=\"no-shared-prefixes\">None in this period.</p>\n", f);
        return;
    }
    fputs("<table id=\"shared-prefixes\">\n<thead><tr><th>prefix</th><th>countries</th><th>alerts</th>", f);
    for (size_t i = 0; i < m->nc; i++) {
        fputs("<th>", f);
        esc(f, m->c[i].cc);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    size_t shown = ICTW_MIN(m->np, 300);
    for (size_t p = 0; p < shown; p++) {
        fputs("<tr><td>", f);
        esc(f, m->p[p].prefix);
        fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%llu</td>", m->p[p].ncountries,
                (unsigned long long)m->p[p].total);
        for (size_t i = 0; i < m->nc; i++)
            fprintf(f, "<td class=\"n\">%llu</td>", (unsigned long long)m->p[p].counts[i]);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    if (shown < m->np)
        fprintf(f, "<p>%zu more in the JSON output (compare --format json).</p>\n", m->np - shown);
}

int html_write_compare(const struct compare_model *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    head(f, m);
    bars(f, m);
    trend(f, m);
    heatmap(f, m);
    prefixes(f, m);
    fputs("<p><small>Made by ictwatch-collector compare. ", f);
    esc(f, tlp_name(m->level));
    fputs(": handle as the label says.</small></p>\n</body>\n</html>\n", f);
    if (ferror(f) | fclose(f)) {
        snprintf(err, errlen, "%s: write error", path);
        return -1;
    }
    return 0;
}
