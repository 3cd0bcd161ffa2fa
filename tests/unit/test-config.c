/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the configuration parser (nmf-config.c). */
#include <string.h>

#include "model/nmf-common.h"
#include "decide/nmf-config.h"
#include "decide/nmf-rank.h"

static NmfConfig *
_parse(const char *text, GError **error)
{
    return nmf_config_parse("test.conf", text, strlen(text), error);
}

static void
test_defaults(void)
{
    g_autoptr(GError) error     = NULL;
    g_autoptr(NmfConfig) policy = _parse("# nothing\n\n", &error);

    g_assert_no_error(error);
    g_assert_cmpint(policy->mode, ==, NMF_MODE_METRIC);
    g_assert_true(policy->persist);
    g_assert_cmpuint(policy->metric_base, ==, 100);
    g_assert_cmpuint(policy->metric_step, ==, 1);
    g_assert_cmpuint(policy->nat_ranges->len, >, 100);
    g_assert_cmpuint(policy->rules->len, ==, 0);
}

static void
test_full(void)
{
    const char *text            = "[main]\n"
                                  "mode=policy\n"
                                  "persist=no\n"
                                  "metric-base=200\n"
                                  "metric-step=10\n"
                                  "nat-ranges=10.9.0.0/16@10.9.0.1; 172.30.0.0/24\n"
                                  "\n"
                                  "[rule uplink]\n"
                                  "match-interface=ens*\n"
                                  "match-subnet=10.66.60.0/23\n"
                                  "action=prefer\n"
                                  "[rule mgmt]\n"
                                  "match-mac=52:54:00:AA:*\n"
                                  "action=avoid\n"
                                  "[rule storage]\n"
                                  "match-connection=storage\n"
                                  "match-device-type=vlan\n"
                                  "action=ignore\n";
    g_autoptr(GError) error     = NULL;
    g_autoptr(NmfConfig) policy = _parse(text, &error);
    NmfRule     *rule;
    NmfNatRange *r;

    g_assert_no_error(error);
    g_assert_cmpint(policy->mode, ==, NMF_MODE_POLICY);
    g_assert_false(policy->persist);
    g_assert_cmpuint(policy->metric_base, ==, 200);
    g_assert_cmpuint(policy->metric_step, ==, 10);
    g_assert_cmpuint(policy->nat_ranges->len, ==, 2);
    r = &g_array_index(policy->nat_ranges, NmfNatRange, 0);
    g_assert_cmphex(r->network, ==, 0x0A090000);
    g_assert_cmpuint(r->prefix, ==, 16);
    g_assert_cmphex(r->gateway, ==, 0x0A090001);
    r = &g_array_index(policy->nat_ranges, NmfNatRange, 1);
    g_assert_cmphex(r->gateway, ==, 0);
    g_assert_cmpuint(policy->rules->len, ==, 3);
    rule = policy->rules->pdata[0];
    g_assert_cmpstr(rule->name, ==, "uplink");
    g_assert_cmpuint(rule->line, ==, 8);
    g_assert_cmpint(rule->action, ==, NMF_RULE_PREFER);
    g_assert_cmpstr(rule->match_interface, ==, "ens*");
    g_assert_true(rule->has_match_subnet);
    g_assert_cmpuint(rule->match_subnet_prefix, ==, 23);
    rule = policy->rules->pdata[1];
    g_assert_cmpstr(rule->name, ==, "mgmt");
    g_assert_cmpint(rule->action, ==, NMF_RULE_AVOID);
    rule = policy->rules->pdata[2];
    g_assert_cmpint(rule->action, ==, NMF_RULE_IGNORE);
    g_assert_cmpstr(rule->match_device_type, ==, "vlan");
}

static void
test_empty_nat_ranges(void)
{
    g_autoptr(GError) error     = NULL;
    g_autoptr(NmfConfig) policy = _parse("[main]\nnat-ranges=\n", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(policy->nat_ranges->len, ==, 0);
}

static void
test_malformed(void)
{
    /* Each must fail with a message naming the file and (where there is one) the line. */
    struct {
        const char *text;
        const char *expected;
    } cases[] = {
        { "[main]\nmode=metrics\n", "test.conf:2: mode must be 'metric' or 'policy'" },
        { "[main]\nmetric-bse=5\n", "test.conf:2: unknown key 'metric-bse' in [main]" },
        { "[mian]\nmode=metric\n", "test.conf:1: unknown group [mian]" },
        { "mode=metric\n", "test.conf:1: key outside of any group" },
        { "[main]\nmode metric\n", "test.conf:2: expected 'key=value' or '[group]'" },
        { "[main\nmode=metric\n", "test.conf:1: malformed group header" },
        { "[main]\npersist=maybe\n", "test.conf:2: persist must be 'yes' or 'no'" },
        { "[main]\nmetric-base=-1\n", "test.conf:2: metric-base must be a number" },
        { "[main]\nmetric-base=12abc\n", "test.conf:2: metric-base must be a number" },
        { "[main]\nmetric-step=0\n", "test.conf:2: metric-step must be a number from 1" },
        { "[main]\n\nnat-ranges=192.168.122.0/33\n",
          "test.conf:3: nat-ranges: '192.168.122.0/33'" },
        { "[main]\nnat-ranges=10.0.2.0/24@10.0.2.300\n", "test.conf:2: nat-ranges:" },
        { "[main]\nmode=metric\nmode=policy\n", "test.conf:3: key 'mode' in [main] appears twice" },
        { "[main]\n[main]\n", "test.conf:2: group [main] appears twice" },
        { "[rule a]\naction=prefer\n", "test.conf:1: [rule a] has no match-* key" },
        { "[rule a]\nmatch-interface=eth1\n", "test.conf:1: [rule a] needs action=" },
        { "[rule a]\nmatch-interface=eth1\naction=promote\n", "test.conf:3: action must be" },
        { "[rule a]\nmatch-subnet=10.66.60.0\naction=prefer\n", "test.conf:2: match-subnet:" },
        { "[rule a]\nmatch-interface=eth1\nmatch-ifname=eth2\naction=prefer\n",
          "test.conf:3: unknown key 'match-ifname' in [rule a]" },
        { "[rule ]\nmatch-interface=eth1\naction=prefer\n",
          "test.conf:1: a rule group needs a name" },
        { "[main]\nmode=\n", "test.conf:2: 'mode' in [main] needs a value" },
        { "[main]\nmode=metric\n\xff\n", "test.conf:3: is not valid UTF-8" },
        { "[main]\n=== not a key file line ===\n", "test.conf:2: a key needs a name before '='" },
        { "[rule a]\nmatch-interface=eth1\nclass=router\n",
          "test.conf:3: class must be nat or lan" },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error     = NULL;
        g_autoptr(NmfConfig) policy = _parse(cases[i].text, &error);

        {
            g_autofree char *escaped = g_strescape(cases[i].text, NULL);

            g_test_message("case %u: %s", i, escaped);
        }
        g_assert_null(policy);
        g_assert_error(error, NMF_ERROR, NMF_ERROR_CONFIG);
        if (!g_str_has_prefix(error->message, cases[i].expected))
            g_error(
              "case %u: got '%s', expected prefix '%s'", i, error->message, cases[i].expected);
    }
}

static void
test_nul_byte(void)
{
    g_autoptr(GError) error = NULL;
    const char text[]       = "[main]\0mode=metric\n";
    NmfConfig *policy       = nmf_config_parse("x.conf", text, sizeof(text) - 1, &error);

    g_assert_null(policy);
    g_assert_error(error, NMF_ERROR, NMF_ERROR_CONFIG);
}

static NmfUplink *
_uplink(const char *iface, const char *address, guint8 prefix, const char *gateway)
{
    NmfUplink *u = nmf_uplink_new(iface, iface, iface);
    guint32    a = 0;

    g_assert_true(nmf_parse_ip4(address, &a));
    nmf_uplink_add_address4(u, a, prefix);
    g_assert_true(nmf_parse_ip4(gateway, &u->gateway4));
    return u;
}

static void
test_rules_rank(void)
{
    /* Built-in ranges would call eth0 NAT and prefer eth1; the admin knows better:
     * eth0 is the real uplink on a LAN that happens to use 192.168.122.0/24. */
    const char *text             = "[rule real-uplink]\n"
                                   "match-mac=52:54:00:00:00:10\n"
                                   "action=prefer\n"
                                   "[rule backup]\n"
                                   "match-interface=eth2\n"
                                   "action=ignore\n";
    g_autoptr(GError) error      = NULL;
    g_autoptr(NmfConfig) policy  = _parse(text, &error);
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *eth0              = _uplink("eth0", "192.168.122.100", 24, "192.168.122.1");
    NmfUplink *eth1              = _uplink("eth1", "10.66.60.236", 23, "10.66.61.254");
    NmfUplink *eth2              = _uplink("eth2", "10.1.1.2", 24, "10.1.1.1");

    g_assert_no_error(error);
    eth0->hw_address = g_strdup("52:54:00:00:00:10");
    eth1->hw_address = g_strdup("52:54:00:00:00:11");
    g_ptr_array_add(uplinks, eth1);
    g_ptr_array_add(uplinks, eth2);
    g_ptr_array_add(uplinks, eth0);
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpuint(eth0->rank, ==, 1);
    g_assert_cmpstr(eth0->rule_name, ==, "real-uplink");
    g_assert_cmpint(eth0->wanted_metric, ==, 100);
    g_assert_cmpuint(eth1->rank, ==, 2);
    g_assert_cmpint(eth1->wanted_metric, ==, 101);
    g_assert_cmpuint(eth2->rank, ==, 0);
    g_assert_cmpint(eth2->unranked, ==, NMF_UNRANKED_RULE_IGNORE);
}

static void
test_rules_avoid_and_hand_set(void)
{
    const char *text             = "[rule slow]\n"
                                   "match-subnet=10.2.0.0/16\n"
                                   "action=avoid\n";
    g_autoptr(GError) error      = NULL;
    g_autoptr(NmfConfig) policy  = _parse(text, &error);
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *a                 = _uplink("eth0", "10.2.1.5", 24, "10.2.1.1");
    NmfUplink *b                 = _uplink("eth1", "10.3.1.5", 24, "10.3.1.1");
    NmfUplink *hand              = _uplink("eth2", "10.4.1.5", 24, "10.4.1.1");
    NmfUplink *skip              = _uplink("eth3", "192.168.122.7", 24, "192.168.122.1");

    g_assert_no_error(error);
    hand->profile_metric4 = 50; /* set by the admin, no record of ours */
    skip->skip_requested  = TRUE;
    g_ptr_array_add(uplinks, a);
    g_ptr_array_add(uplinks, b);
    g_ptr_array_add(uplinks, hand);
    g_ptr_array_add(uplinks, skip);
    /* No NAT among the ranked links, but a rule says the order matters. */
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpuint(b->rank, ==, 1);
    g_assert_cmpuint(a->rank, ==, 2);
    g_assert_cmpint(hand->unranked, ==, NMF_UNRANKED_HAND_SET);
    g_assert_cmpint(skip->unranked, ==, NMF_UNRANKED_SKIP);

    /* A metric we wrote ourselves is not the admin's. */
    hand->has_record      = TRUE;
    hand->recorded_metric = 50;
    g_assert_true(nmf_rank(policy, uplinks));
    g_assert_cmpuint(hand->rank, ==, 2);
    g_assert_cmpuint(a->rank, ==, 3);
}

/* Who may have written the file decides whether root trusts it (issue: a local user
 * appended a prefer rule to a world-writable file). */
static void
test_file_trusted(void)
{
    g_autofree char *why = NULL;

    g_assert_true(nmf_config_file_trusted(TRUE, 0, 0100644, 100, 0, FALSE, &why));
    g_assert_null(why);
    g_assert_false(nmf_config_file_trusted(TRUE, 0, 0100666, 100, 0, FALSE, &why));
    g_assert_cmpstr(why, ==, "writable by others (mode 0666)");
    g_clear_pointer(&why, g_free);
    g_assert_false(nmf_config_file_trusted(TRUE, 0, 0100664, 100, 0, TRUE, &why));
    g_assert_cmpstr(why, ==, "writable by its group (mode 0664)");
    g_clear_pointer(&why, g_free);
    g_assert_false(nmf_config_file_trusted(TRUE, 1000, 0100644, 100, 0, TRUE, &why));
    g_assert_cmpstr(why, ==, "owned by uid 1000, not by root");
    g_clear_pointer(&why, g_free);
    /* A read-only run by that user may read its own file; a changing run may not. */
    g_assert_true(nmf_config_file_trusted(TRUE, 1000, 0100664, 100, 1000, TRUE, &why));
    g_assert_false(nmf_config_file_trusted(TRUE, 1000, 0100644, 100, 1000, FALSE, &why));
    g_clear_pointer(&why, g_free);
    g_assert_false(nmf_config_file_trusted(FALSE, 0, 010644, 0, 0, TRUE, &why));
    g_assert_cmpstr(why, ==, "not a regular file");
    g_clear_pointer(&why, g_free);
    g_assert_true(nmf_config_file_trusted(TRUE, 0, 0100600, NMF_CONFIG_MAX_BYTES, 0, FALSE, &why));
    g_assert_false(
      nmf_config_file_trusted(TRUE, 0, 0100600, NMF_CONFIG_MAX_BYTES + 1, 0, FALSE, &why));
    g_assert_nonnull(strstr(why, "more than"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/full", test_full);
    g_test_add_func("/config/empty-nat-ranges", test_empty_nat_ranges);
    g_test_add_func("/config/malformed", test_malformed);
    g_test_add_func("/config/nul-byte", test_nul_byte);
    g_test_add_func("/config/rules/rank", test_rules_rank);
    g_test_add_func("/config/rules/avoid-and-hand-set", test_rules_avoid_and_hand_set);
    g_test_add_func("/config/file-trusted", test_file_trusted);
    return g_test_run();
}
