/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-metric-fix-trace --json: the trace as a document described by
 * data/trace-schema.json (json-glib).
 */
#ifndef NMF_TRACE_EXPORT_H
#define NMF_TRACE_EXPORT_H

#include "decide/nmf-trace.h"

G_BEGIN_DECLS

#define NMF_TRACE_JSON_SCHEMA_VERSION 1

/* The document, newline-terminated.  @delta and @causes may be NULL. */
char *nmf_trace_json(NmfTrace *trace, guint seconds, GHashTable *delta, GPtrArray *causes);

G_END_DECLS

#endif /* NMF_TRACE_EXPORT_H */
