/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The full helper's side of the dispatcher fast path: after a successful --fix, store
 * the digest of the kernel state (nmf-digest.c) once the kernel confirms the result.
 */
#ifndef NMF_VERIFIED_H
#define NMF_VERIFIED_H

#include "nmf-config.h"
#include "nmf-nm.h"

G_BEGIN_DECLS

/* Call at the end of a successful (not dry) --fix. Reads a new snapshot and stores the digest
 * of the kernel state in NMF_RUNDIR when the kernel gives the rank-1 uplink the IPv4
 * default route (or nothing needs ranking) and the state did not move meanwhile;
 * otherwise removes the stored digest, so that the next dispatcher event runs the
 * full helper. Logs what it did; never fails the run. */
void nmf_verified_record(NmfNm *nm, const NmfConfig *config, const char *config_path);

G_END_DECLS

#endif /* NMF_VERIFIED_H */
