/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --observe and nm-metric-fix-trace: the only module that talks to libpcap.  It
 * captures on the "any" device, or on each interface where libpcap's "any" device
 * names no interface (libpcap < 1.10, RHEL 8), and hands the frames to nmf-flow.c
 * and nmf-trace.c, which do the analysis.
 */
#ifndef NMF_CAPTURE_H
#define NMF_CAPTURE_H

#include <glib.h>

#include "nmf-flow.h"

G_BEGIN_DECLS

#define NMF_CAPTURE_DEFAULT_SECONDS 5
#define NMF_CAPTURE_MAX_SECONDS     3600

/* Watch ICMP echo, TCP and UDP traffic with @address for @seconds (0: the default) and
 * append one line per flow and a verdict to @out; @out_symmetric is TRUE only when
 * replies were seen and every answered flow leaves by the link it arrived on.  Needs
 * CAP_NET_RAW (NMF_ERROR_PERMISSION otherwise).  An @address that is not an IP address
 * is an NMF_ERROR_CONFIG error. */
gboolean nmf_capture_observe(const char *address,
                             guint       seconds,
                             GString    *out,
                             gboolean   *out_symmetric,
                             GError    **error);

/* Called for each parsed packet seen on @devices[@device_index]. */
typedef void (*NmfCaptureFunc)(guint device_index, const NmfPacket *packet, gpointer user_data);

/* Captures on each of the @n_devices @devices at once (NULL entries are skipped) for
 * @seconds the IP packets from and to @peer.  @out_opened (n_devices entries, may be
 * NULL) tells which devices could be captured on: a device that is down or gone is
 * logged and skipped; a capture needing privileges is NMF_ERROR_PERMISSION. */
gboolean nmf_capture_devices(const char        *peer,
                             const char *const *devices,
                             guint              n_devices,
                             guint              seconds,
                             NmfCaptureFunc     func,
                             gpointer           user_data,
                             gboolean          *out_opened,
                             GError           **error);

G_END_DECLS

#endif /* NMF_CAPTURE_H */
