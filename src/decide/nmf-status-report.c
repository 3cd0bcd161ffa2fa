/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of --status: the table, the kernel's default routes and the verdict as text. */
#include "config.h"

#include "decide/nmf-status-report.h"

#include <string.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "decide/nmf-text-table.h"

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
    g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func(g_free);
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
                               r->iface[0] ? nmf_text_escaped(pool, r->iface) : "?",
                               r->metric,
                               r->table);
    }
}

/* Why each link got its class: the admin can check our reading of the facts. */
static void
_append_evidence(GString *out, GPtrArray *uplinks)
{
    g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func(g_free);
    guint i;

    g_string_append_printf(out, "\n%s\n", _("Class evidence:"));
    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->unranked == NMF_UNRANKED_NO_GATEWAY)
            continue;
        g_string_append_printf(out,
                               "  %s %s: %s\n",
                               nmf_text_escaped(pool, u->iface),
                               nmf_uplink_class_to_string(u->klass),
                               u->class_evidence ? u->class_evidence : "-");
        if (u->class_conflict)
            g_string_append_printf(out,
                                   _("  %s: the evidence conflicts; a rule with class=nat or "
                                     "class=lan in nm-metric-fix.conf decides.\n"),
                                   nmf_text_escaped(pool, u->iface));
    }
}

static void
_append_replies(GString *out, GPtrArray *replies)
{
    g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (!replies || replies->len == 0)
        return;
    g_string_append_printf(
      out, "\n%s\n", _("Replies to an off-link peer (the kernel's route lookups):"));
    for (i = 0; i < replies->len; i++) {
        const NmfCheckRow *row = replies->pdata[i];
        const char        *verdict;

        if (row->verdict == NMF_CHECK_NOT_A_PATH)
            continue;
        if (row->warned)
            verdict = _("another link: a warning in mode=metric");
        else if (!row->counted)
            verdict = _("NAT link, not counted");
        else if (row->verdict == NMF_CHECK_SYMMETRIC)
            verdict = _("ok");
        else if (row->verdict == NMF_CHECK_RP_FILTER_DROP)
            verdict = _("WRONG: the request is dropped by rp_filter");
        else if (row->verdict == NMF_CHECK_NO_ROUTE_BACK)
            verdict = _("WRONG: no route back");
        else
            verdict = _("WRONG LINK");
        g_string_append_printf(out,
                               _("  %s on %s: leaves by %s (%s)\n"),
                               row->address,
                               nmf_text_escaped(pool, row->iface),
                               row->reply_iface ? nmf_text_escaped(pool, row->reply_iface) : "-",
                               verdict);
    }
}

/* The verdict line of NMF_VERDICT_ALTERNATING: each family whose lowest default metric two
 * links share. */
static void
_append_alternating(GString *out, GPtrArray *routes, gboolean managed, GPtrArray *pool)
{
    static const int families[] = { AF_INET6, AF_INET };
    guint            i;

    for (i = 0; i < G_N_ELEMENTS(families); i++) {
        const NmfRoute *a = NULL;
        const NmfRoute *b = NULL;

        if (!nmf_routes_lowest_shared(routes, families[i], &a, &b))
            continue;
        g_string_append_printf(
          out,
          /* TRANSLATORS: "the kernel alternates between eth1 and eth0: both hold the lowest
           * IPv4 default metric (100)" */
          _("The kernel alternates between %s and %s: both hold the lowest %s default metric "
            "(%u), so replies leave by either link from one moment to the next."),
          nmf_text_escaped(pool, a->iface[0] ? a->iface : "?"),
          nmf_text_escaped(pool, b->iface[0] ? b->iface : "?"),
          families[i] == AF_INET ? "IPv4" : "IPv6",
          a->metric);
        g_string_append_printf(out,
                               " %s\n",
                               managed ? _("Run 'nm-metric-fix --fix'.")
                                       : _("nm-metric-fix leaves these metrics alone (see "
                                           "CLASS); give the links different metrics."));
    }
}

void
nmf_report_scope_replies(GPtrArray *uplinks, gboolean managed, NmfMode mode, GPtrArray *replies)
{
    guint i;

    if (mode != NMF_MODE_METRIC || !managed)
        return;
    for (i = 0; replies && i < replies->len; i++) {
        NmfCheckRow     *row = replies->pdata[i];
        const NmfUplink *u   = uplinks ? nmf_uplinks_find(uplinks, row->iface) : NULL;

        if (!row->counted || row->verdict == NMF_CHECK_SYMMETRIC || !u || u->rank == 1
            || (u->rule_name && u->rule_action == NMF_RULE_PREFER))
            continue;
        row->counted = FALSE;
        row->warned  = TRUE;
    }
}

GPtrArray *
nmf_report_warnings(GPtrArray *replies)
{
    GPtrArray *warnings       = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; replies && i < replies->len; i++) {
        const NmfCheckRow *row = replies->pdata[i];
        const char        *iface;

        if (!row->warned)
            continue;
        iface = nmf_text_escaped(pool, row->iface);
        g_ptr_array_add(
          warnings,
          g_strdup_printf(
            /* TRANSLATORS: mode=policy and prefer are configuration words: keep them. */
            _("Replies from %s (%s) leave by %s: in mode=metric one link owns the default "
              "route. For %s to answer by itself, set mode=policy in nm-metric-fix.conf, or "
              "give it a rule with action=prefer."),
            row->address,
            iface,
            row->reply_iface ? nmf_text_escaped(pool, row->reply_iface) : _("no link"),
            iface));
    }
    return warnings;
}

const NmfCheckRow *
nmf_report_first_wrong_link(GPtrArray *replies)
{
    guint i;

    for (i = 0; replies && i < replies->len; i++) {
        const NmfCheckRow *row = replies->pdata[i];

        if (row->counted && row->verdict != NMF_CHECK_SYMMETRIC
            && row->verdict != NMF_CHECK_NOT_A_PATH)
            return row;
    }
    return NULL;
}

NmfVerdict
nmf_report_status(GString       *out,
                  GPtrArray     *uplinks,
                  const NmfPlan *plan,
                  GPtrArray     *routes,
                  GPtrArray     *replies)
{
    const NmfCheckRow *wrong   = nmf_report_first_wrong_link(replies);
    gboolean           managed = plan->managed;
    g_autoptr(GPtrArray) rows  = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    g_autoptr(GPtrArray) pool  = g_ptr_array_new_with_free_func(g_free);
    const NmfRoute *owner6     = nmf_routes_owner(routes, AF_INET6);
    const char     *owner      = NULL;
    const char     *intended   = NULL;
    NmfVerdict      verdict;
    char          **row;
    guint           i;

    verdict = nmf_report_verdict(uplinks, managed, routes, replies, &owner, &intended);
    /* Names reach the admin's terminal: no control sequences from a connection or link. */
    owner    = nmf_text_escaped(pool, owner);
    intended = nmf_text_escaped(pool, intended);

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
    _append_evidence(out, uplinks);
    _append_kernel_routes(out, routes);
    _append_replies(out, replies);
    g_string_append_c(out, '\n');

    {
        g_autoptr(GPtrArray) warnings = nmf_report_warnings(replies);

        for (i = 0; i < warnings->len; i++)
            g_string_append_printf(out, _("Warning: %s\n"), (const char *) warnings->pdata[i]);
    }
    /* IPv6 first: the IPv4 verdict, which decides the exit status, stays the last line. */
    if (owner6) {
        const char *intended6 = nmf_report_intended(uplinks, managed, AF_INET6);

        const char *owner6_name = nmf_text_escaped(pool, owner6->iface);

        if (intended6 && strcmp(owner6->iface, intended6) != 0)
            g_string_append_printf(out,
                                   _("IPv6 default route: %s, but %s should own it.\n"),
                                   owner6_name,
                                   nmf_text_escaped(pool, intended6));
        else
            g_string_append_printf(out, _("IPv6 default route: %s.\n"), owner6_name);
    }

    switch (verdict) {
    case NMF_VERDICT_ALTERNATING:
        _append_alternating(out, routes, managed, pool);
        break;
    case NMF_VERDICT_WRONG_LINK:
        g_string_append_printf(
          out,
          _("Replies from %s (%s) leave by %s, not by %s: they are lost. %s\n"),
          wrong->address,
          nmf_text_escaped(pool, wrong->iface),
          wrong->reply_iface ? nmf_text_escaped(pool, wrong->reply_iface) : _("no link"),
          nmf_text_escaped(pool, wrong->iface),
          managed ? _("Run 'nm-metric-fix --fix'.")
                  : _("nm-metric-fix leaves these metrics alone (see CLASS)."));
        break;
    case NMF_VERDICT_MAX:
        g_assert_not_reached();
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
            g_string_append_printf(
              out, _("Default route: %s, but %s should own it."), owner, intended);
        else
            g_string_append_printf(out, _("Default route: none, but %s should own it."), intended);
        if (wrong)
            g_string_append_printf(out,
                                   _(" Replies from %s (%s) leave by %s."),
                                   wrong->address,
                                   nmf_text_escaped(pool, wrong->iface),
                                   wrong->reply_iface ? nmf_text_escaped(pool, wrong->reply_iface)
                                                      : _("no link"));
        g_string_append_printf(out, " %s\n", _("Run 'nm-metric-fix --fix'."));
        break;
    }
    return verdict;
}

gboolean
nmf_report_verdict_fails(NmfVerdict verdict)
{
    return verdict == NMF_VERDICT_WRONG_OWNER || verdict == NMF_VERDICT_WRONG_LINK
           || verdict == NMF_VERDICT_ALTERNATING;
}

const char *
nmf_report_intended(GPtrArray *uplinks, gboolean managed, int family)
{
    const NmfUplink *best = NULL;
    guint            i;

    for (i = 0; managed && uplinks && i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->rank == 0 || (family == AF_INET ? u->gateway4 == 0 : u->gateway6 == NULL))
            continue;
        if (!best || u->rank < best->rank)
            best = u;
    }
    return best ? best->iface : NULL;
}

NmfVerdict
nmf_report_verdict(GPtrArray   *uplinks,
                   gboolean     managed,
                   GPtrArray   *routes,
                   GPtrArray   *replies,
                   const char **out_owner,
                   const char **out_intended)
{
    const NmfRoute *owner    = nmf_routes_owner(routes, AF_INET);
    const char     *intended = nmf_report_intended(uplinks, managed, AF_INET);

    if (out_owner)
        *out_owner = owner ? owner->iface : NULL;
    if (out_intended)
        *out_intended = intended;
    /* Two links at the lowest metric come first: which one "owns" the route then changes
     * from one lookup to the next, so neither the owner nor a single reply lookup says
     * anything that holds.  Then the wrong owner names the cause; otherwise the kernel's
     * answer decides: an address whose replies leave by another link is broken whatever
     * we intended (also when a rule or user data keeps us away). */
    if (nmf_routes_lowest_shared(routes, AF_INET, NULL, NULL)
        || nmf_routes_lowest_shared(routes, AF_INET6, NULL, NULL))
        return NMF_VERDICT_ALTERNATING;
    if (managed && intended && (!owner || strcmp(owner->iface, intended) != 0))
        return NMF_VERDICT_WRONG_OWNER;
    if (nmf_report_first_wrong_link(replies))
        return NMF_VERDICT_WRONG_LINK;
    if (!managed || !intended)
        return NMF_VERDICT_LEFT_ALONE;
    return NMF_VERDICT_OK;
}
