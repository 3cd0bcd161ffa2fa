/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nmf-fix.h"

#include <string.h>

#include "nmf-common.h"

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

static gboolean
_fix_one(NmfNm           *nm,
         const NmfPolicy *policy,
         NmfUplink       *u,
         gboolean         dry_run,
         NmfFixResult    *result,
         GError         **error)
{
    const char      *prefix = dry_run ? "would " : "";
    g_autofree char *wanted = _metric_str(u->wanted_metric);

    if (policy->persist && nmf_uplink_profile_needs_update(u)) {
        g_autofree char *old = _metric_str(u->profile_metric4);

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
        if (!dry_run && !nmf_nm_update_profile(nm, u, error))
            return FALSE;
        result->n_profiles_updated++;
    }

    if (nmf_uplink_applied_needs_update(u)) {
        g_autofree char *old = u->applied_known ? _metric_str(u->applied_metric4) : g_strdup("?");
        gboolean         changed = TRUE;

        if (!dry_run && !nmf_nm_reapply(nm, u, &changed, error))
            return FALSE;
        if (changed) {
            nmf_log_info("%sreapply %s (%s): ipv4.route-metric %s -> %s",
                         prefix,
                         u->iface,
                         u->connection_id,
                         old,
                         wanted);
            result->n_reapplied++;
        } else {
            nmf_log_info("%s (%s): already reapplied by someone else", u->iface, u->connection_id);
        }
    }
    return TRUE;
}

gboolean
nmf_fix_run(NmfNm           *nm,
            const NmfPolicy *policy,
            gboolean         dry_run,
            NmfFixResult    *out_result,
            GError         **error)
{
    g_autoptr(GPtrArray) uplinks = NULL;
    GError      *first_error     = NULL;
    NmfFixResult result          = { 0 };
    gboolean     managed         = FALSE;
    guint        i;

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
        if (out_result)
            *out_result = result;
        return TRUE;
    }
    _log_ranking(uplinks);

    /* Best first: the intended uplink gets its low metric before the NAT link
     * gives its own up, so there is never a moment without a default route. */
    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u     = uplinks->pdata[i];
        GError    *local = NULL;

        if (u->rank == 0)
            continue;
        if (!_fix_one(nm, policy, u, dry_run, &result, &local)) {
            /* A device may vanish mid-run; fix the others, report the first failure. */
            nmf_log_info("%s: %s", u->iface, local->message);
            if (!first_error)
                first_error = local;
            else
                g_error_free(local);
        }
    }

    if (result.n_profiles_updated == 0 && result.n_reapplied == 0 && !first_error)
        nmf_log_info("no changes needed");
    if (out_result)
        *out_result = result;
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}
