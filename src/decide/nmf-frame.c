/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: rewrite one interface's captured frame as the LINUX_SLL2 frame of the "any" device. */
#include "config.h"

#include "decide/nmf-frame.h"

#include <string.h>

#include "model/nmf-common.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_HEADER_LEN 14
#define VLAN_TAG_LEN   4
#define ARPHRD_ETHER   1
#define ARPHRD_NONE    0xfffe

gsize
nmf_frame_to_sll2(int           dlt,
                  const guint8 *frame,
                  gsize         caplen,
                  int           ifindex,
                  guint8        pkttype,
                  guint8       *out,
                  gsize         out_size)
{
    guint16 ethertype;
    guint16 hatype;
    gsize   hlen;
    gsize   len;

    switch (dlt) {
    case NMF_FRAME_DLT_EN10MB:
        if (caplen < ETH_HEADER_LEN)
            return 0;
        ethertype = nmf_read_be16(frame + 12);
        hlen      = ETH_HEADER_LEN;
        for (guint tags = 0;
             tags < 2 && (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ);
             tags++) {
            if (caplen < hlen + VLAN_TAG_LEN)
                return 0;
            ethertype = nmf_read_be16(frame + hlen + 2);
            hlen += VLAN_TAG_LEN;
        }
        hatype = ARPHRD_ETHER;
        break;
    case NMF_FRAME_DLT_RAW:
        if (caplen < 1)
            return 0;
        ethertype = (frame[0] >> 4) == 6   ? ETHERTYPE_IPV6
                    : (frame[0] >> 4) == 4 ? ETHERTYPE_IPV4
                                           : 0;
        hlen      = 0;
        hatype    = ARPHRD_NONE;
        break;
    default:
        return 0;
    }
    if (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6)
        return 0;
    len = NMF_FRAME_SLL2_HEADER_LEN + (caplen - hlen);
    if (len > out_size || ifindex < 0)
        return 0;

    memset(out, 0, NMF_FRAME_SLL2_HEADER_LEN);
    out[0]  = (guint8) (ethertype >> 8);
    out[1]  = (guint8) ethertype;
    out[4]  = (guint8) ((guint32) ifindex >> 24);
    out[5]  = (guint8) ((guint32) ifindex >> 16);
    out[6]  = (guint8) ((guint32) ifindex >> 8);
    out[7]  = (guint8) ifindex;
    out[8]  = (guint8) (hatype >> 8);
    out[9]  = (guint8) hatype;
    out[10] = pkttype;
    if (dlt == NMF_FRAME_DLT_EN10MB) {
        /* The source MAC, as the "any" device gives it. */
        out[11] = 6;
        memcpy(out + 12, frame + 6, 6);
    }
    memcpy(out + NMF_FRAME_SLL2_HEADER_LEN, frame + hlen, caplen - hlen);
    return len;
}
