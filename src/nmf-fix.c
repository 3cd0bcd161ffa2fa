/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nmf-fix.h"

#include <string.h>

#include "nmf-common.h"
#include "nmf-kernel.h"

GPtrArray *
nmf_fix_collect_ranked(NmfNm *nm, const NmfPolicy *policy, gboolean *out_managed, GError **error)
{
    g_autoptr(GPtrArray) uplinks = nmf_nm_collect(nm, error);

    if (!uplinks)
        return NULL;
    *out_managed = nmf_policy_rank(policy, uplinks);
    return g_steal_pointer(&uplinks);
}

static char *
_metric_str(gint64 metric)
{
    return g_strdup_printf("%" G_GINT64_FORMAT, metric);
}

static void
_log_ranking(GPtrArray *uplinks)
{
    g_autoptr(GString) line = g_string_new("ranking:");
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->rank == 0)
            continue;
        g_string_append_printf(line,
                               " %u. %s (%s, %s) metric %" G_GINT64_FORMAT ";",
                               u->rank,
                               u->iface,
                               u->connection_id,
                               nmf_uplink_class_to_string(u->klass),
                               u->wanted_metric);
    }
    g_string_truncate(line, line->len - 1);
    nmf_log_info("%s", line->str);
}

static void
_log_profile_change(const NmfUplink *u, const char *prefix)
{
    g_autofree char *old    = _metric_str(u->profile_metric4);
    g_autofree char *wanted = _metric_str(u->wanted_metric);

    nmf_log_info("%supdate profile '%s' (%s): ipv4.route-metric %s -> %s%s",
                 prefix,
                 u->connection_id,
                 u->iface,
                 old,
                 wanted,
                 u->has_ipv6 ? ", ipv6.route-metric too" : "");
    if (strcmp(u->profile_policy, u->wanted_policy) != 0)
        nmf_log_info("%spolicy routing for '%s' (%s): %s",
                     prefix,
                     u->connection_id,
                     u->iface,
                     u->wanted_policy[0] ? u->wanted_policy : "none");
}

/* NetworkManager leaves routes it no longer wants in tables other than main; after
 * a rank change (or leaving policy mode) ours would keep a second default route. */
static gboolean
_prune_policy_tables(GPtrArray *uplinks, GError **error)
{
    g_autoptr(GArray) keep       = uplinks ? nmf_policy_wanted_route_keys(uplinks)
                                           : g_array_new(FALSE, TRUE, sizeof(NmfRouteKey));
    g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (!nmf_kernel_prune_tables(NMF_POLICY_TABLE_BASE,
                                 NMF_POLICY_TABLE_BASE + NMF_POLICY_RANGE - 1,
                                 keep,
                                 removed,
                                 error))
        return FALSE;
    for (i = 0; i < removed->len; i++)
        nmf_log_info("removed stale policy route: %s", (const char *) removed->pdata[i]);
    return TRUE;
}

gboolean
nmf_fix_prune_policy_tables(GError **error)
{
    return _prune_policy_tables(NULL, error);
}

static void
_log_reapply(const NmfUplink *u, const char *prefix)
{
    g_autofree char *old    = u->applied_known ? _metric_str(u->applied_metric4) : g_strdup("?");
    g_autofree char *wanted = _metric_str(u->wanted_metric);

    nmf_log_info("%sreapply %s (%s): ipv4.route-metric %s -> %s",
                 prefix,
                 u->iface,
                 u->connection_id,
                 old,
                 wanted);
}

gboolean
nmf_fix_run(NmfNm *nm, const NmfPolicy *policy, gboolean dry_run, GError **error)
{
    g_autoptr(GPtrArray) uplinks    = NULL;
    g_autoptr(GPtrArray) to_reapply = NULL;
    g_autoptr(GPtrArray) to_update  = NULL;
    GError  *first_error            = NULL;
    GError  *local                  = NULL;
    gboolean managed                = FALSE;
    gboolean changed                = FALSE;
    guint    i;

    uplinks = nmf_fix_collect_ranked(nm, policy, &managed, error);
    if (!uplinks)
        return FALSE;

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->unranked == NMF_UNRANKED_SKIP || u->unranked == NMF_UNRANKED_RULE_IGNORE
            || u->unranked == NMF_UNRANKED_HAND_SET)
            nmf_log_info("%s (%s): left alone, %s%s%s",
                         u->iface,
                         u->connection_id,
                         nmf_unranked_to_string(u->unranked),
                         u->rule_name ? " " : "",
                         u->rule_name ? u->rule_name : "");
    }
    if (!managed) {
        nmf_log_info("no NAT uplink competes with another uplink; leaving metrics alone");
        nmf_log_info("no changes needed");
        return TRUE;
    }
    _log_ranking(uplinks);

    to_reapply = g_ptr_array_new();
    to_update  = g_ptr_array_new();
    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (u->rank == 0)
            continue;
        if (nmf_uplink_applied_needs_update(u))
            g_ptr_array_add(to_reapply, u);
        if (policy->persist && nmf_uplink_profile_needs_update(u))
            g_ptr_array_add(to_update, u);
    }

    if (to_reapply->len == 0 && to_update->len == 0) {
        nmf_log_info("no changes needed");
        return TRUE;
    }
    if (dry_run) {
        for (i = 0; i < to_reapply->len; i++)
            _log_reapply(to_reapply->pdata[i], "would ");
        for (i = 0; i < to_update->len; i++)
            _log_profile_change(to_update->pdata[i], "would ");
        return TRUE;
    }

    /* Live first and all devices at once: the kernel follows a Reapply at once, and
     * concurrent Reapplies leave no moment where two default routes share a metric
     * (the kernel would keep the older one). The profiles matter only at the next
     * activation, so they come second. */
    if (!nmf_nm_reapply_all(nm, to_reapply, &first_error)
        && g_error_matches(first_error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING)) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    for (i = 0; i < to_reapply->len; i++) {
        const NmfUplink *u = to_reapply->pdata[i];

        if (u->reapplied) {
            _log_reapply(u, "");
            changed = TRUE;
        } else if (!u->reapply_failed) {
            nmf_log_info("%s (%s): already as wanted (another client reapplied it)",
                         u->iface,
                         u->connection_id);
        }
    }

    if (!_prune_policy_tables(uplinks, &local))
        nmf_error_keep(&first_error, g_steal_pointer(&local), NULL);

    for (i = 0; i < to_update->len; i++)
        _log_profile_change(to_update->pdata[i], "");
    if (nmf_nm_update_profiles(nm, to_update, &local))
        changed |= to_update->len > 0;
    else
        nmf_error_keep(&first_error, g_steal_pointer(&local), NULL);

    if (!changed && !first_error)
        nmf_log_info("no changes needed");
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}
