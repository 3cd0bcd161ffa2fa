/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --check: ask the kernel per local address (nmf-netlink.c), judge (nmf-check-verdict). */
#include "config.h"

#include "nmf-check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nmf-check-verdict.h"
#include "nmf-netlink.h"
#include "nmf-snapshot.h"

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
_check_one(const char            *target,
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

    /* The reply: from the local address back to the target (`ip route get T from L`). */
    if (!nmf_netlink_route_get(local->family, target, local->address, 0, &reply, error))
        return NULL;
    row->reply_error = reply.error;
    if (reply.error == 0)
        row->reply_iface = g_strdup(reply.oif_name ? reply.oif_name : "?");

    if (local->family == AF_INET) {
        NmfRpFilter rp;

        nmf_netlink_read_rp_filter(local->iface, &rp);
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

static gboolean
_check_addresses(const char *address,
                 GPtrArray  *nat_ifaces,
                 GString    *out,
                 gboolean   *out_all_ok,
                 GError    **error)
{
    g_autoptr(GPtrArray) locals = NULL;
    g_autoptr(GHashTable) paths = NULL;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    int   family              = nmf_check_parse_target(address);
    guint i;

    if (!family) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    address ? address : "");
        return FALSE;
    }
    locals = nmf_netlink_local_addresses(family, error);
    if (!locals)
        return FALSE;
    paths = nmf_netlink_links_with_route_to(family, address, error);
    if (!paths)
        return FALSE;

    for (i = 0; i < locals->len; i++) {
        NmfCheckRow *row = _check_one(address, locals->pdata[i], paths, nat_ifaces, error);

        if (!row)
            return FALSE;
        g_ptr_array_add(rows, row);
    }
    *out_all_ok = nmf_check_evaluate(rows);
    nmf_check_render(out, address, rows, *out_all_ok);
    return TRUE;
}

/* NAT links are listed by --check but never fail it.  Without NetworkManager there is
 * no classification, and every link counts. */
static GPtrArray *
_nat_ifaces(const NmfOptions *options)
{
    g_autoptr(NmfConfig) config     = NULL;
    g_autoptr(NmfNm) nm             = NULL;
    g_autoptr(NmfSnapshot) snapshot = NULL;
    g_autoptr(GError) error         = NULL;

    config = nmf_snapshot_load_config(options->config, &error);
    if (config)
        nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, &error);
    if (nm)
        snapshot = nmf_snapshot_read(nm, config, FALSE, &error);
    if (!snapshot)
        nmf_log_info("cannot classify the links (%s); every link counts", error->message);
    return nmf_check_nat_ifaces(snapshot ? snapshot->uplinks : NULL);
}

gboolean
nmf_check_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(GPtrArray) nat = _nat_ifaces(options);
    g_autoptr(GString) out   = g_string_new(NULL);
    gboolean all_ok          = FALSE;

    if (!_check_addresses(options->check, nat, out, &all_ok, error))
        return FALSE;
    fputs(out->str, stdout);
    nmf_log_debug("check: %s", all_ok ? "symmetric" : "asymmetric");
    *out_status = all_ok ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
    return TRUE;
}
