/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine-readable status: --status --json (schema: data/status-schema.json)
 * and --status --prometheus (text exposition format 0.0.4).  Both are built
 * from the same inputs as nmf_report_status() and do no I/O.
 */
#ifndef NMF_JSON_H
#define NMF_JSON_H

#include <glib.h>

G_BEGIN_DECLS

#define NMF_JSON_SCHEMA_VERSION 1

/* A JSON document (pretty-printed, ending in a newline).  @uplinks must be ranked;
 * @routes are the kernel's default routes (nmf_kernel_default_routes()). */
char *nmf_json_status(GPtrArray *uplinks, gboolean managed, GPtrArray *routes);

/* The same facts as Prometheus gauges, for node_exporter's textfile collector. */
char *nmf_prometheus_status(GPtrArray *uplinks, gboolean managed, GPtrArray *routes);

/* A label value escaped for the exposition format (backslash, double quote, newline). */
char *nmf_prometheus_escape_label(const char *value);

G_END_DECLS

#endif /* NMF_JSON_H */
