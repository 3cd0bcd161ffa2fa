/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: the JSON writing the three exporters share (status, --check/--observe, trace). */
#ifndef NMF_JSON_H
#define NMF_JSON_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* MEMBER: VALUE, or MEMBER: null when @value is NULL. */
void nmf_json_add_string_or_null(JsonBuilder *b, const char *member, const char *value);

/* MEMBER: VALUE, or MEMBER: null when it is not @known. */
void nmf_json_add_int_or_null(JsonBuilder *b, const char *member, gboolean known, gint64 value);

/* The document @b built, pretty-printed (indent 2) and ending in a newline. */
char *nmf_json_finish(JsonBuilder *b);

G_END_DECLS

#endif /* NMF_JSON_H */
