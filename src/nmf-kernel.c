/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nmf-kernel.h"

#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "nmf-common.h"

/* libnl objects are not GObjects: give them cleanup functions of their own. */
typedef struct nl_sock  NlSock;
typedef struct nl_cache NlCache;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlCache, nl_cache_free)

static NlSock *
_connect(GError **error)
{
    g_autoptr(NlSock) sk = nl_socket_alloc();
    int err;

    if (!sk) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "out of memory");
        return NULL;
    }
    err = nl_connect(sk, NETLINK_ROUTE);
    if (err < 0) {
        g_set_error(
          error, NMF_ERROR, NMF_ERROR_FAILED, "cannot open a netlink socket: %s", nl_geterror(err));
        return NULL;
    }
    return g_steal_pointer(&sk);
}

typedef struct {
    GPtrArray *routes;
    NlCache   *links;
} CollectData;

static void
_collect_one(struct nl_object *obj, void *user_data)
{
    CollectData         *data  = user_data;
    struct rtnl_route   *route = (struct rtnl_route *) obj;
    struct nl_addr      *dst   = rtnl_route_get_dst(route);
    struct rtnl_nexthop *nh;
    struct nl_addr      *gw;
    NmfRoute            *r;
    char                 name[64];
    char                 buf[128];
    int                  family = rtnl_route_get_family(route);

    if (family != AF_INET && family != AF_INET6)
        return;
    if (rtnl_route_get_type(route) != RTN_UNICAST)
        return;
    if (dst && nl_addr_get_prefixlen(dst) != 0)
        return;
    if (rtnl_route_get_nnexthops(route) < 1)
        return;

    nh         = rtnl_route_nexthop_n(route, 0);
    r          = g_new0(NmfRoute, 1);
    r->family  = family;
    r->ifindex = rtnl_route_nh_get_ifindex(nh);
    r->metric  = rtnl_route_get_priority(route);
    r->table   = rtnl_route_get_table(route);
    r->iface = g_strdup(rtnl_link_i2name(data->links, r->ifindex, name, sizeof(name)) ? name : "");
    gw       = rtnl_route_nh_get_gateway(nh);
    if (gw)
        r->gateway = g_strdup(nl_addr2str(gw, buf, sizeof(buf)));
    g_ptr_array_add(data->routes, r);
}

GPtrArray *
nmf_kernel_default_routes(GError **error)
{
    g_autoptr(NlSock) sk        = NULL;
    g_autoptr(NlCache) links    = NULL;
    g_autoptr(NlCache) routes   = NULL;
    g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    CollectData data;
    int         err;

    sk = _connect(error);
    if (!sk)
        return NULL;
    err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
    if (err >= 0)
        err = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes);
    if (err < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read routes from the kernel: %s",
                    nl_geterror(err));
        return NULL;
    }

    data.routes = result;
    data.links  = links;
    nl_cache_foreach(routes, _collect_one, &data);
    nmf_routes_sort(result);
    return g_steal_pointer(&result);
}
