/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step for the captures of single interfaces: a frame as the Linux "any"
 * device gives it with libpcap >= 1.10 (LINUX_SLL2, with the interface index and
 * the direction), made from a frame of one interface's capture, which carries
 * neither (Ethernet or bare IP).  nmf-capture.c uses it where libpcap's "any"
 * device names no interface (libpcap 1.9, RHEL 8) and for nm-metric-fix-trace.
 */
#ifndef NMF_FRAME_H
#define NMF_FRAME_H

#include <glib.h>

G_BEGIN_DECLS

#define NMF_FRAME_DLT_EN10MB      1   /* Ethernet: veth, bridges, macvlan/macvtap, NICs */
#define NMF_FRAME_DLT_RAW         12  /* bare IP: tun, WireGuard */
#define NMF_FRAME_DLT_LINUX_SLL2  276 /* the "any" device's cooked header, version 2 */
#define NMF_FRAME_SLL2_HEADER_LEN 20
#define NMF_FRAME_SLL2_HOST       0 /* packet type: to this host */
#define NMF_FRAME_SLL2_OTHERHOST  3 /* to another host (forwarded, bridged) */
#define NMF_FRAME_SLL2_OUTGOING   4 /* sent by this host */

/* Writes into @out (@out_size bytes) the LINUX_SLL2 form of @frame (@caplen bytes of link
 * type @dlt, NMF_FRAME_DLT_EN10MB with up to two VLAN tags, or NMF_FRAME_DLT_RAW) seen on
 * @ifindex with @pkttype; returns the length written, 0 when the frame is no IPv4/IPv6
 * packet, is truncated, or does not fit. */
gsize nmf_frame_to_sll2(int           dlt,
                        const guint8 *frame,
                        gsize         caplen,
                        int           ifindex,
                        guint8        pkttype,
                        guint8       *out,
                        gsize         out_size);

G_END_DECLS

#endif /* NMF_FRAME_H */
