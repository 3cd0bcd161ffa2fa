/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: classify a link from its gateway MAC, device kind, DHCP and subnet facts. */
#include "decide/nmf-classify.h"

#include <string.h>

NmfGatewayMac
nmf_classify_gateway_mac(const guint8 mac[6])
{
    static const guint8 zero[6] = { 0 };

    if (memcmp(mac, zero, sizeof(zero)) == 0)
        return NMF_GATEWAY_MAC_UNKNOWN;
    if (mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0x00)
        return NMF_GATEWAY_MAC_LIBVIRT;
    if (mac[0] == 0x52 && mac[1] == 0x55)
        return NMF_GATEWAY_MAC_SLIRP;
    /* Bit 1 of the first octet: locally administered (veth, docker, random). */
    if (mac[0] & 0x02)
        return NMF_GATEWAY_MAC_LOCAL;
    return NMF_GATEWAY_MAC_VENDOR;
}

const char *
nmf_gateway_mac_to_string(NmfGatewayMac kind)
{
    static const char *const names[NMF_GATEWAY_MAC_MAX] = {
        [NMF_GATEWAY_MAC_UNKNOWN] = "unknown",
        [NMF_GATEWAY_MAC_LIBVIRT] = "libvirt/QEMU bridge",
        [NMF_GATEWAY_MAC_SLIRP]   = "QEMU user networking",
        [NMF_GATEWAY_MAC_VENDOR]  = "vendor OUI",
        [NMF_GATEWAY_MAC_LOCAL]   = "locally administered",
    };

    return (guint) kind < NMF_GATEWAY_MAC_MAX ? names[kind] : "?";
}

static NmfUplinkClass
_class_of_kind(NmfLinkKind kind)
{
    switch (kind) {
    case NMF_LINK_BRIDGE:
        return NMF_CLASS_BRIDGED;
    case NMF_LINK_MACVLAN:
    case NMF_LINK_MACVTAP:
        return NMF_CLASS_MACVTAP;
    default:
        return NMF_CLASS_LAN;
    }
}

static gboolean
_kind_is_host_side(NmfLinkKind kind)
{
    return kind == NMF_LINK_BRIDGE || kind == NMF_LINK_MACVLAN || kind == NMF_LINK_MACVTAP;
}

static void _say(GString *text, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
_say(GString *text, const char *fmt, ...)
{
    va_list ap;

    if (text->len)
        g_string_append(text, "; ");
    va_start(ap, fmt);
    g_string_append_vprintf(text, fmt, ap);
    va_end(ap);
}

void
nmf_classify(const NmfClassEvidence *e, NmfClassVerdict *verdict)
{
    g_autoptr(GString) text = g_string_new(NULL);
    NmfGatewayMac  mac_kind = NMF_GATEWAY_MAC_UNKNOWN;
    NmfUplinkClass klass;
    gboolean       conflict = FALSE;

    if (e->has_gateway_mac) {
        mac_kind = nmf_classify_gateway_mac(e->gateway_mac);
        _say(text,
             "%s gateway %02x:%02x:%02x:%02x:%02x:%02x (%s)",
             e->gateway_is_ipv6 ? "IPv6" : "IPv4",
             e->gateway_mac[0],
             e->gateway_mac[1],
             e->gateway_mac[2],
             e->gateway_mac[3],
             e->gateway_mac[4],
             e->gateway_mac[5],
             nmf_gateway_mac_to_string(mac_kind));
    } else {
        _say(text, "gateway MAC unknown");
    }
    if (_kind_is_host_side(e->kind))
        _say(text, "device kind %s", e->kind == NMF_LINK_BRIDGE ? "bridge" : "macvlan/macvtap");
    if (e->dhcp_server_known)
        _say(text, "DHCP server %s the gateway", e->dhcp_server_is_gateway ? "is" : "is not");
    if (e->in_nat_table)
        _say(
          text, "subnet in the %s NAT table", e->nat_table_configured ? "configured" : "built-in");

    switch (mac_kind) {
    case NMF_GATEWAY_MAC_SLIRP:
        klass = NMF_CLASS_NAT;
        break;
    case NMF_GATEWAY_MAC_LIBVIRT:
        /* libvirt's dnsmasq answers DHCP from the gateway address, and a host-side
         * bridge or macvtap leads into the real network: either fact against a
         * QEMU gateway means the "router" may be a VM on a real LAN. */
        conflict =
          _kind_is_host_side(e->kind) || (e->dhcp_server_known && !e->dhcp_server_is_gateway);
        klass = NMF_CLASS_NAT;
        break;
    case NMF_GATEWAY_MAC_VENDOR:
    case NMF_GATEWAY_MAC_LOCAL:
        /* A gateway that is not QEMU's is never a libvirt NAT, whatever its subnet. */
        klass = _class_of_kind(e->kind);
        if (e->in_nat_table && !e->nat_table_configured)
            _say(text, "the gateway MAC outweighs the subnet");
        break;
    default:
        klass = e->in_nat_table ? NMF_CLASS_NAT : _class_of_kind(e->kind);
        break;
    }

    /* nat-ranges written by the admin are a statement, not a guess: they decide like a rule. */
    if (e->in_nat_table && e->nat_table_configured && klass != NMF_CLASS_NAT) {
        _say(text, "nat-ranges decides");
        klass = NMF_CLASS_NAT;
    }
    conflict = conflict && !(e->in_nat_table && e->nat_table_configured);
    if (conflict)
        _say(text, "evidence conflicts: a [rule] with class= decides");
    if (e->rule_sets_class) {
        _say(text,
             "rule %s sets class %s",
             e->rule_name ? e->rule_name : "?",
             nmf_uplink_class_to_string(e->rule_class));
        /* "lan" means "not NAT": a bridge stays bridged. */
        klass    = e->rule_class == NMF_CLASS_NAT ? NMF_CLASS_NAT : _class_of_kind(e->kind);
        conflict = FALSE;
    }

    verdict->klass    = klass;
    verdict->conflict = conflict;
    verdict->evidence = g_string_free(g_steal_pointer(&text), FALSE);
}

void
nmf_class_verdict_clear(NmfClassVerdict *verdict)
{
    g_clear_pointer(&verdict->evidence, g_free);
}
