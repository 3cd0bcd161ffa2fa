/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: classify the uplinks, match the rules, rank them (who owns the default route). */
#define _GNU_SOURCE /* strverscmp */
#include "decide/nmf-rank.h"

#include <string.h>

#include "decide/nmf-classify.h"
#include "decide/nmf-policy-routing.h"

static gboolean
_in_range(const NmfNatRange *range, guint32 address)
{
    return (address & nmf_ip4_prefix_mask(range->prefix)) == range->network;
}

static gboolean
_in_nat_range(const NmfConfig *config, const NmfUplink *uplink)
{
    guint i;
    guint j;

    if (uplink->gateway4 == 0)
        return FALSE;

    for (i = 0; i < config->nat_ranges->len; i++) {
        const NmfNatRange *range = &g_array_index(config->nat_ranges, NmfNatRange, i);

        if (!_in_range(range, uplink->gateway4))
            continue;
        if (range->gateway != 0 && range->gateway != uplink->gateway4)
            continue;
        /* The gateway alone is not enough: the address must live there too. */
        for (j = 0; j < uplink->addresses4->len; j++) {
            if (_in_range(range, g_array_index(uplink->addresses4, NmfIp4Address, j).address))
                return TRUE;
        }
    }
    return FALSE;
}

/* Weighs the uplink's facts (nmf-classify.c); the subnet table is the weakest of them. */
void
nmf_rank_classify_uplink(const NmfConfig *config, NmfUplink *uplink, const NmfRule *rule)
{
    NmfClassEvidence evidence = {
        .kind                 = uplink->kind,
        .has_gateway_mac      = uplink->gateway_mac_known,
        .gateway_is_ipv6      = uplink->gateway_mac_ipv6,
        .in_nat_table         = _in_nat_range(config, uplink),
        .nat_table_configured = config->nat_ranges_configured,
    };
    NmfClassVerdict verdict = { 0 };

    memcpy(evidence.gateway_mac, uplink->gateway_mac, sizeof(evidence.gateway_mac));
    if (uplink->dhcp4_server && uplink->gateway4) {
        guint32 server = 0;

        evidence.dhcp_server_known      = nmf_parse_ip4(uplink->dhcp4_server, &server);
        evidence.dhcp_server_is_gateway = server == uplink->gateway4;
    }
    if (rule && rule->sets_class) {
        evidence.rule_sets_class = TRUE;
        evidence.rule_class      = rule->klass;
        evidence.rule_name       = rule->name;
    }
    nmf_classify(&evidence, &verdict);
    uplink->klass          = verdict.klass;
    uplink->class_conflict = verdict.conflict;
    g_free(uplink->class_evidence);
    uplink->class_evidence = g_steal_pointer(&verdict.evidence);
}

gboolean
nmf_rule_matches(const NmfRule *rule, const NmfUplink *uplink)
{
    /* Every match-* key given must match. */
    if (rule->match_interface && !g_pattern_match_simple(rule->match_interface, uplink->iface))
        return FALSE;
    if (rule->match_mac) {
        g_autofree char *pattern = g_ascii_strdown(rule->match_mac, -1);
        g_autofree char *mac = g_ascii_strdown(uplink->hw_address ? uplink->hw_address : "", -1);

        if (!g_pattern_match_simple(pattern, mac))
            return FALSE;
    }
    if (rule->match_connection && strcmp(rule->match_connection, uplink->connection_id) != 0
        && strcmp(rule->match_connection, uplink->connection_uuid) != 0)
        return FALSE;
    if (rule->has_match_subnet) {
        NmfNatRange net   = { .network = rule->match_subnet, .prefix = rule->match_subnet_prefix };
        gboolean    found = FALSE;
        guint       i;

        for (i = 0; i < uplink->addresses4->len && !found; i++)
            found = _in_range(&net, g_array_index(uplink->addresses4, NmfIp4Address, i).address);
        if (!found)
            return FALSE;
    }
    if (rule->match_device_type
        && g_ascii_strcasecmp(rule->match_device_type, nmf_link_kind_to_string(uplink->kind)) != 0
        && (!uplink->device_type
            || g_ascii_strcasecmp(rule->match_device_type, uplink->device_type) != 0))
        return FALSE;
    return TRUE;
}

/* Preference tiers, best first: a "prefer" rule beats every class, "avoid" loses to NAT. */
static guint
_tier(const NmfUplink *u)
{
    if (u->rule_name && u->rule_action == NMF_RULE_PREFER)
        return 0;
    if (u->rule_name && u->rule_action == NMF_RULE_AVOID)
        return 10;
    return 1 + (guint) u->klass;
}

static int
_compare_uplinks(gconstpointer a, gconstpointer b)
{
    const NmfUplink *ua       = *(const NmfUplink *const *) a;
    const NmfUplink *ub       = *(const NmfUplink *const *) b;
    gboolean         a_ranked = ua->unranked == NMF_UNRANKED_NONE;
    gboolean         b_ranked = ub->unranked == NMF_UNRANKED_NONE;
    guint            ta;
    guint            tb;
    int              c;

    /* Ranked first; then by tier. Ties are broken by names only, never by
     * activation order or the order NetworkManager lists devices in. */
    if (a_ranked != b_ranked)
        return a_ranked ? -1 : 1;
    ta = _tier(ua);
    tb = _tier(ub);
    if (ta != tb)
        return ta < tb ? -1 : 1;
    c = strverscmp(ua->iface, ub->iface);
    if (c != 0)
        return c;
    c = strcmp(ua->connection_uuid, ub->connection_uuid);
    if (c != 0)
        return c;
    return strcmp(ua->connection_id, ub->connection_id);
}

static gboolean
_is_hand_set(const NmfUplink *u)
{
    /* A metric we did not write is the admin's. */
    if (u->has_record)
        return u->profile_metric4 != u->recorded_metric;
    return u->profile_metric4 != NMF_METRIC_AUTO;
}

/* A prefer or avoid rule puts the uplink in a tier of its own; class= alone does not. */
static gboolean
_rule_ranks(const NmfUplink *u)
{
    return u->rule_name && (u->rule_action == NMF_RULE_PREFER || u->rule_action == NMF_RULE_AVOID);
}

gboolean
nmf_rank(const NmfConfig *config, GPtrArray *uplinks)
{
    const NmfRule *rule;
    gboolean       rule_decides = FALSE;
    guint          n_ranked     = 0;
    guint          n_nat        = 0;
    guint          rank         = 0;
    guint          i;
    guint          j;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        u->rank          = 0;
        u->wanted_metric = NMF_METRIC_AUTO;
        u->rule_name     = NULL;
        u->unranked      = NMF_UNRANKED_NONE;
        u->policy_table  = 0;
        g_array_set_size(u->wanted_routes, 0);
        g_array_set_size(u->wanted_rules, 0);
        g_free(u->wanted_policy);
        u->wanted_policy = g_strdup("");

        rule = NULL;
        for (j = 0; j < config->rules->len && !rule; j++) {
            if (nmf_rule_matches(config->rules->pdata[j], u))
                rule = config->rules->pdata[j];
        }
        if (rule) {
            u->rule_name   = rule->name;
            u->rule_action = rule->action;
        }
        nmf_rank_classify_uplink(config, u, rule);

        /* An uplink is a link with a default gateway of either family. */
        if (u->gateway4 == 0 && !u->gateway6)
            u->unranked = NMF_UNRANKED_NO_GATEWAY;
        else if (u->skip_requested)
            u->unranked = NMF_UNRANKED_SKIP;
        else if (u->rule_name && u->rule_action == NMF_RULE_IGNORE)
            u->unranked = NMF_UNRANKED_RULE_IGNORE;
        else if (_is_hand_set(u) && !_rule_ranks(u))
            u->unranked = NMF_UNRANKED_HAND_SET;
        if (u->unranked != NMF_UNRANKED_NONE)
            continue;

        n_ranked++;
        if (u->klass == NMF_CLASS_NAT)
            n_nat++;
        if (_rule_ranks(u))
            rule_decides = TRUE;
    }

    /* Only a NAT link competing with a better one is the problem we solve (or a
     * rule that says so); otherwise the admin's or NetworkManager's metrics stand. */
    if (n_ranked < 2 || (!rule_decides && (n_nat == 0 || n_nat == n_ranked))) {
        for (i = 0; i < uplinks->len; i++) {
            NmfUplink *u = uplinks->pdata[i];

            if (u->unranked == NMF_UNRANKED_NONE)
                u->unranked = NMF_UNRANKED_NOTHING;
        }
        g_ptr_array_sort(uplinks, _compare_uplinks);
        return FALSE;
    }

    g_ptr_array_sort(uplinks, _compare_uplinks);
    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (u->unranked != NMF_UNRANKED_NONE)
            continue;
        u->rank          = ++rank;
        u->wanted_metric = (gint64) config->metric_base + (gint64) (rank - 1) * config->metric_step;
        if (config->mode == NMF_MODE_POLICY && rank < NMF_POLICY_RANGE)
            nmf_policy_routing_plan(u, rank);
    }
    return TRUE;
}

/* Field by field: the structs' padding is not initialised. */
static gboolean
_same_addresses4(const NmfUplink *a, const NmfUplink *b)
{
    guint i;

    if (a->addresses4->len != b->addresses4->len)
        return FALSE;
    for (i = 0; i < a->addresses4->len; i++) {
        const NmfIp4Address *x = &g_array_index(a->addresses4, NmfIp4Address, i);
        const NmfIp4Address *y = &g_array_index(b->addresses4, NmfIp4Address, i);

        if (x->address != y->address || x->prefix != y->prefix)
            return FALSE;
    }
    return TRUE;
}

/* Whether one uplink's two readings are of the same device and profile activation. */
static char *
_activation_difference(const NmfUplink *was, const NmfUplink *now)
{
    if (g_strcmp0(was->connection_uuid, now->connection_uuid) != 0)
        return g_strdup_printf(
          "%s activated '%s' instead of '%s'", now->iface, now->connection_id, was->connection_id);
    if (was->ifindex != now->ifindex)
        return g_strdup_printf("%s is another link now", now->iface);
    return NULL;
}

/* What differs in the facts and ranking of one uplink's two readings, or NULL. */
static char *
_facts_difference(const NmfUplink *was, const NmfUplink *now)
{
    if (was->gateway4 != now->gateway4 || g_strcmp0(was->gateway6, now->gateway6) != 0)
        return g_strdup_printf("%s has another default gateway", now->iface);
    if (!_same_addresses4(was, now))
        return g_strdup_printf("%s has other IPv4 addresses", now->iface);
    if (g_strcmp0(was->dhcp4_server, now->dhcp4_server) != 0)
        return g_strdup_printf("%s has another DHCP server", now->iface);
    if (was->klass != now->klass)
        return g_strdup_printf("%s is of class %s now, was %s",
                               now->iface,
                               nmf_uplink_class_to_string(now->klass),
                               nmf_uplink_class_to_string(was->klass));
    if (was->rank != now->rank || was->unranked != now->unranked
        || was->wanted_metric != now->wanted_metric
        || g_strcmp0(was->rule_name, now->rule_name) != 0)
        return g_strdup_printf("%s ranks differently now", now->iface);
    return NULL;
}

static char *
_activations_difference(GPtrArray *decided, GPtrArray *seen)
{
    guint i;

    for (i = 0; i < seen->len; i++) {
        const NmfUplink *now = seen->pdata[i];
        const NmfUplink *was = nmf_uplinks_find(decided, now->iface);

        char *why;

        if (!was)
            return g_strdup_printf("%s is activated now", now->iface);
        why = _activation_difference(was, now);
        if (why)
            return why;
    }
    for (i = 0; i < decided->len; i++) {
        const NmfUplink *was = decided->pdata[i];

        if (!nmf_uplinks_find(seen, was->iface))
            return g_strdup_printf("%s is no longer activated", was->iface);
    }
    return NULL;
}

NmfRankDifference
nmf_rank_inputs_difference(GPtrArray *decided,
                           gboolean   decided_managed,
                           GPtrArray *seen,
                           gboolean   seen_managed,
                           char     **out_why)
{
    char *why = _activations_difference(decided, seen);
    guint i;

    if (why) {
        *out_why = why;
        return NMF_RANK_OTHER_UPLINKS;
    }
    for (i = 0; i < seen->len; i++) {
        const NmfUplink *now = seen->pdata[i];

        why = _facts_difference(nmf_uplinks_find(decided, now->iface), now);
        if (why) {
            *out_why = why;
            return NMF_RANK_OTHER_FACTS;
        }
    }
    if (decided_managed != seen_managed) {
        *out_why =
          g_strdup(seen_managed ? "a NAT uplink competes now" : "no NAT uplink competes now");
        return NMF_RANK_OTHER_FACTS;
    }
    return NMF_RANK_SAME;
}
