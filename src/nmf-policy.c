/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* strverscmp */
#include "nmf-policy.h"

#include <string.h>
#include <arpa/inet.h>

NmfUplink *
nmf_uplink_new(const char *iface, const char *connection_id, const char *connection_uuid)
{
    NmfUplink *uplink = g_new0(NmfUplink, 1);

    uplink->iface           = g_strdup(iface ? iface : "");
    uplink->connection_id   = g_strdup(connection_id ? connection_id : "");
    uplink->connection_uuid = g_strdup(connection_uuid ? connection_uuid : "");
    uplink->addresses4      = g_array_new(FALSE, TRUE, sizeof(NmfIp4Address));
    uplink->kind            = NMF_LINK_ETHERNET;
    uplink->profile_metric4 = NMF_METRIC_AUTO;
    uplink->profile_metric6 = NMF_METRIC_AUTO;
    uplink->applied_metric4 = NMF_METRIC_AUTO;
    uplink->applied_metric6 = NMF_METRIC_AUTO;
    uplink->klass           = NMF_CLASS_LAN;
    uplink->wanted_metric   = NMF_METRIC_AUTO;
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
    g_array_unref(uplink->addresses4);
    g_free(uplink);
}

void
nmf_uplink_add_address4(NmfUplink *uplink, guint32 address, guint8 prefix)
{
    NmfIp4Address a = { .address = address, .prefix = MIN(prefix, 32) };

    g_array_append_val(uplink->addresses4, a);
}

static guint32
_prefix_mask(guint8 prefix)
{
    return prefix == 0 ? 0 : (0xFFFFFFFFu << (32 - MIN(prefix, 32)));
}

static void
_add_nat_range(GArray *ranges, const char *network, guint8 prefix, const char *gateway)
{
    NmfNatRange r = { .prefix = prefix };

    if (!nmf_parse_ip4(network, &r.network))
        g_return_if_reached();
    r.network &= _prefix_mask(prefix);
    if (gateway && !nmf_parse_ip4(gateway, &r.gateway))
        g_return_if_reached();
    g_array_append_val(ranges, r);
}

NmfPolicy *
nmf_policy_new_default(void)
{
    NmfPolicy *policy = g_new0(NmfPolicy, 1);
    guint      third;

    policy->metric_base = 100;
    policy->metric_step = 1;
    policy->nat_ranges  = g_array_new(FALSE, TRUE, sizeof(NmfNatRange));

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

char *
nmf_format_ip4(guint32 address)
{
    struct in_addr a = { .s_addr = htonl(address) };
    char           buf[INET_ADDRSTRLEN];

    return g_strdup(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
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
    return (address & _prefix_mask(range->prefix)) == range->network;
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

static int
_compare_uplinks(gconstpointer a, gconstpointer b)
{
    const NmfUplink *ua   = *(const NmfUplink *const *) a;
    const NmfUplink *ub   = *(const NmfUplink *const *) b;
    gboolean         a_up = ua->gateway4 != 0;
    gboolean         b_up = ub->gateway4 != 0;
    int              c;

    /* Uplinks first; then by class. Ties are broken by names only, never by
     * activation order or the order NetworkManager lists devices in. */
    if (a_up != b_up)
        return a_up ? -1 : 1;
    if (ua->klass != ub->klass)
        return ua->klass < ub->klass ? -1 : 1;
    c = strverscmp(ua->iface, ub->iface);
    if (c != 0)
        return c;
    c = strcmp(ua->connection_uuid, ub->connection_uuid);
    if (c != 0)
        return c;
    return strcmp(ua->connection_id, ub->connection_id);
}

gboolean
nmf_policy_rank(const NmfPolicy *policy, GPtrArray *uplinks)
{
    guint n_nat   = 0;
    guint n_other = 0;
    guint rank    = 0;
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        u->klass         = nmf_policy_classify(policy, u);
        u->rank          = 0;
        u->wanted_metric = NMF_METRIC_AUTO;
        if (u->gateway4 == 0)
            continue;
        if (u->klass == NMF_CLASS_NAT)
            n_nat++;
        else
            n_other++;
    }

    g_ptr_array_sort(uplinks, _compare_uplinks);

    /* Only a NAT link competing with a better one is the problem we solve;
     * otherwise the admin's (or NetworkManager's) metrics stand. */
    if (n_nat == 0 || n_other == 0)
        return FALSE;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (u->gateway4 == 0)
            continue;
        u->rank          = ++rank;
        u->wanted_metric = (gint64) policy->metric_base + (gint64) (rank - 1) * policy->metric_step;
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
    return uplink->has_ipv6 && uplink->applied_metric6 != uplink->wanted_metric;
}
