/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: the one writer of aligned text tables (--status, --check). */
#ifndef NMF_TEXT_TABLE_H
#define NMF_TEXT_TABLE_H

#include <glib.h>

G_BEGIN_DECLS

/* Appends @rows (each a NULL-terminated char ** of @n_columns cells, the first row the
 * header) to @out, every column padded to its widest cell plus two spaces, the last
 * one not padded.  Widths are counted in characters, so translated headers stay
 * aligned. */
void nmf_text_table_append(GString *out, GPtrArray *rows, guint n_columns);

/* @text fit for a terminal, as nmcli and systemd print names: control characters (a
 * newline that would forge a row, ESC and BEL sequences), backslash and bytes that are
 * not UTF-8 become \xHH (backslash: \\).  Machine output (JSON, Prometheus) has its own
 * escaping and does not use this.  NULL gives NULL. */
char *nmf_text_escape(const char *text);

/* @text itself when it needs no escaping, else its escaped copy, owned by @pool (a
 * GPtrArray freeing with g_free). */
const char *nmf_text_escaped(GPtrArray *pool, const char *text);

G_END_DECLS

#endif /* NMF_TEXT_TABLE_H */
