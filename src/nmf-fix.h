/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NMF_FIX_H
#define NMF_FIX_H

#include "nmf-nm.h"
#include "nmf-policy.h"

G_BEGIN_DECLS

/* Rank the active uplinks and make profiles and devices match. With @dry_run
 * it logs the same decisions and changes nothing. */
gboolean nmf_fix_run(NmfNm *nm, const NmfPolicy *policy, gboolean dry_run, GError **error);

/* Delete every route left in our policy-routing tables (after --revert). */
gboolean nmf_fix_prune_policy_tables(GError **error);

/* Collect and rank without changing anything (for --status). */
GPtrArray *nmf_fix_collect_ranked(NmfNm           *nm,
                                  const NmfPolicy *policy,
                                  gboolean        *out_managed,
                                  GError         **error);

G_END_DECLS

#endif /* NMF_FIX_H */
