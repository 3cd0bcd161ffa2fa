/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: the kernel's per-namespace counters that say why packets were dropped
 * (/proc/net/snmp, /proc/net/netstat, /proc/net/snmp6, read by nmf-netlink.c), what
 * rose over a capture window, and what that names.  Used by nm-metric-fix-trace on
 * the host and by --observe in the guest.
 */
#ifndef NMF_COUNTERS_H
#define NMF_COUNTERS_H

#include <glib.h>

G_BEGIN_DECLS

/* Counters of /proc/net/snmp and /proc/net/netstat ("Ip.InNoRoutes",
 * "TcpExt.IPReversePathFilter") and /proc/net/snmp6 ("Ip6InNoRoutes"); values that do not
 * parse are skipped.  Adds to @counters (char * -> guint64 *). */
void        nmf_counters_parse(GHashTable *counters, const char *text);
GHashTable *nmf_counters_new(void);

/* The drop-related counters that rose from @before to @after, as "NAME +N" items in a
 * GHashTable (char * -> guint64 * increase). */
GHashTable *nmf_counters_delta(GHashTable *before, GHashTable *after);

/* Names of the counters nmf_counters_delta() reports, in display order (NULL-terminated). */
const char *const *nmf_counters_watched(void);

/* For --observe: one line naming the drops this host counted over the window and their
 * cause ("Dropped here: ..."); nothing when no drop counter rose. */
void nmf_counters_render_local(GString *out, GHashTable *delta);

G_END_DECLS

#endif /* NMF_COUNTERS_H */
