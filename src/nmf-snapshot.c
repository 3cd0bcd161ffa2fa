/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Snapshot: read the configuration, NetworkManager and the kernel once; rank and plan. */
#include "config.h"

#include "nmf-snapshot.h"

#include "nmf-common.h"
#include "nmf-netlink.h"
#include "nmf-rank.h"

NmfConfig *
nmf_snapshot_load_config(const char *path, GError **error)
{
    const char      *file     = path ? path : NMF_DEFAULT_CONFIG;
    g_autofree char *contents = NULL;
    gsize            length   = 0;
    g_autoptr(GError) local   = NULL;

    if (!g_file_get_contents(file, &contents, &length, &local)) {
        if (!path && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return nmf_config_new_default();
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s", local->message);
        return NULL;
    }
    return nmf_config_parse(file, contents, length, error);
}

NmfSnapshot *
nmf_snapshot_read(NmfNm *nm, const NmfConfig *config, gboolean with_routes, GError **error)
{
    g_autoptr(NmfSnapshot) snapshot = g_new0(NmfSnapshot, 1);

    snapshot->config = config;
    if (with_routes) {
        snapshot->routes = nmf_netlink_default_routes(error);
        if (!snapshot->routes)
            return NULL;
    }
    snapshot->uplinks = nmf_nm_collect(nm, error);
    if (!snapshot->uplinks)
        return NULL;
    snapshot->managed = nmf_rank(config, snapshot->uplinks);
    snapshot->plan    = nmf_plan_new(config, snapshot->uplinks, snapshot->managed);
    nmf_log_debug("snapshot: %u active device(s), %u ranked, metrics %s",
                  snapshot->uplinks->len,
                  snapshot->plan->ranked->len,
                  snapshot->managed ? "managed" : "left alone");
    return g_steal_pointer(&snapshot);
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
