/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: aligned text tables for the human-readable reports. */
#include "decide/nmf-text-table.h"

#include <string.h>

static gboolean
_needs_escape(const char *text)
{
    const char *p;

    for (p = text; *p; p++) {
        if ((guchar) *p < 0x20 || *p == 0x7f || *p == '\\')
            return TRUE;
    }
    return !g_utf8_validate(text, -1, NULL);
}

char *
nmf_text_escape(const char *text)
{
    GString    *out;
    const char *p;

    if (!text)
        return NULL;
    out = g_string_sized_new(strlen(text));
    for (p = text; *p;) {
        gunichar c = g_utf8_get_char_validated(p, -1);

        if (c == (gunichar) -1 || c == (gunichar) -2) {
            g_string_append_printf(out, "\\x%02x", (guchar) *p);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            g_string_append_printf(out, "\\x%02x", (guint) c);
            p++;
        } else if (c == '\\') {
            g_string_append(out, "\\\\");
            p++;
        } else {
            const char *next = g_utf8_next_char(p);

            g_string_append_len(out, p, next - p);
            p = next;
        }
    }
    return g_string_free(out, FALSE);
}

const char *
nmf_text_escaped(GPtrArray *pool, const char *text)
{
    char *copy;

    if (!text || !_needs_escape(text))
        return text;
    copy = nmf_text_escape(text);
    g_ptr_array_add(pool, copy);
    return copy;
}

void
nmf_text_table_append(GString *out, GPtrArray *rows, guint n_columns)
{
    g_autofree guint       *widths = g_new0(guint, MAX(n_columns, 1));
    g_autofree const char **view   = g_new0(const char *, MAX(rows->len * n_columns, 1));
    g_autoptr(GPtrArray) pool      = g_ptr_array_new_with_free_func(g_free);
    guint r;
    guint c;

    /* Every cell may hold a name from NetworkManager or the kernel. */
    for (r = 0; r < rows->len; r++) {
        char **cells = rows->pdata[r];

        for (c = 0; c < n_columns; c++) {
            const char *cell = nmf_text_escaped(pool, cells[c]);

            view[r * n_columns + c] = cell;
            widths[c]               = MAX(widths[c], (guint) g_utf8_strlen(cell, -1));
        }
    }
    for (r = 0; r < rows->len; r++) {
        for (c = 0; c < n_columns; c++) {
            const char *cell = view[r * n_columns + c];
            glong       len  = g_utf8_strlen(cell, -1);

            g_string_append(out, cell);
            if (c == n_columns - 1)
                break;
            for (; len < (glong) widths[c] + 2; len++)
                g_string_append_c(out, ' ');
        }
        g_string_append_c(out, '\n');
    }
}
