/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the --observe flow table (nmf-observe-flow.c): frames parsed, flows judged. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "decide/nmf-observe-flow.h"

#define REMOTE   "10.72.112.29"
#define LAN_ADDR "10.66.60.236"
#define LAN_GW   "10.66.61.254"
#define NAT_GW   "192.168.122.1"
#define ETH0     2
#define ETH1     3

#define PKT_HOST     0
#define PKT_OUTGOING 4

/*****************************************************************************/
/* Synthetic frames, byte by byte as the kernel hands them to libpcap. */

static void
_put16(GByteArray *f, guint16 v)
{
    guint8 b[2] = { v >> 8, v & 0xff };

    g_byte_array_append(f, b, 2);
}

static void
_put32(GByteArray *f, guint32 v)
{
    _put16(f, v >> 16);
    _put16(f, v & 0xffff);
}

static void
_put_zeros(GByteArray *f, guint n)
{
    static const guint8 zeros[64] = { 0 };

    g_byte_array_append(f, zeros, n);
}

static GByteArray *
_sll2(guint16 ethertype, int ifindex, guint8 pkttype)
{
    GByteArray *f = g_byte_array_new();

    _put16(f, ethertype);
    _put16(f, 0);
    _put32(f, ifindex);
    _put16(f, 1); /* ARPHRD_ETHER */
    g_byte_array_append(f, &pkttype, 1);
    g_byte_array_append(f, (const guint8 *) "\x06", 1);
    _put_zeros(f, 8);
    return f;
}

static GByteArray *
_sll(guint16 ethertype, guint8 pkttype)
{
    GByteArray *f = g_byte_array_new();

    _put16(f, pkttype);
    _put16(f, 1);
    _put16(f, 6);
    _put_zeros(f, 8);
    _put16(f, ethertype);
    return f;
}

static void
_ipv4(GByteArray *f, const char *src, const char *dst, guint8 proto, const GByteArray *l4)
{
    guint8 a[4];

    _put16(f, 0x4500);
    _put16(f, 20 + l4->len);
    _put32(f, 0x12344000); /* id, DF */
    g_byte_array_append(f, (const guint8 *) "\x40", 1);
    g_byte_array_append(f, &proto, 1);
    _put16(f, 0); /* checksum: nobody checks */
    g_assert_cmpint(inet_pton(AF_INET, src, a), ==, 1);
    g_byte_array_append(f, a, 4);
    g_assert_cmpint(inet_pton(AF_INET, dst, a), ==, 1);
    g_byte_array_append(f, a, 4);
    g_byte_array_append(f, l4->data, l4->len);
}

/* IPv6 with a hop-by-hop options header in front when @hbh (as MLD reports carry). */
static void
_ipv6(GByteArray       *f,
      const char       *src,
      const char       *dst,
      guint8            proto,
      gboolean          hbh,
      const GByteArray *l4)
{
    guint8 a[16];
    guint8 next = hbh ? 0 : proto;

    _put32(f, 0x60000000);
    _put16(f, l4->len + (hbh ? 8 : 0));
    g_byte_array_append(f, &next, 1);
    g_byte_array_append(f, (const guint8 *) "\x40", 1);
    g_assert_cmpint(inet_pton(AF_INET6, src, a), ==, 1);
    g_byte_array_append(f, a, 16);
    g_assert_cmpint(inet_pton(AF_INET6, dst, a), ==, 1);
    g_byte_array_append(f, a, 16);
    if (hbh) {
        g_byte_array_append(f, &proto, 1);
        _put_zeros(f, 7);
    }
    g_byte_array_append(f, l4->data, l4->len);
}

static GByteArray *
_icmp_echo(guint8 type, guint16 id, guint16 seq)
{
    GByteArray *l4 = g_byte_array_new();

    g_byte_array_append(l4, &type, 1);
    _put_zeros(l4, 1);
    _put16(l4, 0);
    _put16(l4, id);
    _put16(l4, seq);
    _put_zeros(l4, 16); /* payload */
    return l4;
}

static GByteArray *
_tcp(guint16 sport, guint16 dport, guint8 flags)
{
    GByteArray *l4 = g_byte_array_new();

    _put16(l4, sport);
    _put16(l4, dport);
    _put32(l4, 1);
    _put32(l4, 0);
    _put16(l4, 0x5000 | flags);
    _put16(l4, 65535);
    _put32(l4, 0);
    return l4;
}

static GByteArray *
_udp(guint16 sport, guint16 dport)
{
    GByteArray *l4 = g_byte_array_new();

    _put16(l4, sport);
    _put16(l4, dport);
    _put16(l4, 8 + 4);
    _put16(l4, 0);
    _put32(l4, 0xdeadbeef);
    return l4;
}

/* Parse a frame and feed it to @table; returns whether the table took it. */
static gboolean
_feed(NmfFlowTable *table, int dlt, GByteArray *frame)
{
    NmfPacket p;
    gboolean  taken;

    g_assert_true(nmf_packet_parse(dlt, frame->data, frame->len, &p));
    taken = nmf_flow_table_add(table, &p);
    g_byte_array_unref(frame);
    return taken;
}

static gboolean
_ping4(NmfFlowTable *table,
       const char   *src,
       const char   *dst,
       guint8        type,
       int           ifindex,
       guint8        pkttype,
       guint16       seq)
{
    GByteArray *frame = _sll2(0x0800, ifindex, pkttype);
    GByteArray *l4    = _icmp_echo(type, 0x77, seq);

    _ipv4(frame, src, dst, IPPROTO_ICMP, l4);
    g_byte_array_unref(l4);
    return _feed(table, NMF_DLT_LINUX_SLL2, frame);
}

static gboolean
_l4_4(NmfFlowTable *table,
      const char   *src,
      const char   *dst,
      guint8        proto,
      GByteArray   *l4,
      int           ifindex,
      guint8        pkttype)
{
    GByteArray *frame = _sll2(0x0800, ifindex, pkttype);

    _ipv4(frame, src, dst, proto, l4);
    g_byte_array_unref(l4);
    return _feed(table, NMF_DLT_LINUX_SLL2, frame);
}

/* An ICMP (@family AF_INET) or ICMPv6 error of @type/@code whose second word is @word
 * (the MTU of "too big"), quoting the first 8 bytes of @inner_l4 sent from @src to @dst. */
static GByteArray *
_icmp_error(int               family,
            guint8            type,
            guint8            code,
            guint32           word,
            const char       *src,
            const char       *dst,
            guint8            inner_proto,
            const GByteArray *inner_l4)
{
    GByteArray *l4    = g_byte_array_new();
    GByteArray *quote = g_byte_array_new();

    g_byte_array_append(quote, inner_l4->data, MIN(inner_l4->len, 8));
    g_byte_array_append(l4, &type, 1);
    g_byte_array_append(l4, &code, 1);
    _put16(l4, 0);
    _put32(l4, word);
    if (family == AF_INET)
        _ipv4(l4, src, dst, inner_proto, quote);
    else
        _ipv6(l4, src, dst, inner_proto, FALSE, quote);
    g_byte_array_unref(quote);
    return l4;
}

/* The frame of an ICMP error from @sender to @to, arriving on @ifindex, that quotes
 * @inner_l4 sent from @src to @dst. */
static GByteArray *
_icmp_error_frame(int               family,
                  const char       *sender,
                  const char       *to,
                  guint8            type,
                  guint8            code,
                  guint32           word,
                  const char       *src,
                  const char       *dst,
                  guint8            inner_proto,
                  const GByteArray *inner_l4)
{
    GByteArray *frame = _sll2(family == AF_INET ? 0x0800 : 0x86dd, ETH1, PKT_HOST);
    GByteArray *l4    = _icmp_error(family, type, code, word, src, dst, inner_proto, inner_l4);

    if (family == AF_INET)
        _ipv4(frame, sender, to, IPPROTO_ICMP, l4);
    else
        _ipv6(frame, sender, to, IPPROTO_ICMPV6, FALSE, l4);
    g_byte_array_unref(l4);
    return frame;
}

/* An IPv4 ICMP error from @sender about our echo reply (@echo_type 0) or request (8). */
static gboolean
_error4_about_echo(NmfFlowTable *table,
                   const char   *sender,
                   guint8        type,
                   guint8        code,
                   guint8        echo_type)
{
    GByteArray *inner = _icmp_echo(echo_type, 0x77, 1);
    GByteArray *frame = _icmp_error_frame(
      AF_INET, sender, LAN_ADDR, type, code, 0, LAN_ADDR, REMOTE, IPPROTO_ICMP, inner);

    g_byte_array_unref(inner);
    return _feed(table, NMF_DLT_LINUX_SLL2, frame);
}

static const char *
_ifname(int ifindex, gpointer user_data)
{
    switch (ifindex) {
    case ETH0:
        return "eth0";
    case ETH1:
        return "eth1";
    default:
        return NULL;
    }
}

static char *
_render(NmfFlowTable *table, NmfFlowVerdict *out_verdict)
{
    GString *out = g_string_new(NULL);

    *out_verdict = nmf_flow_table_render(table, out, 3, _ifname, NULL);
    return g_string_free(out, FALSE);
}

/*****************************************************************************/

static void
test_parse_sll2_icmp(void)
{
    GByteArray *frame = _sll2(0x0800, ETH1, PKT_HOST);
    GByteArray *l4    = _icmp_echo(8, 1, 1);
    NmfPacket   p;
    guint8      a[4];

    _ipv4(frame, REMOTE, LAN_ADDR, IPPROTO_ICMP, l4);
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, frame->data, frame->len, &p));
    g_assert_cmpint(p.family, ==, AF_INET);
    g_assert_cmpint(p.ifindex, ==, ETH1);
    g_assert_cmpint(p.direction, ==, NMF_PACKET_IN);
    g_assert_cmpint(p.ip_proto, ==, IPPROTO_ICMP);
    g_assert_cmpint(p.icmp_type, ==, 8);
    inet_pton(AF_INET, REMOTE, a);
    g_assert_cmpmem(p.src, 4, a, 4);
    inet_pton(AF_INET, LAN_ADDR, a);
    g_assert_cmpmem(p.dst, 4, a, 4);
    g_byte_array_unref(frame);
    g_byte_array_unref(l4);
}

static void
test_parse_sll(void)
{
    GByteArray *frame = _sll(0x0800, PKT_OUTGOING);
    GByteArray *l4    = _udp(5353, 53);
    NmfPacket   p;

    _ipv4(frame, LAN_ADDR, REMOTE, IPPROTO_UDP, l4);
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL, frame->data, frame->len, &p));
    g_assert_cmpint(p.ifindex, ==, 0);
    g_assert_cmpint(p.direction, ==, NMF_PACKET_OUT);
    g_assert_cmpint(p.sport, ==, 5353);
    g_assert_cmpint(p.dport, ==, 53);
    g_byte_array_unref(frame);
    g_byte_array_unref(l4);
}

/* Every truncation of a valid frame is refused, never read past its end. */
static void
test_parse_truncated(void)
{
    GByteArray *frame = _sll2(0x86dd, ETH1, PKT_HOST);
    GByteArray *l4    = _tcp(40000, 22, 0x02);
    NmfPacket   p;
    guint       len;

    _ipv6(frame, "fd00:72::29", "fd00:66::236", IPPROTO_TCP, TRUE, l4);
    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, frame->data, frame->len, &p));
    g_assert_cmpint(p.ip_proto, ==, IPPROTO_TCP);
    g_assert_cmpint(p.dport, ==, 22);
    for (len = 0; len < 20 + 40 + 8 + 14; len++) {
        /* A copy of exactly @len bytes, so that a read past it trips valgrind/ASan. */
        guint8 *copy = g_malloc(MAX(len, 1));

        memcpy(copy, frame->data, len);
        g_assert_false(nmf_packet_parse(NMF_DLT_LINUX_SLL2, copy, len, &p));
        g_free(copy);
    }
    g_byte_array_unref(frame);
    g_byte_array_unref(l4);
}

static void
test_parse_refuses(void)
{
    GByteArray *frame = _sll2(0x0806, ETH1, PKT_HOST); /* ARP */
    GByteArray *l4    = _icmp_echo(8, 1, 1);
    NmfPacket   p;

    _put_zeros(frame, 28);
    g_assert_false(nmf_packet_parse(NMF_DLT_LINUX_SLL2, frame->data, frame->len, &p));
    g_byte_array_unref(frame);

    /* A fragment after the first has no ICMP header. */
    frame = _sll2(0x0800, ETH1, PKT_HOST);
    _ipv4(frame, REMOTE, LAN_ADDR, IPPROTO_ICMP, l4);
    frame->data[20 + 6] = 0x00;
    frame->data[20 + 7] = 0x10;
    g_assert_false(nmf_packet_parse(NMF_DLT_LINUX_SLL2, frame->data, frame->len, &p));
    g_byte_array_unref(frame);

    /* Unknown link-layer type. */
    frame = _sll2(0x0800, ETH1, PKT_HOST);
    _ipv4(frame, REMOTE, LAN_ADDR, IPPROTO_ICMP, l4);
    g_assert_false(nmf_packet_parse(1 /* DLT_EN10MB */, frame->data, frame->len, &p));
    g_byte_array_unref(frame);
    g_byte_array_unref(l4);
}

/* The report: requests arrive on eth1, replies leave by eth0 (the NAT link). */
static void
test_icmp_asymmetric(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    guint16          seq;

    for (seq = 1; seq <= 3; seq++) {
        g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, seq));
        g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH0, PKT_OUTGOING, seq));
    }
    g_assert_cmpuint(nmf_flow_table_get_n_flows(table), ==, 1);
    g_assert_cmpuint(nmf_flow_table_get_flow(table, 0)->n_requests, ==, 3);
    g_assert_cmpuint(nmf_flow_table_get_flow(table, 0)->n_replies, ==, 3);
    g_assert_true(nmf_flow_table_get_flow(table, 0)->remote_initiated);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_ASYMMETRIC);
    g_assert_nonnull(strstr(
      text, "icmp " REMOTE " -> " LAN_ADDR ": requests in eth1, replies out eth0  ASYMMETRIC"));
    g_assert_nonnull(strstr(text, "Verdict: ASYMMETRIC"));
}

static void
test_icmp_symmetric(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH1, PKT_OUTGOING, 1));
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_SYMMETRIC);
    g_assert_nonnull(strstr(
      text, "icmp " REMOTE " -> " LAN_ADDR ": requests in eth1, replies out eth1  symmetric"));
    g_assert_nonnull(strstr(text, "Verdict: symmetric"));
}

/* Strict rp_filter drops the requests: nothing answers. */
static void
test_icmp_no_reply(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 2));
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_NO_REPLY);
    g_assert_nonnull(strstr(text, "requests in eth1, no reply  NO REPLY (2/0)"));
    g_assert_nonnull(strstr(text, "Verdict: no reply"));
    g_assert_nonnull(strstr(text, "--check " REMOTE));
}

static void
test_icmp6(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new("fd00:72::29");
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    GByteArray      *frame;
    GByteArray      *l4;

    frame = _sll2(0x86dd, ETH1, PKT_HOST);
    l4    = _icmp_echo(128, 9, 1);
    _ipv6(frame, "fd00:72::29", "fd00:66::236", IPPROTO_ICMPV6, FALSE, l4);
    g_byte_array_unref(l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));

    frame = _sll2(0x86dd, ETH0, PKT_OUTGOING);
    l4    = _icmp_echo(129, 9, 1);
    _ipv6(frame, "fd00:66::236", "fd00:72::29", IPPROTO_ICMPV6, TRUE, l4);
    g_byte_array_unref(l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));

    /* Neighbour solicitation: not an echo, not a flow. */
    frame = _sll2(0x86dd, ETH1, PKT_HOST);
    l4    = _icmp_echo(135, 0, 0);
    _ipv6(frame, "fd00:72::29", "fd00:66::236", IPPROTO_ICMPV6, FALSE, l4);
    g_byte_array_unref(l4);
    g_assert_false(_feed(table, NMF_DLT_LINUX_SLL2, frame));

    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_ASYMMETRIC);
    g_assert_nonnull(strstr(
      text, "icmp6 fd00:72::29 -> fd00:66::236: requests in eth1, replies out eth0  ASYMMETRIC"));
}

static void
test_tcp_remote_initiated(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(
      _l4_4(table, REMOTE, LAN_ADDR, IPPROTO_TCP, _tcp(40000, 22, 0x02), ETH1, PKT_HOST));
    g_assert_true(
      _l4_4(table, LAN_ADDR, REMOTE, IPPROTO_TCP, _tcp(22, 40000, 0x12), ETH0, PKT_OUTGOING));
    g_assert_true(
      _l4_4(table, REMOTE, LAN_ADDR, IPPROTO_TCP, _tcp(40000, 22, 0x10), ETH1, PKT_HOST));
    /* A second connection to the same service joins the flow. */
    g_assert_true(
      _l4_4(table, REMOTE, LAN_ADDR, IPPROTO_TCP, _tcp(40001, 22, 0x02), ETH1, PKT_HOST));
    g_assert_cmpuint(nmf_flow_table_get_n_flows(table), ==, 1);
    g_assert_cmpuint(nmf_flow_table_get_flow(table, 0)->n_requests, ==, 3);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_ASYMMETRIC);
    g_assert_nonnull(strstr(text,
                            "tcp " REMOTE " -> " LAN_ADDR
                            ":22: requests in eth1, replies out eth0  ASYMMETRIC (3/1)"));
}

/* We ask the target (DNS); the answer comes back on another link. */
static void
test_udp_locally_initiated(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(_l4_4(table, LAN_ADDR, REMOTE, IPPROTO_UDP, _udp(54321, 53), ETH0, PKT_OUTGOING));
    g_assert_true(_l4_4(table, REMOTE, LAN_ADDR, IPPROTO_UDP, _udp(53, 54321), ETH1, PKT_HOST));
    g_assert_false(nmf_flow_table_get_flow(table, 0)->remote_initiated);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_ASYMMETRIC);
    g_assert_nonnull(strstr(
      text, "udp " LAN_ADDR " -> " REMOTE ":53: requests out eth0, replies in eth1  ASYMMETRIC"));
}

/* Answered flows decide; a probe nobody answers is listed but does not hide them. */
static void
test_mixed_flows(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH1, PKT_OUTGOING, 1));
    g_assert_true(_l4_4(table, REMOTE, LAN_ADDR, IPPROTO_UDP, _udp(40000, 161), ETH1, PKT_HOST));
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_SYMMETRIC);
    g_assert_nonnull(
      strstr(text, "udp " REMOTE " -> " LAN_ADDR ":161: requests in eth1, no reply"));

    /* ... but one asymmetric flow is the finding. */
    g_assert_true(
      _l4_4(table, REMOTE, LAN_ADDR, IPPROTO_TCP, _tcp(40000, 22, 0x02), ETH1, PKT_HOST));
    g_assert_true(
      _l4_4(table, LAN_ADDR, REMOTE, IPPROTO_TCP, _tcp(22, 40000, 0x12), ETH0, PKT_OUTGOING));
    g_assert_cmpint(nmf_flow_table_verdict(table), ==, NMF_FLOW_ASYMMETRIC);
}

/* Packets not to or from the target, forwarded ones and looped ones are not ours. */
static void
test_ignored(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_false(_ping4(table, "10.72.112.30", LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    /* From the target but leaving: forwarded through this host. */
    g_assert_false(_ping4(table, REMOTE, "192.168.122.1", 8, ETH0, PKT_OUTGOING, 1));
    /* To the target but arriving: someone else's request passing by. */
    g_assert_false(_ping4(table, "192.168.122.5", REMOTE, 8, ETH0, PKT_HOST, 1));
    g_assert_false(_ping4(table, REMOTE, LAN_ADDR, 3 /* unreachable */, ETH1, PKT_HOST, 1));
    g_assert_cmpuint(nmf_flow_table_get_n_flows(table), ==, 0);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_NO_TRAFFIC);
    g_assert_nonnull(strstr(text, "Verdict: no traffic with " REMOTE " in 3 s"));
}

/* Only replies: the requests came before the capture started. */
static void
test_incomplete(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;

    g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH0, PKT_OUTGOING, 1));
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_NO_TRAFFIC);
    g_assert_nonnull(strstr(text, "no request seen, replies out eth0  incomplete"));
}

/* DLT_LINUX_SLL has no ifindex: never claim symmetry. */
static void
test_sll_unknown_iface(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    GByteArray      *frame;
    GByteArray      *l4;

    frame = _sll(0x0800, PKT_HOST);
    l4    = _icmp_echo(8, 1, 1);
    _ipv4(frame, REMOTE, LAN_ADDR, IPPROTO_ICMP, l4);
    g_byte_array_unref(l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL, frame));
    frame = _sll(0x0800, PKT_OUTGOING);
    l4    = _icmp_echo(0, 1, 1);
    _ipv4(frame, LAN_ADDR, REMOTE, IPPROTO_ICMP, l4);
    g_byte_array_unref(l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL, frame));
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_UNKNOWN_IFACE);
    g_assert_nonnull(strstr(text, "requests in ?, replies out ?  interface unknown"));
}

/*****************************************************************************/
/* ICMP errors that quote what this host sent to the peer */

static void
test_icmp_error_parse(void)
{
    GByteArray *inner = _tcp(22, 40000, 0x12);
    GByteArray *frame =
      _icmp_error_frame(AF_INET, LAN_GW, LAN_ADDR, 3, 13, 0, LAN_ADDR, REMOTE, IPPROTO_TCP, inner);
    NmfPacket p;
    guint8    a[4];

    g_assert_true(nmf_packet_parse(NMF_DLT_LINUX_SLL2, frame->data, frame->len, &p));
    g_assert_cmpint(p.ip_proto, ==, IPPROTO_ICMP);
    g_assert_cmpint(p.icmp_type, ==, 3);
    g_assert_true(p.has_quote);
    g_assert_cmpint(p.quote.type, ==, 3);
    g_assert_cmpint(p.quote.code, ==, 13);
    g_assert_cmpint(p.quote.proto, ==, IPPROTO_TCP);
    g_assert_cmpint(p.quote.sport, ==, 22);
    g_assert_cmpint(p.quote.dport, ==, 40000);
    inet_pton(AF_INET, LAN_ADDR, a);
    g_assert_cmpmem(p.quote.src, 4, a, 4);
    inet_pton(AF_INET, REMOTE, a);
    g_assert_cmpmem(p.quote.dst, 4, a, 4);
    inet_pton(AF_INET, LAN_GW, a);
    g_assert_cmpmem(p.src, 4, a, 4);

    /* Every truncation is refused or parsed without its quote, never read past. */
    for (guint len = 0; len < frame->len; len++) {
        guint8 *copy = g_malloc(MAX(len, 1));

        memcpy(copy, frame->data, len);
        if (nmf_packet_parse(NMF_DLT_LINUX_SLL2, copy, len, &p))
            g_assert_false(p.has_quote);
        g_free(copy);
    }
    g_byte_array_unref(frame);
    g_byte_array_unref(inner);
}

/* The replies leave by the right link; a router on the way rejects them. */
static void
test_icmp_error_rejected(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    const NmfFlow   *flow;

    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH1, PKT_OUTGOING, 1));
    g_assert_cmpint(nmf_flow_table_verdict(table), ==, NMF_FLOW_SYMMETRIC);
    g_assert_true(_error4_about_echo(table, LAN_GW, 3, 13, 0));
    g_assert_true(_error4_about_echo(table, LAN_GW, 3, 13, 0));
    flow = nmf_flow_table_get_flow(table, 0);
    g_assert_cmpuint(flow->icmp_errors->len, ==, 1);
    g_assert_cmpuint(nmf_flow_main_icmp_error(flow)->count, ==, 2);
    g_assert_true(nmf_flow_main_icmp_error(flow)->about_replies);
    g_assert_cmpstr(nmf_flow_main_icmp_error(flow)->sender, ==, LAN_GW);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_UNDELIVERED);
    g_assert_nonnull(strstr(
      text,
      "icmp " REMOTE " -> " LAN_ADDR ": requests in eth1, replies out eth1  UNDELIVERED (1/1)\n"
      "    replies: rejected by " LAN_GW " (administratively prohibited) (2 ICMP errors)\n"));
    g_assert_nonnull(strstr(text,
                            "Verdict: undelivered: traffic with " REMOTE
                            " leaves by the link it arrives on, but ICMP errors say it does "
                            "not arrive: rejected by " LAN_GW " (administratively prohibited)."));
}

/* We ask the peer; a router has no route to it: no guess, the cause. */
static void
test_icmp_error_no_route_for_request(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    GByteArray      *inner = _udp(54321, 53);
    GByteArray      *frame;

    g_assert_true(_l4_4(table, LAN_ADDR, REMOTE, IPPROTO_UDP, _udp(54321, 53), ETH1, PKT_OUTGOING));
    frame =
      _icmp_error_frame(AF_INET, LAN_GW, LAN_ADDR, 3, 0, 0, LAN_ADDR, REMOTE, IPPROTO_UDP, inner);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    /* Host unreachable is no route too, from another router. */
    frame = _icmp_error_frame(
      AF_INET, "10.72.112.254", LAN_ADDR, 3, 1, 0, LAN_ADDR, REMOTE, IPPROTO_UDP, inner);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    g_byte_array_unref(inner);
    g_assert_cmpuint(nmf_flow_table_get_flow(table, 0)->icmp_errors->len, ==, 2);
    g_assert_false(nmf_flow_main_icmp_error(nmf_flow_table_get_flow(table, 0))->about_replies);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_NO_REPLY);
    g_assert_nonnull(strstr(
      text, "    requests: no route (network unreachable from " LAN_GW ") (1 ICMP error)\n"));
    g_assert_nonnull(strstr(
      text, "    requests: no route (host unreachable from 10.72.112.254) (1 ICMP error)\n"));
    g_assert_nonnull(strstr(text,
                            "Verdict: no reply: what this host sends to " REMOTE
                            " does not arrive: no route (network unreachable from " LAN_GW ")."));
    g_assert_null(strstr(text, "rp_filter, a firewall"));
}

/* The report's asymmetry, and the libvirt host's firewall rejecting the replies. */
static void
test_icmp_error_asymmetric(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    GByteArray      *inner = _tcp(22, 40000, 0x12);
    GByteArray      *frame;

    g_assert_true(
      _l4_4(table, REMOTE, LAN_ADDR, IPPROTO_TCP, _tcp(40000, 22, 0x02), ETH1, PKT_HOST));
    g_assert_true(
      _l4_4(table, LAN_ADDR, REMOTE, IPPROTO_TCP, _tcp(22, 40000, 0x12), ETH0, PKT_OUTGOING));
    frame =
      _icmp_error_frame(AF_INET, NAT_GW, LAN_ADDR, 3, 3, 0, LAN_ADDR, REMOTE, IPPROTO_TCP, inner);
    frame->data[7] = ETH0; /* it comes back by eth0 */
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    g_byte_array_unref(inner);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_ASYMMETRIC);
    g_assert_nonnull(strstr(text,
                            "replies out eth0  ASYMMETRIC (1/1)\n    replies: rejected by " NAT_GW
                            " (port unreachable) (1 ICMP error)\n"));
    g_assert_nonnull(strstr(
      text, "ICMP errors name where they are lost: rejected by " NAT_GW " (port unreachable)."));
}

/* Errors about other hosts' packets, about packets of no flow, leaving ones and
 * errors that quote the peer's own packets explain nothing here. */
static void
test_icmp_error_ignored(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(REMOTE);
    GByteArray *inner             = _icmp_echo(0, 0x77, 1);
    GByteArray *frame;

    /* No flow yet: the quoted reply was never seen. */
    g_assert_false(_error4_about_echo(table, LAN_GW, 3, 13, 0));
    g_assert_true(_ping4(table, REMOTE, LAN_ADDR, 8, ETH1, PKT_HOST, 1));
    g_assert_true(_ping4(table, LAN_ADDR, REMOTE, 0, ETH1, PKT_OUTGOING, 1));
    /* About a packet to another host. */
    frame = _icmp_error_frame(
      AF_INET, LAN_GW, LAN_ADDR, 3, 13, 0, LAN_ADDR, "10.72.112.30", IPPROTO_ICMP, inner);
    g_assert_false(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    /* About a packet the peer sent (it quotes the peer as source). */
    frame =
      _icmp_error_frame(AF_INET, LAN_GW, REMOTE, 3, 13, 0, REMOTE, REMOTE, IPPROTO_ICMP, inner);
    g_assert_false(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    /* One this host sends (it forwards or answers for someone). */
    frame =
      _icmp_error_frame(AF_INET, LAN_ADDR, LAN_GW, 3, 13, 0, LAN_ADDR, REMOTE, IPPROTO_ICMP, inner);
    frame->data[10] = PKT_OUTGOING;
    g_assert_false(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    /* About an ICMP message that is no echo. */
    g_byte_array_unref(inner);
    inner = _icmp_echo(13 /* timestamp */, 0, 0);
    frame =
      _icmp_error_frame(AF_INET, LAN_GW, LAN_ADDR, 3, 13, 0, LAN_ADDR, REMOTE, IPPROTO_ICMP, inner);
    g_assert_false(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    g_byte_array_unref(inner);
    g_assert_cmpuint(nmf_flow_table_get_flow(table, 0)->icmp_errors->len, ==, 0);
    g_assert_cmpint(nmf_flow_table_verdict(table), ==, NMF_FLOW_SYMMETRIC);
}

static void
test_icmp_error_icmp6(void)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new("fd00:72::29");
    g_autofree char *text         = NULL;
    NmfFlowVerdict   verdict;
    GByteArray      *frame;
    GByteArray      *l4;

    frame = _sll2(0x86dd, ETH1, PKT_HOST);
    l4    = _icmp_echo(128, 9, 1);
    _ipv6(frame, "fd00:72::29", "fd00:66::236", IPPROTO_ICMPV6, FALSE, l4);
    g_byte_array_unref(l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    frame = _sll2(0x86dd, ETH1, PKT_OUTGOING);
    l4    = _icmp_echo(129, 9, 1);
    _ipv6(frame, "fd00:66::236", "fd00:72::29", IPPROTO_ICMPV6, FALSE, l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));

    frame = _icmp_error_frame(AF_INET6,
                              "fd00:66::1",
                              "fd00:66::236",
                              1,
                              0,
                              0,
                              "fd00:66::236",
                              "fd00:72::29",
                              IPPROTO_ICMPV6,
                              l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    frame = _icmp_error_frame(AF_INET6,
                              "fd00:66::1",
                              "fd00:66::236",
                              2,
                              0,
                              1280,
                              "fd00:66::236",
                              "fd00:72::29",
                              IPPROTO_ICMPV6,
                              l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    frame = _icmp_error_frame(AF_INET6,
                              "fd00:66::1",
                              "fd00:66::236",
                              2,
                              0,
                              1280,
                              "fd00:66::236",
                              "fd00:72::29",
                              IPPROTO_ICMPV6,
                              l4);
    g_assert_true(_feed(table, NMF_DLT_LINUX_SLL2, frame));
    g_byte_array_unref(l4);
    text = _render(table, &verdict);
    g_assert_cmpint(verdict, ==, NMF_FLOW_UNDELIVERED);
    g_assert_nonnull(strstr(
      text, "    replies: no route (no route to destination from fd00:66::1) (1 ICMP error)\n"));
    g_assert_nonnull(strstr(
      text, "    replies: too big for the path (fd00:66::1 allows MTU 1280) (2 ICMP errors)\n"));
    /* The cause named is the error seen most often. */
    g_assert_nonnull(
      strstr(text, "does not arrive: too big for the path (fd00:66::1 allows MTU 1280)."));
}

/* Each ICMP type and code names the cause it stands for. */
static void
test_icmp_error_causes(void)
{
    static const struct {
        int          family;
        guint8       type;
        guint8       code;
        NmfIcmpCause cause;
        const char  *name;
        const char  *text;
    } cases[] = {
        { AF_INET,
          3,
          0,
          NMF_ICMP_CAUSE_NO_ROUTE,
          "no-route",
          "no route (network unreachable from R)" },
        { AF_INET,
          3,
          1,
          NMF_ICMP_CAUSE_NO_ROUTE,
          "no-route",
          "no route (host unreachable from R)" },
        { AF_INET, 3, 3, NMF_ICMP_CAUSE_REJECTED, "rejected", "rejected by R (port unreachable)" },
        { AF_INET,
          3,
          10,
          NMF_ICMP_CAUSE_REJECTED,
          "rejected",
          "rejected by R (host administratively prohibited)" },
        { AF_INET,
          3,
          13,
          NMF_ICMP_CAUSE_REJECTED,
          "rejected",
          "rejected by R (administratively prohibited)" },
        { AF_INET,
          3,
          4,
          NMF_ICMP_CAUSE_TOO_BIG,
          "too-big",
          "too big for the path (fragmentation needed from R)" },
        { AF_INET,
          3,
          5,
          NMF_ICMP_CAUSE_UNREACHABLE,
          "unreachable",
          "unreachable (source route failed from R)" },
        { AF_INET,
          11,
          0,
          NMF_ICMP_CAUSE_TTL_EXCEEDED,
          "ttl-exceeded",
          "TTL exceeded at R (TTL exceeded in transit: a routing loop or too many hops)" },
        { AF_INET6,
          1,
          0,
          NMF_ICMP_CAUSE_NO_ROUTE,
          "no-route",
          "no route (no route to destination from R)" },
        { AF_INET6,
          1,
          3,
          NMF_ICMP_CAUSE_NO_ROUTE,
          "no-route",
          "no route (address unreachable from R)" },
        { AF_INET6,
          1,
          1,
          NMF_ICMP_CAUSE_REJECTED,
          "rejected",
          "rejected by R (administratively prohibited)" },
        { AF_INET6,
          1,
          6,
          NMF_ICMP_CAUSE_REJECTED,
          "rejected",
          "rejected by R (reject route to destination)" },
        { AF_INET6,
          3,
          0,
          NMF_ICMP_CAUSE_TTL_EXCEEDED,
          "ttl-exceeded",
          "TTL exceeded at R (hop limit exceeded in transit: a routing loop or too many hops)" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text =
          nmf_icmp_error_describe(cases[i].family, cases[i].type, cases[i].code, 0, "R");

        g_assert_true(nmf_icmp_is_error(cases[i].family, cases[i].type));
        g_assert_cmpint(
          nmf_icmp_error_cause(cases[i].family, cases[i].type, cases[i].code), ==, cases[i].cause);
        g_assert_cmpstr(nmf_icmp_cause_to_string(cases[i].cause), ==, cases[i].name);
        g_assert_cmpstr(text, ==, cases[i].text);
    }
    /* Echo, redirect, router advertisement, neighbour solicitation: no errors. */
    g_assert_false(nmf_icmp_is_error(AF_INET, 0));
    g_assert_false(nmf_icmp_is_error(AF_INET, 5));
    g_assert_false(nmf_icmp_is_error(AF_INET6, 134));
    g_assert_false(nmf_icmp_is_error(AF_INET6, 135));
}

static void
test_bad_target(void)
{
    g_assert_null(nmf_flow_table_new("not-an-address"));
    g_assert_null(nmf_flow_table_new(NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flow/parse/sll2-icmp", test_parse_sll2_icmp);
    g_test_add_func("/flow/parse/sll", test_parse_sll);
    g_test_add_func("/flow/parse/truncated", test_parse_truncated);
    g_test_add_func("/flow/parse/refuses", test_parse_refuses);
    g_test_add_func("/flow/icmp/asymmetric", test_icmp_asymmetric);
    g_test_add_func("/flow/icmp/symmetric", test_icmp_symmetric);
    g_test_add_func("/flow/icmp/no-reply", test_icmp_no_reply);
    g_test_add_func("/flow/icmp6", test_icmp6);
    g_test_add_func("/flow/tcp/remote-initiated", test_tcp_remote_initiated);
    g_test_add_func("/flow/udp/locally-initiated", test_udp_locally_initiated);
    g_test_add_func("/flow/mixed", test_mixed_flows);
    g_test_add_func("/flow/ignored", test_ignored);
    g_test_add_func("/flow/incomplete", test_incomplete);
    g_test_add_func("/flow/sll-unknown-iface", test_sll_unknown_iface);
    g_test_add_func("/flow/bad-target", test_bad_target);
    g_test_add_func("/flow/icmp-error/parse", test_icmp_error_parse);
    g_test_add_func("/flow/icmp-error/rejected", test_icmp_error_rejected);
    g_test_add_func("/flow/icmp-error/no-route-for-request", test_icmp_error_no_route_for_request);
    g_test_add_func("/flow/icmp-error/asymmetric", test_icmp_error_asymmetric);
    g_test_add_func("/flow/icmp-error/ignored", test_icmp_error_ignored);
    g_test_add_func("/flow/icmp-error/icmp6", test_icmp_error_icmp6);
    g_test_add_func("/flow/icmp-error/causes", test_icmp_error_causes);
    return g_test_run();
}
