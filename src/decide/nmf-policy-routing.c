/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: mode=policy routing - our tables, rules and their canonical signature. */
#include "decide/nmf-policy-routing.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

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
_plan_routes_and_rules(NmfUplink *u, guint rank)
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
            nmf_ip4_to_text(a->address & nmf_ip4_prefix_mask(a->prefix), route.dest);
            g_array_append_val(u->wanted_routes, route);
        }
        rule = (NmfPolicyRule){
            .family = AF_INET, .priority = priority, .from_len = 32, .table = table
        };
        nmf_ip4_to_text(a->address, rule.from);
        g_array_append_val(u->wanted_rules, rule);
    }
    route = (NmfPolicyRoute){ .family = AF_INET, .table = table };
    nmf_ip4_to_text(0, route.dest);
    nmf_ip4_to_text(u->gateway4, route.gateway);
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

void
nmf_policy_routing_plan(NmfUplink *uplink, guint rank)
{
    _plan_routes_and_rules(uplink, rank);
    g_free(uplink->wanted_policy);
    uplink->wanted_policy = nmf_policy_signature(uplink->wanted_routes, uplink->wanted_rules);
}
