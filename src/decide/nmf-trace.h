/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-metric-fix-trace: the hops between a KVM host's uplink and a domain's
 * network interfaces, the packets from and to the peer seen on each, where a
 * direction is lost and why.  Pure module: the command fills it with what
 * nmf-virt.c, nmf-netlink.c, nmf-capture.c and /proc report.
 */
#ifndef NMF_TRACE_H
#define NMF_TRACE_H

#include <glib.h>

#include "decide/nmf-counters.h"
#include "decide/nmf-observe-flow.h"
#include "decide/nmf-virt-xml.h"

G_BEGIN_DECLS

#define NMF_TRACE_DEFAULT_SECONDS 5
#define NMF_TRACE_MAX_SECONDS     3600

typedef enum {
    NMF_HOP_UPLINK = 0, /* the host's link toward the peer (kernel route lookup) */
    NMF_HOP_BRIDGE,     /* a virtual network's bridge or a host bridge */
    NMF_HOP_BACKEND,    /* the domain's tap device (<target dev>) */
    NMF_HOP_LOWER,      /* the device a macvtap sits on (<source dev>) */
    NMF_HOP_MACVTAP,    /* the macvtap device itself (<target dev>) */
    NMF_HOP_ROLE_MAX,
} NmfHopRole;

typedef struct {
    char    *device;
    guint    roles;   /* 1 << NmfHopRole for each role: the uplink is often a lower device too */
    char    *detail;  /* what it belongs to: "network default (nat)", a guest MAC */
    gboolean present; /* the device exists in this network namespace: it is captured */
    guint    from_peer;
    guint    to_peer;
} NmfHop;

typedef struct {
    char    *label;      /* the guest interface: "network default (nat) 52:54:00:00:00:10" */
    GArray  *hops;       /* guint indexes into NmfTrace.hops, the peer's side first */
    gboolean no_way_out; /* routed by the host, which has no route toward the peer */
} NmfTracePath;

typedef struct {
    char      *domain;
    char      *peer;
    int        family;
    guint8     peer_bytes[16];
    char      *uplink; /* NULL when the host has no route toward the peer */
    GPtrArray *hops;   /* NmfHop *, each device once */
    GPtrArray *paths;  /* NmfTracePath *, one per guest interface with host devices */
    GPtrArray *notes;  /* char *: guest interfaces with nothing on the host to watch */
} NmfTrace;

/* NULL when @peer is not an IP address.  @ifaces are NmfVirtIface, resolved with their
 * networks.  Every hop starts as not present. */
NmfTrace *nmf_trace_new(const char *domain,
                        const char *peer,
                        const char *uplink,
                        GPtrArray  *ifaces);
void      nmf_trace_free(NmfTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfTrace, nmf_trace_free)

/* Counts @packet on hop @hop when it is from or to the peer; returns whether it was. */
gboolean nmf_trace_count(NmfTrace *trace, guint hop, const NmfPacket *packet);

const char *nmf_hop_role_to_string(NmfHopRole role); /* "uplink", "bridge", ... (JSON) */
NmfHopRole  nmf_hop_primary_role(const NmfHop *hop);

typedef enum {
    NMF_TRACE_PASSED = 0, /* seen on every hop of a path, to its end */
    NMF_TRACE_LOST,       /* seen on some hops, not to the end of any path */
    NMF_TRACE_NOT_SEEN,   /* seen on no hop */
    NMF_TRACE_RESULT_MAX,
} NmfTraceResult;

const char *nmf_trace_result_to_string(NmfTraceResult result); /* "passed", "lost", "not-seen" */

typedef struct {
    NmfTraceResult result;
    int            lost_after; /* hop index: the last device that saw it (LOST); else -1 */
    int            path;       /* the path it passed by, or went furthest on; -1 if none */
} NmfTraceDirection;

/* Follows packets from the peer from each path's first hop toward the domain, and packets
 * to the peer from each path's last hop toward the host's side.  Hops that are not
 * present are skipped: a path then ends at its last device in this namespace. */
void nmf_trace_decide(const NmfTrace *trace, gboolean to_peer, NmfTraceDirection *out);

typedef struct {
    int ip_forward;          /* net.ipv4.ip_forward (IPv6: all.forwarding), -1 unknown */
    int rp_filter_from_peer; /* effective rp_filter of from_peer's lost_after device, or -1 */
    int rp_filter_to_peer;   /* same for to_peer */
} NmfHostSettings;

/* Sentences naming the likely cause of each loss (translated), most specific first. */
GPtrArray *nmf_trace_causes(const NmfTrace          *trace,
                            const NmfTraceDirection *from_peer,
                            const NmfTraceDirection *to_peer,
                            GHashTable              *delta,
                            const NmfHostSettings   *settings);

/* Appends the hop table, one line per direction, the counters that rose and the causes;
 * returns TRUE when both directions pass every hop. */
gboolean nmf_trace_render(GString    *out,
                          NmfTrace   *trace,
                          guint       seconds,
                          GHashTable *delta,
                          GPtrArray  *causes);

/* Commands that follow PEER's packets through the kernel further than captures can (drop
 * reasons from eBPF), for the tools that are installed; "" when none is. */
char *nmf_trace_follow_hint(const char *peer, gboolean have_retis, gboolean have_pwru);

G_END_DECLS

#endif /* NMF_TRACE_H */
