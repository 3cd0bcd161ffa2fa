/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Snapshot: read the configuration, NetworkManager and the kernel once; rank and plan. */
#include "config.h"

#include "commands/nmf-snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "decide/nmf-check-verdict.h"
#include "model/nmf-common.h"
#include "adapters/nmf-netlink.h"
#include "adapters/nmf-procfs.h"
#include "decide/nmf-rank.h"

/* Opens without blocking (a FIFO), checks the open file (not the name: no race with a
 * rename) and reads at most one byte more than a configuration may have. */
static char *
_read_trusted(const char *file,
              gboolean    read_only,
              gsize      *out_length,
              int        *out_errno,
              GError    **error)
{
    g_autofree char *reason = NULL;
    g_autofree char *data   = NULL;
    struct stat      st;
    gsize            length = 0;
    int              fd;

    fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *out_errno = errno;
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s: %s", file, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s: %s", file, g_strerror(errno));
        close(fd);
        return NULL;
    }
    if (!nmf_config_file_trusted(S_ISREG(st.st_mode),
                                 st.st_uid,
                                 st.st_mode,
                                 (guint64) st.st_size,
                                 geteuid(),
                                 read_only,
                                 &reason)) {
        g_set_error(
          error, NMF_ERROR, NMF_ERROR_CONFIG, "%s: refused: %s; nothing was changed", file, reason);
        close(fd);
        return NULL;
    }
    data = g_malloc(NMF_CONFIG_MAX_BYTES + 1);
    while (length <= NMF_CONFIG_MAX_BYTES) {
        ssize_t n = read(fd, data + length, NMF_CONFIG_MAX_BYTES + 1 - length);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s: %s", file, g_strerror(errno));
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        length += (gsize) n;
    }
    close(fd);
    if (length > NMF_CONFIG_MAX_BYTES) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "%s: refused: more than %u bytes; nothing was changed",
                    file,
                    NMF_CONFIG_MAX_BYTES);
        return NULL;
    }
    *out_length = length;
    return g_steal_pointer(&data);
}

NmfConfig *
nmf_snapshot_load_config(const char *path, gboolean read_only, GError **error)
{
    const char      *file     = path ? path : NMF_DEFAULT_CONFIG;
    g_autofree char *contents = NULL;
    gsize            length   = 0;
    int              err      = 0;
    g_autoptr(GError) local   = NULL;

    contents = _read_trusted(file, read_only, &length, &err, &local);
    if (!contents) {
        /* The default file is optional; a file the user names must exist. */
        if (!path && err == ENOENT)
            return nmf_config_new_default();
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    return nmf_config_parse(file, contents, length, error);
}

/* How long to wait for a gateway that is not in the neighbour table yet (right after
 * boot the guest may not have talked to it). */
#define GATEWAY_RESOLVE_MS 1000

/* The gateways' link-layer addresses: the strongest evidence for the uplinks' classes.
 * The IPv4 gateway's first; the IPv6 router's where there is no IPv4 answer. Each pass
 * asks about every uplink at once, so the wait for unresolved gateways is bounded by
 * GATEWAY_RESOLVE_MS however many uplinks there are. Only root may ask the kernel to
 * resolve them; others read the table as it is. */
static void
_read_gateway_macs(GPtrArray *uplinks, gboolean resolve)
{
    guint pass;

    for (pass = 0; pass < 2; pass++) {
        int                           family  = pass == 0 ? AF_INET : AF_INET6;
        g_autofree NmfNeighbourQuery *queries = g_new0(NmfNeighbourQuery, uplinks->len);
        g_autofree NmfUplink        **asked   = g_new0(NmfUplink *, uplinks->len);
        g_autoptr(GError) error               = NULL;
        guint n                               = 0;
        guint i;

        for (i = 0; i < uplinks->len; i++) {
            NmfUplink         *u = uplinks->pdata[i];
            NmfNeighbourQuery *q = &queries[n];
            guint32            gw4;

            if (u->gateway_mac_known)
                continue;
            if (family == AF_INET) {
                if (u->gateway4 == 0)
                    continue;
                gw4 = htonl(u->gateway4);
                memcpy(q->address, &gw4, sizeof(gw4));
            } else if (!u->gateway6 || inet_pton(AF_INET6, u->gateway6, q->address) != 1) {
                continue;
            }
            q->family  = family;
            q->ifindex = u->ifindex;
            if (q->ifindex > 0)
                asked[n++] = u;
        }
        if (n == 0)
            continue;
        if (!nmf_netlink_neighbour_macs(queries, n, resolve, GATEWAY_RESOLVE_MS, &error)) {
            nmf_log_debug("gateways' link-layer addresses: %s", error->message);
            continue;
        }
        for (i = 0; i < n; i++) {
            NmfUplink *u = asked[i];

            nmf_log_debug("%s: IPv%c gateway: %s",
                          u->iface,
                          family == AF_INET ? '4' : '6',
                          queries[i].found ? "link-layer address known" : "no link-layer address");
            if (!queries[i].found)
                continue;
            memcpy(u->gateway_mac, queries[i].mac, sizeof(queries[i].mac));
            u->gateway_mac_known = TRUE;
            u->gateway_mac_ipv6  = family == AF_INET6;
        }
    }
}

/* The metric of @uplink's best default route of each family in the main table. */
static void
_read_kernel_metrics(NmfUplink *uplink, GPtrArray *routes)
{
    NmfLinkDefaults defaults;

    nmf_routes_link_defaults(routes, uplink->ifindex, &defaults);
    uplink->kernel_metric4 = defaults.metric4;
    uplink->kernel_metric6 = defaults.metric6;
    uplink->kernel_ra6     = defaults.ra6;
}

NmfSnapshot *
nmf_snapshot_read(NmfNm *nm, const NmfConfig *config, NmfSnapshotFlags flags, GError **error)
{
    g_autoptr(NmfSnapshot) snapshot = g_new0(NmfSnapshot, 1);
    NmfLiveMethod live = nmf_plan_live_method(nmf_nm_get_daemon_version(nm), config->mode);
    guint         i;

    snapshot->config = config;
    if ((flags & NMF_SNAPSHOT_WITH_ROUTES) || live != NMF_LIVE_REAPPLY) {
        snapshot->routes = nmf_netlink_default_routes(error);
        if (!snapshot->routes)
            return NULL;
    }
    snapshot->uplinks = nmf_nm_collect(nm, (flags & NMF_SNAPSHOT_RECHECK) != 0, error);
    if (!snapshot->uplinks)
        return NULL;
    for (i = 0; i < snapshot->uplinks->len; i++) {
        NmfUplink *u = snapshot->uplinks->pdata[i];

        if (u->ifindex <= 0)
            u->ifindex = (int) if_nametoindex(u->iface);
    }
    _read_gateway_macs(snapshot->uplinks, geteuid() == 0 && !(flags & NMF_SNAPSHOT_RECHECK));
    snapshot->managed = nmf_rank(config, snapshot->uplinks);
    for (i = 0; i < snapshot->uplinks->len; i++) {
        const NmfUplink *u = snapshot->uplinks->pdata[i];

        nmf_log_debug(
          "%s: class %s: %s", u->iface, nmf_uplink_class_to_string(u->klass), u->class_evidence);
        if (u->class_conflict)
            nmf_log_warning(
              "%s: the evidence for its class conflicts (%s); a rule with class= decides",
              u->iface,
              u->class_evidence);
    }
    for (i = 0; snapshot->routes && i < snapshot->uplinks->len; i++)
        _read_kernel_metrics(snapshot->uplinks->pdata[i], snapshot->routes);
    snapshot->plan = nmf_plan_new(config, snapshot->uplinks, snapshot->managed, live);
    nmf_log_debug("snapshot: %u active device(s), %u ranked, metrics %s",
                  snapshot->uplinks->len,
                  snapshot->plan->ranked->len,
                  snapshot->managed ? "managed" : "left alone");
    return g_steal_pointer(&snapshot);
}

static gboolean
_is_listed(GPtrArray *names, const char *name)
{
    guint i;

    for (i = 0; names && i < names->len; i++) {
        if (g_strcmp0(names->pdata[i], name) == 0)
            return TRUE;
    }
    return FALSE;
}

static NmfCheckRow *
_reply_row(const char            *target,
           const NmfLocalAddress *local,
           GHashTable            *paths,
           GPtrArray             *nat_ifaces,
           GError               **error)
{
    g_autoptr(NmfCheckRow) row     = nmf_check_row_new(local->family, local->address, local->iface);
    g_auto(NmfRouteAnswer) reply   = { 0 };
    g_auto(NmfRouteAnswer) request = { 0 };

    row->has_route_to_target = g_hash_table_contains(paths, GINT_TO_POINTER(local->ifindex));
    row->is_nat              = _is_listed(nat_ifaces, local->iface);
    row->target_on_link = nmf_check_in_subnet(local->family, local->address, local->prefix, target);

    /* The reply: from the local address back to the target (`ip route get T from L`). */
    if (!nmf_netlink_route_get(local->family, target, local->address, 0, &reply, error))
        return NULL;
    row->reply_error = reply.error;
    if (reply.error == 0)
        row->reply_iface = g_strdup(reply.oif_name ? reply.oif_name : "?");

    if (local->family == AF_INET) {
        NmfRpFilter rp;

        nmf_procfs_read_rp_filter(local->iface, &rp);
        row->rp_filter = nmf_rp_filter_effective(&rp);
        /* The request: from the target to the local address, arriving on its link
         * (`ip route get L from T iif IFACE`). */
        if (!nmf_netlink_route_get(
              AF_INET, local->address, target, local->ifindex, &request, error))
            return NULL;
        row->rp_filter_pass = nmf_check_request_passes(
          request.error, row->rp_filter, row->iface, row->reply_iface, row->reply_error);
        if (request.error != 0 && request.error != EXDEV
            && (request.error != EINVAL || row->rp_filter <= 0))
            nmf_log_debug("request lookup on %s: %s; judging rp_filter from the reply route",
                          row->iface,
                          g_strerror(request.error));
    }
    nmf_log_debug("check %s on %s: reply via %s, rp_filter %d (%s)%s",
                  local->address,
                  local->iface,
                  row->reply_iface ? row->reply_iface : "-",
                  row->rp_filter,
                  row->rp_filter_pass ? "pass" : "drop",
                  row->has_route_to_target ? "" : ", no route to the target on this link");
    return g_steal_pointer(&row);
}

GPtrArray *
nmf_snapshot_reply_rows(int family, const char *target, GPtrArray *nat_ifaces, GError **error)
{
    g_autoptr(GPtrArray) locals = NULL;
    g_autoptr(GHashTable) paths = NULL;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    guint i;

    locals = nmf_netlink_local_addresses(family, error);
    if (!locals)
        return NULL;
    paths = nmf_netlink_links_with_route_to(family, target, error);
    if (!paths)
        return NULL;
    for (i = 0; i < locals->len; i++) {
        NmfCheckRow *row = _reply_row(target, locals->pdata[i], paths, nat_ifaces, error);

        if (!row)
            return NULL;
        g_ptr_array_add(rows, row);
    }
    return g_steal_pointer(&rows);
}

void
nmf_snapshot_free(NmfSnapshot *snapshot)
{
    if (!snapshot)
        return;
    /* The plan borrows the uplinks: it goes first. */
    nmf_plan_free(snapshot->plan);
    if (snapshot->uplinks)
        g_ptr_array_unref(snapshot->uplinks);
    if (snapshot->routes)
        g_ptr_array_unref(snapshot->routes);
    g_free(snapshot);
}
