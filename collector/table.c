/* table.c - aligned text, CSV and JSON output of a table (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

int table_init(struct table *t, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    t->names = calloc(ncols, sizeof(*t->names));
    t->numeric = calloc(ncols, sizeof(*t->numeric));
    t->max_width = 60;
    return t->names && t->numeric ? 0 : -1;
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        free(t->names ? t->names[i] : NULL);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->names);
    free(t->numeric);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

int table_column(struct table *t, size_t i, const char *name, bool numeric)
{
    free(t->names[i]);
    t->names[i] = strdup(name);
    t->numeric[i] = numeric;
    return t->names[i] ? 0 : -1;
}

int table_add_row(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        char **n = realloc(t->cells, nc * t->ncols * sizeof(*n));
        if (!n)
            return -1;
        t->cells = n;
        t->cap = nc;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (!row[i]) {
            for (size_t k = 0; k < i; k++)
                free(row[k]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

const char *table_cell(const struct table *t, size_t r, size_t c)
{
    return t->cells[r * t->ncols + c];
}

int table_parse_format(const char *s, enum table_format *f)
{
    if (!strcmp(s, "table") || !strcmp(s, "text"))
        *f = TABLE_TEXT;
    else if (!strcmp(s, "json"))
        *f = TABLE_JSON;
    else if (!strcmp(s, "csv"))
        *f = TABLE_CSV;
    else
        return -1;
    return 0;
}

size_t table_display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xc0) != 0x80;
    return w;
}

/* Writes s with control bytes shown as '?', cut to max display columns ("..." at the end). */
static size_t put_cell(FILE *f, const char *s, size_t max)
{
    size_t w = table_display_width(s), shown = 0;
    bool cut = max && w > max;
    size_t limit = cut ? max - 3 : w;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool lead = (*p & 0xc0) != 0x80;
        if (lead && shown == limit)
            break;
        shown += lead;
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
    if (cut) {
        fputs("...", f);
        shown += 3;
    }
    return shown;
}

static void write_text(const struct table *t, FILE *f)
{
    size_t *width = calloc(t->ncols, sizeof(*width));
    if (!width)
        return;
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = table_display_width(t->names[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = table_display_width(table_cell(t, r, c));
            if (t->max_width && w > t->max_width)
                w = t->max_width;
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        size_t w = table_display_width(t->names[c]);
        if (t->numeric[c])
            fprintf(f, "%*s", (int)(width[c] - w), "");
        fputs(t->names[c], f);
        if (c + 1 < t->ncols)
            fprintf(f, "%*s", (int)(t->numeric[c] ? 2 : width[c] - w + 2), "");
    }
    fputc('\n', f);
    for (size_t c = 0; c < t->ncols; c++) {
        for (size_t k = 0; k < width[c]; k++)
            fputc('-', f);
        if (c + 1 < t->ncols)
            fputs("  ", f);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = table_cell(t, r, c);
            size_t w = table_display_width(s);
            if (t->max_width && w > t->max_width)
                w = t->max_width;
            if (t->numeric[c])
                fprintf(f, "%*s", (int)(width[c] - w), "");
            put_cell(f, s, t->max_width);
            if (c + 1 < t->ncols)
                fprintf(f, "%*s", (int)(t->numeric[c] ? 2 : width[c] - w + 2), "");
        }
        fputc('\n', f);
    }
    free(width);
}

static void csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void table_write(const struct table *t, FILE *f, enum table_format fmt)
{
    if (fmt == TABLE_TEXT) {
        write_text(t, f);
        return;
    }
    if (fmt == TABLE_JSON) {
        struct jsonw w;
        jsonw_init(&w);
        table_write_json(t, &w);
        fwrite(w.buf, 1, w.len, f);
        fputc('\n', f);
        jsonw_free(&w);
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        csv_cell(f, t->names[c]);
        fputs(c + 1 < t->ncols ? "," : "\r\n", f);
    }
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            csv_cell(f, table_cell(t, r, c));
            fputs(c + 1 < t->ncols ? "," : "\r\n", f);
        }
}

void table_write_json(const struct table *t, struct jsonw *w)
{
    jsonw_array_begin(w);
    for (size_t r = 0; r < t->nrows; r++) {
        jsonw_object_begin(w);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = table_cell(t, r, c);
            jsonw_key(w, t->names[c]);
            if (!t->numeric[c]) {
                jsonw_str(w, s);
            } else if (!*s || !strcmp(s, "-")) {
                jsonw_null(w);
            } else {
                char *end;
                long long v = strtoll(s, &end, 10);
                if (*end == '\0')
                    jsonw_int(w, v);
                else
                    jsonw_str(w, s);
            }
        }
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
}
