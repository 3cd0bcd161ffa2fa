/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --observe: the only module that talks to libpcap.  It captures on the "any"
 * device and hands the frames to nmf-flow.c, which does the analysis.
 */
#ifndef NMF_CAPTURE_H
#define NMF_CAPTURE_H

#include <glib.h>

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

G_END_DECLS

#endif /* NMF_CAPTURE_H */
