/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Commands --revert, --skip ID and --unskip ID: --revert restores the recorded metrics
 * and pauses the dispatcher hook (nmf-statedir.h) until the next boot or a manual --fix.
 */
#ifndef NMF_REVERT_H
#define NMF_REVERT_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

gboolean nmf_revert_run(const NmfOptions *options, NmfExit *out_status, GError **error);
/* --skip or --unskip, whichever was given. */
gboolean nmf_skip_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_REVERT_H */
