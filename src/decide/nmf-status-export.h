/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --status: the machine-readable exports, --json (schema:
 * data/status-schema.json) and --prometheus (text exposition format 0.0.4).  Both are
 * built from the same inputs as nmf_report_status() and do no I/O.
 */
#ifndef NMF_STATUS_EXPORT_H
#define NMF_STATUS_EXPORT_H

#include <glib.h>

G_BEGIN_DECLS

#define NMF_JSON_SCHEMA_VERSION 1

/* A JSON document (pretty-printed, ending in a newline).  @uplinks must be ranked;
 * @routes are the kernel's default routes (nmf_netlink_default_routes()). */
char *nmf_status_json(GPtrArray *uplinks, gboolean managed, GPtrArray *routes, GPtrArray *replies);

/* The same facts as Prometheus gauges, for node_exporter's textfile collector. */
char *nmf_status_prometheus(GPtrArray *uplinks,
                            gboolean   managed,
                            GPtrArray *routes,
                            GPtrArray *replies);

/* Appends the gauges of the status warnings (@warnings: strings, or NULL for none):
 * their number, and one series per warning labelled with its text. */
void nmf_prometheus_warnings(GString *out, GPtrArray *warnings);

/* A label value escaped for the exposition format (backslash, double quote, newline). */
char *nmf_prometheus_escape_label(const char *value);

G_END_DECLS

#endif /* NMF_STATUS_EXPORT_H */
