/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: kernel routes and route lookups as plain structs; which default route wins. */
#include "model/nmf-route.h"

#include <string.h>
#include <sys/socket.h>

void
nmf_local_address_free(NmfLocalAddress *addr)
{
    if (!addr)
        return;
    g_free(addr->iface);
    g_free(addr->address);
    g_free(addr);
}

void
nmf_route_answer_clear(NmfRouteAnswer *answer)
{
    g_clear_pointer(&answer->oif_name, g_free);
    g_clear_pointer(&answer->gateway, g_free);
}

void
nmf_route_free(NmfRoute *route)
{
    if (!route)
        return;
    g_free(route->iface);
    g_free(route->gateway);
    g_free(route);
}

static int
_compare_routes(gconstpointer a, gconstpointer b)
{
    const NmfRoute *ra = *(const NmfRoute *const *) a;
    const NmfRoute *rb = *(const NmfRoute *const *) b;

    if (ra->family != rb->family)
        return ra->family == AF_INET ? -1 : 1;
    if (ra->table != rb->table) {
        if (ra->table == NMF_TABLE_MAIN || rb->table == NMF_TABLE_MAIN)
            return ra->table == NMF_TABLE_MAIN ? -1 : 1;
        return ra->table < rb->table ? -1 : 1;
    }
    if (ra->metric != rb->metric)
        return ra->metric < rb->metric ? -1 : 1;
    return ra->ifindex - rb->ifindex;
}

void
nmf_routes_sort(GPtrArray *routes)
{
    g_ptr_array_sort(routes, _compare_routes);
}

const NmfRoute *
nmf_routes_owner(GPtrArray *routes, int family)
{
    const NmfRoute *best = NULL;
    guint           i;

    /* The kernel picks the lowest metric; on a tie the one it was given first, which
     * we cannot see, so report the lower ifindex and let --status flag ties elsewhere. */
    for (i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family != family || r->table != NMF_TABLE_MAIN)
            continue;
        if (!best || r->metric < best->metric
            || (r->metric == best->metric && r->ifindex < best->ifindex))
            best = r;
    }
    return best;
}

gboolean
nmf_routes_lowest_shared(GPtrArray       *routes,
                         int              family,
                         const NmfRoute **out_first,
                         const NmfRoute **out_second)
{
    const NmfRoute *first = nmf_routes_owner(routes, family);
    const NmfRoute *other = NULL;
    guint           i;

    for (i = 0; first && routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family != family || r->table != NMF_TABLE_MAIN || r->metric != first->metric
            || (r->ifindex == first->ifindex && strcmp(r->iface, first->iface) == 0))
            continue;
        if (!other || r->ifindex < other->ifindex)
            other = r;
    }
    if (!other)
        return FALSE;
    if (out_first)
        *out_first = first;
    if (out_second)
        *out_second = other;
    return TRUE;
}

void
nmf_routes_link_defaults(GPtrArray *routes, int ifindex, NmfLinkDefaults *out)
{
    NmfLinkDefaults found = { .metric4 = NMF_METRIC_AUTO, .metric6 = NMF_METRIC_AUTO };
    guint           i;

    for (i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];
        gint64         *lowest;

        if (r->table != NMF_TABLE_MAIN || r->ifindex != ifindex
            || (r->family != AF_INET && r->family != AF_INET6))
            continue;
        lowest = r->family == AF_INET ? &found.metric4 : &found.metric6;
        if (*lowest == NMF_METRIC_AUTO || r->metric < *lowest)
            *lowest = r->metric;
        if (r->family == AF_INET6 && r->protocol == NMF_ROUTE_PROTOCOL_RA)
            found.ra6 = TRUE;
    }
    *out = found;
}
