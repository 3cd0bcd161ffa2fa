/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: the kernel's facts (routes, local addresses, route lookups, rp_filter) as
 * plain structs, filled by the netlink adapter (nmf-netlink.c). */
#ifndef NMF_ROUTE_H
#define NMF_ROUTE_H

#include <glib.h>

G_BEGIN_DECLS

#define NMF_TABLE_MAIN 254

/* No metric: a profile's route-metric left to NetworkManager, or a link without a default
 * route of that family in the kernel. */
#define NMF_METRIC_AUTO (-1)

typedef struct {
    int     family; /* AF_INET or AF_INET6 */
    int     ifindex;
    char   *iface;   /* "" when the link is gone */
    char   *gateway; /* NULL for a device route */
    guint32 metric;
    guint32 table;
    guint8  protocol; /* who put it there: RTPROT_* (NMF_ROUTE_PROTOCOL_RA, ...) */
} NmfRoute;

/* rtnetlink's RTPROT_RA: learned from an IPv6 router advertisement (by NetworkManager or
 * the kernel).  Here so that pure steps need no kernel headers. */
#define NMF_ROUTE_PROTOCOL_RA 9

/* A route we want to keep in one of our policy-routing tables. */
typedef struct {
    int         family;
    guint32     table;
    const char *dest; /* canonical text, masked; borrowed */
    guint8      prefix;
    const char *gateway; /* "" for a device route; borrowed */
    const char *iface;   /* borrowed */
} NmfRouteKey;

/* A local address as the kernel lists it (loopback and IPv6 link-local skipped). */
typedef struct {
    int    family; /* AF_INET or AF_INET6 */
    int    ifindex;
    char  *iface;
    char  *address; /* text, without prefix length */
    guint8 prefix;
} NmfLocalAddress;

void nmf_local_address_free(NmfLocalAddress *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfLocalAddress, nmf_local_address_free)

/* The kernel's answer to one RTM_GETROUTE request (`ip route get`). */
typedef struct {
    int     error; /* 0, or the positive errno the kernel answered (ENETUNREACH, EXDEV, ...) */
    int     type;  /* RTN_UNICAST, RTN_LOCAL, ... */
    int     oif;
    char   *oif_name; /* NULL when there is no output interface */
    char   *gateway;  /* NULL for an on-link destination */
    guint32 table;
} NmfRouteAnswer;

void nmf_route_answer_clear(NmfRouteAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NmfRouteAnswer, nmf_route_answer_clear)

/* net.ipv4.conf.{all,default,IFACE}.rp_filter; -1 where unreadable. */
typedef struct {
    int all;
    int deflt;
    int iface;
} NmfRpFilter;

#define NMF_RP_FILTER_NONE (-1) /* IPv6, or unknown */

void nmf_route_free(NmfRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfRoute, nmf_route_free)

/* Sort by family (IPv4 first), table (main first), metric, ifindex. */
void nmf_routes_sort(GPtrArray *routes);

/* One link whose default routes in the main table must carry @metric (see
 * nmf_netlink_move_default_routes()). */
typedef struct {
    int         ifindex;
    const char *iface; /* borrowed; for the log lines */
    guint32     metric;
    gboolean    with_ipv6; /* move its IPv6 default routes too */
} NmfMetricMove;

/* The default route that wins for @family in the main table, or NULL. */
const NmfRoute *nmf_routes_owner(GPtrArray *routes, int family);

/* Whether two links hold default routes of @family in the main table at the lowest
 * metric there: the kernel's choice between them is then not stable (it may answer one
 * link now and the other a moment later).  @out_first/@out_second, when given, are set to
 * one route of each of two such links (lower ifindex first) only when it returns TRUE. */
gboolean nmf_routes_lowest_shared(GPtrArray       *routes,
                                  int              family,
                                  const NmfRoute **out_first,
                                  const NmfRoute **out_second);

/* What the main table says about one link's default routes. */
typedef struct {
    gint64   metric4; /* the lowest IPv4 default route's metric, or NMF_METRIC_AUTO */
    gint64   metric6; /* the same for IPv6 */
    gboolean ra6;     /* an IPv6 default route learned from a router advertisement */
} NmfLinkDefaults;

/* Reads @routes (NULL: no routes) for the link with @ifindex into @out. The snapshot
 * fills each uplink from it; --revert judges whether a move back would hold. */
void nmf_routes_link_defaults(GPtrArray *routes, int ifindex, NmfLinkDefaults *out);

G_END_DECLS

#endif /* NMF_ROUTE_H */
