/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command --fix [--dry-run]: carry out the snapshot's plan - reapply the devices, prune
 * our policy-routing tables, update the profiles - or, with --dry-run, print it.
 */
#ifndef NMF_FIX_H
#define NMF_FIX_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

gboolean nmf_fix_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_FIX_H */
