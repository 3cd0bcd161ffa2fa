/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: the kernel's /proc and /proc/sys facts (rp_filter, forwarding, drop counters). */
#ifndef NMF_PROCFS_H
#define NMF_PROCFS_H

#include "model/nmf-route.h"

G_BEGIN_DECLS

/* net.ipv4.conf.{all,default,IFACE}.rp_filter of the current network namespace; values
 * that cannot be read are -1. */
void nmf_procfs_read_rp_filter(const char *iface, NmfRpFilter *out);

/* net.ipv4.ip_forward (AF_INET) or net.ipv6.conf.all.forwarding of the current network
 * namespace; -1 when unreadable. */
int nmf_procfs_read_forwarding(int family);

/* The text of /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6 of the current network
 * namespace, one after the other (those that cannot be read left out), for
 * nmf_counters_parse(). */
char *nmf_procfs_read_snmp_counters(void);

/* The same counters parsed (nmf_counters_parse()): this namespace's drop counters, for
 * --observe and the trace to compare before and after their window. */
GHashTable *nmf_procfs_read_counters(void);

G_END_DECLS

#endif /* NMF_PROCFS_H */
