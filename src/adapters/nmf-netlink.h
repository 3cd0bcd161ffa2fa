/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter: the only code that talks to the kernel over rtnetlink (libnl), and reads
 * the rp_filter sysctls: the truth we show next to what NetworkManager intends.
 */
#ifndef NMF_NETLINK_H
#define NMF_NETLINK_H

#include "model/nmf-route.h"

G_BEGIN_DECLS

/* Every default route (IPv4 and IPv6, every table), sorted by family, table, metric. */
GPtrArray *nmf_netlink_default_routes(GError **error);

/* Delete the routes (IPv4 and IPv6) in our policy-routing tables that are not in @keep
 * (NmfRouteKey, metric ignored; NULL: keep none, as after --revert), and log each one
 * removed. NetworkManager never removes routes it stopped wanting from tables other than
 * main, so a rank change (or leaving mode=policy) would leave a second default route. */
gboolean nmf_netlink_prune_policy_tables(GArray *keep, GError **error);

/* Give the default routes NetworkManager put in the main table (protocol dhcp, ra or
 * static) on each link of @moves the link's metric, in place of NetworkManager's Reapply
 * where a Reapply would restart DHCP (1.36 and later).  Each new route is added before any old
 * one goes, so no link is without a default route.  Adds one line per moved route to
 * @moved. */
gboolean nmf_netlink_move_default_routes(const NmfMetricMove *moves,
                                         guint                n_moves,
                                         GPtrArray           *moved,
                                         GError             **error);

/* Local addresses of @family (AF_INET, AF_INET6 or AF_UNSPEC) on links that are up, as
 * NmfLocalAddress; loopback links and addresses of link or host scope (fe80::/10,
 * 169.254.0.0/16, 127.0.0.0/8, ::1) are skipped, and so are IPv6 addresses that failed
 * duplicate address detection.  Sorted by ifindex, then family, then address. */
GPtrArray *nmf_netlink_local_addresses(int family, GError **error);

/* One RTM_GETROUTE request, like `ip route get DST [from SRC] [iif IFINDEX]`.  With @iif the
 * kernel routes the packet as if it had arrived on that link, reverse-path filter included.
 * A negative answer of the kernel (no route, rp_filter) is not an error: it is returned in
 * @out->error.  Returns FALSE only when the kernel could not be asked. */
gboolean nmf_netlink_route_get(int             family,
                               const char     *dst,
                               const char     *src,
                               int             iif,
                               NmfRouteAnswer *out,
                               GError        **error);

/* The links that have a unicast route (in any table) covering @dst, as a set of
 * GINT_TO_POINTER(ifindex). */
GHashTable *nmf_netlink_links_with_route_to(int family, const char *dst, GError **error);

/* A neighbour (a gateway) whose link-layer address is wanted. */
typedef struct {
    int      family; /* AF_INET or AF_INET6 */
    guint8   address[16];
    int      ifindex;
    gboolean found; /* out: @mac is set */
    guint8   mac[6];
} NmfNeighbourQuery;

/* The link-layer addresses of @n_queries neighbours, from one read of the kernel's
 * neighbour table.  With @resolve (needs CAP_NET_ADMIN), the kernel is asked to resolve
 * each one it has no usable entry for (RTM_NEWNEIGH with NTF_USE: an ARP or neighbour
 * solicitation, as a packet to the gateway would cause): right after boot a guest may
 * not have talked to its gateway yet.  The answers are awaited together, for at most
 * @timeout_ms in all however many there are, and not for entries the kernel had already
 * given up on (NUD_FAILED: it probes them again, for the next run).  Returns FALSE only
 * when the kernel could not be asked. */
gboolean nmf_netlink_neighbour_macs(NmfNeighbourQuery *queries,
                                    guint              n_queries,
                                    gboolean           resolve,
                                    guint              timeout_ms,
                                    GError           **error);

/* NMF_ERROR_CONFIG when @target is one of this host's own addresses: a --check or
 * --observe peer must be another host. */
gboolean nmf_netlink_refuse_local_target(const char *target, GError **error);

G_END_DECLS

#endif /* NMF_NETLINK_H */
