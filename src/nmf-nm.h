/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only module that talks to NetworkManager (libnm). Everything else sees
 * plain NmfUplink structs.
 */
#ifndef NMF_NM_H
#define NMF_NM_H

#include "nmf-policy.h"

G_BEGIN_DECLS

typedef struct _NmfNm NmfNm;

/* Fails with NMF_ERROR_NM_NOT_RUNNING when the daemon (or the bus) is not there. */
NmfNm      *nmf_nm_new(guint timeout_ms, GError **error);
void        nmf_nm_free(NmfNm *self);
const char *nmf_nm_get_daemon_version(NmfNm *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfNm, nmf_nm_free)

/* One NmfUplink per activated device (uplink or not), in no particular order. */
GPtrArray *nmf_nm_collect(NmfNm *self, GError **error);

/* Write each uplink's wanted metric (ipv4, and ipv6 when has_ipv6) and policy routing
 * to its profile, recording the originals first. All profiles at once. */
gboolean nmf_nm_update_profiles(NmfNm *self, GPtrArray *uplinks, GError **error);

/* Reapply each uplink's wanted metric and policy routing to its device, all at once,
 * retrying the ones another client reapplied in between. Sets uplink->reapplied
 * (FALSE when the applied connection already had what we want). On failure the
 * others are still done; the error is the first one, or NMF_ERROR_NM_NOT_RUNNING
 * when NetworkManager went away. */
gboolean nmf_nm_reapply_all(NmfNm *self, GPtrArray *uplinks, GError **error);

/* mode=policy needs routing rules: NetworkManager and libnm 1.18 or newer. */
gboolean nmf_nm_check_policy_mode(NmfNm *self, GError **error);

/* Restore the original metrics recorded in every profile's user data (profile and
 * live) and remove the records. */
gboolean nmf_nm_revert(NmfNm *self, gboolean dry_run, GError **error);

/* Set or clear the per-profile opt-out (user data nm-metric-fix.skip=yes); nmcli
 * cannot edit user data. */
gboolean nmf_nm_set_skip(NmfNm *self, const char *id_or_uuid, gboolean skip, GError **error);

G_END_DECLS

#endif /* NMF_NM_H */
