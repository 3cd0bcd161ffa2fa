/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full helper's side of the dispatcher fast path: after a successful --fix, store
 * the digest of the kernel state (nmf-digest.c) once the kernel confirms the result.
 */
#ifndef NMF_VERIFIED_H
#define NMF_VERIFIED_H

#include "decide/nmf-config.h"
#include "adapters/nmf-nm.h"
#include "commands/nmf-snapshot.h"

G_BEGIN_DECLS

typedef enum {
    NMF_VERIFIED_STORED,
    NMF_VERIFIED_NOT_STORED,
    NMF_VERIFIED_PLAN_AGAIN, /* the state is not the one @decided planned for */
} NmfVerified;

/* Call at the end of a successful (not dry) --fix whose plan came from @decided. Reads a
 * new snapshot and stores the digest of the kernel state in NMF_RUNDIR when ranking reads
 * there what it read in @decided (nmf_rank_inputs_difference()), nothing is left to
 * change, the kernel gives the rank-1 uplink the IPv4 default route (or nothing needs
 * ranking) and the state did not move meanwhile.  Otherwise it removes the stored
 * digest, so that the next dispatcher event runs the full helper, and returns
 * NMF_VERIFIED_PLAN_AGAIN if @may_plan_again when other devices are activated than in
 * @decided, or when something is still left to change after MOVING_MS with the same
 * facts.  Other facts (a gateway gone while a Reapply restarts DHCP) are waited for, and
 * never planned from.  Logs what it did; never fails the run. */
NmfVerified nmf_verified_record(NmfNm             *nm,
                                const NmfConfig   *config,
                                const char        *config_path,
                                const NmfSnapshot *decided,
                                gboolean           may_plan_again);

G_END_DECLS

#endif /* NMF_VERIFIED_H */
