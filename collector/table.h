/* table.h - rows of text cells written as an aligned table, CSV or JSON.
 *
 * report, status and compare build a table once and write it in the format the
 * user asked for. Terminal tables align columns by display width (UTF-8 aware),
 * right-align numbers and shorten very long cells; CSV follows RFC 4180; JSON
 * writes numbers as numbers (an empty numeric cell is null) and text as strings.
 */
#ifndef ICTWATCH_TABLE_H
#define ICTWATCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ictwatch/jsonw.h"

enum table_format { TABLE_TEXT = 0, TABLE_JSON, TABLE_CSV };

struct table {
    size_t ncols;
    char **names;
    bool *numeric;
    char **cells;            /* nrows * ncols, owned */
    size_t nrows, cap;
    size_t max_width;        /* text cells longer than this are shortened (0 = no limit) */
};

int table_init(struct table *t, size_t ncols);
void table_free(struct table *t);
/* Sets column i's name (copied) and whether it holds numbers. */
int table_column(struct table *t, size_t i, const char *name, bool numeric);
/* Adds a row of ncols cells (copied; NULL = empty). */
int table_add_row(struct table *t, const char *const *cells);
/* The cell of row r, column c. */
const char *table_cell(const struct table *t, size_t r, size_t c);

/* Parses "table", "json", "csv"; -1 when unknown. */
int table_parse_format(const char *s, enum table_format *f);
/* Writes as an aligned text table or CSV. */
void table_write(const struct table *t, FILE *f, enum table_format fmt);
/* Writes the rows as a JSON array of objects into w (for JSON wrappers). */
void table_write_json(const struct table *t, struct jsonw *w);

/* Display width of UTF-8 text (code points; control bytes count 1). */
size_t table_display_width(const char *s);

#endif
