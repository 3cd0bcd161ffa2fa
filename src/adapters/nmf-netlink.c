/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: rtnetlink through libnl, reading - routes, addresses, route lookups, neighbours. */
#include "adapters/nmf-netlink.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <poll.h>
#include <time.h>
#include <netlink/route/route.h>

#include "model/nmf-common.h"
#include "adapters/nmf-netlink-private.h"

NlSock *
nmf_netlink_connect(GError **error)
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

/* Every route of @family the kernel lists, one object per RTM_NEWROUTE message.  Not a
 * libnl route cache: it keeps one route per (family, table, destination, metric), so two
 * links' default routes at the same metric - the state in which the kernel alternates
 * between them - would show as one. */
static int
_add_route_message(struct nl_msg *msg, void *user_data)
{
    GPtrArray         *routes = user_data;
    struct rtnl_route *route  = NULL;

    if (rtnl_route_parse(nlmsg_hdr(msg), &route) >= 0 && route)
        g_ptr_array_add(routes, route);
    return NL_OK;
}

static int
_dump_routes(NlSock *sk, int family, GPtrArray **out_routes)
{
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) rtnl_route_put);
    g_autoptr(NlCb) cb          = nl_cb_alloc(NL_CB_DEFAULT);
    struct rtmsg rtm            = { .rtm_family = (unsigned char) family };
    int          err;

    if (!cb)
        return -NLE_NOMEM;
    err = nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
    if (err < 0)
        return err;
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, _add_route_message, routes);
    err = nl_recvmsgs(sk, cb);
    if (err < 0)
        return err;
    *out_routes = g_steal_pointer(&routes);
    return 0;
}

void
nmf_netlink_routes_foreach(GPtrArray *routes,
                           void (*func)(struct nl_object *, void *),
                           void *user_data)
{
    guint i;

    for (i = 0; i < routes->len; i++)
        func(routes->pdata[i], user_data);
}

gboolean
nmf_netlink_read_routes(int         family,
                        NlSock    **out_sk,
                        NlCache   **out_links,
                        GPtrArray **out_routes,
                        GError    **error)
{
    g_autoptr(NlSock) sk        = nmf_netlink_connect(error);
    g_autoptr(NlCache) links    = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    int err                     = 0;

    if (!sk)
        return FALSE;
    if (out_links)
        err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
    if (err >= 0)
        err = _dump_routes(sk, family, &routes);
    if (err < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read routes from the kernel: %s",
                    nl_geterror(err));
        return FALSE;
    }
    *out_sk = g_steal_pointer(&sk);
    if (out_links)
        *out_links = g_steal_pointer(&links);
    *out_routes = g_steal_pointer(&routes);
    return TRUE;
}

typedef struct {
    GPtrArray *routes;
    NlCache   *links;
} CollectData;

/* One NmfRoute per next hop: a route the kernel joined from two links' routes at one
 * metric (IPv6 does that) is two links sharing the metric, as two routes would be. */
static void
_collect_one(struct nl_object *obj, void *user_data)
{
    CollectData       *data   = user_data;
    struct rtnl_route *route  = (struct rtnl_route *) obj;
    struct nl_addr    *dst    = rtnl_route_get_dst(route);
    int                family = rtnl_route_get_family(route);
    int                n;

    if (family != AF_INET && family != AF_INET6)
        return;
    if (rtnl_route_get_type(route) != RTN_UNICAST)
        return;
    if (dst && nl_addr_get_prefixlen(dst) != 0)
        return;
    for (n = 0; n < rtnl_route_get_nnexthops(route); n++) {
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, n);
        struct nl_addr      *gw = rtnl_route_nh_get_gateway(nh);
        NmfRoute            *r  = g_new0(NmfRoute, 1);
        char                 name[64];
        char                 buf[128];

        r->family   = family;
        r->ifindex  = rtnl_route_nh_get_ifindex(nh);
        r->metric   = rtnl_route_get_priority(route);
        r->table    = rtnl_route_get_table(route);
        r->protocol = rtnl_route_get_protocol(route);
        r->iface =
          g_strdup(rtnl_link_i2name(data->links, r->ifindex, name, sizeof(name)) ? name : "");
        if (gw)
            r->gateway = g_strdup(nl_addr2str(gw, buf, sizeof(buf)));
        g_ptr_array_add(data->routes, r);
    }
}

GPtrArray *
nmf_netlink_default_routes(GError **error)
{
    g_autoptr(NlSock) sk        = NULL;
    g_autoptr(NlCache) links    = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    CollectData data;

    if (!nmf_netlink_read_routes(AF_UNSPEC, &sk, &links, &routes, error))
        return NULL;

    data.routes = result;
    data.links  = links;
    nmf_netlink_routes_foreach(routes, _collect_one, &data);
    nmf_routes_sort(result);
    return g_steal_pointer(&result);
}

/*****************************************************************************/
/* --check: addresses, route lookups, reverse-path filter */

static gboolean
_parse_address(int family, const char *text, guint8 *buf, GError **error)
{
    if (text && inet_pton(family, text, buf) == 1)
        return TRUE;
    g_set_error(error,
                NMF_ERROR,
                NMF_ERROR_CONFIG,
                "'%s' is not an %s address",
                text ? text : "",
                family == AF_INET ? "IPv4" : "IPv6");
    return FALSE;
}

static guint
_address_len(int family)
{
    return family == AF_INET ? 4 : 16;
}

static int
_compare_local_addresses(gconstpointer a, gconstpointer b)
{
    const NmfLocalAddress *la = *(const NmfLocalAddress *const *) a;
    const NmfLocalAddress *lb = *(const NmfLocalAddress *const *) b;

    if (la->ifindex != lb->ifindex)
        return la->ifindex < lb->ifindex ? -1 : 1;
    if (la->family != lb->family)
        return la->family == AF_INET ? -1 : 1;
    return strcmp(la->address, lb->address);
}

typedef struct {
    int        family;
    NlCache   *links;
    GPtrArray *result;
} AddrData;

static void
_collect_address(struct nl_object *obj, void *user_data)
{
    AddrData         *data   = user_data;
    struct rtnl_addr *addr   = (struct rtnl_addr *) obj;
    int               family = rtnl_addr_get_family(addr);
    struct nl_addr   *local  = rtnl_addr_get_local(addr);
    struct rtnl_link *link;
    const guint8     *bytes;
    NmfLocalAddress  *a;
    unsigned int      flags;
    char              buf[INET6_ADDRSTRLEN];

    if (family != AF_INET && family != AF_INET6)
        return;
    if (data->family != AF_UNSPEC && family != data->family)
        return;
    if (!local || nl_addr_get_len(local) != _address_len(family))
        return;
    if (rtnl_addr_get_scope(addr) >= RT_SCOPE_LINK)
        return; /* IPv6 link-local, 127.0.0.0/8, ::1 */
    if (rtnl_addr_get_flags(addr) & IFA_F_DADFAILED)
        return;
    bytes = nl_addr_get_binary_addr(local);
    if (family == AF_INET6 && bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80)
        return;

    link = rtnl_link_get(data->links, rtnl_addr_get_ifindex(addr));
    if (!link)
        return;
    flags = rtnl_link_get_flags(link);
    if ((flags & IFF_LOOPBACK) || !(flags & IFF_UP) || !rtnl_link_get_name(link)) {
        rtnl_link_put(link);
        return;
    }

    a          = g_new0(NmfLocalAddress, 1);
    a->family  = family;
    a->ifindex = rtnl_addr_get_ifindex(addr);
    a->iface   = g_strdup(rtnl_link_get_name(link));
    a->address = g_strdup(inet_ntop(family, bytes, buf, sizeof(buf)));
    a->prefix  = rtnl_addr_get_prefixlen(addr);
    g_ptr_array_add(data->result, a);
    rtnl_link_put(link);
}

GPtrArray *
nmf_netlink_local_addresses(int family, GError **error)
{
    g_autoptr(NlSock) sk     = NULL;
    g_autoptr(NlCache) links = NULL;
    g_autoptr(NlCache) addrs = NULL;
    g_autoptr(GPtrArray) result =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_local_address_free);
    AddrData data;
    int      err;

    sk = nmf_netlink_connect(error);
    if (!sk)
        return NULL;
    err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
    if (err >= 0)
        err = rtnl_addr_alloc_cache(sk, &addrs);
    if (err < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read addresses from the kernel: %s",
                    nl_geterror(err));
        return NULL;
    }
    data.family = family;
    data.links  = links;
    data.result = result;
    nl_cache_foreach(addrs, _collect_address, &data);
    g_ptr_array_sort(result, _compare_local_addresses);
    return g_steal_pointer(&result);
}

typedef struct {
    NmfRouteAnswer *answer;
    gboolean        answered;
    int             parse_error;
} RouteGetData;

static int
_route_get_valid_cb(struct nl_msg *msg, void *arg)
{
    RouteGetData        *data  = arg;
    struct rtnl_route   *route = NULL;
    struct rtnl_nexthop *nh;
    struct nl_addr      *gw;
    char                 name[IF_NAMESIZE];
    char                 buf[INET6_ADDRSTRLEN];
    int                  err;

    if (nlmsg_hdr(msg)->nlmsg_type != RTM_NEWROUTE)
        return NL_SKIP;
    err = rtnl_route_parse(nlmsg_hdr(msg), &route);
    if (err < 0) {
        data->parse_error = err;
        return NL_STOP;
    }
    data->answered      = TRUE;
    data->answer->error = 0;
    data->answer->type  = rtnl_route_get_type(route);
    data->answer->table = rtnl_route_get_table(route);
    if (rtnl_route_get_nnexthops(route) >= 1) {
        nh                = rtnl_route_nexthop_n(route, 0);
        data->answer->oif = rtnl_route_nh_get_ifindex(nh);
        if (data->answer->oif > 0 && if_indextoname(data->answer->oif, name))
            data->answer->oif_name = g_strdup(name);
        gw = rtnl_route_nh_get_gateway(nh);
        if (gw && nl_addr_get_len(gw) == _address_len(rtnl_route_get_family(route)))
            data->answer->gateway = g_strdup(inet_ntop(
              rtnl_route_get_family(route), nl_addr_get_binary_addr(gw), buf, sizeof(buf)));
    }
    rtnl_route_put(route);
    return NL_STOP;
}

static int
_route_get_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
    RouteGetData *data = arg;

    /* The kernel's own errno, which libnl would otherwise fold into its own codes. */
    data->answered      = TRUE;
    data->answer->error = e->error < 0 ? -e->error : e->error;
    return NL_STOP;
}

gboolean
nmf_netlink_route_get(int             family,
                      const char     *dst,
                      const char     *src,
                      int             iif,
                      NmfRouteAnswer *out,
                      GError        **error)
{
    g_autoptr(NlSock) sk = NULL;
    g_autoptr(NlMsg) msg = NULL;
    g_autoptr(NlCb) cb   = NULL;
    struct rtmsg rtm     = { 0 };
    guint8       dst_buf[16];
    guint8       src_buf[16];
    guint        alen         = _address_len(family);
    RouteGetData data         = { .answer = out };
    char         iif_text[32] = "";
    int          err;

    g_return_val_if_fail(family == AF_INET || family == AF_INET6, FALSE);
    memset(out, 0, sizeof(*out));
    if (!_parse_address(family, dst, dst_buf, error))
        return FALSE;
    if (src && !_parse_address(family, src, src_buf, error))
        return FALSE;

    sk = nmf_netlink_connect(error);
    if (!sk)
        return FALSE;
    nl_socket_disable_auto_ack(sk); /* one answer: the route or an error */

    rtm.rtm_family  = family;
    rtm.rtm_dst_len = alen * 8;
    rtm.rtm_src_len = src ? alen * 8 : 0;
    rtm.rtm_flags   = RTM_F_LOOKUP_TABLE; /* report the table the lookup used */
    msg             = nlmsg_alloc_simple(RTM_GETROUTE, 0);
    if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0
        || nla_put(msg, RTA_DST, alen, dst_buf) < 0
        || (src && nla_put(msg, RTA_SRC, alen, src_buf) < 0)
        || (iif > 0 && nla_put_u32(msg, RTA_IIF, iif) < 0)) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "out of memory");
        return FALSE;
    }

    cb = nl_cb_alloc(NL_CB_DEFAULT);
    if (!cb) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "out of memory");
        return FALSE;
    }
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, _route_get_valid_cb, &data);
    nl_cb_err(cb, NL_CB_CUSTOM, _route_get_error_cb, &data);

    err = nl_send_auto(sk, msg);
    if (err >= 0)
        err = nl_recvmsgs(sk, cb);
    if (!data.answered && err >= 0)
        err = data.parse_error < 0 ? data.parse_error : -NLE_MSG_TRUNC;
    if (!data.answered) {
        nmf_route_answer_clear(out);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot look up the route to %s: %s",
                    dst,
                    nl_geterror(err));
        return FALSE;
    }
    if (iif > 0)
        g_snprintf(iif_text, sizeof(iif_text), " iif %d", iif);
    nmf_log_debug("route get %s%s%s%s: %s%s",
                  dst,
                  src ? " from " : "",
                  src ? src : "",
                  iif_text,
                  out->error ? g_strerror(out->error) : "dev ",
                  out->error ? "" : (out->oif_name ? out->oif_name : "?"));
    return TRUE;
}

static gboolean
_prefix_contains(const guint8 *net, guint prefix, const guint8 *addr, guint alen)
{
    guint full = MIN(prefix, alen * 8) / 8;
    guint rest = MIN(prefix, alen * 8) % 8;

    if (memcmp(net, addr, full) != 0)
        return FALSE;
    if (rest == 0)
        return TRUE;
    return ((net[full] ^ addr[full]) & (guint8) (0xff << (8 - rest))) == 0;
}

typedef struct {
    int           family;
    const guint8 *target;
    GHashTable   *ifindexes;
} RouteToData;

static void
_route_to_one(struct nl_object *obj, void *user_data)
{
    RouteToData       *data  = user_data;
    struct rtnl_route *route = (struct rtnl_route *) obj;
    struct nl_addr    *dst   = rtnl_route_get_dst(route);
    guint              alen  = _address_len(data->family);
    int                i;

    if (rtnl_route_get_family(route) != data->family || rtnl_route_get_type(route) != RTN_UNICAST)
        return;
    if (dst && nl_addr_get_prefixlen(dst) > 0) {
        if (nl_addr_get_len(dst) != alen
            || !_prefix_contains(
              nl_addr_get_binary_addr(dst), nl_addr_get_prefixlen(dst), data->target, alen))
            return;
    }
    for (i = 0; i < rtnl_route_get_nnexthops(route); i++) {
        int ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, i));

        if (ifindex > 0)
            g_hash_table_add(data->ifindexes, GINT_TO_POINTER(ifindex));
    }
}

GHashTable *
nmf_netlink_links_with_route_to(int family, const char *dst, GError **error)
{
    g_autoptr(NlSock) sk         = NULL;
    g_autoptr(GPtrArray) routes  = NULL;
    g_autoptr(GHashTable) result = g_hash_table_new(g_direct_hash, g_direct_equal);
    guint8      target[16];
    RouteToData data;

    g_return_val_if_fail(family == AF_INET || family == AF_INET6, NULL);
    if (!_parse_address(family, dst, target, error))
        return NULL;
    if (!nmf_netlink_read_routes(family, &sk, NULL, &routes, error))
        return NULL;
    data.family    = family;
    data.target    = target;
    data.ifindexes = result;
    nmf_netlink_routes_foreach(routes, _route_to_one, &data);
    return g_steal_pointer(&result);
}

/* Neighbour states that carry a link-layer address worth believing. */
#define NEIGH_USABLE_STATES \
    (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

typedef struct {
    NmfNeighbourQuery *query;
    struct nl_addr    *dst;
    gboolean           failed; /* the kernel gave up resolving it (NUD_FAILED) */
    gboolean           awaited;
} NeighWait;

typedef struct {
    NeighWait *waits;
    guint      n;
} NeighWaits;

static void
_neigh_match(struct nl_object *obj, void *user_data)
{
    NeighWaits        *all   = user_data;
    struct rtnl_neigh *neigh = (struct rtnl_neigh *) obj;
    struct nl_addr    *dst   = rtnl_neigh_get_dst(neigh);
    struct nl_addr    *ll    = rtnl_neigh_get_lladdr(neigh);
    int                state = rtnl_neigh_get_state(neigh);
    guint              i;

    for (i = 0; dst && i < all->n; i++) {
        NeighWait *wait = &all->waits[i];

        if (wait->query->found || rtnl_neigh_get_ifindex(neigh) != wait->query->ifindex
            || nl_addr_cmp(dst, wait->dst) != 0)
            continue;
        if ((state & NEIGH_USABLE_STATES) && ll && nl_addr_get_len(ll) == 6) {
            memcpy(wait->query->mac, nl_addr_get_binary_addr(ll), 6);
            wait->query->found = TRUE;
        } else if (state & NUD_FAILED) {
            wait->failed = TRUE;
        }
    }
}

static int
_neigh_event_cb(struct nl_msg *msg, void *arg)
{
    nl_msg_parse(msg, _neigh_match, arg);
    return NL_OK;
}

static gint64
_now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* RTM_NEWNEIGH with NTF_USE and no state: the kernel creates the entry if needed and starts
 * resolving it (neigh_event_send), without us writing any address into its table. */
static int
_neigh_request_resolution(NlSock *sk, int family, int ifindex, const guint8 *dst, guint alen)
{
    g_autoptr(NlMsg) msg = nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
    struct ndmsg ndm     = { 0 };
    int          err;

    if (!msg)
        return -NLE_NOMEM;
    ndm.ndm_family  = family;
    ndm.ndm_ifindex = ifindex;
    ndm.ndm_flags   = NTF_USE;
    ndm.ndm_state   = NUD_NONE;
    if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0
        || nla_put(msg, NDA_DST, alen, dst) < 0)
        return -NLE_NOMEM;
    err = nl_send_auto(sk, msg);
    if (err < 0)
        return err;
    return nl_wait_for_ack(sk);
}

static gboolean
_neigh_open(gboolean resolve, NeighWaits *all, NlSock **out_sk, NlSock **out_events, GError **error)
{
    g_autoptr(NlSock) sk     = nmf_netlink_connect(error);
    g_autoptr(NlSock) events = NULL;
    int err;

    if (!sk)
        return FALSE;
    /* Listen before looking, so that an answer between the two is not missed. */
    if (resolve) {
        events = nmf_netlink_connect(error);
        if (!events)
            return FALSE;
        nl_socket_disable_seq_check(events);
        nl_socket_modify_cb(events, NL_CB_VALID, NL_CB_CUSTOM, _neigh_event_cb, all);
        err = nl_socket_add_membership(events, RTNLGRP_NEIGH);
        if (err < 0) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_FAILED,
                        "cannot listen to neighbour events: %s",
                        nl_geterror(err));
            return FALSE;
        }
    }
    *out_sk     = g_steal_pointer(&sk);
    *out_events = g_steal_pointer(&events);
    return TRUE;
}

/* Asks the kernel to resolve every query it has no answer for, then waits for the answers
 * together until @deadline. */
static void
_neigh_resolve(NlSock *sk, NlSock *events, NeighWaits *all, gint64 deadline)
{
    guint i, awaited = 0;

    for (i = 0; i < all->n; i++) {
        NeighWait         *wait = &all->waits[i];
        NmfNeighbourQuery *q    = wait->query;
        int                err;

        if (q->found)
            continue;
        err =
          _neigh_request_resolution(sk, q->family, q->ifindex, q->address, _address_len(q->family));
        if (err < 0) {
            nmf_log_debug("cannot ask the kernel to resolve a neighbour on ifindex %d: %s",
                          q->ifindex,
                          nl_geterror(err));
            continue;
        }
        /* A failed entry is the kernel's own recent answer (no reply to its probes): it
         * probes again, and an answer that comes while others are awaited counts, but
         * waiting for it alone would mostly wait for the same answer. */
        wait->awaited = !wait->failed;
        wait->failed  = FALSE;
        awaited += wait->awaited;
    }
    while (awaited > 0) {
        struct pollfd pfd     = { .fd = nl_socket_get_fd(events), .events = POLLIN };
        gint64        left    = deadline - _now_ms();
        gboolean      waiting = FALSE;

        for (i = 0; i < all->n && !waiting; i++)
            waiting = all->waits[i].awaited && !all->waits[i].query->found && !all->waits[i].failed;
        if (!waiting || left <= 0 || poll(&pfd, 1, (int) left) <= 0)
            break;
        if (nl_recvmsgs_default(events) < 0)
            break;
    }
}

gboolean
nmf_netlink_neighbour_macs(NmfNeighbourQuery *queries,
                           guint              n_queries,
                           gboolean           resolve,
                           guint              timeout_ms,
                           GError           **error)
{
    g_autofree NeighWait *waits = g_new0(NeighWait, n_queries);
    NeighWaits            all   = { waits, n_queries };
    g_autoptr(NlSock) sk        = NULL;
    g_autoptr(NlSock) events    = NULL;
    g_autoptr(NlCache) neighs   = NULL;
    gint64   deadline           = _now_ms() + timeout_ms;
    gboolean ok                 = FALSE;
    guint    i;
    int      err;

    for (i = 0; i < n_queries; i++) {
        g_return_val_if_fail(queries[i].family == AF_INET || queries[i].family == AF_INET6, FALSE);
        queries[i].found = FALSE;
        waits[i].query   = &queries[i];
        waits[i].dst =
          nl_addr_build(queries[i].family, queries[i].address, _address_len(queries[i].family));
        if (!waits[i].dst) {
            g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "out of memory");
            goto out;
        }
    }
    if (n_queries == 0)
        return TRUE;
    if (!_neigh_open(resolve, &all, &sk, &events, error))
        goto out;
    /* One dump of the table answers every query it can. */
    err = rtnl_neigh_alloc_cache(sk, &neighs);
    if (err < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot read the neighbour table: %s",
                    nl_geterror(err));
        goto out;
    }
    nl_cache_foreach(neighs, _neigh_match, &all);
    if (resolve)
        _neigh_resolve(sk, events, &all, deadline);
    ok = TRUE;
out:
    for (i = 0; i < n_queries; i++) {
        if (waits[i].dst)
            nl_addr_put(waits[i].dst);
    }
    return ok;
}

gboolean
nmf_netlink_refuse_local_target(const char *target, GError **error)
{
    int family                  = strchr(target, ':') ? AF_INET6 : AF_INET;
    g_autoptr(GPtrArray) locals = nmf_netlink_local_addresses(family, error);
    guint8 want[16];
    guint8 have[16];
    guint  i;

    if (!locals)
        return FALSE;
    if (inet_pton(family, target, want) != 1)
        return TRUE;
    for (i = 0; i < locals->len; i++) {
        const NmfLocalAddress *local = locals->pdata[i];

        if (inet_pton(family, local->address, have) == 1
            && memcmp(want, have, family == AF_INET ? 4 : 16) == 0) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_CONFIG,
                        "'%s' is an address of this host (on %s), not a peer; nothing was done",
                        target,
                        local->iface);
            return FALSE;
        }
    }
    return TRUE;
}
