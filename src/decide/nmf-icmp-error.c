/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: parse an ICMP/ICMPv6 error and the packet it quotes, and name its cause. */
#include "config.h"

#include "decide/nmf-icmp-error.h"

#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "model/nmf-common.h"

#define ICMP_DEST_UNREACH    3
#define ICMP_TIME_EXCEEDED   11
#define ICMP_FRAG_NEEDED     4
#define ICMP6_DEST_UNREACH   1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3

#define ICMP_ERROR_HEADER_LEN 8 /* type, code, checksum, 4 bytes unused or MTU */
#define QUOTED_TRANSPORT_LEN  8 /* the most RFC 792 promises of the quoted payload */

gboolean
nmf_icmp_is_error(int family, guint8 type)
{
    if (family == AF_INET)
        return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED;
    return type == ICMP6_DEST_UNREACH || type == ICMP6_PACKET_TOO_BIG
           || type == ICMP6_TIME_EXCEEDED;
}

static gboolean
_parse_quoted_transport(const guint8 *p, gsize len, NmfIcmpQuote *out)
{
    if (len < QUOTED_TRANSPORT_LEN)
        return FALSE;
    switch (out->proto) {
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        out->icmp_type = p[0];
        return TRUE;
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        out->sport = nmf_read_be16(p);
        out->dport = nmf_read_be16(p + 2);
        return TRUE;
    default:
        return FALSE;
    }
}

gboolean
nmf_icmp_error_parse(int family, const guint8 *icmp, gsize len, NmfIcmpQuote *out)
{
    const guint8 *q;
    gsize         qlen;
    gsize         ihl;

    memset(out, 0, sizeof(*out));
    if (len < ICMP_ERROR_HEADER_LEN || !nmf_icmp_is_error(family, icmp[0]))
        return FALSE;
    out->type = icmp[0];
    out->code = icmp[1];
    q         = icmp + ICMP_ERROR_HEADER_LEN;
    qlen      = len - ICMP_ERROR_HEADER_LEN;
    if (family == AF_INET) {
        if (out->type == ICMP_DEST_UNREACH && out->code == ICMP_FRAG_NEEDED)
            out->mtu = nmf_read_be16(icmp + 6);
        if (qlen < 20 || (q[0] >> 4) != 4)
            return FALSE;
        ihl = (gsize) (q[0] & 0x0f) * 4;
        if (ihl < 20 || qlen < ihl || (nmf_read_be16(q + 6) & 0x1fff) != 0)
            return FALSE; /* a later fragment quotes no transport header */
        out->proto = q[9];
        memcpy(out->src, q + 12, 4);
        memcpy(out->dst, q + 16, 4);
        return _parse_quoted_transport(q + ihl, qlen - ihl, out);
    }
    if (out->type == ICMP6_PACKET_TOO_BIG)
        out->mtu = nmf_read_be32(icmp + 4);
    /* Our own packets carry no extension headers: only a plain IPv6 header is matched. */
    if (qlen < 40 || (q[0] >> 4) != 6)
        return FALSE;
    out->proto = q[6];
    memcpy(out->src, q + 8, 16);
    memcpy(out->dst, q + 24, 16);
    return _parse_quoted_transport(q + 40, qlen - 40, out);
}

NmfIcmpCause
nmf_icmp_error_cause(int family, guint8 type, guint8 code)
{
    if (family == AF_INET) {
        if (type == ICMP_TIME_EXCEEDED)
            return NMF_ICMP_CAUSE_TTL_EXCEEDED;
        switch (code) {
        case 0:  /* network unreachable */
        case 1:  /* host unreachable */
        case 6:  /* destination network unknown */
        case 7:  /* destination host unknown */
        case 11: /* network unreachable for TOS */
        case 12: /* host unreachable for TOS */
            return NMF_ICMP_CAUSE_NO_ROUTE;
        case 2:  /* protocol unreachable */
        case 3:  /* port unreachable */
        case 9:  /* network administratively prohibited */
        case 10: /* host administratively prohibited */
        case 13: /* communication administratively prohibited (a filter) */
        case 14: /* host precedence violation */
        case 15: /* precedence cutoff */
            return NMF_ICMP_CAUSE_REJECTED;
        case ICMP_FRAG_NEEDED:
            return NMF_ICMP_CAUSE_TOO_BIG;
        default: /* 5 source route failed, 8 source host isolated */
            return NMF_ICMP_CAUSE_UNREACHABLE;
        }
    }
    if (type == ICMP6_TIME_EXCEEDED)
        return NMF_ICMP_CAUSE_TTL_EXCEEDED;
    if (type == ICMP6_PACKET_TOO_BIG)
        return NMF_ICMP_CAUSE_TOO_BIG;
    switch (code) {
    case 0: /* no route to destination */
    case 3: /* address unreachable */
        return NMF_ICMP_CAUSE_NO_ROUTE;
    case 1: /* administratively prohibited */
    case 4: /* port unreachable */
    case 5: /* source address failed ingress/egress policy */
    case 6: /* reject route to destination */
        return NMF_ICMP_CAUSE_REJECTED;
    default: /* 2 beyond scope of source address */
        return NMF_ICMP_CAUSE_UNREACHABLE;
    }
}

const char *
nmf_icmp_cause_to_string(NmfIcmpCause cause)
{
    static const char *const names[NMF_ICMP_CAUSE_MAX] = {
        [NMF_ICMP_CAUSE_NO_ROUTE] = "no-route",         [NMF_ICMP_CAUSE_REJECTED] = "rejected",
        [NMF_ICMP_CAUSE_TTL_EXCEEDED] = "ttl-exceeded", [NMF_ICMP_CAUSE_TOO_BIG] = "too-big",
        [NMF_ICMP_CAUSE_UNREACHABLE] = "unreachable",
    };

    return cause < NMF_ICMP_CAUSE_MAX ? names[cause] : "unreachable";
}

/* What the code says, in the words of the RFCs. */
static const char *
_detail(int family, guint8 type, guint8 code)
{
    if (family == AF_INET && type == ICMP_TIME_EXCEEDED)
        return code == 1 ? _("fragment reassembly time exceeded") : _("TTL exceeded in transit");
    if (family == AF_INET) {
        switch (code) {
        case 0:
            return _("network unreachable");
        case 1:
            return _("host unreachable");
        case 2:
            return _("protocol unreachable");
        case 3:
            return _("port unreachable");
        case 4:
            return _("fragmentation needed");
        case 5:
            return _("source route failed");
        case 6:
            return _("destination network unknown");
        case 7:
            return _("destination host unknown");
        case 8:
            return _("source host isolated");
        case 9:
            return _("network administratively prohibited");
        case 10:
            return _("host administratively prohibited");
        case 11:
            return _("network unreachable for TOS");
        case 12:
            return _("host unreachable for TOS");
        case 13:
            return _("administratively prohibited");
        case 14:
            return _("host precedence violation");
        case 15:
            return _("precedence cutoff in effect");
        default:
            return _("destination unreachable");
        }
    }
    if (type == ICMP6_TIME_EXCEEDED)
        return code == 1 ? _("fragment reassembly time exceeded")
                         : _("hop limit exceeded in transit");
    if (type == ICMP6_PACKET_TOO_BIG)
        return _("packet too big");
    switch (code) {
    case 0:
        return _("no route to destination");
    case 1:
        return _("administratively prohibited");
    case 2:
        return _("beyond scope of source address");
    case 3:
        return _("address unreachable");
    case 4:
        return _("port unreachable");
    case 5:
        return _("source address failed ingress/egress policy");
    case 6:
        return _("reject route to destination");
    default:
        return _("destination unreachable");
    }
}

char *
nmf_icmp_error_describe(int family, guint8 type, guint8 code, guint32 mtu, const char *sender)
{
    const char *detail = _detail(family, type, code);

    switch (nmf_icmp_error_cause(family, type, code)) {
    case NMF_ICMP_CAUSE_NO_ROUTE:
        /* TRANSLATORS: "no route (host unreachable from 10.66.61.254)" */
        return g_strdup_printf(_("no route (%s from %s)"), detail, sender);
    case NMF_ICMP_CAUSE_REJECTED:
        /* TRANSLATORS: "rejected by 10.66.61.254 (administratively prohibited)" */
        return g_strdup_printf(_("rejected by %s (%s)"), sender, detail);
    case NMF_ICMP_CAUSE_TTL_EXCEEDED:
        /* TRANSLATORS: "TTL exceeded at 10.66.61.254 (TTL exceeded in transit: a routing loop or
         * too many hops)" */
        return g_strdup_printf(
          _("TTL exceeded at %s (%s: a routing loop or too many hops)"), sender, detail);
    case NMF_ICMP_CAUSE_TOO_BIG:
        if (mtu > 0)
            return g_strdup_printf(_("too big for the path (%s allows MTU %u)"), sender, mtu);
        return g_strdup_printf(_("too big for the path (%s from %s)"), detail, sender);
    case NMF_ICMP_CAUSE_UNREACHABLE:
    case NMF_ICMP_CAUSE_MAX:
        break;
    }
    return g_strdup_printf(_("unreachable (%s from %s)"), detail, sender);
}
