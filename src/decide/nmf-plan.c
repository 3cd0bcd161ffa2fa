/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: the plan - what --fix must change, and the lines that say so. */
#include "decide/nmf-plan.h"

#include <stdio.h>
#include <string.h>

#include "decide/nmf-policy-routing.h"

gboolean
nmf_uplink_profile_needs_update(const NmfUplink *uplink)
{
    if (uplink->rank == 0)
        return FALSE;
    if (uplink->profile_metric4 != uplink->wanted_metric)
        return TRUE;
    if (strcmp(uplink->profile_policy, uplink->wanted_policy) != 0)
        return TRUE;
    return uplink->has_ipv6 && uplink->profile_metric6 != uplink->wanted_metric;
}

gboolean
nmf_uplink_applied_needs_update(const NmfUplink *uplink)
{
    if (uplink->rank == 0)
        return FALSE;
    if (!uplink->applied_known)
        return TRUE;
    if (uplink->applied_metric4 != uplink->wanted_metric)
        return TRUE;
    if (strcmp(uplink->applied_policy, uplink->wanted_policy) != 0)
        return TRUE;
    return uplink->has_ipv6 && uplink->applied_metric6 != uplink->wanted_metric;
}

NmfLiveMethod
nmf_plan_live_method(const char *nm_version, NmfMode mode)
{
    guint major = 0;
    guint minor = 0;

    if (mode != NMF_MODE_METRIC || !nm_version || sscanf(nm_version, "%u.%u", &major, &minor) != 2)
        return NMF_LIVE_REAPPLY;
    if (major != 1 || minor < 36)
        return NMF_LIVE_REAPPLY;
    return minor < 42 ? NMF_LIVE_ROUTES : NMF_LIVE_ROUTES_DHCP;
}

gboolean
nmf_plan_move_comes_back(NmfLiveMethod live, gboolean takes_ra, gint64 lowest_now, gint64 target)
{
    /* NetworkManager commits the link's configuration at every router advertisement it
     * takes (ipv6.method auto) and puts the lease's old metric back beside the moved
     * route: when that one is lower, two links share the lowest metric until the next
     * lease. */
    return live == NMF_LIVE_ROUTES_DHCP && takes_ra && lowest_now != NMF_METRIC_AUTO
           && lowest_now < target;
}

/* The lowest metric of the link's default routes in the kernel (of the families we keep
 * in step), NMF_METRIC_AUTO when it has none. */
static gint64
_kernel_lowest(const NmfUplink *uplink)
{
    gint64 lowest = uplink->kernel_metric4;

    if (uplink->has_ipv6 && uplink->kernel_metric6 != NMF_METRIC_AUTO
        && (lowest == NMF_METRIC_AUTO || uplink->kernel_metric6 < lowest))
        lowest = uplink->kernel_metric6;
    return lowest;
}

gboolean
nmf_plan_link_takes_moves(NmfLiveMethod live, const NmfUplink *uplink)
{
    switch (live) {
    case NMF_LIVE_REAPPLY:
    case NMF_LIVE_MAX:
        return FALSE;
    case NMF_LIVE_ROUTES:
        return TRUE;
    case NMF_LIVE_ROUTES_DHCP:
        return uplink->dhcp4_server != NULL
               && !nmf_plan_move_comes_back(live,
                                            uplink->has_ipv6 && uplink->kernel_ra6,
                                            _kernel_lowest(uplink),
                                            uplink->wanted_metric);
    }
    return FALSE;
}

gboolean
nmf_plan_moves_routes(const NmfPlan *plan, const NmfUplink *uplink)
{
    return nmf_plan_link_takes_moves(plan->live, uplink) && uplink->applied_known
           && uplink->applied_metric4 == NMF_METRIC_AUTO
           && (!uplink->has_ipv6 || uplink->applied_metric6 == NMF_METRIC_AUTO);
}

/* Names NetworkManager's match-device takes as they are: no separators, escapes or
 * wildcards. */
static gboolean
_plain_iface(const char *iface)
{
    const char *c;

    if (!iface || !*iface)
        return FALSE;
    for (c = iface; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("._-@", *c))
            return FALSE;
    }
    return TRUE;
}

char *
nmf_plan_route_metric_defaults(const NmfPlan *plan)
{
    GString *out = NULL;
    guint    i;

    for (i = 0; i < plan->ranked->len; i++) {
        const NmfUplink *u = plan->ranked->pdata[i];

        if (!nmf_plan_moves_routes(plan, u) || !_plain_iface(u->iface))
            continue;
        if (!out)
            out = g_string_new(NMF_PLAN_DEFAULTS_HEADER
                               "\n"
                               "# The ranked metrics, for the next DHCP lease or router "
                               "advertisement of\n"
                               "# each link (NetworkManager 1.36 and later: no Reapply).\n");
        g_string_append_printf(out,
                               "\n[connection-nm-metric-fix-%s]\n"
                               "match-device=interface-name:%s\n"
                               "ipv4.route-metric=%" G_GINT64_FORMAT "\n",
                               u->iface,
                               u->iface,
                               u->wanted_metric);
        if (u->has_ipv6)
            g_string_append_printf(
              out, "ipv6.route-metric=%" G_GINT64_FORMAT "\n", u->wanted_metric);
    }
    return out ? g_string_free(out, FALSE) : NULL;
}

/* With NMF_LIVE_ROUTES: the kernel's default routes on the link lack the wanted metric. */
static gboolean
_kernel_needs_update(const NmfUplink *uplink)
{
    if (uplink->rank == 0)
        return FALSE;
    if (uplink->kernel_metric4 != NMF_METRIC_AUTO
        && uplink->kernel_metric4 != uplink->wanted_metric)
        return TRUE;
    return uplink->has_ipv6 && uplink->kernel_metric6 != NMF_METRIC_AUTO
           && uplink->kernel_metric6 != uplink->wanted_metric;
}

NmfPlan *
nmf_plan_new(const NmfConfig *config, GPtrArray *uplinks, gboolean managed, NmfLiveMethod live)
{
    NmfPlan *plan = g_new0(NmfPlan, 1);
    guint    i;

    plan->live        = live;
    plan->managed     = managed;
    plan->ranked      = g_ptr_array_new();
    plan->left_alone  = g_ptr_array_new();
    plan->reapply     = g_ptr_array_new();
    plan->update      = g_ptr_array_new();
    plan->keep_routes = nmf_policy_wanted_route_keys(uplinks);

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (u->unranked == NMF_UNRANKED_SKIP || u->unranked == NMF_UNRANKED_RULE_IGNORE
            || u->unranked == NMF_UNRANKED_HAND_SET)
            g_ptr_array_add(plan->left_alone, u);
        if (!managed || u->rank == 0)
            continue;
        g_ptr_array_add(plan->ranked, u);
        if (nmf_plan_moves_routes(plan, u) ? _kernel_needs_update(u)
                                           : nmf_uplink_applied_needs_update(u))
            g_ptr_array_add(plan->reapply, u);
        if (config->persist && nmf_uplink_profile_needs_update(u))
            g_ptr_array_add(plan->update, u);
    }
    plan->reapplied = g_new0(NmfApplyOutcome, MAX(plan->reapply->len, 1));
    plan->updated   = g_new0(NmfApplyOutcome, MAX(plan->update->len, 1));
    return plan;
}

static void
_clear_outcomes(NmfApplyOutcome *outcomes, guint n)
{
    guint i;

    for (i = 0; i < n; i++)
        g_clear_error(&outcomes[i].error);
    g_free(outcomes);
}

void
nmf_plan_revert_profile(NmfProfile *profile)
{
    profile->keeps_admin4 = profile->written_valid && profile->metric4 != profile->written;
    profile->keeps_admin6 = profile->written_valid && profile->has_ipv6_setting
                            && profile->metric6 != profile->written
                            && profile->metric6 != profile->orig6;
    profile->restore4 = profile->keeps_admin4 ? profile->metric4 : profile->orig4;
    profile->restore6 = profile->keeps_admin6 ? profile->metric6 : profile->orig6;
}

void
nmf_plan_free(NmfPlan *plan)
{
    if (!plan)
        return;
    _clear_outcomes(plan->reapplied, plan->reapply->len);
    _clear_outcomes(plan->updated, plan->update->len);
    g_ptr_array_unref(plan->ranked);
    g_ptr_array_unref(plan->left_alone);
    g_ptr_array_unref(plan->reapply);
    g_ptr_array_unref(plan->update);
    g_array_unref(plan->keep_routes);
    g_free(plan);
}

gboolean
nmf_plan_is_empty(const NmfPlan *plan)
{
    return plan->reapply->len == 0 && plan->update->len == 0;
}

gint64
nmf_plan_wanted_metric(const NmfPlan *plan, const NmfUplink *uplink)
{
    return plan->managed && uplink->rank > 0 ? uplink->wanted_metric : NMF_METRIC_AUTO;
}

static char *
_metric_str(gint64 metric)
{
    return g_strdup_printf("%" G_GINT64_FORMAT, metric);
}

void
nmf_plan_describe_decisions(const NmfPlan *plan, GPtrArray *lines)
{
    g_autoptr(GString) ranking = g_string_new("ranking:");
    guint i;

    for (i = 0; i < plan->left_alone->len; i++) {
        const NmfUplink *u = plan->left_alone->pdata[i];

        g_ptr_array_add(lines,
                        g_strdup_printf("%s (%s): left alone, %s%s%s",
                                        u->iface,
                                        u->connection_id,
                                        nmf_unranked_to_string(u->unranked),
                                        u->rule_name ? " " : "",
                                        u->rule_name ? u->rule_name : ""));
    }
    if (!plan->managed) {
        g_ptr_array_add(
          lines, g_strdup("no NAT uplink competes with another uplink; leaving metrics alone"));
        return;
    }
    for (i = 0; i < plan->ranked->len; i++) {
        const NmfUplink *u = plan->ranked->pdata[i];

        g_string_append_printf(ranking,
                               " %u. %s (%s, %s) metric %" G_GINT64_FORMAT ";",
                               u->rank,
                               u->iface,
                               u->connection_id,
                               nmf_uplink_class_to_string(u->klass),
                               u->wanted_metric);
    }
    g_string_truncate(ranking, ranking->len - 1);
    g_ptr_array_add(lines, g_strdup(ranking->str));
}

void
nmf_plan_describe_reapply(const NmfPlan *plan, gboolean dry_run, GPtrArray *lines)
{
    guint i;

    for (i = 0; i < plan->reapply->len; i++) {
        const NmfUplink *u      = plan->reapply->pdata[i];
        NmfApplyResult   result = dry_run ? NMF_APPLY_DONE : plan->reapplied[i].result;
        g_autofree char *old = u->applied_known ? _metric_str(u->applied_metric4) : g_strdup("?");
        g_autofree char *wanted = _metric_str(u->wanted_metric);

        if (result == NMF_APPLY_DONE && nmf_plan_moves_routes(plan, u)) {
            g_autofree char *was = _metric_str(u->kernel_metric4);

            g_ptr_array_add(lines,
                            g_strdup_printf("%smove the default routes of %s (%s) in the kernel: "
                                            "metric %s -> %s (no Reapply: it would restart DHCP)",
                                            dry_run ? "would " : "",
                                            u->iface,
                                            u->connection_id,
                                            was,
                                            wanted));
        } else if (result == NMF_APPLY_DONE)
            g_ptr_array_add(lines,
                            g_strdup_printf("%sreapply %s (%s): ipv4.route-metric %s -> %s",
                                            dry_run ? "would " : "",
                                            u->iface,
                                            u->connection_id,
                                            old,
                                            wanted));
        else if (result == NMF_APPLY_UNCHANGED)
            g_ptr_array_add(lines,
                            g_strdup_printf("%s (%s): already as wanted (another client "
                                            "reapplied it)",
                                            u->iface,
                                            u->connection_id));
    }
}

void
nmf_plan_describe_updates(const NmfPlan *plan, gboolean dry_run, GPtrArray *lines)
{
    const char *prefix = dry_run ? "would " : "";
    guint       i;

    for (i = 0; i < plan->update->len; i++) {
        const NmfUplink *u      = plan->update->pdata[i];
        g_autofree char *old    = _metric_str(u->profile_metric4);
        g_autofree char *wanted = _metric_str(u->wanted_metric);

        g_ptr_array_add(lines,
                        g_strdup_printf("%supdate profile '%s' (%s): ipv4.route-metric %s -> %s%s",
                                        prefix,
                                        u->connection_id,
                                        u->iface,
                                        old,
                                        wanted,
                                        u->has_ipv6 ? ", ipv6.route-metric too" : ""));
        if (strcmp(u->profile_policy, u->wanted_policy) != 0)
            g_ptr_array_add(lines,
                            g_strdup_printf("%spolicy routing for '%s' (%s): %s",
                                            prefix,
                                            u->connection_id,
                                            u->iface,
                                            u->wanted_policy[0] ? u->wanted_policy : "none"));
    }
}

static guint
_count(const NmfApplyOutcome *outcomes, guint n, NmfApplyResult result)
{
    guint count = 0;
    guint i;

    for (i = 0; i < n; i++)
        count += outcomes[i].result == result;
    return count;
}

/* "2 device(s) reapplied" or "1 device(s) given their metric in the kernel, 1 reapplied":
 * what was done to the devices, by the way it was done. */
static void
_append_live_counts(GString *out, guint moved, guint reapplied, gboolean dry_run)
{
    const char *moved_text = dry_run ? "to move the routes of" : "given their metric in the kernel";
    const char *reapplied_text = dry_run ? "to reapply" : "reapplied";

    if (moved == 0)
        g_string_append_printf(out, "%u device(s) %s", reapplied, reapplied_text);
    else if (reapplied == 0)
        g_string_append_printf(out, "%u device(s) %s", moved, moved_text);
    else
        g_string_append_printf(
          out, "%u device(s) %s, %u %s", moved, moved_text, reapplied, reapplied_text);
}

char *
nmf_plan_summary(const NmfPlan *plan, gboolean dry_run)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint moved            = 0;
    guint reapplied        = 0;
    guint n_updated;
    guint i;

    if (nmf_plan_is_empty(plan))
        return g_strdup("no changes needed");
    for (i = 0; i < plan->reapply->len; i++) {
        if (!dry_run && plan->reapplied[i].result != NMF_APPLY_DONE)
            continue;
        if (nmf_plan_moves_routes(plan, plan->reapply->pdata[i]))
            moved++;
        else
            reapplied++;
    }
    n_updated =
      dry_run ? plan->update->len : _count(plan->updated, plan->update->len, NMF_APPLY_DONE);
    if (!dry_run && moved == 0 && reapplied == 0 && n_updated == 0)
        return g_strdup("no changes needed");
    g_string_append(out, dry_run ? "dry run: " : "done: ");
    _append_live_counts(out, moved, reapplied, dry_run);
    g_string_append_printf(out,
                           dry_run ? ", %u profile(s) to update, %u left alone; nothing was changed"
                                   : ", %u profile(s) updated, %u left alone",
                           n_updated,
                           plan->left_alone->len);
    return g_string_free(g_steal_pointer(&out), FALSE);
}
