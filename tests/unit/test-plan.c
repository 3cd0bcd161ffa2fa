/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the plan step (nmf-plan.c), which --fix, --dry-run and --status read. */
#include <string.h>

#include "decide/nmf-plan.h"
#include "decide/nmf-rank.h"

static NmfUplink *
_uplink(const char *iface, const char *address, guint8 prefix, const char *gateway)
{
    NmfUplink *u = nmf_uplink_new(iface, iface, iface);
    guint32    a = 0;

    g_assert_true(nmf_parse_ip4(address, &a));
    nmf_uplink_add_address4(u, a, prefix);
    g_assert_true(nmf_parse_ip4(gateway, &u->gateway4));
    /* NetworkManager's activation-order defaults: what the product is there to fix. */
    u->applied_known = TRUE;
    return u;
}

/* The seed's guest: eth0 on libvirt NAT (metric 100), eth1 on the LAN (101), and a third
 * LAN link; @mode chooses metric or policy routing. */
static GPtrArray *
_guest(void)
{
    GPtrArray *uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *nat     = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
    NmfUplink *lan     = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
    NmfUplink *lan2    = _uplink("eth2", "10.77.0.5", 24, "10.77.0.1");

    nat->applied_metric4  = 100;
    lan->applied_metric4  = 101;
    lan2->applied_metric4 = 102;
    lan->has_ipv6         = TRUE;
    g_ptr_array_add(uplinks, nat);
    g_ptr_array_add(uplinks, lan);
    g_ptr_array_add(uplinks, lan2);
    return uplinks;
}

/* What NetworkManager holds once a real run carried out @plan: the wanted metric in the
 * applied connection and, when updated, in the profile with our record. */
static void
_apply(const NmfPlan *plan)
{
    guint i;

    for (i = 0; i < plan->reapply->len; i++) {
        NmfUplink *u = plan->reapply->pdata[i];

        u->applied_metric4 = u->wanted_metric;
        if (u->has_ipv6)
            u->applied_metric6 = u->wanted_metric;
        g_free(u->applied_policy);
        u->applied_policy = g_strdup(u->wanted_policy);
    }
    for (i = 0; i < plan->update->len; i++) {
        NmfUplink *u = plan->update->pdata[i];

        u->profile_metric4 = u->wanted_metric;
        if (u->has_ipv6)
            u->profile_metric6 = u->wanted_metric;
        g_free(u->profile_policy);
        u->profile_policy  = g_strdup(u->wanted_policy);
        u->has_record      = TRUE;
        u->recorded_metric = u->wanted_metric;
    }
}

static NmfPlan *
_plan(const NmfConfig *config, GPtrArray *uplinks)
{
    gboolean managed = nmf_rank(config, uplinks);

    return nmf_plan_new(config, uplinks, managed, NMF_LIVE_REAPPLY);
}

static void
_test_replan_is_empty(NmfMode mode)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(NmfPlan) again     = NULL;
    g_autofree char *summary     = NULL;

    config->mode = mode;
    plan         = _plan(config, uplinks);
    g_assert_true(plan->managed);
    g_assert_cmpuint(plan->reapply->len, >, 0);
    g_assert_cmpuint(plan->update->len, ==, 3);
    g_assert_false(nmf_plan_is_empty(plan));
    if (mode == NMF_MODE_POLICY)
        g_assert_cmpuint(plan->keep_routes->len, >, 0);

    _apply(plan);
    again = _plan(config, uplinks);
    g_assert_true(again->managed);
    g_assert_cmpuint(again->ranked->len, ==, 3);
    g_assert_cmpuint(again->reapply->len, ==, 0);
    g_assert_cmpuint(again->update->len, ==, 0);
    g_assert_cmpuint(again->left_alone->len, ==, 0);
    g_assert_true(nmf_plan_is_empty(again));
    summary = nmf_plan_summary(again, FALSE);
    g_assert_cmpstr(summary, ==, "no changes needed");
}

static void
test_replan_is_empty(void)
{
    _test_replan_is_empty(NMF_MODE_METRIC);
}

static void
test_replan_is_empty_policy(void)
{
    _test_replan_is_empty(NMF_MODE_POLICY);
}

/* Without persistence only the devices change; the profiles are left as they are. */
static void
test_no_persist(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;

    config->persist = FALSE;
    plan            = _plan(config, uplinks);
    g_assert_cmpuint(plan->reapply->len, ==, 3);
    g_assert_cmpuint(plan->update->len, ==, 0);
}

static GPtrArray *
_lines_new(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

/* The dry run prints exactly the lines a real run prints when every change goes through,
 * each with "would " in front. */
static void
test_dry_run_prints_the_real_run(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(GPtrArray) dry     = _lines_new();
    g_autoptr(GPtrArray) real    = _lines_new();
    guint i;

    config->mode = NMF_MODE_POLICY;
    plan         = _plan(config, uplinks);
    nmf_plan_describe_reapply(plan, TRUE, dry);
    nmf_plan_describe_updates(plan, TRUE, dry);

    for (i = 0; i < plan->reapply->len; i++)
        plan->reapplied[i].result = NMF_APPLY_DONE;
    for (i = 0; i < plan->update->len; i++)
        plan->updated[i].result = NMF_APPLY_DONE;
    nmf_plan_describe_reapply(plan, FALSE, real);
    nmf_plan_describe_updates(plan, FALSE, real);

    /* 3 reapplies, 3 profiles, 3 policy-routing lines. */
    g_assert_cmpuint(real->len, ==, 9);
    g_assert_cmpuint(dry->len, ==, real->len);
    for (i = 0; i < real->len; i++) {
        g_autofree char *expected = g_strconcat("would ", real->pdata[i], NULL);

        g_assert_cmpstr(dry->pdata[i], ==, expected);
    }
    g_assert_cmpstr(real->pdata[0], ==, "reapply eth1 (eth1): ipv4.route-metric 101 -> 100");
    g_assert_cmpstr(real->pdata[3],
                    ==,
                    "update profile 'eth1' (eth1): ipv4.route-metric -1 -> 100, "
                    "ipv6.route-metric too");
}

/* A device another client already reapplied is not reported as reapplied by us. */
static void
test_real_run_reports_outcomes(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(GPtrArray) lines   = _lines_new();
    g_autofree char *summary     = NULL;

    plan = _plan(config, uplinks);
    g_assert_cmpuint(plan->reapply->len, ==, 3);
    plan->reapplied[0].result = NMF_APPLY_UNCHANGED;
    plan->reapplied[1].result = NMF_APPLY_DONE;
    plan->reapplied[2].result = NMF_APPLY_FAILED;
    nmf_plan_describe_reapply(plan, FALSE, lines);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(
      lines->pdata[0], ==, "eth1 (eth1): already as wanted (another client reapplied it)");
    g_assert_true(g_str_has_prefix(lines->pdata[1], "reapply eth2 (eth2): "));
    summary = nmf_plan_summary(plan, FALSE);
    g_assert_cmpstr(summary, ==, "done: 1 device(s) reapplied, 0 profile(s) updated, 0 left alone");
}

/* Skip data, an ignore rule and a hand-set metric: listed as left alone, with the reason,
 * never reapplied or updated. */
static void
test_left_alone(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(GPtrArray) lines   = _lines_new();
    NmfRule   *rule              = g_new0(NmfRule, 1);
    NmfUplink *lan3              = _uplink("eth3", "10.88.0.5", 24, "10.88.0.1");
    NmfUplink *lan4              = _uplink("eth4", "10.99.0.5", 24, "10.99.0.1");
    guint      i;

    rule->name            = g_strdup("keep-eth3");
    rule->match_interface = g_strdup("eth3");
    rule->action          = NMF_RULE_IGNORE;
    g_ptr_array_add(config->rules, rule);
    lan4->profile_metric4 = 77; /* the admin's, not ours: no record */
    g_ptr_array_add(uplinks, lan3);
    g_ptr_array_add(uplinks, lan4);
    ((NmfUplink *) uplinks->pdata[2])->skip_requested = TRUE; /* eth2 */

    plan = _plan(config, uplinks);
    g_assert_true(plan->managed);
    g_assert_cmpuint(plan->left_alone->len, ==, 3);
    for (i = 0; i < plan->reapply->len; i++)
        g_assert_cmpuint(((NmfUplink *) plan->reapply->pdata[i])->rank, >, 0);
    for (i = 0; i < plan->update->len; i++)
        g_assert_cmpuint(((NmfUplink *) plan->update->pdata[i])->rank, >, 0);
    g_assert_cmpint(nmf_plan_wanted_metric(plan, lan4), ==, NMF_METRIC_AUTO);

    nmf_plan_describe_decisions(plan, lines);
    g_assert_cmpuint(lines->len, ==, 4);
    g_assert_cmpstr(lines->pdata[0], ==, "eth2 (eth2): left alone, skipped by user data");
    g_assert_cmpstr(lines->pdata[1], ==, "eth3 (eth3): left alone, ignored by rule keep-eth3");
    g_assert_cmpstr(lines->pdata[2], ==, "eth4 (eth4): left alone, metric set by hand");
    g_assert_cmpstr(lines->pdata[3],
                    ==,
                    "ranking: 1. eth1 (eth1, lan) metric 100; 2. eth0 (eth0, nat) metric 101");
}

/* Nothing competes: no ranking, nothing to do, and the reason is said. */
static void
test_unmanaged(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(GPtrArray) lines   = _lines_new();
    g_autofree char *summary     = NULL;

    g_ptr_array_add(uplinks, _uplink("eth1", "10.66.60.236", 23, "10.66.61.254"));
    g_ptr_array_add(uplinks, _uplink("eth2", "10.77.0.5", 24, "10.77.0.1"));
    plan = _plan(config, uplinks);
    g_assert_false(plan->managed);
    g_assert_true(nmf_plan_is_empty(plan));
    nmf_plan_describe_decisions(plan, lines);
    g_assert_cmpuint(lines->len, ==, 1);
    g_assert_cmpstr(
      lines->pdata[0], ==, "no NAT uplink competes with another uplink; leaving metrics alone");
    summary = nmf_plan_summary(plan, TRUE);
    g_assert_cmpstr(summary, ==, "no changes needed");
}

/* --revert keeps what the admin set after us and restores the rest. */
static void
test_plan_revert_keeps_admin_changes(void)
{
    NmfProfile p = {
        .orig4            = NMF_METRIC_AUTO,
        .orig6            = NMF_METRIC_AUTO,
        .metric4          = 100,
        .metric6          = 100,
        .has_ipv6_setting = TRUE,
        .written_valid    = TRUE,
        .written          = 100,
    };

    nmf_plan_revert_profile(&p);
    g_assert_false(p.keeps_admin4);
    g_assert_false(p.keeps_admin6);
    g_assert_cmpint(p.restore4, ==, NMF_METRIC_AUTO);
    g_assert_cmpint(p.restore6, ==, NMF_METRIC_AUTO);

    p.metric4 = 77; /* nmcli connection modify lan ipv4.route-metric 77 */
    nmf_plan_revert_profile(&p);
    g_assert_true(p.keeps_admin4);
    g_assert_false(p.keeps_admin6);
    g_assert_cmpint(p.restore4, ==, 77);
    g_assert_cmpint(p.restore6, ==, NMF_METRIC_AUTO);

    p.metric6 = 300;
    nmf_plan_revert_profile(&p);
    g_assert_true(p.keeps_admin6);
    g_assert_cmpint(p.restore6, ==, 300);

    /* A record from a release that did not keep the written metric: restore. */
    p.written_valid = FALSE;
    nmf_plan_revert_profile(&p);
    g_assert_false(p.keeps_admin4);
    g_assert_cmpint(p.restore4, ==, NMF_METRIC_AUTO);
}

/* Which releases get their default routes moved instead of a Reapply. */
static void
test_live_method(void)
{
    g_assert_cmpint(nmf_plan_live_method("1.14.0", NMF_MODE_METRIC), ==, NMF_LIVE_REAPPLY);
    g_assert_cmpint(nmf_plan_live_method("1.30.0", NMF_MODE_METRIC), ==, NMF_LIVE_REAPPLY);
    g_assert_cmpint(nmf_plan_live_method("1.35.99", NMF_MODE_METRIC), ==, NMF_LIVE_REAPPLY);
    g_assert_cmpint(nmf_plan_live_method("1.36.0", NMF_MODE_METRIC), ==, NMF_LIVE_ROUTES);
    g_assert_cmpint(nmf_plan_live_method("1.40.16-9.el8", NMF_MODE_METRIC), ==, NMF_LIVE_ROUTES);
    g_assert_cmpint(nmf_plan_live_method("1.41.8", NMF_MODE_METRIC), ==, NMF_LIVE_ROUTES);
    g_assert_cmpint(nmf_plan_live_method("1.42.4", NMF_MODE_METRIC), ==, NMF_LIVE_ROUTES_DHCP);
    g_assert_cmpint(nmf_plan_live_method("1.48.10", NMF_MODE_METRIC), ==, NMF_LIVE_ROUTES_DHCP);
    /* Routing rules reach the kernel only through a Reapply. */
    g_assert_cmpint(nmf_plan_live_method("1.40.16", NMF_MODE_POLICY), ==, NMF_LIVE_REAPPLY);
    g_assert_cmpint(nmf_plan_live_method(NULL, NMF_MODE_METRIC), ==, NMF_LIVE_REAPPLY);
    g_assert_cmpint(nmf_plan_live_method("garbage", NMF_MODE_METRIC), ==, NMF_LIVE_REAPPLY);
}

/* NMF_LIVE_ROUTES: the kernel's metrics decide what moves; an applied connection with
 * an explicit metric still gets a Reapply; the connection defaults name every link
 * whose routes move, and moving them again is a no-op. */
static void
test_routes_method(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(NmfPlan) again     = NULL;
    g_autoptr(GPtrArray) lines   = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *defaults    = NULL;
    NmfUplink       *nat         = uplinks->pdata[0];
    NmfUplink       *lan         = uplinks->pdata[1];
    NmfUplink       *lan2        = uplinks->pdata[2];
    gboolean         managed;
    guint            i;

    /* NetworkManager's defaults in the applied connections of eth0 and eth1, the
     * activation order in the kernel; eth2's profile set 102 itself. */
    nat->applied_metric4 = nat->applied_metric6 = NMF_METRIC_AUTO;
    lan->applied_metric4 = lan->applied_metric6 = NMF_METRIC_AUTO;
    nat->kernel_metric4                         = 100;
    lan->kernel_metric4                         = 101;
    lan->kernel_metric6                         = 101;
    lan2->kernel_metric4                        = 102;
    managed                                     = nmf_rank(config, uplinks);
    plan = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES);
    g_assert_true(nmf_plan_moves_routes(plan, nat));
    g_assert_true(nmf_plan_moves_routes(plan, lan));
    g_assert_false(nmf_plan_moves_routes(plan, lan2));
    g_assert_cmpint(lan->wanted_metric, <, nat->wanted_metric);
    for (i = 0; i < plan->reapply->len; i++)
        g_assert_true(plan->reapply->pdata[i] != lan2 || lan2->wanted_metric != 102);

    defaults = nmf_plan_route_metric_defaults(plan);
    g_assert_nonnull(defaults);
    g_assert_true(g_str_has_prefix(defaults, NMF_PLAN_DEFAULTS_HEADER "\n"));
    g_assert_nonnull(
      strstr(defaults, "[connection-nm-metric-fix-eth1]\nmatch-device=interface-name:eth1\n"));
    g_assert_nonnull(strstr(defaults, "[connection-nm-metric-fix-eth0]\n"));
    g_assert_null(strstr(defaults, "eth2"));
    {
        g_autofree char *want6 =
          g_strdup_printf("ipv6.route-metric=%" G_GINT64_FORMAT "\n", lan->wanted_metric);

        g_assert_nonnull(strstr(defaults, want6));
    }

    nmf_plan_describe_reapply(plan, TRUE, lines);
    g_assert_cmpuint(lines->len, >=, 2);
    g_assert_true(g_str_has_prefix(lines->pdata[0], "would move the default routes of "));

    /* The routes moved in the kernel: nothing left to move; the applied connections
     * still say NetworkManager's default, which is not a reason to reapply. */
    for (i = 0; i < plan->reapply->len; i++) {
        NmfUplink *u = plan->reapply->pdata[i];

        if (!nmf_plan_moves_routes(plan, u))
            continue;
        u->kernel_metric4 = u->wanted_metric;
        if (u->has_ipv6)
            u->kernel_metric6 = u->wanted_metric;
    }
    lan2->applied_metric4 = lan2->wanted_metric;
    lan2->kernel_metric4  = lan2->wanted_metric;
    again                 = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES);
    g_assert_cmpuint(again->reapply->len, ==, 0);

    /* A name NetworkManager's match-device would read as a pattern gets no section. */
    g_free(lan->iface);
    lan->iface = g_strdup("eth*1");
    g_clear_pointer(&defaults, g_free);
    defaults = nmf_plan_route_metric_defaults(again);
    g_assert_null(strstr(defaults, "eth*1"));
}

/* NMF_LIVE_ROUTES_DHCP (NetworkManager >= 1.42): only a link with a DHCP lease has its
 * routes moved; a static one is reapplied (NetworkManager would re-add its old route at
 * every change, and no DHCP restarts there). */
static void
test_routes_dhcp_method(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autofree char *defaults    = NULL;
    NmfUplink       *nat         = uplinks->pdata[0];
    NmfUplink       *lan         = uplinks->pdata[1];
    gboolean         managed;

    nat->applied_metric4 = nat->applied_metric6 = NMF_METRIC_AUTO;
    lan->applied_metric4 = lan->applied_metric6 = NMF_METRIC_AUTO;
    nat->kernel_metric4                         = 100;
    lan->kernel_metric4                         = 101;
    nat->dhcp4_server                           = g_strdup("192.168.122.1");
    managed                                     = nmf_rank(config, uplinks);
    plan = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES_DHCP);
    g_assert_true(nmf_plan_moves_routes(plan, nat));
    g_assert_false(nmf_plan_moves_routes(plan, lan));
    /* Both need a change: one by its routes, one by a Reapply. */
    g_assert_true(g_ptr_array_find(plan->reapply, nat, NULL));
    g_assert_true(g_ptr_array_find(plan->reapply, lan, NULL));
    defaults = nmf_plan_route_metric_defaults(plan);
    g_assert_nonnull(strstr(defaults, "[connection-nm-metric-fix-eth0]"));
    g_assert_null(strstr(defaults, "[connection-nm-metric-fix-eth1]"));
}

static gboolean
_has_line(GPtrArray *lines, const char *line)
{
    guint i;

    for (i = 0; i < lines->len; i++) {
        if (strcmp(lines->pdata[i], line) == 0)
            return TRUE;
    }
    return FALSE;
}

/* NMF_LIVE_ROUTES_DHCP with router advertisements (NetworkManager >= 1.42, the RHEL 9.5+
 * and 10 case): NetworkManager commits a link at each RA and puts its lease's old metric
 * back.  The NAT link, whose metric goes up, is reapplied when it takes RAs; the LAN
 * link, whose metric goes down, keeps its routes moved (a re-added old route of it sits
 * above the moved one); without RAs on the NAT link both are moved. */
static void
test_routes_dhcp_router_advertisements(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    g_autoptr(GPtrArray) uplinks = _guest();
    g_autoptr(NmfPlan) plan      = NULL;
    g_autoptr(NmfPlan) ipv4_only = NULL;
    g_autoptr(NmfPlan) again     = NULL;
    g_autoptr(NmfPlan) lan_ra    = NULL;
    g_autofree char *defaults    = NULL;
    NmfUplink       *nat         = uplinks->pdata[0];
    NmfUplink       *lan         = uplinks->pdata[1];
    NmfUplink       *lan2        = uplinks->pdata[2];
    gboolean         managed;

    nat->applied_metric4 = nat->applied_metric6 = NMF_METRIC_AUTO;
    lan->applied_metric4 = lan->applied_metric6 = NMF_METRIC_AUTO;
    nat->has_ipv6 = lan->has_ipv6 = TRUE;
    nat->kernel_metric4 = nat->kernel_metric6 = 100;
    lan->kernel_metric4 = lan->kernel_metric6 = 101;
    nat->kernel_ra6 = lan->kernel_ra6 = TRUE;
    nat->dhcp4_server                 = g_strdup("192.168.122.1");
    lan->dhcp4_server                 = g_strdup("10.66.61.254");
    managed                           = nmf_rank(config, uplinks);
    g_assert_cmpint(nat->wanted_metric, >, 100);
    g_assert_cmpint(lan->wanted_metric, ==, 100);

    plan = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES_DHCP);
    g_assert_false(nmf_plan_moves_routes(plan, nat));
    g_assert_true(nmf_plan_moves_routes(plan, lan));
    g_assert_true(g_ptr_array_find(plan->reapply, nat, NULL));
    g_assert_true(g_ptr_array_find(plan->reapply, lan, NULL));
    defaults = nmf_plan_route_metric_defaults(plan);
    g_assert_nonnull(strstr(defaults, "[connection-nm-metric-fix-eth1]"));
    g_assert_null(strstr(defaults, "[connection-nm-metric-fix-eth0]"));
    {
        g_autofree char *summary   = nmf_plan_summary(plan, TRUE);
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

        /* The summary says what is done to each: one moved, the others reapplied. */
        g_assert_true(
          g_str_has_prefix(summary, "dry run: 1 device(s) to move the routes of, 2 to reapply, "));
        nmf_plan_describe_reapply(plan, TRUE, lines);
        g_assert_cmpuint(lines->len, ==, 3);
        g_assert_true(_has_line(lines, "would reapply eth0 (eth0): ipv4.route-metric -1 -> 102"));
        g_assert_true(_has_line(lines,
                                "would move the default routes of eth1 (eth1) in the kernel: "
                                "metric 101 -> 100 (no Reapply: it would restart DHCP)"));
    }
    /* --revert asks the same question of a link going back up to NetworkManager's metric. */
    g_assert_true(nmf_plan_move_comes_back(NMF_LIVE_ROUTES_DHCP, TRUE, 100, 101));
    g_assert_false(nmf_plan_move_comes_back(NMF_LIVE_ROUTES_DHCP, TRUE, 101, 100));
    g_assert_false(nmf_plan_move_comes_back(NMF_LIVE_ROUTES_DHCP, FALSE, 100, 101));
    g_assert_false(nmf_plan_move_comes_back(NMF_LIVE_ROUTES, TRUE, 100, 101));
    g_assert_false(nmf_plan_move_comes_back(NMF_LIVE_ROUTES_DHCP, TRUE, NMF_METRIC_AUTO, 101));
    /* 1.36-1.41 leave removed routes alone: both are moved there. */
    g_assert_true(nmf_plan_link_takes_moves(NMF_LIVE_ROUTES, nat));
    g_assert_false(nmf_plan_link_takes_moves(NMF_LIVE_REAPPLY, lan));

    /* An IPv6 default route not from an RA (a static gateway) commits nothing by itself. */
    nat->kernel_ra6 = FALSE;
    ipv4_only       = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES_DHCP);
    g_assert_true(nmf_plan_moves_routes(ipv4_only, nat));
    /* Nor does a profile that leaves IPv6 to the kernel (ipv6.method ignore). */
    nat->kernel_ra6     = TRUE;
    nat->has_ipv6       = FALSE;
    nat->kernel_metric4 = 100;
    g_assert_true(nmf_plan_link_takes_moves(NMF_LIVE_ROUTES_DHCP, nat));
    nat->has_ipv6 = TRUE;

    /* Only its IPv6 route still low (IPv4 already moved): its metric still goes up. */
    nat->kernel_metric4 = nat->wanted_metric;
    g_assert_false(nmf_plan_link_takes_moves(NMF_LIVE_ROUTES_DHCP, nat));

    /* After the Reapply the applied connection carries the metric: nothing more to do,
     * however the kernel's routes look (NetworkManager's re-added route of the LAN link
     * stays above the moved one until its next lease). */
    nat->applied_metric4 = nat->applied_metric6 = nat->wanted_metric;
    nat->kernel_metric4 = nat->kernel_metric6 = nat->wanted_metric;
    lan->kernel_metric4 = lan->kernel_metric6 = lan->wanted_metric;
    lan2->applied_metric4 = lan2->kernel_metric4 = lan2->wanted_metric;
    again = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES_DHCP);
    g_assert_cmpuint(again->reapply->len, ==, 0);

    /* NetworkManager put the NAT link's old route back (an older release of ours moved
     * it): its lowest metric is below the wanted one again, and it is reapplied. */
    nat->applied_metric4 = nat->applied_metric6 = NMF_METRIC_AUTO;
    nat->kernel_metric4                         = 100;
    lan_ra = nmf_plan_new(config, uplinks, managed, NMF_LIVE_ROUTES_DHCP);
    g_assert_true(g_ptr_array_find(lan_ra->reapply, nat, NULL));
    g_assert_false(nmf_plan_moves_routes(lan_ra, nat));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/replan-is-empty", test_replan_is_empty);
    g_test_add_func("/plan/replan-is-empty-policy", test_replan_is_empty_policy);
    g_test_add_func("/plan/no-persist", test_no_persist);
    g_test_add_func("/plan/dry-run-prints-the-real-run", test_dry_run_prints_the_real_run);
    g_test_add_func("/plan/real-run-reports-outcomes", test_real_run_reports_outcomes);
    g_test_add_func("/plan/left-alone", test_left_alone);
    g_test_add_func("/plan/unmanaged", test_unmanaged);
    g_test_add_func("/plan/revert-keeps-admin-changes", test_plan_revert_keeps_admin_changes);
    g_test_add_func("/plan/live-method", test_live_method);
    g_test_add_func("/plan/routes-method", test_routes_method);
    g_test_add_func("/plan/routes-dhcp-method", test_routes_dhcp_method);
    g_test_add_func("/plan/routes-dhcp-router-advertisements",
                    test_routes_dhcp_router_advertisements);
    return g_test_run();
}
