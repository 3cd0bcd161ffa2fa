/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Commands --revert, --skip ID and --unskip ID, and the pause file: --revert restores
 * the recorded metrics and pauses the dispatcher hook until the next boot or a manual
 * --fix.
 */
#ifndef NMF_REVERT_H
#define NMF_REVERT_H

#include "nmf-options.h"

G_BEGIN_DECLS

gboolean nmf_revert_run(const NmfOptions *options, NmfExit *out_status, GError **error);
/* --skip or --unskip, whichever was given. */
gboolean nmf_skip_run(const NmfOptions *options, NmfExit *out_status, GError **error);

/* Whether --revert paused the dispatcher hook. */
gboolean nmf_revert_is_paused(void);
gboolean nmf_revert_set_paused(gboolean paused, GError **error);

G_END_DECLS

#endif /* NMF_REVERT_H */
