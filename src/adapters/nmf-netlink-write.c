/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: rtnetlink writes through libnl - our tables pruned, NetworkManager's routes moved. */
#include "adapters/nmf-netlink.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "model/nmf-common.h"
#include "adapters/nmf-netlink-private.h"
#include "decide/nmf-policy-routing.h"

typedef struct {
    guint32    first;
    guint32    last;
    GArray    *keep;
    NlCache   *links;
    GPtrArray *doomed; /* struct rtnl_route *, referenced */
} PruneData;

/* A route in one of our tables, as text: the key to compare with what we keep. */
typedef struct {
    int     family;
    guint32 table;
    char    dest[INET6_ADDRSTRLEN];
    guint8  prefix;
    char    gateway[INET6_ADDRSTRLEN];
    char    iface[IFNAMSIZ + 1];
} RouteText;

static void
_addr_text(struct nl_addr *addr, int family, char *buf)
{
    guint8 zero[16] = { 0 };

    /* A default route may come without a destination: that is 0.0.0.0 or ::. */
    if (addr && nl_addr_get_len(addr) == (family == AF_INET ? 4u : 16u))
        inet_ntop(family, nl_addr_get_binary_addr(addr), buf, INET6_ADDRSTRLEN);
    else
        inet_ntop(family, zero, buf, INET6_ADDRSTRLEN);
}

static void
_route_text(const PruneData *data, struct rtnl_route *route, RouteText *t)
{
    struct nl_addr      *dst = rtnl_route_get_dst(route);
    struct rtnl_nexthop *nh =
      rtnl_route_get_nnexthops(route) == 1 ? rtnl_route_nexthop_n(route, 0) : NULL;
    struct nl_addr *gw = nh ? rtnl_route_nh_get_gateway(nh) : NULL;

    memset(t, 0, sizeof(*t));
    t->family = rtnl_route_get_family(route);
    t->table  = rtnl_route_get_table(route);
    t->prefix = dst ? nl_addr_get_prefixlen(dst) : 0;
    _addr_text(dst, t->family, t->dest);
    if (gw)
        _addr_text(gw, t->family, t->gateway);
    if (!nh
        || !rtnl_link_i2name(
          data->links, rtnl_route_nh_get_ifindex(nh), t->iface, sizeof(t->iface)))
        g_strlcpy(t->iface, "?", sizeof(t->iface));
}

static gboolean
_route_is_kept(const PruneData *data, const RouteText *t)
{
    guint i;

    for (i = 0; i < data->keep->len; i++) {
        const NmfRouteKey *k = &g_array_index(data->keep, NmfRouteKey, i);

        if (k->family == t->family && k->table == t->table && k->prefix == t->prefix
            && g_strcmp0(k->dest, t->dest) == 0 && g_strcmp0(k->gateway, t->gateway) == 0
            && g_strcmp0(k->iface, t->iface) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
_prune_one(struct nl_object *obj, void *user_data)
{
    PruneData         *data   = user_data;
    struct rtnl_route *route  = (struct rtnl_route *) obj;
    guint32            table  = rtnl_route_get_table(route);
    int                family = rtnl_route_get_family(route);
    RouteText          t;

    if ((family != AF_INET && family != AF_INET6) || table < data->first || table > data->last)
        return;
    /* The kernel's own IPv6 routes (multicast, local) are not ours to judge. */
    if (rtnl_route_get_type(route) != RTN_UNICAST)
        return;
    _route_text(data, route, &t);
    if (!_route_is_kept(data, &t)) {
        nl_object_get(obj);
        g_ptr_array_add(data->doomed, route);
    }
}

static gboolean
_prune_tables(guint32 first, guint32 last, GArray *keep, GPtrArray *removed, GError **error)
{
    g_autoptr(NlSock) sk        = NULL;
    g_autoptr(NlCache) links    = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    PruneData data              = { .first = first, .last = last, .keep = keep };
    guint     i;
    int       err;

    if (!nmf_netlink_read_routes(AF_UNSPEC, &sk, &links, &routes, error))
        return FALSE;
    data.links  = links;
    data.doomed = g_ptr_array_new_with_free_func((GDestroyNotify) rtnl_route_put);
    nmf_netlink_routes_foreach(routes, _prune_one, &data);

    for (i = 0; i < data.doomed->len; i++) {
        struct rtnl_route *route = data.doomed->pdata[i];
        g_autofree char   *buf   = NULL;
        RouteText          t;

        _route_text(&data, route, &t);
        buf = g_strdup_printf("%s/%u%s%s dev %s table %u",
                              t.dest,
                              t.prefix,
                              t.gateway[0] ? " via " : "",
                              t.gateway,
                              t.iface,
                              t.table);
        err = rtnl_route_delete(sk, route, 0);
        /* Gone already (NetworkManager or the link took it): nothing left to do. */
        if (err < 0 && err != -NLE_OBJ_NOTFOUND) {
            g_set_error(error,
                        NMF_ERROR,
                        err == -NLE_PERM ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED,
                        "cannot delete the stale route '%s': %s",
                        buf,
                        nl_geterror(err));
            g_ptr_array_unref(data.doomed);
            return FALSE;
        }
        if (err >= 0)
            g_ptr_array_add(removed, g_steal_pointer(&buf));
    }
    g_ptr_array_unref(data.doomed);
    return TRUE;
}

gboolean
nmf_netlink_prune_policy_tables(GArray *keep, GError **error)
{
    g_autoptr(GArray) none       = g_array_new(FALSE, TRUE, sizeof(NmfRouteKey));
    g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (!_prune_tables(NMF_POLICY_TABLE_BASE,
                       NMF_POLICY_TABLE_BASE + NMF_POLICY_RANGE - 1,
                       keep ? keep : none,
                       removed,
                       error))
        return FALSE;
    for (i = 0; i < removed->len; i++)
        nmf_log_info("removed stale policy route: %s", (const char *) removed->pdata[i]);
    return TRUE;
}

/*****************************************************************************/
/* Moving NetworkManager's default routes to a new metric (NetworkManager >= 1.36) */

typedef struct {
    const NmfMetricMove *moves;
    guint                n_moves;
    GPtrArray           *old;    /* struct rtnl_route *, referenced: to delete */
    GArray              *wanted; /* guint32: the metric each of them moves to */
} MoveData;

/* NetworkManager's default routes: DHCP, router advertisements, a profile's gateway. */
static gboolean
_is_nm_protocol(guint8 protocol)
{
    return protocol == RTPROT_DHCP || protocol == RTPROT_RA || protocol == RTPROT_STATIC;
}

static void
_pick_move(struct nl_object *obj, void *user_data)
{
    MoveData            *data   = user_data;
    struct rtnl_route   *route  = (struct rtnl_route *) obj;
    struct nl_addr      *dst    = rtnl_route_get_dst(route);
    int                  family = rtnl_route_get_family(route);
    struct rtnl_nexthop *nh;
    int                  ifindex;
    guint                i;

    if ((family != AF_INET && family != AF_INET6) || rtnl_route_get_table(route) != RT_TABLE_MAIN
        || rtnl_route_get_type(route) != RTN_UNICAST || (dst && nl_addr_get_prefixlen(dst) != 0)
        || rtnl_route_get_nnexthops(route) != 1 || !_is_nm_protocol(rtnl_route_get_protocol(route)))
        return;
    nh      = rtnl_route_nexthop_n(route, 0);
    ifindex = rtnl_route_nh_get_ifindex(nh);
    for (i = 0; i < data->n_moves; i++) {
        const NmfMetricMove *m = &data->moves[i];

        if (m->ifindex != ifindex || (family == AF_INET6 && !m->with_ipv6)
            || rtnl_route_get_priority(route) == m->metric)
            continue;
        nl_object_get(obj);
        g_ptr_array_add(data->old, route);
        g_array_append_val(data->wanted, m->metric);
        return;
    }
}

/* A new route like @old (table, protocol, scope, preferred source, gateway, link) with
 * @metric; none of the kernel's state flags of the old one. */
static struct rtnl_route *
_route_with_metric(struct rtnl_route *old, guint32 metric)
{
    struct rtnl_route   *route  = rtnl_route_alloc();
    struct rtnl_nexthop *old_nh = rtnl_route_nexthop_n(old, 0);
    struct rtnl_nexthop *nh     = rtnl_route_nh_alloc();
    int                  family = rtnl_route_get_family(old);
    struct nl_addr      *any    = nl_addr_build(family, NULL, 0);

    rtnl_route_set_family(route, family);
    rtnl_route_set_table(route, rtnl_route_get_table(old));
    rtnl_route_set_protocol(route, rtnl_route_get_protocol(old));
    rtnl_route_set_scope(route, rtnl_route_get_scope(old));
    rtnl_route_set_type(route, RTN_UNICAST);
    rtnl_route_set_priority(route, metric);
    rtnl_route_set_dst(route, any);
    nl_addr_put(any);
    if (rtnl_route_get_pref_src(old))
        rtnl_route_set_pref_src(route, rtnl_route_get_pref_src(old));
    rtnl_route_nh_set_ifindex(nh, rtnl_route_nh_get_ifindex(old_nh));
    if (rtnl_route_nh_get_gateway(old_nh))
        rtnl_route_nh_set_gateway(nh, rtnl_route_nh_get_gateway(old_nh));
    rtnl_route_add_nexthop(route, nh);
    return route;
}

static void
_describe_move(struct rtnl_route *old, guint32 metric, const char *iface, GPtrArray *moved)
{
    struct rtnl_nexthop *nh                        = rtnl_route_nexthop_n(old, 0);
    struct nl_addr      *gw                        = rtnl_route_nh_get_gateway(nh);
    char                 gw_text[INET6_ADDRSTRLEN] = "";

    if (gw)
        _addr_text(gw, rtnl_route_get_family(old), gw_text);
    g_ptr_array_add(moved,
                    g_strdup_printf("%s default%s%s dev %s metric %u -> %u",
                                    rtnl_route_get_family(old) == AF_INET ? "ipv4" : "ipv6",
                                    gw ? " via " : "",
                                    gw_text,
                                    iface,
                                    rtnl_route_get_priority(old),
                                    metric));
}

static const char *
_move_iface(const MoveData *data, struct rtnl_route *old)
{
    int   ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(old, 0));
    guint i;

    for (i = 0; i < data->n_moves; i++) {
        if (data->moves[i].ifindex == ifindex)
            return data->moves[i].iface;
    }
    return "?";
}

gboolean
nmf_netlink_move_default_routes(const NmfMetricMove *moves,
                                guint                n_moves,
                                GPtrArray           *moved,
                                GError             **error)
{
    g_autoptr(NlSock) sk        = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GPtrArray) old    = g_ptr_array_new_with_free_func((GDestroyNotify) rtnl_route_put);
    g_autoptr(GArray) wanted    = g_array_new(FALSE, FALSE, sizeof(guint32));
    MoveData data = { .moves = moves, .n_moves = n_moves, .old = old, .wanted = wanted };
    guint    i;
    int      err;

    if (!nmf_netlink_read_routes(AF_UNSPEC, &sk, NULL, &routes, error))
        return FALSE;
    nmf_netlink_routes_foreach(routes, _pick_move, &data);

    /* Every new route first, then the old ones: each link keeps a default route
     * throughout.  NLM_F_APPEND lets a new route sit beside another link's route that
     * still holds the same metric (IPv4 keeps using the older one; IPv6 shares the
     * two until the old one goes a moment later). */
    for (i = 0; i < old->len; i++) {
        struct rtnl_route *route =
          _route_with_metric(old->pdata[i], g_array_index(wanted, guint32, i));

        err = rtnl_route_add(sk, route, NLM_F_APPEND);
        rtnl_route_put(route);
        if (err < 0 && err != -NLE_EXIST) {
            g_autoptr(GPtrArray) what = g_ptr_array_new_with_free_func(g_free);

            _describe_move(old->pdata[i],
                           g_array_index(wanted, guint32, i),
                           _move_iface(&data, old->pdata[i]),
                           what);
            g_set_error(error,
                        NMF_ERROR,
                        err == -NLE_PERM ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED,
                        "cannot add the route for '%s': %s",
                        (const char *) what->pdata[0],
                        nl_geterror(err));
            return FALSE;
        }
    }
    for (i = 0; i < old->len; i++) {
        err = rtnl_route_delete(sk, old->pdata[i], 0);
        /* Gone already (NetworkManager or the link took it): nothing left to do. */
        if (err < 0 && err != -NLE_OBJ_NOTFOUND) {
            g_set_error(error,
                        NMF_ERROR,
                        err == -NLE_PERM ? NMF_ERROR_PERMISSION : NMF_ERROR_FAILED,
                        "cannot delete the default route of %s with metric %u: %s",
                        _move_iface(&data, old->pdata[i]),
                        rtnl_route_get_priority(old->pdata[i]),
                        nl_geterror(err));
            return FALSE;
        }
        _describe_move(old->pdata[i],
                       g_array_index(wanted, guint32, i),
                       _move_iface(&data, old->pdata[i]),
                       moved);
    }
    return TRUE;
}
