/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: constructors and names of the uplink structs; IPv4 address helpers. */
#include "model/nmf-uplink.h"

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
    uplink->kernel_metric4  = NMF_METRIC_AUTO;
    uplink->kernel_metric6  = NMF_METRIC_AUTO;
    uplink->klass           = NMF_CLASS_LAN;
    uplink->wanted_metric   = NMF_METRIC_AUTO;
    uplink->profile_policy  = g_strdup("");
    uplink->applied_policy  = g_strdup("");
    uplink->wanted_routes   = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRoute));
    uplink->wanted_rules    = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRule));
    uplink->wanted_policy   = g_strdup("");
    return uplink;
}

NmfUplink *
nmf_uplinks_find(GPtrArray *uplinks, const char *iface)
{
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *u = uplinks->pdata[i];

        if (g_strcmp0(u->iface, iface) == 0)
            return u;
    }
    return NULL;
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
    g_free(uplink->dhcp4_server);
    g_free(uplink->class_evidence);
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

gboolean
nmf_parse_ip4(const char *text, guint32 *out_address)
{
    struct in_addr a;

    if (!text || inet_pton(AF_INET, text, &a) != 1)
        return FALSE;
    *out_address = ntohl(a.s_addr);
    return TRUE;
}

void
nmf_ip4_to_text(guint32 address, char *buf)
{
    struct in_addr a = { .s_addr = htonl(address) };

    inet_ntop(AF_INET, &a, buf, NMF_ADDR_LEN);
}

char *
nmf_format_ip4(guint32 address)
{
    char buf[NMF_ADDR_LEN];

    nmf_ip4_to_text(address, buf);
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

const char *
nmf_link_kind_to_string(NmfLinkKind kind)
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

void
nmf_profile_free(NmfProfile *profile)
{
    if (!profile)
        return;
    if (profile->handle && profile->handle_free)
        profile->handle_free(profile->handle);
    g_free(profile->id);
    g_free(profile->uuid);
    g_free(profile->skip);
    g_free(profile->orig4_text);
    g_free(profile);
}
