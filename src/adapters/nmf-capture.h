/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter: the only code that talks to libpcap.  It captures the ICMP, TCP and UDP
 * traffic with one address on the "any" device, or on each interface where
 * libpcap's "any" device names no interface (libpcap < 1.10, RHEL 8), or on the
 * devices nm-metric-fix-trace names, and hands each frame over raw.
 */
#ifndef NMF_CAPTURE_H
#define NMF_CAPTURE_H

#include <glib.h>

G_BEGIN_DECLS

/* One captured frame of link-layer type @dlt (DLT_LINUX_SLL or DLT_LINUX_SLL2).  Frames of
 * single-interface captures come as DLT_LINUX_SLL2, with their interface and direction. */
typedef void (*NmfCaptureFunc)(int dlt, const guint8 *frame, gsize caplen, gpointer user_data);

/* Capture traffic with @address (of @family) for @seconds, calling @func for each
 * frame.  Needs CAP_NET_RAW (NMF_ERROR_PERMISSION otherwise). */
gboolean nmf_capture_run(int            family,
                         const char    *address,
                         guint          seconds,
                         NmfCaptureFunc func,
                         gpointer       user_data,
                         GError       **error);

/* The same on each of the @n_devices @devices at once (NULL entries are skipped).
 * @out_opened (n_devices entries, may be NULL) tells which could be captured on: a
 * device that is down or gone is logged and skipped. */
gboolean nmf_capture_devices(int                family,
                             const char        *address,
                             const char *const *devices,
                             guint              n_devices,
                             guint              seconds,
                             NmfCaptureFunc     func,
                             gpointer           user_data,
                             gboolean          *out_opened,
                             GError           **error);

G_END_DECLS

#endif /* NMF_CAPTURE_H */
