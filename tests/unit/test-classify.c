/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the evidence classifier (nmf-classify.c). */
#include <string.h>

#include "decide/nmf-classify.h"

static const guint8 libvirt_mac[6] = { 0x52, 0x54, 0x00, 0x3a, 0x7c, 0x01 };
static const guint8 slirp_mac[6]   = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const guint8 vendor_mac[6]  = { 0x3c, 0xa6, 0x2f, 0x12, 0x34, 0x56 };
static const guint8 local_mac[6]   = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x01 };

static NmfClassEvidence
_evidence(const guint8 *mac, NmfLinkKind kind, gboolean in_nat_table)
{
    NmfClassEvidence e = { .kind = kind, .in_nat_table = in_nat_table };

    if (mac) {
        e.has_gateway_mac = TRUE;
        memcpy(e.gateway_mac, mac, 6);
    }
    return e;
}

static NmfUplinkClass
_class(const NmfClassEvidence *e, gboolean *out_conflict)
{
    NmfClassVerdict v = { 0 };
    NmfUplinkClass  klass;

    nmf_classify(e, &v);
    g_assert_nonnull(v.evidence);
    g_assert_cmpstr(v.evidence, !=, "");
    klass = v.klass;
    if (out_conflict)
        *out_conflict = v.conflict;
    nmf_class_verdict_clear(&v);
    g_assert_null(v.evidence);
    return klass;
}

static void
test_gateway_mac_kinds(void)
{
    static const guint8 zero[6] = { 0 };

    g_assert_cmpint(nmf_classify_gateway_mac(libvirt_mac), ==, NMF_GATEWAY_MAC_LIBVIRT);
    g_assert_cmpint(nmf_classify_gateway_mac(slirp_mac), ==, NMF_GATEWAY_MAC_SLIRP);
    g_assert_cmpint(nmf_classify_gateway_mac(vendor_mac), ==, NMF_GATEWAY_MAC_VENDOR);
    g_assert_cmpint(nmf_classify_gateway_mac(local_mac), ==, NMF_GATEWAY_MAC_LOCAL);
    g_assert_cmpint(nmf_classify_gateway_mac(zero), ==, NMF_GATEWAY_MAC_UNKNOWN);
    /* 52:54:01 is not QEMU's prefix: locally administered only. */
    {
        const guint8 near[6] = { 0x52, 0x54, 0x01, 0, 0, 1 };
        g_assert_cmpint(nmf_classify_gateway_mac(near), ==, NMF_GATEWAY_MAC_LOCAL);
    }
}

/* A home LAN in a "libvirt alternate" subnet behind a real router is a LAN. */
static void
test_vendor_gateway_beats_subnet_table(void)
{
    NmfClassEvidence e        = _evidence(vendor_mac, NMF_LINK_ETHERNET, TRUE);
    gboolean         conflict = TRUE;

    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_LAN);
    g_assert_false(conflict);
    e = _evidence(local_mac, NMF_LINK_ETHERNET, TRUE);
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_LAN);
}

/* A NAT network on any subnet is NAT when its gateway has a libvirt MAC. */
static void
test_libvirt_gateway_is_nat_anywhere(void)
{
    NmfClassEvidence e        = _evidence(libvirt_mac, NMF_LINK_ETHERNET, FALSE);
    gboolean         conflict = TRUE;

    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_false(conflict);
    e.dhcp_server_known      = TRUE;
    e.dhcp_server_is_gateway = TRUE;
    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_false(conflict);
    e = _evidence(slirp_mac, NMF_LINK_ETHERNET, FALSE);
    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_false(conflict);
}

static void
test_unknown_gateway_falls_back(void)
{
    NmfClassEvidence e = _evidence(NULL, NMF_LINK_ETHERNET, TRUE);

    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_NAT);
    e = _evidence(NULL, NMF_LINK_ETHERNET, FALSE);
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_LAN);
    e = _evidence(NULL, NMF_LINK_BRIDGE, FALSE);
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_BRIDGED);
    e = _evidence(NULL, NMF_LINK_MACVTAP, FALSE);
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_MACVTAP);
    e = _evidence(vendor_mac, NMF_LINK_MACVLAN, FALSE);
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_MACVTAP);
}

/* Nested virtualisation: a QEMU gateway on a host-side bridge, or behind another
 * DHCP server, is said to conflict; a rule settles it. */
static void
test_conflict_and_rule(void)
{
    NmfClassEvidence e        = _evidence(libvirt_mac, NMF_LINK_BRIDGE, FALSE);
    NmfClassVerdict  v        = { 0 };
    gboolean         conflict = FALSE;

    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_true(conflict);

    e                   = _evidence(libvirt_mac, NMF_LINK_ETHERNET, FALSE);
    e.dhcp_server_known = TRUE;
    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_true(conflict);

    e.rule_sets_class = TRUE;
    e.rule_class      = NMF_CLASS_LAN;
    e.rule_name       = "lab-router-vm";
    nmf_classify(&e, &v);
    g_assert_cmpint(v.klass, ==, NMF_CLASS_LAN);
    g_assert_false(v.conflict);
    g_assert_nonnull(strstr(v.evidence, "lab-router-vm"));
    g_assert_nonnull(strstr(v.evidence, "52:54:00:3a:7c:01"));
    nmf_class_verdict_clear(&v);

    /* "lan" on a bridge keeps it bridged; "nat" wins over a vendor MAC. */
    e                 = _evidence(libvirt_mac, NMF_LINK_BRIDGE, FALSE);
    e.rule_sets_class = TRUE;
    e.rule_class      = NMF_CLASS_LAN;
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_BRIDGED);
    e                 = _evidence(vendor_mac, NMF_LINK_ETHERNET, FALSE);
    e.rule_sets_class = TRUE;
    e.rule_class      = NMF_CLASS_NAT;
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_NAT);
}

/* nat-ranges in the configuration file decide, like a rule; the built-in table does not. */
static void
test_configured_nat_ranges_decide(void)
{
    NmfClassEvidence e        = _evidence(vendor_mac, NMF_LINK_ETHERNET, TRUE);
    gboolean         conflict = TRUE;

    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_LAN);
    e.nat_table_configured = TRUE;
    g_assert_cmpint(_class(&e, NULL), ==, NMF_CLASS_NAT);
    e                      = _evidence(libvirt_mac, NMF_LINK_BRIDGE, TRUE);
    e.nat_table_configured = TRUE;
    g_assert_cmpint(_class(&e, &conflict), ==, NMF_CLASS_NAT);
    g_assert_false(conflict);
}

static void
test_evidence_text(void)
{
    NmfClassEvidence e = _evidence(vendor_mac, NMF_LINK_ETHERNET, TRUE);
    NmfClassVerdict  v = { 0 };

    e.dhcp_server_known      = TRUE;
    e.dhcp_server_is_gateway = TRUE;
    nmf_classify(&e, &v);
    g_assert_cmpstr(v.evidence,
                    ==,
                    "IPv4 gateway 3c:a6:2f:12:34:56 (vendor OUI); DHCP server is the gateway; "
                    "subnet in the built-in NAT table; the gateway MAC outweighs the subnet");
    nmf_class_verdict_clear(&v);

    e                 = _evidence(libvirt_mac, NMF_LINK_ETHERNET, FALSE);
    e.gateway_is_ipv6 = TRUE;
    nmf_classify(&e, &v);
    g_assert_cmpstr(v.evidence, ==, "IPv6 gateway 52:54:00:3a:7c:01 (libvirt/QEMU bridge)");
    nmf_class_verdict_clear(&v);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/classify/gateway-mac-kinds", test_gateway_mac_kinds);
    g_test_add_func("/classify/vendor-gateway-beats-subnet-table",
                    test_vendor_gateway_beats_subnet_table);
    g_test_add_func("/classify/libvirt-gateway-is-nat-anywhere",
                    test_libvirt_gateway_is_nat_anywhere);
    g_test_add_func("/classify/unknown-gateway-falls-back", test_unknown_gateway_falls_back);
    g_test_add_func("/classify/conflict-and-rule", test_conflict_and_rule);
    g_test_add_func("/classify/configured-nat-ranges-decide", test_configured_nat_ranges_decide);
    g_test_add_func("/classify/evidence-text", test_evidence_text);
    return g_test_run();
}
