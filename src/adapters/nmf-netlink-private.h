/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter internals shared by nmf-netlink.c (reading) and nmf-netlink-write.c (writing
 * routes): the libnl socket and the route dump.  Included by those two files only.
 */
#ifndef NMF_NETLINK_PRIVATE_H
#define NMF_NETLINK_PRIVATE_H

#include <glib.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

G_BEGIN_DECLS

/* libnl objects are not GObjects: give them cleanup functions of their own. */
typedef struct nl_sock  NlSock;
typedef struct nl_cache NlCache;
typedef struct nl_msg   NlMsg;
typedef struct nl_cb    NlCb;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlCache, nl_cache_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlMsg, nlmsg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NlCb, nl_cb_put)

/* A connected NETLINK_ROUTE socket. */
NlSock *nmf_netlink_connect(GError **error);

/* A socket, the link cache (when @out_links) and every route of @family the kernel
 * lists (struct rtnl_route *, owned by the array), duplicates at one metric included. */
gboolean nmf_netlink_read_routes(int         family,
                                 NlSock    **out_sk,
                                 NlCache   **out_links,
                                 GPtrArray **out_routes,
                                 GError    **error);

/* Calls @func for each route of @routes (as nl_cache_foreach() does for a cache). */
void nmf_netlink_routes_foreach(GPtrArray *routes,
                                void (*func)(struct nl_object *, void *),
                                void *user_data);

G_END_DECLS

#endif /* NMF_NETLINK_PRIVATE_H */
