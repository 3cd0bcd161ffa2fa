/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel routes as plain structs (filled by nmf-kernel.c). Pure. */
#ifndef NMF_ROUTE_H
#define NMF_ROUTE_H

#include <glib.h>

G_BEGIN_DECLS

#define NMF_TABLE_MAIN 254

typedef struct {
    int     family; /* AF_INET or AF_INET6 */
    int     ifindex;
    char   *iface;   /* "" when the link is gone */
    char   *gateway; /* NULL for a device route */
    guint32 metric;
    guint32 table;
} NmfRoute;

/* A route we want to keep in one of our policy-routing tables. */
typedef struct {
    int         family;
    guint32     table;
    const char *dest; /* canonical text, masked; borrowed */
    guint8      prefix;
    const char *gateway; /* "" for a device route; borrowed */
    const char *iface;   /* borrowed */
} NmfRouteKey;

void nmf_route_free(NmfRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfRoute, nmf_route_free)

/* Sort by family (IPv4 first), table (main first), metric, ifindex. */
void nmf_routes_sort(GPtrArray *routes);

/* The default route that wins for @family in the main table, or NULL. */
const NmfRoute *nmf_routes_owner(GPtrArray *routes, int family);

G_END_DECLS

#endif /* NMF_ROUTE_H */
