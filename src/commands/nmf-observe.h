/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --observe ADDRESS: watch the traffic with ADDRESS and say which links it takes. */
#ifndef NMF_OBSERVE_H
#define NMF_OBSERVE_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

/* Prints one line per flow and a verdict; NMF_EXIT_ASYMMETRIC unless replies were seen and
 * every answered flow leaves by the link it arrived on.  Needs CAP_NET_RAW. */
gboolean nmf_observe_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_OBSERVE_H */
