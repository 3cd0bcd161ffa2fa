/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshot: the configuration, NetworkManager's uplinks and the kernel's default
 * routes, read once and ranked, with the plan that follows from them.  --fix, --status
 * and --check start from it.
 */
#ifndef NMF_SNAPSHOT_H
#define NMF_SNAPSHOT_H

#include "decide/nmf-config.h"
#include "adapters/nmf-nm.h"
#include "decide/nmf-plan.h"

G_BEGIN_DECLS

typedef struct {
    const NmfConfig *config;  /* borrowed */
    GPtrArray       *uplinks; /* NmfUplink, ranked, best first */
    gboolean         managed;
    GPtrArray       *routes; /* NmfRoute: the kernel's default routes; NULL unless asked for */
    NmfPlan         *plan;
} NmfSnapshot;

/* Read @path (NULL: the default file, which may be absent: built-in defaults; a file
 * named by the user must exist), if it may be trusted (nmf_config_file_trusted(); a
 * @read_only run by another user may read its own file).  NMF_ERROR_CONFIG, naming the
 * file and the reason, on any problem. */
NmfConfig *nmf_snapshot_load_config(const char *path, gboolean read_only, GError **error);

typedef enum {
    NMF_SNAPSHOT_DEFAULT     = 0,
    NMF_SNAPSHOT_WITH_ROUTES = 1 << 0, /* the kernel's default routes too */
    /* Again, after a snapshot in the same run: libnm's cache made current first, and the
     * gateways' neighbour entries as they are (not resolved again). */
    NMF_SNAPSHOT_RECHECK = 1 << 1,
} NmfSnapshotFlags;

/* The kernel's default routes (NMF_SNAPSHOT_WITH_ROUTES), then the uplinks from @nm,
 * ranked and planned. */
NmfSnapshot *nmf_snapshot_read(NmfNm           *nm,
                               const NmfConfig *config,
                               NmfSnapshotFlags flags,
                               GError         **error);
void         nmf_snapshot_free(NmfSnapshot *snapshot);

/* The kernel's answers for every local address of @family: which link a reply to @target
 * leaves by, and whether a request from @target arriving on the address's link passes
 * reverse-path filtering.  NmfCheckRow (nmf-check-verdict.h), not yet evaluated; rows on
 * the links named in @nat_ifaces are marked NAT.  Shared by --check and --status. */
GPtrArray *nmf_snapshot_reply_rows(int         family,
                                   const char *target,
                                   GPtrArray  *nat_ifaces,
                                   GError    **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfSnapshot, nmf_snapshot_free)

G_END_DECLS

#endif /* NMF_SNAPSHOT_H */
