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

/* Whether --revert paused the dispatcher hook (FALSE when the state directory is
 * absent or unsafe: the hook refuses it anyway). */
gboolean nmf_revert_is_paused(void);
/* Ends the pause (a manual --fix); the state directory gets the hook's checks. */
gboolean nmf_revert_resume(GError **error);

G_END_DECLS

#endif /* NMF_REVERT_H */
