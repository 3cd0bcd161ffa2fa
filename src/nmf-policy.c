/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* strverscmp */
#include "nmf-policy.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

NmfUplink *
nmf_uplink_new(const char *iface, const char *connection_id, const char *connection_uuid)
{
    NmfUplink *uplink = g_new0(NmfUplink, 1);

    uplink->iface           = g_strdup(iface ? iface : "");
    uplink->connection_id   = g_strdup(connection_id ? connection_id : "");
    uplink->connection_uuid = g_strdup(connection_uuid ? connection_uuid : "");
    uplink->addresses4      = g_array_new(FALSE, TRUE, sizeof(NmfIp4Address));
    uplink->addresses6      = g_array_new(FALSE, TRUE, sizeof(NmfIp6Address));
    uplink->kind            = NMF_LINK_ETHERNET;
    uplink->profile_metric4 = NMF_METRIC_AUTO;
    uplink->profile_metric6 = NMF_METRIC_AUTO;
    uplink->applied_metric4 = NMF_METRIC_AUTO;
    uplink->applied_metric6 = NMF_METRIC_AUTO;
    uplink->klass           = NMF_CLASS_LAN;
    uplink->wanted_metric   = NMF_METRIC_AUTO;
    uplink->profile_policy  = g_strdup("");
    uplink->applied_policy  = g_strdup("");
    uplink->wanted_routes   = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRoute));
    uplink->wanted_rules    = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRule));
    uplink->wanted_policy   = g_strdup("");
    return uplink;
}

void
nmf_uplink_free(NmfUplink *uplink)
{
    if (!uplink)
        return;
    if (uplink->handle && uplink->handle_free)
        uplink->handle_free(uplink->handle);
    g_free(uplink->iface);
    g_free(uplink->connection_id);
    g_free(uplink->connection_uuid);
    g_free(uplink->hw_address);
    g_free(uplink->device_type);
    g_free(uplink->profile_policy);
    g_free(uplink->applied_policy);
    g_array_unref(uplink->wanted_routes);
    g_array_unref(uplink->wanted_rules);
    g_free(uplink->wanted_policy);
    g_array_unref(uplink->addresses4);
    g_array_unref(uplink->addresses6);
    g_free(uplink->gateway6);
    g_free(uplink);
}

void
nmf_uplink_add_address4(NmfUplink *uplink, guint32 address, guint8 prefix)
{
    NmfIp4Address a = { .address = address, .prefix = MIN(prefix, 32) };

    g_array_append_val(uplink->addresses4, a);
}

void
nmf_uplink_add_address6(NmfUplink *uplink, const guint8 address[16], guint8 prefix)
{
    NmfIp6Address a = { .prefix = MIN(prefix, 128) };

    memcpy(a.address, address, 16);
    g_array_append_val(uplink->addresses6, a);
}

guint32
nmf_ip4_prefix_mask(guint8 prefix)
{
    return prefix == 0 ? 0 : (0xFFFFFFFFu << (32 - MIN(prefix, 32)));
}

static void
_add_nat_range(GArray *ranges, const char *network, guint8 prefix, const char *gateway)
{
    NmfNatRange r = { .prefix = prefix };

    if (!nmf_parse_ip4(network, &r.network))
        g_return_if_reached();
    r.network &= nmf_ip4_prefix_mask(prefix);
    if (gateway && !nmf_parse_ip4(gateway, &r.gateway))
        g_return_if_reached();
    g_array_append_val(ranges, r);
}

NmfPolicy *
nmf_policy_new_default(void)
{
    NmfPolicy *policy = g_new0(NmfPolicy, 1);
    guint      third;

    policy->mode        = NMF_MODE_METRIC;
    policy->persist     = TRUE;
    policy->metric_base = 100;
    policy->metric_step = 1;
    policy->nat_ranges  = g_array_new(FALSE, TRUE, sizeof(NmfNatRange));
    policy->rules       = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_rule_free);

    /* libvirt's "default" network, and the alternates its packaging picks when
     * 192.168.122.0/24 is already routed on the host (nested virtualisation). */
    _add_nat_range(policy->nat_ranges, "192.168.122.0", 24, "192.168.122.1");
    for (third = 124; third <= 254; third++) {
        char net[32];
        char gw[32];

        g_snprintf(net, sizeof(net), "192.168.%u.0", third);
        g_snprintf(gw, sizeof(gw), "192.168.%u.1", third);
        _add_nat_range(policy->nat_ranges, net, 24, gw);
    }
    /* QEMU user networking (slirp): the gateway is 10.0.2.2 but may be changed. */
    _add_nat_range(policy->nat_ranges, "10.0.2.0", 24, NULL);
    /* vagrant-libvirt's management network. */
    _add_nat_range(policy->nat_ranges, "192.168.121.0", 24, "192.168.121.1");
    return policy;
}

void
nmf_policy_free(NmfPolicy *policy)
{
    if (!policy)
        return;
    g_array_unref(policy->nat_ranges);
    g_ptr_array_unref(policy->rules);
    g_free(policy);
}

gboolean
nmf_parse_ip4(const char *text, guint32 *out_address)
{
    struct in_addr a;

    if (!text || inet_pton(AF_INET, text, &a) != 1)
        return FALSE;
    *out_address = ntohl(a.s_addr);
    return TRUE;
}

static void
_ip4_text(guint32 address, char *buf)
{
    struct in_addr a = { .s_addr = htonl(address) };

    inet_ntop(AF_INET, &a, buf, NMF_ADDR_LEN);
}

char *
nmf_format_ip4(guint32 address)
{
    char buf[NMF_ADDR_LEN];

    _ip4_text(address, buf);
    return g_strdup(buf);
}

const char *
nmf_uplink_class_to_string(NmfUplinkClass klass)
{
    switch (klass) {
    case NMF_CLASS_BRIDGED:
        return "bridged";
    case NMF_CLASS_MACVTAP:
        return "macvtap";
    case NMF_CLASS_LAN:
        return "lan";
    case NMF_CLASS_NAT:
        return "nat";
    }
    return "?";
}

static gboolean
_in_range(const NmfNatRange *range, guint32 address)
{
    return (address & nmf_ip4_prefix_mask(range->prefix)) == range->network;
}

static gboolean
_is_nat(const NmfPolicy *policy, const NmfUplink *uplink)
{
    guint i;
    guint j;

    if (uplink->gateway4 == 0)
        return FALSE;

    for (i = 0; i < policy->nat_ranges->len; i++) {
        const NmfNatRange *range = &g_array_index(policy->nat_ranges, NmfNatRange, i);

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

NmfUplinkClass
nmf_policy_classify(const NmfPolicy *policy, const NmfUplink *uplink)
{
    /* Addresses are the strongest evidence: a bridge that sits on a NAT network
     * (nested virtualisation) is still NAT. */
    if (_is_nat(policy, uplink))
        return NMF_CLASS_NAT;
    switch (uplink->kind) {
    case NMF_LINK_BRIDGE:
        return NMF_CLASS_BRIDGED;
    case NMF_LINK_MACVLAN:
    case NMF_LINK_MACVTAP:
        return NMF_CLASS_MACVTAP;
    default:
        return NMF_CLASS_LAN;
    }
}

void
nmf_rule_free(NmfRule *rule)
{
    if (!rule)
        return;
    g_free(rule->name);
    g_free(rule->match_interface);
    g_free(rule->match_mac);
    g_free(rule->match_connection);
    g_free(rule->match_device_type);
    g_free(rule);
}

const char *
nmf_rule_action_to_string(NmfRuleAction action)
{
    switch (action) {
    case NMF_RULE_PREFER:
        return "prefer";
    case NMF_RULE_AVOID:
        return "avoid";
    case NMF_RULE_IGNORE:
        return "ignore";
    }
    return "?";
}

const char *
nmf_unranked_to_string(NmfUnranked unranked)
{
    switch (unranked) {
    case NMF_UNRANKED_NONE:
        return "ranked";
    case NMF_UNRANKED_NO_GATEWAY:
        return "no gateway";
    case NMF_UNRANKED_NOTHING:
        return "nothing to rank";
    case NMF_UNRANKED_RULE_IGNORE:
        return "ignored by rule";
    case NMF_UNRANKED_SKIP:
        return "skipped by user data";
    case NMF_UNRANKED_HAND_SET:
        return "metric set by hand";
    }
    return "?";
}

static const char *
_kind_to_string(NmfLinkKind kind)
{
    switch (kind) {
    case NMF_LINK_ETHERNET:
        return "ethernet";
    case NMF_LINK_BRIDGE:
        return "bridge";
    case NMF_LINK_MACVLAN:
        return "macvlan";
    case NMF_LINK_MACVTAP:
        return "macvtap";
    case NMF_LINK_OTHER:
        break;
    }
    return "other";
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
        && g_ascii_strcasecmp(rule->match_device_type, _kind_to_string(uplink->kind)) != 0
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

gboolean
nmf_policy_owns_table(guint32 table)
{
    return table >= NMF_POLICY_TABLE_BASE && table < NMF_POLICY_TABLE_BASE + NMF_POLICY_RANGE;
}

gboolean
nmf_policy_owns_priority(guint32 priority)
{
    return priority >= NMF_POLICY_PRIORITY_BASE
           && priority < NMF_POLICY_PRIORITY_BASE + NMF_POLICY_RANGE;
}

GArray *
nmf_policy_wanted_route_keys(GPtrArray *uplinks)
{
    GArray *keys = g_array_new(FALSE, TRUE, sizeof(NmfRouteKey));
    guint   i;
    guint   j;

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        for (j = 0; u->rank && j < u->wanted_routes->len; j++) {
            const NmfPolicyRoute *r   = &g_array_index(u->wanted_routes, NmfPolicyRoute, j);
            NmfRouteKey           key = {
                          .family  = r->family,
                          .table   = r->table,
                          .dest    = r->dest,
                          .prefix  = r->prefix,
                          .gateway = r->gateway,
                          .iface   = u->iface,
            };

            g_array_append_val(keys, key);
        }
    }
    return keys;
}

static int
_cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

char *
nmf_policy_signature(GArray *routes, GArray *rules)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    GString *out               = g_string_new(NULL);
    guint    i;

    for (i = 0; routes && i < routes->len; i++) {
        const NmfPolicyRoute *r = &g_array_index(routes, NmfPolicyRoute, i);

        g_ptr_array_add(items,
                        g_strdup_printf("route %s/%u%s%s table %u",
                                        r->dest,
                                        r->prefix,
                                        r->gateway[0] ? " via " : "",
                                        r->gateway,
                                        r->table));
    }
    for (i = 0; rules && i < rules->len; i++) {
        const NmfPolicyRule *r = &g_array_index(rules, NmfPolicyRule, i);

        g_ptr_array_add(
          items,
          g_strdup_printf(
            "rule priority %u from %s/%u table %u", r->priority, r->from, r->from_len, r->table));
    }
    /* Order-independent: NetworkManager may hand them back in any order. */
    g_ptr_array_sort(items, _cmp_str);
    for (i = 0; i < items->len; i++) {
        if (i)
            g_string_append(out, "; ");
        g_string_append(out, items->pdata[i]);
    }
    return g_string_free(out, FALSE);
}

static void
_ip6_text(const guint8 *address, guint8 prefix, char *buf)
{
    guint8 masked[16];
    guint  i;

    /* Keep the first @prefix bits: the network of the address. */
    for (i = 0; i < 16; i++) {
        guint bits = prefix > i * 8 ? MIN(8u, prefix - i * 8) : 0;

        masked[i] = address[i] & (guint8) (0xFF00u >> bits);
    }
    inet_ntop(AF_INET6, masked, buf, NMF_ADDR_LEN);
}

static gboolean
_ip6_is_link_local(const guint8 *address)
{
    return address[0] == 0xfe && (address[1] & 0xc0) == 0x80;
}

/* A table with the uplink's own default route and subnets, and a rule per address,
 * so replies from that address leave by that uplink whoever owns the main table.
 * IPv6 the same way, when the profile's IPv6 is ours to manage and has a gateway. */
static void
_plan_policy_routing(NmfUplink *u, guint rank)
{
    guint32        table    = NMF_POLICY_TABLE_BASE + rank;
    guint32        priority = NMF_POLICY_PRIORITY_BASE + rank;
    NmfPolicyRoute route;
    NmfPolicyRule  rule;
    guint          i;

    u->policy_table = table;
    for (i = 0; i < u->addresses4->len; i++) {
        const NmfIp4Address *a = &g_array_index(u->addresses4, NmfIp4Address, i);

        if (a->prefix < 32) {
            route = (NmfPolicyRoute){ .family = AF_INET, .prefix = a->prefix, .table = table };
            _ip4_text(a->address & nmf_ip4_prefix_mask(a->prefix), route.dest);
            g_array_append_val(u->wanted_routes, route);
        }
        rule = (NmfPolicyRule){
            .family = AF_INET, .priority = priority, .from_len = 32, .table = table
        };
        _ip4_text(a->address, rule.from);
        g_array_append_val(u->wanted_rules, rule);
    }
    route = (NmfPolicyRoute){ .family = AF_INET, .table = table };
    _ip4_text(0, route.dest);
    _ip4_text(u->gateway4, route.gateway);
    g_array_append_val(u->wanted_routes, route);

    if (!u->has_ipv6 || !u->gateway6)
        return;
    for (i = 0; i < u->addresses6->len; i++) {
        const NmfIp6Address *a = &g_array_index(u->addresses6, NmfIp6Address, i);

        if (_ip6_is_link_local(a->address))
            continue;
        if (a->prefix < 128) {
            route = (NmfPolicyRoute){ .family = AF_INET6, .prefix = a->prefix, .table = table };
            _ip6_text(a->address, a->prefix, route.dest);
            g_array_append_val(u->wanted_routes, route);
        }
        rule = (NmfPolicyRule){
            .family = AF_INET6, .priority = priority, .from_len = 128, .table = table
        };
        _ip6_text(a->address, 128, rule.from);
        g_array_append_val(u->wanted_rules, rule);
    }
    route = (NmfPolicyRoute){ .family = AF_INET6, .table = table };
    g_strlcpy(route.dest, "::", sizeof(route.dest));
    g_strlcpy(route.gateway, u->gateway6, sizeof(route.gateway));
    g_array_append_val(u->wanted_routes, route);
}

gboolean
nmf_policy_rank(const NmfPolicy *policy, GPtrArray *uplinks)
{
    gboolean rule_decides = FALSE;
    guint    n_ranked     = 0;
    guint    n_nat        = 0;
    guint    rank         = 0;
    guint    i;
    guint    j;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        u->klass         = nmf_policy_classify(policy, u);
        u->rank          = 0;
        u->wanted_metric = NMF_METRIC_AUTO;
        u->rule_name     = NULL;
        u->unranked      = NMF_UNRANKED_NONE;
        u->policy_table  = 0;
        g_array_set_size(u->wanted_routes, 0);
        g_array_set_size(u->wanted_rules, 0);
        g_free(u->wanted_policy);
        u->wanted_policy = g_strdup("");

        for (j = 0; j < policy->rules->len; j++) {
            const NmfRule *rule = policy->rules->pdata[j];

            if (nmf_rule_matches(rule, u)) {
                u->rule_name   = rule->name;
                u->rule_action = rule->action;
                break;
            }
        }

        if (u->gateway4 == 0)
            u->unranked = NMF_UNRANKED_NO_GATEWAY;
        else if (u->skip_requested)
            u->unranked = NMF_UNRANKED_SKIP;
        else if (u->rule_name && u->rule_action == NMF_RULE_IGNORE)
            u->unranked = NMF_UNRANKED_RULE_IGNORE;
        else if (_is_hand_set(u) && !u->rule_name)
            u->unranked = NMF_UNRANKED_HAND_SET;
        if (u->unranked != NMF_UNRANKED_NONE)
            continue;

        n_ranked++;
        if (u->klass == NMF_CLASS_NAT)
            n_nat++;
        if (u->rule_name)
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
        u->wanted_metric = (gint64) policy->metric_base + (gint64) (rank - 1) * policy->metric_step;
        if (policy->mode == NMF_MODE_POLICY && rank < NMF_POLICY_RANGE) {
            _plan_policy_routing(u, rank);
            g_free(u->wanted_policy);
            u->wanted_policy = nmf_policy_signature(u->wanted_routes, u->wanted_rules);
        }
    }
    return TRUE;
}

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
