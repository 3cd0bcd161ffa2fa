/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: aligned text tables for the human-readable reports. */
#include "nmf-text-table.h"

void
nmf_text_table_append(GString *out, GPtrArray *rows, guint n_columns)
{
    g_autofree guint *widths = g_new0(guint, MAX(n_columns, 1));
    guint             r;
    guint             c;

    for (r = 0; r < rows->len; r++) {
        char **cells = rows->pdata[r];

        for (c = 0; c < n_columns; c++)
            widths[c] = MAX(widths[c], (guint) g_utf8_strlen(cells[c], -1));
    }
    for (r = 0; r < rows->len; r++) {
        char **cells = rows->pdata[r];

        for (c = 0; c < n_columns; c++) {
            glong len = g_utf8_strlen(cells[c], -1);

            g_string_append(out, cells[c]);
            if (c == n_columns - 1)
                break;
            for (; len < (glong) widths[c] + 2; len++)
                g_string_append_c(out, ' ');
        }
        g_string_append_c(out, '\n');
    }
}
