/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter: the only code that talks to libpcap.  It captures the ICMP, TCP and UDP
 * traffic with one address on the "any" device and hands each frame over raw.
 */
#ifndef NMF_CAPTURE_H
#define NMF_CAPTURE_H

#include <glib.h>

G_BEGIN_DECLS

/* One captured frame of link-layer type @dlt (DLT_LINUX_SLL or DLT_LINUX_SLL2). */
typedef void (*NmfCaptureFunc)(int dlt, const guint8 *frame, gsize caplen, gpointer user_data);

/* Capture traffic with @address (of @family) for @seconds, calling @func for each
 * frame.  Needs CAP_NET_RAW (NMF_ERROR_PERMISSION otherwise). */
gboolean nmf_capture_run(int            family,
                         const char    *address,
                         guint          seconds,
                         NmfCaptureFunc func,
                         gpointer       user_data,
                         GError       **error);

G_END_DECLS

#endif /* NMF_CAPTURE_H */
