/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link classification from evidence (pure step): is an uplink a NAT link
 * (libvirt, QEMU user networking) or a way into the real network?
 *
 * The gateway's link-layer address is the strongest fact the guest has:
 * libvirt's bridges carry QEMU's 52:54:00 prefix, slirp answers as
 * 52:55:<IPv4 address>, a real router carries its vendor's OUI.  The device
 * kind and the DHCP server come next; the table of well-known NAT subnets is
 * used only when nothing better is known.  A configuration rule overrides it
 * all, which is how an admin settles a conflict (nested virtualisation: the
 * LAN router is itself a VM).
 */
#ifndef NMF_CLASSIFY_H
#define NMF_CLASSIFY_H

#include <glib.h>

#include "model/nmf-uplink.h"

G_BEGIN_DECLS

/* What a gateway's link-layer address says about the device behind it. */
typedef enum {
    NMF_GATEWAY_MAC_UNKNOWN = 0, /* no gateway, or no neighbour entry for it */
    NMF_GATEWAY_MAC_LIBVIRT,     /* 52:54:00:xx:xx:xx: a QEMU/libvirt bridge */
    NMF_GATEWAY_MAC_SLIRP,       /* 52:55:xx:xx:xx:xx: QEMU user networking */
    NMF_GATEWAY_MAC_VENDOR,      /* a globally administered OUI: real hardware */
    NMF_GATEWAY_MAC_LOCAL,       /* locally administered, not QEMU's */
    NMF_GATEWAY_MAC_MAX,
} NmfGatewayMac;

/* Everything known about one uplink that bears on its class. */
typedef struct {
    NmfLinkKind    kind;
    gboolean       has_gateway_mac;
    guint8         gateway_mac[6]; /* of the IPv4 gateway, else of the IPv6 router */
    gboolean       gateway_is_ipv6;
    gboolean       in_nat_table;         /* address and gateway in a NAT range */
    gboolean       nat_table_configured; /* ... that the admin wrote (nat-ranges=), not built in */
    gboolean       dhcp_server_known;    /* an IPv4 lease names its server */
    gboolean       dhcp_server_is_gateway;
    gboolean       rule_sets_class; /* a configuration rule names the class */
    NmfUplinkClass rule_class;
    const char    *rule_name;
} NmfClassEvidence;

/* The class, whether the facts disagree, and the facts in words (for -v and --status). */
typedef struct {
    NmfUplinkClass klass;
    gboolean       conflict;
    char          *evidence; /* one line, "; "-separated, English */
} NmfClassVerdict;

NmfGatewayMac nmf_classify_gateway_mac(const guint8 mac[6]);
const char   *nmf_gateway_mac_to_string(NmfGatewayMac kind);

/* Weighs @evidence; the caller owns verdict->evidence. */
void nmf_classify(const NmfClassEvidence *evidence, NmfClassVerdict *verdict);
void nmf_class_verdict_clear(NmfClassVerdict *verdict);

G_END_DECLS

#endif /* NMF_CLASSIFY_H */
