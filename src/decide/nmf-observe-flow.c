/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of --observe: parse captured frames into flows and judge each flow's links. */
#include "config.h"

#include "decide/nmf-observe-flow.h"

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "model/nmf-common.h"

/* Enough for any interactive diagnosis; a port scan must not eat the memory. */
#define MAX_FLOWS       1024
#define MAX_FLOWS_SHOWN 50
/* Distinct senders and codes kept per flow: a handful explain it. */
#define MAX_ICMP_ERRORS_PER_FLOW 8
#define MAX_ICMP_ERRORS_SHOWN    3

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

#define SLL_HEADER_LEN  16
#define SLL2_HEADER_LEN 20

#define SLL_HOST      0
#define SLL_BROADCAST 1
#define SLL_MULTICAST 2
#define SLL_OUTGOING  4

#define ICMP_ECHO_REPLY    0
#define ICMP_ECHO_REQUEST  8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129

#define TCP_SYN 0x02
#define TCP_ACK 0x10

struct _NmfFlowTable {
    int         family;
    guint8      target[16];
    char       *target_text;
    GPtrArray  *flows;       /* NmfFlow *, in the order first seen */
    GHashTable *index;       /* key string -> NmfFlow * */
    guint       n_untracked; /* packets of flows beyond MAX_FLOWS */
};

static NmfPacketDirection
_direction(guint pkttype)
{
    switch (pkttype) {
    case SLL_HOST:
    case SLL_BROADCAST:
    case SLL_MULTICAST:
        return NMF_PACKET_IN;
    case SLL_OUTGOING:
        return NMF_PACKET_OUT;
    default:
        return NMF_PACKET_OTHER;
    }
}

static gboolean
_parse_transport(const guint8 *p, gsize len, NmfPacket *out)
{
    switch (out->ip_proto) {
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if (len < 8)
            return FALSE;
        out->icmp_type = p[0];
        /* An error quoting what this host sent says why it did not arrive. */
        if ((out->ip_proto == IPPROTO_ICMP) == (out->family == AF_INET)
            && nmf_icmp_is_error(out->family, out->icmp_type))
            out->has_quote = nmf_icmp_error_parse(out->family, p, len, &out->quote);
        return TRUE;
    case IPPROTO_TCP:
        if (len < 14)
            return FALSE;
        out->sport     = nmf_read_be16(p);
        out->dport     = nmf_read_be16(p + 2);
        out->tcp_flags = p[13];
        return TRUE;
    case IPPROTO_UDP:
        if (len < 8)
            return FALSE;
        out->sport = nmf_read_be16(p);
        out->dport = nmf_read_be16(p + 2);
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean
_parse_ipv4(const guint8 *p, gsize len, NmfPacket *out)
{
    gsize ihl;

    if (len < 20 || (p[0] >> 4) != 4)
        return FALSE;
    ihl = (gsize) (p[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl)
        return FALSE;
    if ((nmf_read_be16(p + 6) & 0x1fff) != 0)
        return FALSE; /* not the first fragment: no transport header */
    out->family   = AF_INET;
    out->ip_proto = p[9];
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    return _parse_transport(p + ihl, len - ihl, out);
}

static gboolean
_parse_ipv6(const guint8 *p, gsize len, NmfPacket *out)
{
    gsize  off = 40;
    guint8 next;
    guint  n;

    if (len < 40 || (p[0] >> 4) != 6)
        return FALSE;
    out->family = AF_INET6;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    next = p[6];
    /* Skip the extension headers a ping or a connection may carry. */
    for (n = 0; n < 8; n++) {
        switch (next) {
        case 0:  /* hop-by-hop */
        case 43: /* routing */
        case 60: /* destination options */
            if (len < off + 8)
                return FALSE;
            next = p[off];
            off += ((gsize) p[off + 1] + 1) * 8;
            continue;
        case 44: /* fragment */
            if (len < off + 8 || (nmf_read_be16(p + off + 2) & 0xfff8) != 0)
                return FALSE;
            next = p[off];
            off += 8;
            continue;
        case 51: /* authentication header */
            if (len < off + 8)
                return FALSE;
            next = p[off];
            off += ((gsize) p[off + 1] + 2) * 4;
            continue;
        default:
            break;
        }
        break;
    }
    if (off > len)
        return FALSE;
    out->ip_proto = next;
    return _parse_transport(p + off, len - off, out);
}

gboolean
nmf_packet_parse(int dlt, const guint8 *data, gsize caplen, NmfPacket *out)
{
    guint16 ethertype;
    gsize   hlen;

    memset(out, 0, sizeof(*out));
    switch (dlt) {
    case NMF_DLT_LINUX_SLL2:
        if (caplen < SLL2_HEADER_LEN)
            return FALSE;
        ethertype      = nmf_read_be16(data);
        out->ifindex   = (int) nmf_read_be32(data + 4);
        out->direction = _direction(data[10]);
        hlen           = SLL2_HEADER_LEN;
        break;
    case NMF_DLT_LINUX_SLL:
        if (caplen < SLL_HEADER_LEN)
            return FALSE;
        out->direction = _direction(nmf_read_be16(data));
        ethertype      = nmf_read_be16(data + 14);
        hlen           = SLL_HEADER_LEN;
        break;
    default:
        return FALSE;
    }
    if (ethertype == ETHERTYPE_IPV4)
        return _parse_ipv4(data + hlen, caplen - hlen, out);
    if (ethertype == ETHERTYPE_IPV6)
        return _parse_ipv6(data + hlen, caplen - hlen, out);
    return FALSE;
}

static void
_flow_free(NmfFlow *flow)
{
    g_free(flow->client);
    g_free(flow->server);
    g_array_unref(flow->in_ifindexes);
    g_array_unref(flow->out_ifindexes);
    g_array_unref(flow->icmp_errors);
    g_free(flow);
}

NmfFlowTable *
nmf_flow_table_new(const char *target)
{
    NmfFlowTable *table;
    guint8        buf[16] = { 0 };
    int           family;

    if (!target)
        return NULL;
    if (inet_pton(AF_INET, target, buf) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, target, buf) == 1)
        family = AF_INET6;
    else
        return NULL;

    table         = g_new0(NmfFlowTable, 1);
    table->family = family;
    memcpy(table->target, buf, sizeof(buf));
    table->target_text = g_strdup(target);
    table->flows       = g_ptr_array_new_with_free_func((GDestroyNotify) _flow_free);
    table->index       = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return table;
}

void
nmf_flow_table_free(NmfFlowTable *table)
{
    if (!table)
        return;
    g_free(table->target_text);
    g_hash_table_unref(table->index);
    g_ptr_array_unref(table->flows);
    g_free(table);
}

static char *
_address_to_string(int family, const guint8 *addr)
{
    char buf[INET6_ADDRSTRLEN];

    return g_strdup(inet_ntop(family, addr, buf, sizeof(buf)));
}

static char *
_flow_key(const NmfPacket *p, const guint8 *client, const guint8 *server, guint16 server_port)
{
    g_autofree char *c = _address_to_string(p->family, client);
    g_autofree char *s = _address_to_string(p->family, server);

    return g_strdup_printf("%u %s %s %u", p->ip_proto, c, s, server_port);
}

static NmfFlow *
_flow_get(NmfFlowTable    *table,
          const NmfPacket *p,
          const guint8    *client,
          const guint8    *server,
          guint16          server_port,
          gboolean         create)
{
    g_autofree char *key = _flow_key(p, client, server, server_port);
    NmfFlow         *flow;

    flow = g_hash_table_lookup(table->index, key);
    if (flow || !create)
        return flow;
    if (table->flows->len >= MAX_FLOWS) {
        table->n_untracked++;
        return NULL;
    }
    flow                   = g_new0(NmfFlow, 1);
    flow->family           = p->family;
    flow->ip_proto         = p->ip_proto;
    flow->client           = _address_to_string(p->family, client);
    flow->server           = _address_to_string(p->family, server);
    flow->server_port      = server_port;
    flow->remote_initiated = memcmp(client, table->target, 16) == 0;
    flow->in_ifindexes     = g_array_new(FALSE, FALSE, sizeof(int));
    flow->out_ifindexes    = g_array_new(FALSE, FALSE, sizeof(int));
    flow->icmp_errors      = g_array_new(FALSE, FALSE, sizeof(NmfFlowIcmpError));
    g_ptr_array_add(table->flows, flow);
    g_hash_table_insert(table->index, g_steal_pointer(&key), flow);
    return flow;
}

static void
_add_ifindex(GArray *ifindexes, int ifindex)
{
    guint i;

    for (i = 0; i < ifindexes->len; i++) {
        if (g_array_index(ifindexes, int, i) == ifindex)
            return;
    }
    g_array_append_val(ifindexes, ifindex);
}

static void
_add_icmp_error(NmfFlow *flow, const NmfPacket *p, gboolean about_replies)
{
    const NmfIcmpQuote *q = &p->quote;
    NmfFlowIcmpError    e = {
           .type = q->type, .code = q->code, .mtu = q->mtu, .about_replies = about_replies, .count = 1
    };
    char sender[INET6_ADDRSTRLEN];

    if (!inet_ntop(p->family, p->src, sender, sizeof(sender)))
        return;
    g_strlcpy(e.sender, sender, sizeof(e.sender));
    for (guint i = 0; i < flow->icmp_errors->len; i++) {
        NmfFlowIcmpError *seen = &g_array_index(flow->icmp_errors, NmfFlowIcmpError, i);

        if (seen->type == e.type && seen->code == e.code && seen->mtu == e.mtu
            && seen->about_replies == e.about_replies && strcmp(seen->sender, e.sender) == 0) {
            seen->count++;
            return;
        }
    }
    if (flow->icmp_errors->len < MAX_ICMP_ERRORS_PER_FLOW)
        g_array_append_val(flow->icmp_errors, e);
}

/* An ICMP error that came in about a packet this host sent to the target: the packet
 * is a reply of a flow the target started, or a request of one we started. */
static gboolean
_add_quoting_error(NmfFlowTable *table, const NmfPacket *p)
{
    const NmfIcmpQuote *q     = &p->quote;
    NmfPacket           inner = { .family = p->family, .ip_proto = q->proto };
    NmfFlow            *flow  = NULL;
    gboolean            about_replies;

    if (p->direction != NMF_PACKET_IN || memcmp(q->dst, table->target, 16) != 0
        || memcmp(q->src, table->target, 16) == 0)
        return FALSE;
    switch (q->proto) {
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if ((q->proto == IPPROTO_ICMP) != (p->family == AF_INET))
            return FALSE;
        if (q->icmp_type == ICMP_ECHO_REPLY || q->icmp_type == ICMP6_ECHO_REPLY)
            about_replies = TRUE;
        else if (q->icmp_type == ICMP_ECHO_REQUEST || q->icmp_type == ICMP6_ECHO_REQUEST)
            about_replies = FALSE;
        else
            return FALSE;
        flow = about_replies ? _flow_get(table, &inner, q->dst, q->src, 0, FALSE)
                             : _flow_get(table, &inner, q->src, q->dst, 0, FALSE);
        break;
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        flow          = _flow_get(table, &inner, q->dst, q->src, q->sport, FALSE);
        about_replies = flow != NULL;
        if (!flow)
            flow = _flow_get(table, &inner, q->src, q->dst, q->dport, FALSE);
        break;
    default:
        return FALSE;
    }
    /* Without the packet it quotes there is no flow to explain. */
    if (!flow)
        return FALSE;
    _add_icmp_error(flow, p, about_replies);
    return TRUE;
}

gboolean
nmf_flow_table_add(NmfFlowTable *table, const NmfPacket *p)
{
    gboolean from_target;
    gboolean is_request;
    NmfFlow *flow = NULL;

    if (p->family != table->family)
        return FALSE;
    if (p->has_quote)
        return _add_quoting_error(table, p);
    from_target = memcmp(p->src, table->target, 16) == 0;
    if (from_target == (memcmp(p->dst, table->target, 16) == 0))
        return FALSE; /* neither end, or both ends, is the target */
    /* Packets from the target come in, packets to it go out; anything else is
     * forwarded or looped back and says nothing about this host's answers. */
    if (p->direction != (from_target ? NMF_PACKET_IN : NMF_PACKET_OUT))
        return FALSE;

    switch (p->ip_proto) {
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if (p->icmp_type == ICMP_ECHO_REQUEST || p->icmp_type == ICMP6_ECHO_REQUEST)
            is_request = TRUE;
        else if (p->icmp_type == ICMP_ECHO_REPLY || p->icmp_type == ICMP6_ECHO_REPLY)
            is_request = FALSE;
        else
            return FALSE;
        if ((p->ip_proto == IPPROTO_ICMP) != (p->family == AF_INET))
            return FALSE;
        flow = is_request ? _flow_get(table, p, p->src, p->dst, 0, TRUE)
                          : _flow_get(table, p, p->dst, p->src, 0, TRUE);
        break;
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        if (p->ip_proto == IPPROTO_TCP && (p->tcp_flags & TCP_SYN)) {
            is_request = !(p->tcp_flags & TCP_ACK);
        } else if (_flow_get(table, p, p->src, p->dst, p->dport, FALSE)) {
            is_request = TRUE;
        } else if (_flow_get(table, p, p->dst, p->src, p->sport, FALSE)) {
            is_request = FALSE;
        } else {
            /* Joined mid-conversation: take the lower port for the service. */
            is_request = p->dport <= p->sport;
        }
        flow = is_request ? _flow_get(table, p, p->src, p->dst, p->dport, TRUE)
                          : _flow_get(table, p, p->dst, p->src, p->sport, TRUE);
        break;
    default:
        return FALSE;
    }
    if (!flow)
        return FALSE;

    if (is_request)
        flow->n_requests++;
    else
        flow->n_replies++;
    _add_ifindex(from_target ? flow->in_ifindexes : flow->out_ifindexes, p->ifindex);
    return TRUE;
}

guint
nmf_flow_table_get_n_flows(NmfFlowTable *table)
{
    return table->flows->len;
}

const NmfFlow *
nmf_flow_table_get_flow(NmfFlowTable *table, guint i)
{
    g_return_val_if_fail(i < table->flows->len, NULL);
    return table->flows->pdata[i];
}

static gboolean
_has_unknown(GArray *ifindexes)
{
    guint i;

    for (i = 0; i < ifindexes->len; i++) {
        if (g_array_index(ifindexes, int, i) <= 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
_same_set(GArray *a, GArray *b)
{
    guint i;
    guint j;

    /* Both are duplicate-free, so equal size and a ⊆ b means equal. */
    if (a->len != b->len)
        return FALSE;
    for (i = 0; i < a->len; i++) {
        for (j = 0; j < b->len; j++) {
            if (g_array_index(a, int, i) == g_array_index(b, int, j))
                break;
        }
        if (j == b->len)
            return FALSE;
    }
    return TRUE;
}

NmfFlowVerdict
nmf_flow_verdict(const NmfFlow *flow)
{
    if (flow->n_requests == 0)
        return NMF_FLOW_INCOMPLETE;
    if (flow->n_replies == 0)
        return NMF_FLOW_NO_REPLY;
    if (_has_unknown(flow->in_ifindexes) || _has_unknown(flow->out_ifindexes))
        return NMF_FLOW_UNKNOWN_IFACE;
    if (!_same_set(flow->in_ifindexes, flow->out_ifindexes))
        return NMF_FLOW_ASYMMETRIC;
    return flow->icmp_errors->len > 0 ? NMF_FLOW_UNDELIVERED : NMF_FLOW_SYMMETRIC;
}

const NmfFlowIcmpError *
nmf_flow_main_icmp_error(const NmfFlow *flow)
{
    const NmfFlowIcmpError *best = NULL;

    for (guint i = 0; i < flow->icmp_errors->len; i++) {
        const NmfFlowIcmpError *e = &g_array_index(flow->icmp_errors, NmfFlowIcmpError, i);

        if (!best || e->count > best->count)
            best = e;
    }
    return best;
}

NmfFlowVerdict
nmf_flow_table_verdict(NmfFlowTable *table)
{
    gboolean seen[NMF_FLOW_MAX] = { FALSE };
    guint    i;

    for (i = 0; i < table->flows->len; i++)
        seen[nmf_flow_verdict(table->flows->pdata[i])] = TRUE;
    /* One asymmetric flow is the finding.  Otherwise answered flows decide: a UDP probe
     * nobody answers must not hide that the pings come back the right way. */
    if (seen[NMF_FLOW_ASYMMETRIC])
        return NMF_FLOW_ASYMMETRIC;
    /* Replies that leave the right way but die on the path are the finding next. */
    if (seen[NMF_FLOW_UNDELIVERED])
        return NMF_FLOW_UNDELIVERED;
    if (seen[NMF_FLOW_SYMMETRIC])
        return NMF_FLOW_SYMMETRIC;
    if (seen[NMF_FLOW_NO_REPLY])
        return NMF_FLOW_NO_REPLY;
    if (seen[NMF_FLOW_UNKNOWN_IFACE])
        return NMF_FLOW_UNKNOWN_IFACE;
    return NMF_FLOW_NO_TRAFFIC;
}

static const char *
_proto_name(guint8 ip_proto)
{
    switch (ip_proto) {
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_ICMPV6:
        return "icmp6";
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    default:
        return "?";
    }
}

static char *
_ifaces_to_string(GArray *ifindexes, NmfIfnameFunc ifname, gpointer user_data)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < ifindexes->len; i++) {
        int         ifindex = g_array_index(ifindexes, int, i);
        const char *name    = ifindex > 0 && ifname ? ifname(ifindex, user_data) : NULL;

        if (i > 0)
            g_string_append_c(s, ',');
        if (name)
            g_string_append(s, name);
        else if (ifindex > 0)
            g_string_append_printf(s, "#%d", ifindex);
        else
            g_string_append_c(s, '?');
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static const char *
_verdict_word(NmfFlowVerdict verdict)
{
    switch (verdict) {
    case NMF_FLOW_SYMMETRIC:
        return _("symmetric");
    case NMF_FLOW_ASYMMETRIC:
        return _("ASYMMETRIC");
    case NMF_FLOW_NO_REPLY:
        return _("NO REPLY");
    case NMF_FLOW_INCOMPLETE:
        return _("incomplete");
    case NMF_FLOW_UNKNOWN_IFACE:
        return _("interface unknown");
    case NMF_FLOW_UNDELIVERED:
        return _("UNDELIVERED");
    case NMF_FLOW_NO_TRAFFIC:
    case NMF_FLOW_MAX:
        break;
    }
    return "?";
}

static char *
_describe(const NmfFlow *flow, const NmfFlowIcmpError *e)
{
    return nmf_icmp_error_describe(flow->family, e->type, e->code, e->mtu, e->sender);
}

static void
_render_flow(GString *out, const NmfFlow *flow, NmfIfnameFunc ifname, gpointer user_data)
{
    g_autofree char *in_ifaces  = _ifaces_to_string(flow->in_ifindexes, ifname, user_data);
    g_autofree char *out_ifaces = _ifaces_to_string(flow->out_ifindexes, ifname, user_data);
    g_autofree char *server     = NULL;
    g_autofree char *requests   = NULL;
    g_autofree char *replies    = NULL;
    NmfFlowVerdict   verdict    = nmf_flow_verdict(flow);

    if (flow->server_port == 0)
        server = g_strdup(flow->server);
    else if (flow->family == AF_INET6)
        server = g_strdup_printf("[%s]:%u", flow->server, flow->server_port);
    else
        server = g_strdup_printf("%s:%u", flow->server, flow->server_port);

    /* Requests of a flow the target started come in; those of one we started go out. */
    if (flow->n_requests == 0)
        requests = g_strdup(_("no request seen"));
    else if (flow->remote_initiated)
        requests = g_strdup_printf(_("requests in %s"), in_ifaces);
    else
        requests = g_strdup_printf(_("requests out %s"), out_ifaces);
    if (flow->n_replies == 0)
        replies = g_strdup(_("no reply"));
    else if (flow->remote_initiated)
        replies = g_strdup_printf(_("replies out %s"), out_ifaces);
    else
        replies = g_strdup_printf(_("replies in %s"), in_ifaces);

    g_string_append_printf(out,
                           "  %s %s -> %s: %s, %s  %s (%u/%u)\n",
                           _proto_name(flow->ip_proto),
                           flow->client,
                           server,
                           requests,
                           replies,
                           _verdict_word(verdict),
                           flow->n_requests,
                           flow->n_replies);
    for (guint i = 0; i < flow->icmp_errors->len && i < MAX_ICMP_ERRORS_SHOWN; i++) {
        const NmfFlowIcmpError *e    = &g_array_index(flow->icmp_errors, NmfFlowIcmpError, i);
        g_autofree char        *text = _describe(flow, e);

        g_string_append_printf(out,
                               e->about_replies ? g_dngettext(GETTEXT_PACKAGE,
                                                              "    replies: %s (%u ICMP error)\n",
                                                              "    replies: %s (%u ICMP errors)\n",
                                                              e->count)
                                                : g_dngettext(GETTEXT_PACKAGE,
                                                              "    requests: %s (%u ICMP error)\n",
                                                              "    requests: %s (%u ICMP errors)\n",
                                                              e->count),
                               text,
                               e->count);
    }
    if (flow->icmp_errors->len > MAX_ICMP_ERRORS_SHOWN)
        g_string_append_printf(out,
                               _("    ... and %u more kinds of ICMP error\n"),
                               flow->icmp_errors->len - MAX_ICMP_ERRORS_SHOWN);
}

/* The cause of the first flow with @verdict that has ICMP errors, NULL when none has. */
static char *
_first_cause(NmfFlowTable *table, NmfFlowVerdict verdict)
{
    for (guint i = 0; i < table->flows->len; i++) {
        const NmfFlow          *flow = table->flows->pdata[i];
        const NmfFlowIcmpError *e    = nmf_flow_main_icmp_error(flow);

        if (e && nmf_flow_verdict(flow) == verdict)
            return _describe(flow, e);
    }
    return NULL;
}

NmfFlowVerdict
nmf_flow_table_render(NmfFlowTable *table,
                      GString      *out,
                      guint         seconds,
                      NmfIfnameFunc ifname,
                      gpointer      user_data)
{
    NmfFlowVerdict   verdict = nmf_flow_table_verdict(table);
    const char      *target  = table->target_text;
    g_autofree char *cause   = _first_cause(table, verdict);
    guint            i;

    g_string_append_printf(
      out, _("Traffic with %s in %u s (flow: requests/replies):\n"), target, seconds);
    for (i = 0; i < table->flows->len && i < MAX_FLOWS_SHOWN; i++)
        _render_flow(out, table->flows->pdata[i], ifname, user_data);
    if (table->flows->len > MAX_FLOWS_SHOWN)
        g_string_append_printf(
          out, _("  ... and %u more flows\n"), table->flows->len - MAX_FLOWS_SHOWN);
    if (table->n_untracked > 0)
        g_string_append_printf(
          out, _("  ... and %u packets of further flows, not tracked\n"), table->n_untracked);
    if (table->flows->len == 0)
        g_string_append_printf(out, "  %s\n", _("none"));
    g_string_append_c(out, '\n');

    switch (verdict) {
    case NMF_FLOW_SYMMETRIC:
        g_string_append_printf(out,
                               _("Verdict: symmetric: traffic with %s leaves by the link it "
                                 "arrives on.\n"),
                               target);
        break;
    case NMF_FLOW_ASYMMETRIC:
        g_string_append_printf(out,
                               _("Verdict: ASYMMETRIC: replies to %s leave by a different "
                                 "interface than the requests arrive on. Run 'nm-metric-fix "
                                 "--fix', or set mode=policy in nm-metric-fix.conf when every "
                                 "link must answer.\n"),
                               target);
        if (cause)
            g_string_append_printf(out, _("ICMP errors name where they are lost: %s.\n"), cause);
        break;
    case NMF_FLOW_UNDELIVERED:
        g_string_append_printf(out,
                               _("Verdict: undelivered: traffic with %s leaves by the link it "
                                 "arrives on, but ICMP errors say it does not arrive: %s.\n"),
                               target,
                               cause ? cause : "?");
        break;
    case NMF_FLOW_NO_REPLY:
        if (cause) {
            /* Our requests drew ICMP errors: the cause is known, no need to guess. */
            g_string_append_printf(out,
                                   _("Verdict: no reply: what this host sends to %s does not "
                                     "arrive: %s.\n"),
                                   target,
                                   cause);
            break;
        }
        g_string_append_printf(out,
                               _("Verdict: no reply: requests from %s got no answer at all "
                                 "(rp_filter, a firewall or no route back; try 'nm-metric-fix "
                                 "--check %s').\n"),
                               target,
                               target);
        break;
    case NMF_FLOW_UNKNOWN_IFACE:
        g_string_append_printf(out,
                               "%s\n",
                               _("Verdict: unknown: the capture does not tell the interfaces "
                                 "(libpcap without DLT_LINUX_SLL2)."));
        break;
    case NMF_FLOW_INCOMPLETE:
    case NMF_FLOW_NO_TRAFFIC:
    case NMF_FLOW_MAX:
        g_string_append_printf(out,
                               _("Verdict: no traffic with %s in %u s; ping this host from "
                                 "there while observing.\n"),
                               target,
                               seconds);
        verdict = NMF_FLOW_NO_TRAFFIC;
        break;
    }
    return verdict;
}
