/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of nmf-trace.c: hops, where each direction is lost, drop counters, causes. */
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "decide/nmf-frame.h"
#include "decide/nmf-counters.h"
#include "decide/nmf-trace.h"

#define PEER  "10.72.112.29"
#define GUEST "10.66.60.236"

static NmfVirtIface *
_iface(NmfVirtIfaceType type, const char *mac, const char *target)
{
    NmfVirtIface *i = g_new0(NmfVirtIface, 1);

    i->type       = type;
    i->type_name  = g_strdup(nmf_virt_iface_type_to_string(type));
    i->mac        = g_strdup(mac);
    i->target_dev = g_strdup(target);
    return i;
}

/* The lab: eth0 on NAT network "default" (bridge br0, tap nattap0), eth1 a macvtap on the
 * host's uplink0, whose device lives in the guest's namespace (not present here). */
static NmfTrace *
_lab_trace(gboolean macvtap_present)
{
    g_autoptr(GPtrArray) ifaces =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_virt_iface_free);
    NmfVirtIface *nat = _iface(NMF_VIRT_IFACE_NETWORK, "52:54:00:00:00:10", "nattap0");
    NmfVirtIface *lan = _iface(NMF_VIRT_IFACE_DIRECT, "52:54:00:00:00:11", "lanvtap0");
    NmfTrace     *trace;

    nat->source_network  = g_strdup("default");
    nat->source_bridge   = g_strdup("br0");
    nat->network_forward = g_strdup("nat");
    lan->source_dev      = g_strdup("uplink0");
    lan->source_mode     = g_strdup("bridge");
    g_ptr_array_add(ifaces, nat);
    g_ptr_array_add(ifaces, lan);
    trace = nmf_trace_new("lab-guest", PEER, "uplink0", ifaces);
    g_assert_nonnull(trace);
    for (guint i = 0; i < trace->hops->len; i++) {
        NmfHop *hop = trace->hops->pdata[i];

        hop->present = macvtap_present || strcmp(hop->device, "lanvtap0") != 0;
    }
    return trace;
}

static guint
_hop_index(NmfTrace *trace, const char *device)
{
    for (guint i = 0; i < trace->hops->len; i++) {
        if (strcmp(((NmfHop *) trace->hops->pdata[i])->device, device) == 0)
            return i;
    }
    g_assert_not_reached();
}

static NmfPacket
_packet(const char *src, const char *dst)
{
    NmfPacket p = { 0 };

    p.family   = strchr(src, ':') ? AF_INET6 : AF_INET;
    p.ip_proto = 1;
    g_assert_cmpint(inet_pton(p.family, src, p.src), ==, 1);
    g_assert_cmpint(inet_pton(p.family, dst, p.dst), ==, 1);
    return p;
}

/* @n requests from the peer and/or replies to it seen on @device. */
static void
_see(NmfTrace *trace, const char *device, guint requests, guint replies)
{
    NmfPacket req = _packet(PEER, GUEST);
    NmfPacket rep = _packet(GUEST, PEER);
    guint     hop = _hop_index(trace, device);

    for (guint i = 0; i < requests; i++)
        g_assert_true(nmf_trace_count(trace, hop, &req));
    for (guint i = 0; i < replies; i++)
        g_assert_true(nmf_trace_count(trace, hop, &rep));
}

static const char *
_device(NmfTrace *trace, int hop)
{
    g_assert_cmpint(hop, >=, 0);
    return ((NmfHop *) trace->hops->pdata[hop])->device;
}

static void
test_plan(void)
{
    g_autoptr(NmfTrace) trace = _lab_trace(FALSE);
    const NmfTracePath *nat, *lan;
    const NmfHop       *uplink;

    g_assert_cmpuint(trace->hops->len, ==, 4);
    uplink = trace->hops->pdata[0];
    g_assert_cmpstr(uplink->device, ==, "uplink0");
    /* The uplink is the macvtap's lower device too. */
    g_assert_cmpuint(uplink->roles, ==, (1u << NMF_HOP_UPLINK) | (1u << NMF_HOP_LOWER));
    g_assert_cmpint(nmf_hop_primary_role(uplink), ==, NMF_HOP_UPLINK);
    g_assert_cmpstr(_device(trace, 1), ==, "br0");
    g_assert_cmpstr(_device(trace, 2), ==, "nattap0");
    g_assert_cmpstr(_device(trace, 3), ==, "lanvtap0");

    g_assert_cmpuint(trace->paths->len, ==, 2);
    nat = trace->paths->pdata[0];
    lan = trace->paths->pdata[1];
    g_assert_cmpuint(nat->hops->len, ==, 3);
    g_assert_cmpstr(_device(trace, g_array_index(nat->hops, guint, 0)), ==, "uplink0");
    g_assert_cmpstr(_device(trace, g_array_index(nat->hops, guint, 2)), ==, "nattap0");
    g_assert_nonnull(strstr(nat->label, "network default (nat)"));
    g_assert_cmpuint(lan->hops->len, ==, 2);
    g_assert_cmpstr(_device(trace, g_array_index(lan->hops, guint, 1)), ==, "lanvtap0");
    g_assert_nonnull(strstr(lan->label, "macvtap on uplink0"));
}

/* The seed's bug: requests arrive by the macvtap's lower device, replies leave the guest
 * by its NAT link and die at the NAT bridge. */
static void
test_replies_die_at_nat_bridge(void)
{
    g_autoptr(NmfTrace) trace    = _lab_trace(FALSE);
    g_autoptr(GHashTable) before = nmf_counters_new();
    g_autoptr(GHashTable) after  = nmf_counters_new();
    g_autoptr(GHashTable) delta  = NULL;
    g_autoptr(GPtrArray) causes  = NULL;
    g_autoptr(GString) out       = g_string_new(NULL);
    NmfHostSettings   settings   = { .ip_forward          = 1,
                                     .rp_filter_from_peer = -1,
                                     .rp_filter_to_peer   = 1 };
    NmfTraceDirection from, to;

    _see(trace, "uplink0", 10, 0);
    _see(trace, "nattap0", 0, 10);
    _see(trace, "br0", 0, 10);

    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(from.result, ==, NMF_TRACE_PASSED);
    g_assert_cmpint(from.lost_after, ==, -1);
    g_assert_cmpint(from.path, ==, 1);
    g_assert_cmpint(to.result, ==, NMF_TRACE_LOST);
    g_assert_cmpstr(_device(trace, to.lost_after), ==, "br0");
    g_assert_cmpint(to.path, ==, 0);

    nmf_counters_parse(before, "TcpExt: SyncookiesSent IPReversePathFilter\nTcpExt: 0 3\n");
    nmf_counters_parse(after, "TcpExt: SyncookiesSent IPReversePathFilter\nTcpExt: 0 13\n");
    delta  = nmf_counters_delta(before, after);
    causes = nmf_trace_causes(trace, &from, &to, delta, &settings);
    g_assert_cmpuint(causes->len, ==, 2);
    g_assert_nonnull(strstr(causes->pdata[0], "answers by another link"));
    g_assert_nonnull(strstr(causes->pdata[0], "network default (nat)"));
    g_assert_nonnull(strstr(causes->pdata[1], "reverse-path filter dropped 10 packets"));
    g_assert_nonnull(strstr(causes->pdata[1], "rp_filter=1 on br0"));

    g_assert_false(nmf_trace_render(out, trace, 5, delta, causes));
    g_assert_nonnull(strstr(out->str, "To " PEER ": LOST after br0"));
    g_assert_nonnull(strstr(out->str, "From " PEER ": passes every hop"));
    g_assert_nonnull(strstr(out->str, "TcpExt.IPReversePathFilter +10"));
    g_assert_nonnull(strstr(out->str, "not in this network namespace"));
    g_assert_nonnull(strstr(out->str, "Likely cause: the domain answers by another link"));
}

static void
test_both_pass_after_fix(void)
{
    g_autoptr(NmfTrace) trace   = _lab_trace(FALSE);
    g_autoptr(GPtrArray) causes = NULL;
    g_autoptr(GString) out      = g_string_new(NULL);
    NmfTraceDirection from, to;

    _see(trace, "uplink0", 10, 10);
    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(from.result, ==, NMF_TRACE_PASSED);
    g_assert_cmpint(to.result, ==, NMF_TRACE_PASSED);
    g_assert_cmpint(to.path, ==, from.path);
    causes = nmf_trace_causes(trace, &from, &to, NULL, NULL);
    g_assert_cmpuint(causes->len, ==, 0);
    g_assert_true(nmf_trace_render(out, trace, 5, NULL, causes));
    g_assert_nonnull(strstr(out->str, "none rose"));
}

/* With the macvtap device on the host, requests seen on the lower device only are lost
 * after it. */
static void
test_requests_lost_after_uplink(void)
{
    g_autoptr(NmfTrace) trace    = _lab_trace(TRUE);
    g_autoptr(GHashTable) before = nmf_counters_new();
    g_autoptr(GHashTable) after  = nmf_counters_new();
    g_autoptr(GHashTable) delta  = NULL;
    g_autoptr(GPtrArray) causes  = NULL;
    NmfHostSettings   settings   = { .ip_forward          = 0,
                                     .rp_filter_from_peer = 0,
                                     .rp_filter_to_peer   = -1 };
    NmfTraceDirection from, to;

    _see(trace, "uplink0", 7, 0);
    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(from.result, ==, NMF_TRACE_LOST);
    g_assert_cmpstr(_device(trace, from.lost_after), ==, "uplink0");
    g_assert_cmpint(to.result, ==, NMF_TRACE_NOT_SEEN);
    g_assert_cmpint(to.lost_after, ==, -1);

    nmf_counters_parse(before, "Ip: Forwarding InAddrErrors InNoRoutes\nIp: 2 100 4\n");
    nmf_counters_parse(after, "Ip: Forwarding InAddrErrors InNoRoutes\nIp: 2 107 4\n");
    delta  = nmf_counters_delta(before, after);
    causes = nmf_trace_causes(trace, &from, &to, delta, &settings);
    g_assert_cmpuint(causes->len, ==, 1);
    g_assert_nonnull(strstr(causes->pdata[0], "does not forward (net.ipv4.ip_forward=0)"));
    g_assert_nonnull(strstr(causes->pdata[0], "7 packets"));
}

static void
test_guest_silent(void)
{
    g_autoptr(NmfTrace) trace   = _lab_trace(TRUE);
    g_autoptr(GPtrArray) causes = NULL;
    NmfTraceDirection from, to;

    _see(trace, "uplink0", 5, 0);
    _see(trace, "lanvtap0", 5, 0);
    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(from.result, ==, NMF_TRACE_PASSED);
    g_assert_cmpint(to.result, ==, NMF_TRACE_NOT_SEEN);
    causes = nmf_trace_causes(trace, &from, &to, NULL, NULL);
    g_assert_cmpuint(causes->len, ==, 1);
    g_assert_nonnull(strstr(causes->pdata[0], "--observe " PEER));
}

static void
test_nothing_seen(void)
{
    g_autoptr(NmfTrace) trace   = _lab_trace(FALSE);
    g_autoptr(GPtrArray) causes = NULL;
    g_autoptr(GString) out      = g_string_new(NULL);
    NmfTraceDirection from, to;

    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(from.result, ==, NMF_TRACE_NOT_SEEN);
    g_assert_cmpint(to.result, ==, NMF_TRACE_NOT_SEEN);
    causes = nmf_trace_causes(trace, &from, &to, NULL, NULL);
    g_assert_cmpuint(causes->len, ==, 1);
    g_assert_nonnull(strstr(causes->pdata[0], "nothing from " PEER));
    g_assert_false(nmf_trace_render(out, trace, 5, NULL, causes));
    g_assert_nonnull(strstr(out->str, "not seen on any device"));
}

/* A replies seen on a device that is not captured count for nothing. */
static void
test_absent_hop_not_counted(void)
{
    g_autoptr(NmfTrace) trace = _lab_trace(FALSE);
    NmfTraceDirection to;

    _see(trace, "lanvtap0", 0, 3);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(to.result, ==, NMF_TRACE_NOT_SEEN);
}

/* Replies that a path's first device did not see belong to another path: after the fix
 * they leave by the macvtap, and the NAT path, whose uplink sees them too, is not "used". */
static void
test_packets_of_another_path(void)
{
    g_autoptr(NmfTrace) trace = _lab_trace(TRUE);
    NmfTraceDirection to;

    _see(trace, "uplink0", 0, 6);
    nmf_trace_decide(trace, TRUE, &to);
    /* Without the macvtap device seeing them, no path carried them from the domain. */
    g_assert_cmpint(to.result, ==, NMF_TRACE_NOT_SEEN);
    _see(trace, "lanvtap0", 0, 6);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(to.result, ==, NMF_TRACE_PASSED);
    g_assert_cmpint(to.path, ==, 1);
}

/* Without a route toward the peer, what reaches a routed bridge cannot pass. */
static void
test_no_route_no_pass(void)
{
    g_autoptr(GPtrArray) ifaces =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_virt_iface_free);
    NmfVirtIface *nat         = _iface(NMF_VIRT_IFACE_NETWORK, NULL, "nattap0");
    g_autoptr(NmfTrace) trace = NULL;
    NmfTraceDirection to;

    nat->source_bridge = g_strdup("br0");
    g_ptr_array_add(ifaces, nat);
    trace = nmf_trace_new("d", PEER, NULL, ifaces);
    g_assert_cmpuint(trace->hops->len, ==, 2);
    ((NmfHop *) trace->hops->pdata[0])->present = TRUE;
    ((NmfHop *) trace->hops->pdata[1])->present = TRUE;
    _see(trace, "nattap0", 0, 3);
    _see(trace, "br0", 0, 3);
    nmf_trace_decide(trace, TRUE, &to);
    g_assert_cmpint(to.result, ==, NMF_TRACE_LOST);
    g_assert_cmpstr(_device(trace, to.lost_after), ==, "br0");
}

static void
test_count_filters(void)
{
    g_autoptr(NmfTrace) trace = _lab_trace(FALSE);
    NmfPacket other           = _packet("10.0.0.1", GUEST);
    NmfPacket v6              = _packet("2001:db8::1", "2001:db8::2");

    g_assert_false(nmf_trace_count(trace, 0, &other));
    g_assert_false(nmf_trace_count(trace, 0, &v6));
    g_assert_false(nmf_trace_count(trace, 99, &other));
    g_assert_cmpuint(((NmfHop *) trace->hops->pdata[0])->from_peer, ==, 0);
    g_assert_null(nmf_trace_new("d", "not-an-address", NULL, NULL));
}

/* A bridged interface on the bridge that holds the host's address: the route lookup
 * names the bridge, which appears once on the path. */
static void
test_bridge_is_uplink(void)
{
    g_autoptr(GPtrArray) ifaces =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_virt_iface_free);
    NmfVirtIface *br          = _iface(NMF_VIRT_IFACE_BRIDGE, NULL, "tap-b");
    NmfVirtIface *user        = _iface(NMF_VIRT_IFACE_OTHER, "52:54:00:00:00:99", NULL);
    g_autoptr(NmfTrace) trace = NULL;
    const NmfTracePath *path;

    br->source_bridge = g_strdup("br-lan");
    user->type_name   = (g_free(user->type_name), g_strdup("user"));
    g_ptr_array_add(ifaces, br);
    g_ptr_array_add(ifaces, user);
    trace = nmf_trace_new("d", "2001:db8::29", "br-lan", ifaces);
    g_assert_cmpuint(trace->hops->len, ==, 2);
    g_assert_cmpuint(trace->paths->len, ==, 1);
    path = trace->paths->pdata[0];
    g_assert_cmpuint(path->hops->len, ==, 2);
    g_assert_cmpuint(((NmfHop *) trace->hops->pdata[0])->roles,
                     ==,
                     (1u << NMF_HOP_UPLINK) | (1u << NMF_HOP_BRIDGE));
    g_assert_cmpuint(trace->notes->len, ==, 1);
    g_assert_nonnull(strstr(trace->notes->pdata[0], "user 52:54:00:00:00:99"));
}

static void
test_counters_parse(void)
{
    static const char snmp[] =
      "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
      "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes\n"
      "Ip: 1 64 1000 0 5 20 0 0 900 800 0 2\n"
      "Icmp: InMsgs InErrors\n"
      "Icmp: 3 0\n";
    static const char netstat[] = "TcpExt: SyncookiesSent IPReversePathFilter\n"
                                  "TcpExt: 0 42\n"
                                  "IpExt: InNoRoutes InTruncatedPkts\n"
                                  "IpExt: 7 0\n";
    static const char snmp6[]   = "Ip6InReceives                   	12\n"
                                  "Ip6InNoRoutes                   	3\n"
                                  "Ip6Broken\n";
    g_autoptr(GHashTable) c     = nmf_counters_new();
    g_autoptr(GHashTable) later = nmf_counters_new();
    g_autoptr(GHashTable) delta = NULL;
    g_autofree char *all        = g_strconcat(snmp, netstat, snmp6, NULL);

    nmf_counters_parse(c, all);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(c, "Ip.InAddrErrors"), ==, 5);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(c, "Ip.OutNoRoutes"), ==, 2);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(c, "TcpExt.IPReversePathFilter"), ==, 42);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(c, "IpExt.InNoRoutes"), ==, 7);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(c, "Ip6InNoRoutes"), ==, 3);
    g_assert_null(g_hash_table_lookup(c, "Ip6Broken"));
    g_assert_null(g_hash_table_lookup(c, "Ip.InNoRoutes"));

    /* Only the watched counters that rose; one that went down (wrapped) is left out. */
    nmf_counters_parse(later,
                       "Ip: InAddrErrors ForwDatagrams OutNoRoutes\nIp: 9 20 1\n"
                       "TcpExt: IPReversePathFilter\nTcpExt: 50\n");
    delta = nmf_counters_delta(c, later);
    g_assert_cmpuint(g_hash_table_size(delta), ==, 2);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(delta, "Ip.InAddrErrors"), ==, 4);
    g_assert_cmpuint(*(guint64 *) g_hash_table_lookup(delta, "TcpExt.IPReversePathFilter"), ==, 8);
}

/* Nothing counted: the loss is a firewall's (libvirt's own rules reject what a NAT bridge
 * receives from outside its subnet). */
static void
test_firewall_when_no_counter(void)
{
    g_autoptr(NmfTrace) trace   = _lab_trace(FALSE);
    g_autoptr(GHashTable) delta = nmf_counters_new();
    g_autoptr(GPtrArray) causes = NULL;
    NmfHostSettings   settings  = { .ip_forward          = 1,
                                    .rp_filter_from_peer = -1,
                                    .rp_filter_to_peer   = 0 };
    NmfTraceDirection from, to;

    _see(trace, "uplink0", 4, 0);
    _see(trace, "nattap0", 0, 4);
    _see(trace, "br0", 0, 4);
    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    causes = nmf_trace_causes(trace, &from, &to, delta, &settings);
    g_assert_cmpuint(causes->len, ==, 2);
    g_assert_nonnull(strstr(causes->pdata[1], "firewall"));
    g_assert_nonnull(strstr(causes->pdata[1], "after br0"));
}

/* Frames of one interface's capture (Ethernet with a VLAN tag, bare IP) become the
 * LINUX_SLL2 frames of the "any" device, with the interface and direction. */
static void
test_frame_to_sll2(void)
{
    static const guint8 ip_icmp[] = {
        0x45, 0,  0,  28, 0,  0,   0x40, 0, 64, 1, 0, 0, 10, 72,
        112,  29, 10, 66, 60, 236, 8,    0, 0,  0, 0, 1, 0,  1,
    };
    guint8    eth[14 + sizeof(ip_icmp)];
    guint8    vlan[18 + sizeof(ip_icmp)];
    guint8    out[NMF_FRAME_SLL2_HEADER_LEN + sizeof(vlan)];
    gsize     len;
    NmfPacket p;

    memset(eth, 0xaa, 12);
    eth[12] = 0x08;
    eth[13] = 0x00;
    memcpy(eth + 14, ip_icmp, sizeof(ip_icmp));
    len = nmf_frame_to_sll2(
      NMF_FRAME_DLT_EN10MB, eth, sizeof(eth), 7, NMF_FRAME_SLL2_HOST, out, sizeof(out));
    g_assert_cmpuint(len, ==, NMF_FRAME_SLL2_HEADER_LEN + sizeof(ip_icmp));
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, out, len, &p));
    g_assert_cmpint(p.family, ==, AF_INET);
    g_assert_cmpint(p.icmp_type, ==, 8);
    g_assert_cmpint(p.ifindex, ==, 7);
    g_assert_cmpint(p.direction, ==, NMF_PACKET_IN);
    g_assert_cmpint(p.src[3], ==, 29);

    memset(vlan, 0xbb, 12);
    vlan[12] = 0x81;
    vlan[13] = 0x00;
    vlan[14] = 0x00;
    vlan[15] = 0x0a; /* VLAN 10 */
    vlan[16] = 0x08;
    vlan[17] = 0x00;
    memcpy(vlan + 18, ip_icmp, sizeof(ip_icmp));
    len = nmf_frame_to_sll2(
      NMF_FRAME_DLT_EN10MB, vlan, sizeof(vlan), 70000, NMF_FRAME_SLL2_OUTGOING, out, sizeof(out));
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, out, len, &p));
    g_assert_cmpint(p.ifindex, ==, 70000);
    g_assert_cmpint(p.direction, ==, NMF_PACKET_OUT);
    g_assert_cmpint(p.dst[3], ==, 236);
    /* Truncated in the tag, or too big for the buffer. */
    g_assert_cmpuint(
      nmf_frame_to_sll2(NMF_FRAME_DLT_EN10MB, vlan, 16, 1, 0, out, sizeof(out)), ==, 0);
    g_assert_cmpuint(
      nmf_frame_to_sll2(NMF_FRAME_DLT_EN10MB, vlan, sizeof(vlan), 1, 0, out, 30), ==, 0);

    len = nmf_frame_to_sll2(NMF_FRAME_DLT_RAW, ip_icmp, sizeof(ip_icmp), 3, 0, out, sizeof(out));
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, out, len, &p));
    g_assert_cmpint(p.ip_proto, ==, 1);
    g_assert_cmpuint(
      nmf_frame_to_sll2(NMF_FRAME_DLT_RAW, ip_icmp, 0, 3, 0, out, sizeof(out)), ==, 0);

    eth[13] = 0x06; /* ARP */
    g_assert_cmpuint(
      nmf_frame_to_sll2(NMF_FRAME_DLT_EN10MB, eth, sizeof(eth), 1, 0, out, sizeof(out)), ==, 0);
    g_assert_cmpuint(nmf_frame_to_sll2(113, eth, sizeof(eth), 1, 0, out, sizeof(out)), ==, 0);
}

/* --observe in the guest: what it dropped itself, named. */
static void
test_counters_render_local(void)
{
    g_autoptr(GHashTable) before = nmf_counters_new();
    g_autoptr(GHashTable) after  = nmf_counters_new();
    g_autoptr(GHashTable) delta  = NULL;
    g_autoptr(GString) out       = g_string_new(NULL);

    nmf_counters_parse(before,
                       "TcpExt: IPReversePathFilter\nTcpExt: 5\nIp: ForwDatagrams\nIp: 1\n");
    nmf_counters_parse(after,
                       "TcpExt: IPReversePathFilter\nTcpExt: 19\nIp: ForwDatagrams\nIp: 9\n");
    delta = nmf_counters_delta(before, after);
    nmf_counters_render_local(out, delta);
    g_assert_cmpstr(
      out->str,
      ==,
      "Dropped here over the window: TcpExt.IPReversePathFilter +14 - requests dropped "
      "by rp_filter on this host (their source is routed by another link).\n");

    /* Only forwarding rose: nothing was dropped, nothing is said. */
    g_string_truncate(out, 0);
    g_hash_table_remove(delta, "TcpExt.IPReversePathFilter");
    nmf_counters_render_local(out, delta);
    g_assert_cmpstr(out->str, ==, "");
}

static void
test_follow_hint(void)
{
    g_autofree char *none = nmf_trace_follow_hint(PEER, FALSE, FALSE);
    g_autofree char *both = nmf_trace_follow_hint(PEER, TRUE, TRUE);
    g_autofree char *pwru = nmf_trace_follow_hint(PEER, FALSE, TRUE);

    g_assert_cmpstr(none, ==, "");
    g_assert_nonnull(strstr(both, "retis collect -c skb,skb-drop -f 'host " PEER "'"));
    g_assert_nonnull(strstr(both, "pwru 'host " PEER "'"));
    g_assert_null(strstr(pwru, "retis"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace/plan", test_plan);
    g_test_add_func("/trace/replies-die-at-nat-bridge", test_replies_die_at_nat_bridge);
    g_test_add_func("/trace/both-pass-after-fix", test_both_pass_after_fix);
    g_test_add_func("/trace/requests-lost-after-uplink", test_requests_lost_after_uplink);
    g_test_add_func("/trace/guest-silent", test_guest_silent);
    g_test_add_func("/trace/nothing-seen", test_nothing_seen);
    g_test_add_func("/trace/absent-hop-not-counted", test_absent_hop_not_counted);
    g_test_add_func("/trace/count-filters", test_count_filters);
    g_test_add_func("/trace/no-route-no-pass", test_no_route_no_pass);
    g_test_add_func("/trace/packets-of-another-path", test_packets_of_another_path);
    g_test_add_func("/trace/bridge-is-uplink", test_bridge_is_uplink);
    g_test_add_func("/trace/counters-parse", test_counters_parse);
    g_test_add_func("/trace/firewall-when-no-counter", test_firewall_when_no_counter);
    g_test_add_func("/trace/frame-to-sll2", test_frame_to_sll2);
    g_test_add_func("/trace/follow-hint", test_follow_hint);
    g_test_add_func("/trace/counters-render-local", test_counters_render_local);
    return g_test_run();
}
