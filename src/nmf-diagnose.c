/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nmf-diagnose.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "nmf-check.h"
#include "nmf-common.h"
#include "nmf-kernel.h"

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

/* The kernel's input route lookup for the request runs the reverse-path filter itself;
 * trust its answer and fall back to our own reading of rp_filter when it fails for
 * another reason.  Older kernels answer a drop with EXDEV, recent ones (6.18) with EINVAL. */
static gboolean
_rp_filter_pass(const NmfCheckRow *row, const NmfRouteAnswer *request)
{
    gboolean computed =
      nmf_rp_filter_passes(row->rp_filter, row->iface, row->reply_iface, row->reply_error);

    if (request->error == 0)
        return TRUE;
    if (request->error == EXDEV)
        return FALSE;
    if (request->error != EINVAL || row->rp_filter <= 0)
        nmf_log_debug("request lookup on %s: %s; judging rp_filter from the reply route",
                      row->iface,
                      g_strerror(request->error));
    return computed;
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
    if (!nmf_kernel_route_get(local->family, target, local->address, 0, &reply, error))
        return NULL;
    row->reply_error = reply.error;
    if (reply.error == 0)
        row->reply_iface = g_strdup(reply.oif_name ? reply.oif_name : "?");

    if (local->family == AF_INET) {
        NmfRpFilter rp;

        nmf_kernel_read_rp_filter(local->iface, &rp);
        row->rp_filter = nmf_rp_filter_effective(&rp);
        /* The request: from the target to the local address, arriving on its link
         * (`ip route get L from T iif IFACE`). */
        if (!nmf_kernel_route_get(AF_INET, local->address, target, local->ifindex, &request, error))
            return NULL;
        row->rp_filter_pass = _rp_filter_pass(row, &request);
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

gboolean
nmf_check_run(const char *address,
              GPtrArray  *nat_ifaces,
              GString    *out,
              gboolean   *out_all_ok,
              GError    **error)
{
    g_autoptr(GPtrArray) locals = NULL;
    g_autoptr(GHashTable) paths = NULL;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    int      family           = nmf_check_parse_target(address);
    gboolean all_ok;
    guint    i;

    if (!family) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    address ? address : "");
        return FALSE;
    }
    locals = nmf_kernel_local_addresses(family, error);
    if (!locals)
        return FALSE;
    paths = nmf_kernel_links_with_route_to(family, address, error);
    if (!paths)
        return FALSE;

    for (i = 0; i < locals->len; i++) {
        NmfCheckRow *row = _check_one(address, locals->pdata[i], paths, nat_ifaces, error);

        if (!row)
            return FALSE;
        g_ptr_array_add(rows, row);
    }
    all_ok = nmf_check_evaluate(rows);
    nmf_check_render(out, address, rows, all_ok);
    if (out_all_ok)
        *out_all_ok = all_ok;
    return TRUE;
}
