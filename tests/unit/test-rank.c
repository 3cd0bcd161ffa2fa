/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ranking and policy routing (nmf-rank.c, nmf-policy-routing.c). */
#include <stdio.h>
#include <string.h>

#include "decide/nmf-plan.h"
#include "decide/nmf-policy-routing.h"
#include "decide/nmf-rank.h"

static NmfUplink *
_uplink(const char *iface, const char *address, guint8 prefix, const char *gateway)
{
    NmfUplink *u = nmf_uplink_new(iface, iface, iface);
    guint32    a = 0;

    if (address) {
        g_assert_true(nmf_parse_ip4(address, &a));
        nmf_uplink_add_address4(u, a, prefix);
    }
    if (gateway)
        g_assert_true(nmf_parse_ip4(gateway, &u->gateway4));
    return u;
}

static GPtrArray *
_array(NmfUplink *first, ...)
{
    GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    va_list    ap;
    NmfUplink *u;

    va_start(ap, first);
    for (u = first; u; u = va_arg(ap, NmfUplink *))
        g_ptr_array_add(a, u);
    va_end(ap);
    return a;
}

static NmfUplink *
_find(GPtrArray *uplinks, const char *iface)
{
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (g_str_equal(u->iface, iface))
            return u;
    }
    g_assert_not_reached();
}

static void
test_classify(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    struct {
        const char    *address;
        guint8         prefix;
        const char    *gateway;
        NmfLinkKind    kind;
        NmfUplinkClass expected;
    } cases[] = {
        { "192.168.122.57", 24, "192.168.122.1", NMF_LINK_ETHERNET, NMF_CLASS_NAT },
        { "192.168.124.10", 24, "192.168.124.1", NMF_LINK_ETHERNET, NMF_CLASS_NAT },
        { "192.168.254.10", 24, "192.168.254.1", NMF_LINK_ETHERNET, NMF_CLASS_NAT },
        { "192.168.121.33", 24, "192.168.121.1", NMF_LINK_ETHERNET, NMF_CLASS_NAT },
        { "10.0.2.15", 24, "10.0.2.2", NMF_LINK_ETHERNET, NMF_CLASS_NAT },
        /* A real LAN that happens to use a libvirt-like subnet but another router. */
        { "192.168.122.57", 24, "192.168.122.254", NMF_LINK_ETHERNET, NMF_CLASS_LAN },
        /* 192.168.123.0/24 is not one of libvirt's alternates. */
        { "192.168.123.5", 24, "192.168.123.1", NMF_LINK_ETHERNET, NMF_CLASS_LAN },
        /* Gateway in a NAT range but the address is not: not NAT. */
        { "10.66.60.236", 23, "192.168.122.1", NMF_LINK_ETHERNET, NMF_CLASS_LAN },
        { "10.66.60.236", 23, "10.66.61.254", NMF_LINK_ETHERNET, NMF_CLASS_LAN },
        { "10.66.60.236", 23, "10.66.61.254", NMF_LINK_BRIDGE, NMF_CLASS_BRIDGED },
        { "10.66.60.236", 23, "10.66.61.254", NMF_LINK_MACVTAP, NMF_CLASS_MACVTAP },
        { "10.66.60.236", 23, "10.66.61.254", NMF_LINK_MACVLAN, NMF_CLASS_MACVTAP },
        /* Nested virtualisation: a bridge on the NAT network is still NAT. */
        { "192.168.122.9", 24, "192.168.122.1", NMF_LINK_BRIDGE, NMF_CLASS_NAT },
        /* No gateway at all: never NAT. */
        { "192.168.122.9", 24, NULL, NMF_LINK_ETHERNET, NMF_CLASS_LAN },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(NmfUplink) u =
          _uplink("eth0", cases[i].address, cases[i].prefix, cases[i].gateway);

        u->kind = cases[i].kind;
        g_test_message("case %u: %s gw %s", i, cases[i].address, cases[i].gateway);
        nmf_rank_classify_uplink(policy, u, NULL);
        g_assert_cmpint(u->klass, ==, cases[i].expected);
        g_assert_nonnull(u->class_evidence);
    }
}

static void
test_rank_lan_before_nat(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    guint order;

    /* Whatever order NetworkManager lists them in, the result is the same. */
    for (order = 0; order < 2; order++) {
        NmfUplink *nat               = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
        NmfUplink *lan               = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
        g_autoptr(GPtrArray) uplinks = order ? _array(lan, nat, NULL) : _array(nat, lan, NULL);

        g_assert_true(nmf_rank(policy, uplinks));
        g_assert_true(uplinks->pdata[0] == lan);
        g_assert_cmpuint(lan->rank, ==, 1);
        g_assert_cmpint(lan->wanted_metric, ==, 100);
        g_assert_cmpint(lan->klass, ==, NMF_CLASS_LAN);
        g_assert_cmpuint(nat->rank, ==, 2);
        g_assert_cmpint(nat->wanted_metric, ==, 101);
        g_assert_cmpint(nat->klass, ==, NMF_CLASS_NAT);
    }
}

static void
test_rank_ties_are_stable(void)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    const char *names[]         = { "eth10", "eth2", "eth1" };
    guint       perm;

    policy->metric_base = 200;
    policy->metric_step = 10;
    for (perm = 0; perm < 3; perm++) {
        g_autoptr(GPtrArray) uplinks =
          g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
        guint i;

        for (i = 0; i < 3; i++)
            g_ptr_array_add(uplinks, _uplink(names[(i + perm) % 3], "10.1.1.2", 24, "10.1.1.1"));
        g_ptr_array_add(uplinks, _uplink("eth0", "192.168.122.5", 24, "192.168.122.1"));
        /* An active device without a gateway is shown but never ranked. */
        g_ptr_array_add(uplinks, _uplink("eth3", "172.16.0.2", 24, NULL));

        g_assert_true(nmf_rank(policy, uplinks));
        g_assert_cmpint(_find(uplinks, "eth1")->wanted_metric, ==, 200);
        g_assert_cmpint(_find(uplinks, "eth2")->wanted_metric, ==, 210);
        g_assert_cmpint(_find(uplinks, "eth10")->wanted_metric, ==, 220);
        g_assert_cmpint(_find(uplinks, "eth0")->wanted_metric, ==, 230);
        g_assert_cmpuint(_find(uplinks, "eth3")->rank, ==, 0);
        g_assert_cmpint(_find(uplinks, "eth3")->wanted_metric, ==, NMF_METRIC_AUTO);
    }
}

static void
test_rank_same_iface_tie_uses_uuid(void)
{
    g_autoptr(NmfConfig) policy  = nmf_config_new_default();
    NmfUplink *a                 = _uplink("eth1", "10.1.1.2", 24, "10.1.1.1");
    NmfUplink *b                 = _uplink("eth1", "10.1.2.2", 24, "10.1.2.1");
    NmfUplink *nat               = _uplink("eth0", "192.168.122.5", 24, "192.168.122.1");
    g_autoptr(GPtrArray) uplinks = NULL;

    g_free(a->connection_uuid);
    a->connection_uuid = g_strdup("bbbb");
    g_free(b->connection_uuid);
    b->connection_uuid = g_strdup("aaaa");
    uplinks            = _array(a, nat, b, NULL);
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_true(uplinks->pdata[0] == b);
    g_assert_true(uplinks->pdata[1] == a);
}

static void
test_rank_classes(void)
{
    g_autoptr(NmfConfig) policy  = nmf_config_new_default();
    NmfUplink *lan               = _uplink("aaa0", "10.1.1.2", 24, "10.1.1.1");
    NmfUplink *tap               = _uplink("macvtap0", "10.2.1.2", 24, "10.2.1.1");
    NmfUplink *br                = _uplink("zbr0", "10.3.1.2", 24, "10.3.1.1");
    NmfUplink *nat               = _uplink("a0", "10.0.2.15", 24, "10.0.2.2");
    g_autoptr(GPtrArray) uplinks = NULL;

    tap->kind = NMF_LINK_MACVTAP;
    br->kind  = NMF_LINK_BRIDGE;
    uplinks   = _array(nat, lan, tap, br, NULL);
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_true(uplinks->pdata[0] == br);
    g_assert_true(uplinks->pdata[1] == tap);
    g_assert_true(uplinks->pdata[2] == lan);
    g_assert_true(uplinks->pdata[3] == nat);
    g_assert_cmpuint(nat->rank, ==, 4);
}

static void
test_rank_leaves_alone(void)
{
    g_autoptr(NmfConfig) policy   = nmf_config_new_default();
    g_autoptr(GPtrArray) nat_only = _array(_uplink("eth0", "192.168.122.5", 24, "192.168.122.1"),
                                           _uplink("eth1", "10.0.2.15", 24, "10.0.2.2"),
                                           NULL);
    g_autoptr(GPtrArray) lan_only = _array(_uplink("eth0", "10.1.1.2", 24, "10.1.1.1"),
                                           _uplink("eth1", "10.2.1.2", 24, "10.2.1.1"),
                                           NULL);
    /* A NAT link whose competitor has no gateway is not competing. */
    g_autoptr(GPtrArray) lone_nat = _array(_uplink("eth0", "192.168.122.5", 24, "192.168.122.1"),
                                           _uplink("eth1", "10.2.1.2", 24, NULL),
                                           NULL);
    GPtrArray *all[]              = { nat_only, lan_only, lone_nat };
    guint      i;
    guint      j;

    for (i = 0; i < G_N_ELEMENTS(all); i++) {
        g_assert_false(nmf_rank(policy, all[i]));
        for (j = 0; j < all[i]->len; j++) {
            NmfUplink *u = all[i]->pdata[j];

            g_assert_cmpuint(u->rank, ==, 0);
            g_assert_false(nmf_uplink_profile_needs_update(u));
            g_assert_false(nmf_uplink_applied_needs_update(u));
        }
    }
}

static void
test_needs_update(void)
{
    g_autoptr(NmfUplink) u = _uplink("eth1", "10.1.1.2", 24, "10.1.1.1");

    u->rank            = 1;
    u->wanted_metric   = 100;
    u->profile_metric4 = 100;
    u->applied_metric4 = 100;
    u->applied_known   = TRUE;
    g_assert_false(nmf_uplink_profile_needs_update(u));
    g_assert_false(nmf_uplink_applied_needs_update(u));

    /* IPv6 is kept in step only when the profile has IPv6. */
    u->profile_metric6 = -1;
    u->applied_metric6 = -1;
    g_assert_false(nmf_uplink_profile_needs_update(u));
    u->has_ipv6 = TRUE;
    g_assert_true(nmf_uplink_profile_needs_update(u));
    g_assert_true(nmf_uplink_applied_needs_update(u));
    u->profile_metric6 = 100;
    u->applied_metric6 = 100;

    u->applied_metric4 = 101;
    g_assert_false(nmf_uplink_profile_needs_update(u));
    g_assert_true(nmf_uplink_applied_needs_update(u));
    u->applied_metric4 = 100;
    u->applied_known   = FALSE;
    g_assert_true(nmf_uplink_applied_needs_update(u));
    u->applied_known   = TRUE;
    u->profile_metric4 = -1;
    g_assert_true(nmf_uplink_profile_needs_update(u));
    g_assert_false(nmf_uplink_applied_needs_update(u));
}

static void
test_parse_format_ip4(void)
{
    guint32          a = 0;
    g_autofree char *s = NULL;

    g_assert_true(nmf_parse_ip4("10.66.61.254", &a));
    g_assert_cmphex(a, ==, 0x0A423DFE);
    s = nmf_format_ip4(a);
    g_assert_cmpstr(s, ==, "10.66.61.254");
    g_assert_false(nmf_parse_ip4("10.66.61", &a));
    g_assert_false(nmf_parse_ip4("fe80::1", &a));
    g_assert_false(nmf_parse_ip4(NULL, &a));
}

static void
test_policy_mode_plan(void)
{
    g_autoptr(NmfConfig) policy  = nmf_config_new_default();
    NmfUplink *nat               = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
    NmfUplink *lan               = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
    g_autoptr(GPtrArray) uplinks = _array(nat, lan, NULL);
    NmfPolicyRoute *route;
    NmfPolicyRule  *rule;

    policy->mode = NMF_MODE_POLICY;
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpuint(lan->policy_table, ==, NMF_POLICY_TABLE_BASE + 1);
    g_assert_cmpuint(nat->policy_table, ==, NMF_POLICY_TABLE_BASE + 2);
    g_assert_cmpstr(
      lan->wanted_policy,
      ==,
      "route 0.0.0.0/0 via 10.66.61.254 table 30501; route 10.66.60.0/23 table 30501; "
      "rule priority 30501 from 10.66.60.236/32 table 30501");
    g_assert_cmpuint(nat->wanted_rules->len, ==, 1);
    rule = &g_array_index(nat->wanted_rules, NmfPolicyRule, 0);
    g_assert_cmpuint(rule->priority, ==, 30502);
    g_assert_cmpuint(rule->from_len, ==, 32);
    route = &g_array_index(nat->wanted_routes, NmfPolicyRoute, 1);
    g_assert_cmpuint(route->prefix, ==, 0);
    g_assert_true(nmf_policy_owns_table(route->table));
    g_assert_false(nmf_policy_owns_table(254));
    g_assert_false(nmf_policy_owns_priority(32766));

    {
        g_autoptr(GArray) keys = nmf_policy_wanted_route_keys(uplinks);
        const NmfRouteKey *k   = &g_array_index(keys, NmfRouteKey, 0);

        /* lan: default + subnet in 30501; nat: default + subnet in 30502. */
        g_assert_cmpuint(keys->len, ==, 4);
        g_assert_cmpstr(k->iface, ==, "eth1");
        g_assert_cmpuint(k->table, ==, 30501);
    }

    /* Metric mode wants none of ours: leftovers from policy mode get removed. */
    policy->mode = NMF_MODE_METRIC;
    g_free(lan->profile_policy);
    lan->profile_policy  = g_strdup("rule priority 30501 from 10.66.60.236/32 table 30501");
    lan->profile_metric4 = 100;
    lan->has_record      = TRUE;
    lan->recorded_metric = 100;
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpstr(lan->wanted_policy, ==, "");
    g_assert_true(nmf_uplink_profile_needs_update(lan));
    {
        g_autoptr(GArray) keys = nmf_policy_wanted_route_keys(uplinks);

        g_assert_cmpuint(keys->len, ==, 0);
    }
}

static void
test_policy_mode_plan_ipv6(void)
{
    g_autoptr(NmfConfig) policy  = nmf_config_new_default();
    NmfUplink *nat               = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
    NmfUplink *lan               = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
    g_autoptr(GPtrArray) uplinks = _array(nat, lan, NULL);
    guint8 global[16]     = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x66, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
    guint8 link_local[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };

    policy->mode = NMF_MODE_POLICY;
    nmf_uplink_add_address6(lan, global, 64);
    nmf_uplink_add_address6(lan, link_local, 64);
    lan->gateway6 = g_strdup("fe80::1");
    /* Without a managed IPv6 setting nothing IPv6 is planned... */
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_null(strstr(lan->wanted_policy, "2001:db8"));
    /* ...with it: subnet, default via the router, a /128 rule; link-local skipped. */
    lan->has_ipv6 = TRUE;
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpstr(
      lan->wanted_policy,
      ==,
      "route 0.0.0.0/0 via 10.66.61.254 table 30501; route 10.66.60.0/23 table 30501; "
      "route 2001:db8:66::/64 table 30501; route ::/0 via fe80::1 table 30501; "
      "rule priority 30501 from 10.66.60.236/32 table 30501; "
      "rule priority 30501 from 2001:db8:66::5/128 table 30501");
    /* An uplink without an IPv6 gateway gets no IPv6 table, though its IPv6 is ours
     * and it has a global address: re-rank, so the check is really made. */
    nat->has_ipv6 = TRUE;
    nmf_uplink_add_address6(nat, global, 64);
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpuint(nat->rank, ==, 2);
    g_assert_cmpstr(nat->wanted_policy,
                    ==,
                    "route 0.0.0.0/0 via 192.168.122.1 table 30502; route 192.168.122.0/24 "
                    "table 30502; rule priority 30502 from 192.168.122.57/32 table 30502");
    /* ...and gets one as soon as it has a gateway. */
    nat->gateway6 = g_strdup("fe80::2");
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_nonnull(strstr(nat->wanted_policy, "route ::/0 via fe80::2 table 30502"));
}

static void
_set_gateway_mac(NmfUplink *u, const char *text)
{
    guint v[6];
    guint i;

    g_assert_cmpint(
      sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), ==, 6);
    for (i = 0; i < 6; i++)
        u->gateway_mac[i] = (guint8) v[i];
    u->gateway_mac_known = TRUE;
}

/* A home LAN in one of libvirt's alternate subnets, behind a vendor router, beats a
 * libvirt NAT network on a subnet no table lists. */
static void
test_rank_by_gateway_mac(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    NmfUplink *nat               = _uplink("eth0", "192.168.100.57", 24, "192.168.100.1");
    NmfUplink *lan               = _uplink("eth1", "192.168.178.20", 24, "192.168.178.1");
    g_autoptr(GPtrArray) uplinks = _array(nat, lan, NULL);

    _set_gateway_mac(nat, "52:54:00:6b:3c:01");
    _set_gateway_mac(lan, "3c:a6:2f:8e:51:07");
    g_assert_true(nmf_rank(config, uplinks));
    g_assert_cmpint(lan->klass, ==, NMF_CLASS_LAN);
    g_assert_cmpint(nat->klass, ==, NMF_CLASS_NAT);
    g_assert_cmpuint(lan->rank, ==, 1);
    g_assert_cmpuint(nat->rank, ==, 2);
    g_assert_nonnull(strstr(lan->class_evidence, "vendor OUI"));

    /* Without the MACs the tables decide, and get both backwards. */
    nat->gateway_mac_known = lan->gateway_mac_known = FALSE;
    g_assert_true(nmf_rank(config, uplinks));
    g_assert_cmpint(lan->klass, ==, NMF_CLASS_NAT);
    g_assert_cmpint(nat->klass, ==, NMF_CLASS_LAN);
    g_assert_cmpuint(nat->rank, ==, 1);
}

/* An uplink with only an IPv6 gateway competes; the NAT link stays NAT. */
static void
test_rank_ipv6_only_uplink(void)
{
    g_autoptr(NmfConfig) config  = nmf_config_new_default();
    NmfUplink *nat               = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
    NmfUplink *lan               = _uplink("eth1", NULL, 0, NULL);
    g_autoptr(GPtrArray) uplinks = _array(nat, lan, NULL);

    nat->gateway6 = g_strdup("fe80::5054:ff:fe6b:3c01");
    nat->has_ipv6 = TRUE;
    lan->gateway6 = g_strdup("fe80::21e:49ff:fea1:b2c3");
    lan->has_ipv6 = TRUE;
    _set_gateway_mac(lan, "00:1e:49:a1:b2:c3");
    lan->gateway_mac_ipv6 = TRUE;
    g_assert_true(nmf_rank(config, uplinks));
    g_assert_cmpuint(lan->rank, ==, 1);
    g_assert_cmpint(lan->wanted_metric, ==, 100);
    g_assert_cmpint(nat->klass, ==, NMF_CLASS_NAT);
    g_assert_cmpint(nat->wanted_metric, ==, 101);
    g_assert_nonnull(strstr(lan->class_evidence, "IPv6 gateway 00:1e:49:a1:b2:c3"));

    /* Neither gateway: not an uplink. */
    g_clear_pointer(&lan->gateway6, g_free);
    g_assert_false(nmf_rank(config, uplinks));
    g_assert_cmpint(lan->unranked, ==, NMF_UNRANKED_NO_GATEWAY);
}

/* class= settles a conflict and does not rank by itself: a hand-set metric stays. */
static void
test_rank_class_rule(void)
{
    g_autoptr(GError) error      = NULL;
    const char *text             = "[rule router-vm]\nmatch-interface=eth1\nclass=lan\n";
    g_autoptr(NmfConfig) config  = nmf_config_parse("t.conf", text, strlen(text), &error);
    NmfUplink *nat               = _uplink("eth0", "192.168.122.57", 24, "192.168.122.1");
    NmfUplink *lan               = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
    g_autoptr(GPtrArray) uplinks = _array(nat, lan, NULL);

    g_assert_no_error(error);
    lan->kind = NMF_LINK_BRIDGE;
    _set_gateway_mac(lan, "52:54:00:aa:bb:cc"); /* the LAN router is a VM */
    _set_gateway_mac(nat, "52:54:00:6b:3c:01");
    g_assert_true(nmf_rank(config, uplinks));
    g_assert_cmpint(lan->klass, ==, NMF_CLASS_BRIDGED);
    g_assert_false(lan->class_conflict);
    g_assert_cmpuint(lan->rank, ==, 1);
    g_assert_cmpint(lan->rule_action, ==, NMF_RULE_CLASS_ONLY);

    lan->profile_metric4 = 77;
    g_assert_false(nmf_rank(config, uplinks));
    g_assert_cmpint(lan->unranked, ==, NMF_UNRANKED_HAND_SET);

    /* Without the rule the conflict is reported. */
    {
        g_autoptr(NmfConfig) plain = nmf_config_new_default();

        lan->profile_metric4 = NMF_METRIC_AUTO;
        nmf_rank(plain, uplinks);
        g_assert_true(lan->class_conflict);
        g_assert_cmpint(lan->klass, ==, NMF_CLASS_NAT);
    }
}

/* The guest of the lab: eth0 NAT, eth1 LAN (and eth1 alone when @lan_only), ranked. */
static GPtrArray *
_lab_ranked(const NmfConfig *config, gboolean lan_only, gboolean *out_managed)
{
    GPtrArray *uplinks = _array(_uplink("eth1", "10.66.60.236", 23, "10.66.61.254"), NULL);

    if (!lan_only)
        g_ptr_array_add(uplinks, _uplink("eth0", "192.168.122.57", 24, "192.168.122.1"));
    *out_managed = nmf_rank(config, uplinks);
    return uplinks;
}

static void
_assert_difference(GPtrArray        *decided,
                   gboolean          decided_managed,
                   GPtrArray        *seen,
                   gboolean          seen_managed,
                   NmfRankDifference expected_kind,
                   const char       *expected)
{
    g_autofree char  *why = NULL;
    NmfRankDifference kind =
      nmf_rank_inputs_difference(decided, decided_managed, seen, seen_managed, &why);

    g_assert_cmpint(kind, ==, expected_kind);
    if (!expected) {
        g_assert_null(why);
        return;
    }
    g_assert_nonnull(why);
    if (!strstr(why, expected))
        g_error("difference '%s' does not say '%s'", why, expected);
}

typedef enum {
    MUTATE_GATEWAY,
    MUTATE_DHCP_SERVER,
    MUTATE_PREFIX,
    MUTATE_IFINDEX,
    MUTATE_PROFILE,
    MUTATE_CLASS,
    MUTATE_METRIC,
} Mutation;

static void
_mutate(NmfUplink *u, Mutation mutation)
{
    switch (mutation) {
    case MUTATE_GATEWAY:
        u->gateway4 = 0xc0a87a02;
        break;
    case MUTATE_DHCP_SERVER:
        u->dhcp4_server = g_strdup("192.168.122.1");
        break;
    case MUTATE_PREFIX:
        g_array_index(u->addresses4, NmfIp4Address, 0).prefix = 23;
        break;
    case MUTATE_IFINDEX:
        u->ifindex = 7;
        break;
    case MUTATE_PROFILE:
        g_free(u->connection_uuid);
        u->connection_uuid = g_strdup("other");
        break;
    case MUTATE_CLASS:
        u->klass = NMF_CLASS_LAN;
        break;
    case MUTATE_METRIC:
        u->wanted_metric = 100;
        break;
    }
}

static void
test_rank_inputs_difference(void)
{
    static const struct {
        Mutation          mutation;
        NmfRankDifference kind;
        const char       *says;
    } cases[] = {
        { MUTATE_GATEWAY, NMF_RANK_OTHER_FACTS, "eth0 has another default gateway" },
        { MUTATE_DHCP_SERVER, NMF_RANK_OTHER_FACTS, "eth0 has another DHCP server" },
        { MUTATE_PREFIX, NMF_RANK_OTHER_FACTS, "eth0 has other IPv4 addresses" },
        { MUTATE_IFINDEX, NMF_RANK_OTHER_UPLINKS, "eth0 is another link now" },
        { MUTATE_PROFILE, NMF_RANK_OTHER_UPLINKS, "eth0 activated 'eth0' instead of" },
        { MUTATE_CLASS, NMF_RANK_OTHER_FACTS, "eth0 is of class lan now, was nat" },
        { MUTATE_METRIC, NMF_RANK_OTHER_FACTS, "eth0 ranks differently" },
    };
    guint i;
    g_autoptr(NmfConfig) config = nmf_config_new_default();
    gboolean   m1, m2;
    NmfUplink *u;

    {
        /* The race of issue 19: the plan saw eth1 alone, eth0 was up at verification. */
        g_autoptr(GPtrArray) decided = _lab_ranked(config, TRUE, &m1);
        g_autoptr(GPtrArray) seen    = _lab_ranked(config, FALSE, &m2);

        g_assert_false(m1);
        g_assert_true(m2);
        _assert_difference(decided, m1, seen, m2, NMF_RANK_OTHER_UPLINKS, "eth0 is activated now");
        _assert_difference(
          seen, m2, decided, m1, NMF_RANK_OTHER_UPLINKS, "eth0 is no longer activated");
    }
    {
        /* What --fix changes itself does not count. */
        g_autoptr(GPtrArray) decided = _lab_ranked(config, FALSE, &m1);
        g_autoptr(GPtrArray) seen    = _lab_ranked(config, FALSE, &m2);

        u                  = _find(seen, "eth0");
        u->profile_metric4 = 101;
        u->applied_metric4 = 101;
        u->kernel_metric4  = 101;
        _assert_difference(decided, m1, seen, m2, NMF_RANK_SAME, NULL);

        _assert_difference(
          decided, m1, seen, FALSE, NMF_RANK_OTHER_FACTS, "no NAT uplink competes now");
    }
    /* What ranking reads does, whatever the rank it gives. */
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) decided = _lab_ranked(config, FALSE, &m1);
        g_autoptr(GPtrArray) seen    = _lab_ranked(config, FALSE, &m2);

        _mutate(_find(seen, "eth0"), cases[i].mutation);
        _assert_difference(decided, m1, seen, m2, cases[i].kind, cases[i].says);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/policy/classify", test_classify);
    g_test_add_func("/policy/rank/lan-before-nat", test_rank_lan_before_nat);
    g_test_add_func("/policy/rank/ties-are-stable", test_rank_ties_are_stable);
    g_test_add_func("/policy/rank/same-iface-tie-uses-uuid", test_rank_same_iface_tie_uses_uuid);
    g_test_add_func("/policy/rank/classes", test_rank_classes);
    g_test_add_func("/policy/rank/leaves-alone", test_rank_leaves_alone);
    g_test_add_func("/policy/rank/by-gateway-mac", test_rank_by_gateway_mac);
    g_test_add_func("/policy/rank/ipv6-only-uplink", test_rank_ipv6_only_uplink);
    g_test_add_func("/policy/rank/class-rule", test_rank_class_rule);
    g_test_add_func("/policy/rank/inputs-difference", test_rank_inputs_difference);
    g_test_add_func("/policy/needs-update", test_needs_update);
    g_test_add_func("/policy/ip4", test_parse_format_ip4);
    g_test_add_func("/policy/mode-policy-plan", test_policy_mode_plan);
    g_test_add_func("/policy/mode-policy-plan-ipv6", test_policy_mode_plan_ipv6);
    return g_test_run();
}
