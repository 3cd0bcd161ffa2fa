/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the --status text report and verdict (nmf-status-report.c). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decide/nmf-plan.h"
#include "decide/nmf-rank.h"
#include "decide/nmf-status-report.h"
#include "decide/nmf-text-table.h"

static NmfRoute *
_route(int family, const char *iface, guint32 metric, guint32 table)
{
    NmfRoute *r = g_new0(NmfRoute, 1);

    r->family  = family;
    r->iface   = g_strdup(iface);
    r->gateway = g_strdup(family == AF_INET ? "192.0.2.1" : "fe80::1");
    r->metric  = metric;
    r->table   = table;
    /* As the kernel numbers them in the lab: eth0 2, eth1 3. */
    r->ifindex = g_str_has_prefix(iface, "eth") ? 2 + atoi(iface + 3) : 0;
    return r;
}

static GPtrArray *
_lab_uplinks(NmfConfig *policy, gboolean *out_managed)
{
    GPtrArray *uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *nat     = nmf_uplink_new("eth0", "nat", "u-nat");
    NmfUplink *lan     = nmf_uplink_new("eth1", "lan", "u-lan");
    guint32    a;

    g_assert_true(nmf_parse_ip4("192.168.122.100", &a));
    nmf_uplink_add_address4(nat, a, 24);
    g_assert_true(nmf_parse_ip4("192.168.122.1", &nat->gateway4));
    g_assert_true(nmf_parse_ip4("10.66.60.236", &a));
    nmf_uplink_add_address4(lan, a, 23);
    g_assert_true(nmf_parse_ip4("10.66.61.254", &lan->gateway4));
    nat->applied_known = lan->applied_known = TRUE;
    g_ptr_array_add(uplinks, nat);
    g_ptr_array_add(uplinks, lan);
    *out_managed = nmf_rank(policy, uplinks);
    return uplinks;
}

/* The report as --status prints it: from the snapshot's plan. */
static NmfVerdict
_report(GString         *out,
        const NmfConfig *config,
        GPtrArray       *uplinks,
        gboolean         managed,
        GPtrArray       *routes,
        GPtrArray       *replies)
{
    g_autoptr(NmfPlan) plan = nmf_plan_new(config, uplinks, managed, NMF_LIVE_REAPPLY);

    return nmf_report_status(out, uplinks, plan, routes, replies);
}

static void
test_status_wrong_owner(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);

    g_ptr_array_add(routes, _route(AF_INET, "eth0", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 101, 254));
    g_assert_true(managed);
    g_assert_cmpint(
      _report(out, policy, uplinks, managed, routes, NULL), ==, NMF_VERDICT_WRONG_OWNER);
    g_assert_true(strstr(out->str, "Default route: eth0, but eth1 should own it.") != NULL);
    g_assert_true(strstr(out->str, "INTERFACE") != NULL);
    g_assert_true(strstr(out->str, "ipv4 default via 192.0.2.1 dev eth0 metric 100 table 254")
                  != NULL);
}

static void
test_status_ok(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);
    const char *last;

    g_ptr_array_add(routes, _route(AF_INET, "eth0", 101, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    /* Other tables and IPv6 do not decide the IPv4 owner. */
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 1, 30400));
    g_ptr_array_add(routes, _route(AF_INET6, "eth0", 1, 254));
    nmf_routes_sort(routes);
    g_assert_cmpint(_report(out, policy, uplinks, managed, routes, NULL), ==, NMF_VERDICT_OK);
    g_assert_true(g_str_has_suffix(out->str, "Default route: eth1 (intended).\n"));
    last = strstr(out->str, "eth1  ");
    g_assert_nonnull(last);
}

static void
test_status_ipv6(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);
    guint i;

    /* Both uplinks have an IPv6 router, as their IPv6 default routes say. */
    for (i = 0; i < uplinks->len; i++)
        ((NmfUplink *) uplinks->pdata[i])->gateway6 = g_strdup("fe80::1");
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET6, "eth0", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET6, "eth1", 101, 254));
    nmf_routes_sort(routes);
    /* The exit status follows IPv4; IPv6 is reported on its own line. */
    g_assert_cmpint(_report(out, policy, uplinks, managed, routes, NULL), ==, NMF_VERDICT_OK);
    g_assert_nonnull(strstr(out->str, "IPv6 default route: eth0, but eth1 should own it.\n"));
    g_assert_nonnull(strstr(out->str, "ipv6 default via fe80::1 dev eth0 metric 100 table 254"));
    g_assert_true(g_str_has_suffix(out->str, "Default route: eth1 (intended).\n"));
}

static void
test_status_no_route(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);

    g_assert_cmpint(
      _report(out, policy, uplinks, managed, routes, NULL), ==, NMF_VERDICT_WRONG_OWNER);
    g_assert_true(strstr(out->str, "Default route: none, but eth1 should own it.") != NULL);
}

static void
test_status_left_alone(void)
{
    g_autoptr(NmfConfig) policy  = nmf_config_new_default();
    g_autoptr(GString) out       = g_string_new(NULL);
    g_autoptr(GPtrArray) routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *lan               = nmf_uplink_new("eth1", "lan", "u-lan");

    g_assert_true(nmf_parse_ip4("10.66.61.254", &lan->gateway4));
    g_ptr_array_add(uplinks, lan);
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    g_assert_false(nmf_rank(policy, uplinks));
    g_assert_cmpint(_report(out, policy, uplinks, FALSE, routes, NULL), ==, NMF_VERDICT_LEFT_ALONE);
    g_assert_true(strstr(out->str, "Default route: eth1 (left alone") != NULL);
}

static NmfCheckRow *
_reply(const char *address, const char *iface, const char *reply_iface, gboolean is_nat)
{
    NmfCheckRow *row = nmf_check_row_new(AF_INET, address, iface);

    row->has_route_to_target = TRUE;
    row->reply_iface         = g_strdup(reply_iface);
    row->rp_filter           = 2;
    row->rp_filter_pass      = TRUE;
    row->is_nat              = is_nat;
    return row;
}

/* The kernel's answer decides: the plan looks consistent (nothing managed, a rule keeps
 * us away) but the LAN address answers out of the NAT link. */
static void
test_status_wrong_link(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_autoptr(GPtrArray) replies =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);

    g_ptr_array_add(routes, _route(AF_INET, "eth0", 100, 254));
    g_ptr_array_add(replies, _reply("192.168.122.100", "eth0", "eth0", TRUE));
    g_ptr_array_add(replies, _reply("10.66.60.236", "eth1", "eth0", FALSE));
    nmf_check_evaluate(replies);
    g_assert_cmpint(
      _report(out, policy, uplinks, FALSE, routes, replies), ==, NMF_VERDICT_WRONG_LINK);
    g_assert_true(
      g_str_has_suffix(out->str,
                       "Replies from 10.66.60.236 (eth1) leave by eth0, not by eth1: they "
                       "are lost. nm-metric-fix leaves these metrics alone (see CLASS).\n"));
    g_assert_nonnull(strstr(out->str, "  10.66.60.236 on eth1: leaves by eth0 (WRONG LINK)\n"));
    g_assert_nonnull(
      strstr(out->str, "192.168.122.100 on eth0: leaves by eth0 (NAT link, not counted)"));
    /* Managed, with the NAT link owning the default route: the wrong owner is the cause,
     * and the verdict line names the address that suffers from it. */
    g_string_truncate(out, 0);
    g_assert_true(managed);
    g_assert_cmpint(
      _report(out, policy, uplinks, managed, routes, replies), ==, NMF_VERDICT_WRONG_OWNER);
    g_assert_true(
      g_str_has_suffix(out->str,
                       "Default route: eth0, but eth1 should own it. Replies from "
                       "10.66.60.236 (eth1) leave by eth0. Run 'nm-metric-fix --fix'.\n"));

    /* A NAT address answered by the LAN never fails; the LAN answering by itself is ok. */
    g_ptr_array_set_size(replies, 0);
    g_ptr_array_add(replies, _reply("192.168.122.100", "eth0", "eth1", TRUE));
    g_ptr_array_add(replies, _reply("10.66.60.236", "eth1", "eth1", FALSE));
    nmf_check_evaluate(replies);
    g_assert_null(nmf_report_first_wrong_link(replies));
    g_assert_cmpint(
      nmf_report_verdict(uplinks, FALSE, routes, replies, NULL, NULL), ==, NMF_VERDICT_LEFT_ALONE);
}

/* A connection name with a newline must not forge a row, nor ESC/BEL reach the terminal. */
static void
test_status_escapes_names(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);
    NmfUplink       *lan         = uplinks->pdata[0];
    g_autofree char *escaped     = NULL;
    guint            lines       = 0;
    const char      *p;

    g_free(lan->connection_id);
    lan->connection_id = g_strdup("lan\neth9       forged  lan    1\033]0;owned\007\\\xff");
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    _report(out, policy, uplinks, managed, routes, NULL);
    g_assert_null(strchr(out->str, '\033'));
    g_assert_null(strchr(out->str, '\007'));
    g_assert_nonnull(
      strstr(out->str, "lan\\x0aeth9       forged  lan    1\\x1b]0;owned\\x07\\\\\\xff"));
    for (p = out->str; *p; p++)
        lines += *p == '\n';
    /* The table: a header and one line per uplink, nothing more before the blank line. */
    g_assert_nonnull(strstr(out->str, "KERNEL6\n"));
    g_assert_null(strstr(out->str, "\neth9 "));
    escaped = nmf_text_escape("plain é");
    g_assert_cmpstr(escaped, ==, "plain é");
    g_assert_cmpuint(lines, >, 3);
}

/* NetworkManager re-added its routes beside the moved ones: four IPv4 default routes,
 * eth1 and eth0 both at the lowest metric.  Every route is listed, and the verdict is a
 * failure that names both links, whatever a single reply lookup happened to answer. */
static void
test_status_alternating(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_autoptr(GPtrArray) replies =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    gboolean managed;
    g_autoptr(GPtrArray) uplinks = _lab_uplinks(policy, &managed);
    const NmfRoute *first        = NULL;
    const NmfRoute *second       = NULL;

    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 101, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 101, 254));
    nmf_routes_sort(routes);
    g_ptr_array_add(replies, _reply("10.66.60.236", "eth1", "eth1", FALSE));
    nmf_check_evaluate(replies);
    g_assert_true(nmf_routes_lowest_shared(routes, AF_INET, &first, &second));
    g_assert_cmpstr(first->iface, ==, "eth0");
    g_assert_cmpstr(second->iface, ==, "eth1");
    g_assert_false(nmf_routes_lowest_shared(routes, AF_INET6, &first, &second));
    g_assert_cmpint(
      _report(out, policy, uplinks, managed, routes, replies), ==, NMF_VERDICT_ALTERNATING);
    g_assert_nonnull(
      strstr(out->str, "ipv4 default via 192.0.2.1 dev eth0 metric 100 table 254\n"));
    g_assert_nonnull(
      strstr(out->str, "ipv4 default via 192.0.2.1 dev eth1 metric 100 table 254\n"));
    g_assert_nonnull(
      strstr(out->str, "ipv4 default via 192.0.2.1 dev eth0 metric 101 table 254\n"));
    g_assert_nonnull(
      strstr(out->str, "ipv4 default via 192.0.2.1 dev eth1 metric 101 table 254\n"));
    g_assert_true(g_str_has_suffix(out->str,
                                   "The kernel alternates between eth0 and eth1: both hold the "
                                   "lowest IPv4 default metric (100), so replies leave by either "
                                   "link from one moment to the next. Run 'nm-metric-fix "
                                   "--fix'.\n"));
    /* Left alone as well: still a failure, an admin can change it. */
    g_assert_cmpint(
      nmf_report_verdict(uplinks, FALSE, routes, replies, NULL, NULL), ==, NMF_VERDICT_ALTERNATING);

    /* One link alone at the lowest metric (its own second route higher): no alternation,
     * and the same link twice at one metric is no alternation either. */
    g_ptr_array_remove_index(routes, 0);
    g_assert_false(nmf_routes_lowest_shared(routes, AF_INET, NULL, NULL));
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    nmf_routes_sort(routes);
    g_assert_false(nmf_routes_lowest_shared(routes, AF_INET, NULL, NULL));
    g_assert_cmpint(_report(out, policy, uplinks, managed, routes, replies), ==, NMF_VERDICT_OK);

    /* The IPv6 family alone sharing its lowest metric fails too; a policy table does not
     * count. */
    g_ptr_array_add(routes, _route(AF_INET6, "eth1", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET6, "eth0", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 100, 1000));
    nmf_routes_sort(routes);
    g_assert_false(nmf_routes_lowest_shared(routes, AF_INET, NULL, NULL));
    g_assert_cmpint(nmf_report_verdict(uplinks, managed, routes, replies, NULL, NULL),
                    ==,
                    NMF_VERDICT_ALTERNATING);
}

/* One link's default routes in the main table: the lowest metric per family, whether
 * an IPv6 one came from a router advertisement; other links, other tables and an absent
 * route list count for nothing. */
static void
test_routes_link_defaults(void)
{
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    NmfLinkDefaults d;
    NmfRoute       *ra;

    nmf_routes_link_defaults(NULL, 2, &d);
    g_assert_cmpint(d.metric4, ==, NMF_METRIC_AUTO);
    g_assert_cmpint(d.metric6, ==, NMF_METRIC_AUTO);
    g_assert_false(d.ra6);

    g_ptr_array_add(routes, _route(AF_INET, "eth0", 101, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 20100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 5, 30501));
    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET6, "eth1", 1024, 254));
    nmf_routes_link_defaults(routes, 2, &d);
    g_assert_cmpint(d.metric4, ==, 101);
    g_assert_cmpint(d.metric6, ==, NMF_METRIC_AUTO);
    g_assert_false(d.ra6);

    ra           = _route(AF_INET6, "eth0", 100, 254);
    ra->protocol = NMF_ROUTE_PROTOCOL_RA;
    g_ptr_array_add(routes, ra);
    g_ptr_array_add(routes, _route(AF_INET6, "eth0", 99, 254));
    nmf_routes_link_defaults(routes, 2, &d);
    g_assert_cmpint(d.metric4, ==, 101);
    g_assert_cmpint(d.metric6, ==, 99);
    g_assert_true(d.ra6);
    nmf_routes_link_defaults(routes, 3, &d);
    g_assert_cmpint(d.metric4, ==, 100);
    g_assert_cmpint(d.metric6, ==, 1024);
    g_assert_false(d.ra6);
}

/* A second LAN uplink (a storage network with a gateway): in mode=metric only one link
 * owns the default route, so its replies leaving by the first LAN link are a warning that
 * names it and the remedy, not a failure; in mode=policy they fail. */
static void
test_status_second_lan_uplink(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    g_autoptr(GString) out      = g_string_new(NULL);
    g_autoptr(GPtrArray) routes = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_autoptr(GPtrArray) replies =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    g_autoptr(GPtrArray) warnings = NULL;
    gboolean   managed;
    GPtrArray *uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *storage = nmf_uplink_new("eth2", "storage", "u-storage");
    guint32    a;
    guint      i;

    {
        g_autoptr(GPtrArray) lab = _lab_uplinks(policy, &managed);

        for (i = 0; i < lab->len; i++)
            g_ptr_array_add(uplinks, g_steal_pointer(&lab->pdata[i]));
        g_ptr_array_set_size(lab, 0);
    }
    g_assert_true(nmf_parse_ip4("10.77.0.50", &a));
    nmf_uplink_add_address4(storage, a, 24);
    g_assert_true(nmf_parse_ip4("10.77.0.1", &storage->gateway4));
    storage->applied_known = TRUE;
    g_ptr_array_add(uplinks, storage);
    managed = nmf_rank(policy, uplinks);
    g_assert_true(managed);
    g_assert_cmpuint(storage->rank, ==, 2);

    g_ptr_array_add(routes, _route(AF_INET, "eth1", 100, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth2", 101, 254));
    g_ptr_array_add(routes, _route(AF_INET, "eth0", 102, 254));
    g_ptr_array_add(replies, _reply("10.66.60.236", "eth1", "eth1", FALSE));
    g_ptr_array_add(replies, _reply("10.77.0.50", "eth2", "eth1", FALSE));
    g_ptr_array_add(replies, _reply("192.168.122.100", "eth0", "eth1", TRUE));
    nmf_check_evaluate(replies);
    g_assert_nonnull(nmf_report_first_wrong_link(replies));

    /* mode=policy: every uplink must answer by itself. */
    policy->mode = NMF_MODE_POLICY;
    nmf_report_scope_replies(uplinks, managed, policy->mode, replies);
    g_assert_cmpint(nmf_report_verdict(uplinks, managed, routes, replies, NULL, NULL),
                    ==,
                    NMF_VERDICT_WRONG_LINK);

    /* mode=metric: a warning, exit 0. */
    policy->mode = NMF_MODE_METRIC;
    nmf_report_scope_replies(uplinks, managed, policy->mode, replies);
    g_assert_null(nmf_report_first_wrong_link(replies));
    warnings = nmf_report_warnings(replies);
    g_assert_cmpuint(warnings->len, ==, 1);
    g_assert_cmpstr(warnings->pdata[0],
                    ==,
                    "Replies from 10.77.0.50 (eth2) leave by eth1: in mode=metric one link owns "
                    "the default route. For eth2 to answer by itself, set mode=policy in "
                    "nm-metric-fix.conf, or give it a rule with action=prefer.");
    g_assert_cmpint(_report(out, policy, uplinks, managed, routes, replies), ==, NMF_VERDICT_OK);
    g_assert_nonnull(strstr(out->str,
                            "10.77.0.50 on eth2: leaves by eth1 (another link: a warning "
                            "in mode=metric)\n"));
    g_assert_nonnull(strstr(out->str, "\nWarning: Replies from 10.77.0.50 (eth2)"));
    g_assert_true(g_str_has_suffix(out->str, "Default route: eth1 (intended).\n"));

    /* The top-ranked uplink answering by another link still fails. */
    for (i = 0; i < replies->len; i++)
        ((NmfCheckRow *) replies->pdata[i])->warned = FALSE;
    g_free(((NmfCheckRow *) replies->pdata[0])->reply_iface);
    ((NmfCheckRow *) replies->pdata[0])->reply_iface = g_strdup("eth2");
    nmf_check_evaluate(replies);
    nmf_report_scope_replies(uplinks, managed, NMF_MODE_METRIC, replies);
    g_assert_cmpint(nmf_report_verdict(uplinks, managed, routes, replies, NULL, NULL),
                    ==,
                    NMF_VERDICT_WRONG_LINK);
    g_ptr_array_unref(uplinks);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/report/status/wrong-owner", test_status_wrong_owner);
    g_test_add_func("/report/status/ok", test_status_ok);
    g_test_add_func("/report/status/no-route", test_status_no_route);
    g_test_add_func("/report/status/ipv6", test_status_ipv6);
    g_test_add_func("/report/status/left-alone", test_status_left_alone);
    g_test_add_func("/report/status/wrong-link", test_status_wrong_link);
    g_test_add_func("/report/status/escapes-names", test_status_escapes_names);
    g_test_add_func("/report/status/alternating", test_status_alternating);
    g_test_add_func("/report/status/second-lan-uplink", test_status_second_lan_uplink);
    g_test_add_func("/model/routes/link-defaults", test_routes_link_defaults);
    return g_test_run();
}
