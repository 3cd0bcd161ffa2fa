/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --observe: packets to and from one remote address, grouped into
 * flows, and for each flow the links its requests came in on and its replies went
 * out on.  It parses raw captured bytes that the --observe runner hands over.
 */
#ifndef NMF_OBSERVE_FLOW_H
#define NMF_OBSERVE_FLOW_H

#include <glib.h>

#include "decide/nmf-icmp-error.h"

G_BEGIN_DECLS

/* libpcap link-layer types of the Linux "any" device (cooked headers). */
#define NMF_DLT_LINUX_SLL  113 /* 16-byte header: direction, no interface */
#define NMF_DLT_LINUX_SLL2 276 /* 20-byte header: direction and ifindex */

typedef enum {
    NMF_PACKET_IN = 0, /* PACKET_HOST, _BROADCAST, _MULTICAST */
    NMF_PACKET_OUT,    /* PACKET_OUTGOING */
    NMF_PACKET_OTHER,  /* PACKET_OTHERHOST and the like */
} NmfPacketDirection;

typedef struct {
    int                family; /* AF_INET or AF_INET6 */
    guint8             src[16];
    guint8             dst[16];
    guint8             ip_proto; /* IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP */
    guint8             icmp_type;
    guint8             tcp_flags;
    guint16            sport; /* host byte order; 0 for ICMP */
    guint16            dport;
    int                ifindex; /* 0: not known (DLT_LINUX_SLL) */
    NmfPacketDirection direction;
    gboolean           has_quote; /* an ICMP error: @quote holds what it quotes */
    NmfIcmpQuote       quote;
} NmfPacket;

/* Parses the cooked header, IPv4/IPv6 and the ICMP/TCP/UDP header of one captured
 * frame, and for an ICMP error the header of the packet it quotes.  Returns FALSE for
 * anything else (ARP, fragments after the first, truncated frames). */
gboolean nmf_packet_parse(int dlt, const guint8 *data, gsize caplen, NmfPacket *out);

typedef enum {
    NMF_FLOW_SYMMETRIC = 0, /* replies leave by the link the requests arrive on */
    NMF_FLOW_ASYMMETRIC,    /* they leave by another link */
    NMF_FLOW_NO_REPLY,      /* requests, no reply */
    NMF_FLOW_INCOMPLETE,    /* replies only: the requests came before the capture */
    NMF_FLOW_UNKNOWN_IFACE, /* the capture did not tell the interfaces */
    NMF_FLOW_NO_TRAFFIC,    /* overall only: nothing seen */
    NMF_FLOW_UNDELIVERED,   /* symmetric, but ICMP errors say what we sent does not arrive */
    NMF_FLOW_MAX,
} NmfFlowVerdict;

/* ICMP errors from one sender, of one type and code, about one flow. */
typedef struct {
    char     sender[48]; /* the address that sent them (a router, the peer, a firewall) */
    guint8   type;
    guint8   code;
    guint32  mtu;           /* "too big": the MTU it names, else 0 */
    gboolean about_replies; /* they quote our replies, else our requests */
    guint    count;
} NmfFlowIcmpError;

typedef struct {
    int      family;
    guint8   ip_proto;
    char    *client; /* the side that sends the requests */
    char    *server;
    guint16  server_port;      /* 0 for ICMP echo */
    gboolean remote_initiated; /* the client is the observed address */
    guint    n_requests;
    guint    n_replies;
    GArray  *in_ifindexes;  /* int: links packets from the observed address came in on */
    GArray  *out_ifindexes; /* int: links packets to it went out on */
    GArray  *icmp_errors;   /* NmfFlowIcmpError, in the order first seen */
} NmfFlow;

typedef struct _NmfFlowTable NmfFlowTable;

/* NULL when @target is not an IP address. */
NmfFlowTable *nmf_flow_table_new(const char *target);
void          nmf_flow_table_free(NmfFlowTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfFlowTable, nmf_flow_table_free)

/* Accounts one packet; returns FALSE when it is not part of a flow with the target
 * (other hosts, forwarded packets, ICMP other than echo).  An ICMP error that comes in
 * quoting a packet this host sent to the target joins that packet's flow, whoever sent
 * the error. */
gboolean nmf_flow_table_add(NmfFlowTable *table, const NmfPacket *packet);

guint          nmf_flow_table_get_n_flows(NmfFlowTable *table);
const NmfFlow *nmf_flow_table_get_flow(NmfFlowTable *table, guint i);
NmfFlowVerdict nmf_flow_verdict(const NmfFlow *flow);
NmfFlowVerdict nmf_flow_table_verdict(NmfFlowTable *table);

/* The flow's ICMP error seen most often (the first of equals), NULL when none. */
const NmfFlowIcmpError *nmf_flow_main_icmp_error(const NmfFlow *flow);

/* Returns the name of @ifindex (or NULL when unknown); owned by the callee. */
typedef const char *(*NmfIfnameFunc)(int ifindex, gpointer user_data);

/* Appends one line per flow and a verdict line; returns the overall verdict. */
NmfFlowVerdict nmf_flow_table_render(NmfFlowTable *table,
                                     GString      *out,
                                     guint         seconds,
                                     NmfIfnameFunc ifname,
                                     gpointer      user_data);

G_END_DECLS

#endif /* NMF_OBSERVE_FLOW_H */
