/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only module that talks to the kernel over rtnetlink (libnl): the truth
 * we show next to what NetworkManager intends.
 */
#ifndef NMF_KERNEL_H
#define NMF_KERNEL_H

#include "nmf-check.h"
#include "nmf-route.h"

G_BEGIN_DECLS

/* Every default route (IPv4 and IPv6, every table), sorted by family, table, metric. */
GPtrArray *nmf_kernel_default_routes(GError **error);

/* Delete the routes (IPv4 and IPv6) in tables @first..@last that are not in @keep (NmfRouteKey;
 * metric ignored). NetworkManager never removes routes it stopped wanting from tables
 * other than main, so a rank change would leave a second default route behind. Adds a
 * description of each deleted route to @removed. */
gboolean nmf_kernel_prune_tables(guint32    first,
                                 guint32    last,
                                 GArray    *keep,
                                 GPtrArray *removed,
                                 GError   **error);

/* Local addresses of @family (AF_INET, AF_INET6 or AF_UNSPEC) on links that are up, as
 * NmfLocalAddress; loopback links and addresses of link or host scope (fe80::/10,
 * 169.254.0.0/16, 127.0.0.0/8, ::1) are skipped, and so are IPv6 addresses that failed
 * duplicate address detection.  Sorted by ifindex, then family, then address. */
GPtrArray *nmf_kernel_local_addresses(int family, GError **error);

/* One RTM_GETROUTE request, like `ip route get DST [from SRC] [iif IFINDEX]`.  With @iif the
 * kernel routes the packet as if it had arrived on that link, reverse-path filter included.
 * A negative answer of the kernel (no route, rp_filter) is not an error: it is returned in
 * @out->error.  Returns FALSE only when the kernel could not be asked. */
gboolean nmf_kernel_route_get(int             family,
                              const char     *dst,
                              const char     *src,
                              int             iif,
                              NmfRouteAnswer *out,
                              GError        **error);

/* The links that have a unicast route (in any table) covering @dst, as a set of
 * GINT_TO_POINTER(ifindex). */
GHashTable *nmf_kernel_links_with_route_to(int family, const char *dst, GError **error);

/* net.ipv4.conf.{all,default,IFACE}.rp_filter of the current network namespace; values
 * that cannot be read are -1. */
void nmf_kernel_read_rp_filter(const char *iface, NmfRpFilter *out);

/* net.ipv4.ip_forward (AF_INET) or net.ipv6.conf.all.forwarding of the current network
 * namespace; -1 when unreadable. */
int nmf_kernel_read_forwarding(int family);

/* The text of /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6 of the current network
 * namespace, one after the other (those that cannot be read left out), for
 * nmf_counters_parse(). */
char *nmf_kernel_read_snmp_counters(void);

G_END_DECLS

#endif /* NMF_KERNEL_H */
