/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command --fix [--dry-run]: carry out the snapshot's plan - reapply the devices, prune
 * our policy-routing tables, update the profiles - or, with --dry-run, print it.
 */
#ifndef NMF_FIX_H
#define NMF_FIX_H

#include "nmf-options.h"

G_BEGIN_DECLS

gboolean nmf_fix_run(const NmfOptions *options, NmfExit *out_status, GError **error);

/* Delete every route in our policy-routing tables that is not in @keep (NmfRouteKey;
 * NULL: keep none, as after --revert), and log each one removed. */
gboolean nmf_fix_prune_policy_tables(GArray *keep, GError **error);

/* Logs a Reapply retried after another client's change (an NmfReapplyRetryFunc). */
void nmf_fix_log_retry(const char *iface, guint64 version_id, guint attempt, gpointer user_data);

G_END_DECLS

#endif /* NMF_FIX_H */
