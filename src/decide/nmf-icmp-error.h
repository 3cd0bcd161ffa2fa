/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --observe: an ICMP or ICMPv6 error (destination unreachable, time
 * exceeded, packet too big), the header of the packet it quotes, and the cause it
 * names ("no route", "rejected by HOST").  nmf-observe-flow.c matches the quoted
 * packet to a flow.
 */
#ifndef NMF_ICMP_ERROR_H
#define NMF_ICMP_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    NMF_ICMP_CAUSE_NO_ROUTE = 0, /* network/host unreachable, unknown, no route */
    NMF_ICMP_CAUSE_REJECTED,     /* port/protocol unreachable, administratively prohibited */
    NMF_ICMP_CAUSE_TTL_EXCEEDED, /* time exceeded: a routing loop or too many hops */
    NMF_ICMP_CAUSE_TOO_BIG,      /* fragmentation needed, packet too big */
    NMF_ICMP_CAUSE_UNREACHABLE,  /* any other destination unreachable */
    NMF_ICMP_CAUSE_MAX,
} NmfIcmpCause;

/* An ICMP error and the start of the packet it quotes. */
typedef struct {
    guint8  type;
    guint8  code;
    guint32 mtu;     /* NMF_ICMP_CAUSE_TOO_BIG: the next hop's MTU; 0 when not given */
    guint8  proto;   /* of the quoted packet: IPPROTO_ICMP(V6), _TCP, _UDP */
    guint8  src[16]; /* quoted source and destination, of the error's family */
    guint8  dst[16];
    guint8  icmp_type; /* quoted ICMP echo: its type */
    guint16 sport;     /* quoted TCP/UDP: ports in host byte order */
    guint16 dport;
} NmfIcmpQuote;

/* Whether @type of ICMP (@family AF_INET) or ICMPv6 (AF_INET6) is an error this
 * module names. */
gboolean nmf_icmp_is_error(int family, guint8 type);

/* Parses the ICMP or ICMPv6 error @icmp (@len bytes from its type field) and the
 * packet it quotes, which must hold its transport header's first 8 bytes (RFC 792
 * and 4443 guarantee them).  FALSE for other messages and truncated quotes. */
gboolean nmf_icmp_error_parse(int family, const guint8 *icmp, gsize len, NmfIcmpQuote *out);

NmfIcmpCause nmf_icmp_error_cause(int family, guint8 type, guint8 code);

/* For JSON: "no-route", "rejected", "ttl-exceeded", "too-big", "unreachable". */
const char *nmf_icmp_cause_to_string(NmfIcmpCause cause);

/* For people, translated: "rejected by 10.66.61.254 (administratively prohibited)",
 * "no route (host unreachable from 10.66.61.254)". */
char *nmf_icmp_error_describe(int         family,
                              guint8      type,
                              guint8      code,
                              guint32     mtu,
                              const char *sender);

G_END_DECLS

#endif /* NMF_ICMP_ERROR_H */
