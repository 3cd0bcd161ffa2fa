/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of --status: the table, the kernel's default routes and the verdict as text. */
#include "config.h"

#include "nmf-status-report.h"

#include <string.h>
#include <sys/socket.h>

#include "nmf-common.h"
#include "nmf-text-table.h"

#define N_COLUMNS 8

static char *
_metric_to_string(gint64 metric)
{
    return metric < 0 ? g_strdup(_("auto")) : g_strdup_printf("%" G_GINT64_FORMAT, metric);
}

static char *
_class_column(const NmfUplink *u)
{
    const char *klass = nmf_uplink_class_to_string(u->klass);

    switch (u->unranked) {
    case NMF_UNRANKED_NO_GATEWAY:
        return g_strdup(_("no gateway"));
    case NMF_UNRANKED_SKIP:
        return g_strdup_printf(_("%s (skipped by user data)"), klass);
    case NMF_UNRANKED_RULE_IGNORE:
        return g_strdup_printf(_("%s (ignored by rule %s)"), klass, u->rule_name);
    case NMF_UNRANKED_HAND_SET:
        return g_strdup_printf(_("%s (metric set by hand)"), klass);
    case NMF_UNRANKED_NONE:
        if (u->rule_name)
            return g_strdup_printf(_("%s (rule %s: %s)"),
                                   klass,
                                   u->rule_name,
                                   nmf_rule_action_to_string(u->rule_action));
        break;
    case NMF_UNRANKED_NOTHING:
        break;
    }
    return g_strdup(klass);
}

static const NmfRoute *
_kernel_route_for(GPtrArray *routes, const char *iface, int family)
{
    guint i;

    for (i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family == family && r->table == NMF_TABLE_MAIN && strcmp(r->iface, iface) == 0)
            return r;
    }
    return NULL;
}

static void
_append_kernel_routes(GString *out, GPtrArray *routes)
{
    guint i;

    g_string_append_printf(out, "\n%s\n", _("Kernel default routes:"));
    if (!routes || routes->len == 0) {
        g_string_append_printf(out, "  %s\n", _("none"));
        return;
    }
    for (i = 0; i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        g_string_append_printf(out,
                               "  %s default via %s dev %s metric %u table %u\n",
                               r->family == AF_INET ? "ipv4" : "ipv6",
                               r->gateway ? r->gateway : "-",
                               r->iface[0] ? r->iface : "?",
                               r->metric,
                               r->table);
    }
}

NmfVerdict
nmf_report_status(GString *out, GPtrArray *uplinks, const NmfPlan *plan, GPtrArray *routes)
{
    gboolean managed          = plan->managed;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    const NmfRoute *owner6    = nmf_routes_owner(routes, AF_INET6);
    const char     *owner     = NULL;
    const char     *intended  = NULL;
    NmfVerdict      verdict;
    char          **row;
    guint           i;

    verdict = nmf_report_verdict(uplinks, managed, routes, &owner, &intended);

    row    = g_new0(char *, N_COLUMNS + 1);
    row[0] = g_strdup(_("INTERFACE"));
    row[1] = g_strdup(_("CONNECTION"));
    row[2] = g_strdup(_("CLASS"));
    row[3] = g_strdup(_("RANK"));
    row[4] = g_strdup(_("WANTED"));
    row[5] = g_strdup(_("APPLIED"));
    row[6] = g_strdup(_("KERNEL"));
    row[7] = g_strdup(_("KERNEL6"));
    g_ptr_array_add(rows, row);

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u   = uplinks->pdata[i];
        const NmfRoute  *kr  = _kernel_route_for(routes, u->iface, AF_INET);
        const NmfRoute  *kr6 = _kernel_route_for(routes, u->iface, AF_INET6);

        row    = g_new0(char *, N_COLUMNS + 1);
        row[0] = g_strdup(u->iface);
        row[1] = g_strdup(u->connection_id);
        row[2] = _class_column(u);
        row[3] = u->rank ? g_strdup_printf("%u", u->rank) : g_strdup("-");
        row[4] = u->rank ? _metric_to_string(nmf_plan_wanted_metric(plan, u)) : g_strdup("-");
        row[5] = u->applied_known ? _metric_to_string(u->applied_metric4) : g_strdup("?");
        row[6] = kr ? g_strdup_printf("%u", kr->metric) : g_strdup("-");
        row[7] = kr6 ? g_strdup_printf("%u", kr6->metric) : g_strdup("-");
        g_ptr_array_add(rows, row);
    }
    nmf_text_table_append(out, rows, N_COLUMNS);
    _append_kernel_routes(out, routes);
    g_string_append_c(out, '\n');

    /* IPv6 first: the IPv4 verdict, which decides the exit status, stays the last line. */
    if (owner6) {
        if (intended && strcmp(owner6->iface, intended) != 0)
            g_string_append_printf(
              out, _("IPv6 default route: %s, but %s should own it.\n"), owner6->iface, intended);
        else
            g_string_append_printf(out, _("IPv6 default route: %s.\n"), owner6->iface);
    }

    switch (verdict) {
    case NMF_VERDICT_LEFT_ALONE:
        if (owner)
            g_string_append_printf(out,
                                   _("Default route: %s (left alone: no NAT link competes "
                                     "with another uplink).\n"),
                                   owner);
        else
            g_string_append_printf(out, "%s\n", _("Default route: none (nothing to rank)."));
        break;
    case NMF_VERDICT_OK:
        g_string_append_printf(out, _("Default route: %s (intended).\n"), owner);
        break;
    case NMF_VERDICT_WRONG_OWNER:
        if (owner)
            g_string_append_printf(out,
                                   _("Default route: %s, but %s should own it. Run 'nm-metric-fix "
                                     "--fix'.\n"),
                                   owner,
                                   intended);
        else
            g_string_append_printf(
              out,
              _("Default route: none, but %s should own it. Run 'nm-metric-fix "
                "--fix'.\n"),
              intended);
        break;
    }
    return verdict;
}

NmfVerdict
nmf_report_verdict(GPtrArray   *uplinks,
                   gboolean     managed,
                   GPtrArray   *routes,
                   const char **out_owner,
                   const char **out_intended)
{
    const NmfRoute  *owner    = nmf_routes_owner(routes, AF_INET);
    const NmfUplink *intended = NULL;
    guint            i;

    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->rank == 1)
            intended = u;
    }
    if (out_owner)
        *out_owner = owner ? owner->iface : NULL;
    if (out_intended)
        *out_intended = managed && intended ? intended->iface : NULL;
    /* The same decisions as nmf_report_status(). */
    if (!managed || !intended)
        return NMF_VERDICT_LEFT_ALONE;
    if (owner && strcmp(owner->iface, intended->iface) == 0)
        return NMF_VERDICT_OK;
    return NMF_VERDICT_WRONG_OWNER;
}
