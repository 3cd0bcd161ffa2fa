/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter: the only code that talks to NetworkManager (libnm).  nmf-nm.c reads
 * (devices, profiles, applied connections), nmf-nm-write.c writes (profiles, Reapply).
 * Everything else sees plain NmfUplink and NmfProfile structs.  Logs at debug level only.
 */
#ifndef NMF_NM_H
#define NMF_NM_H

#include "nmf-uplink.h"

G_BEGIN_DECLS

/* Long enough for a busy daemon at boot, short enough that a dead bus never hangs the
 * dispatcher hand-off for long. */
#define NMF_NM_TIMEOUT_MS 20000

typedef struct _NmfNm NmfNm;

/* Fails with NMF_ERROR_NM_NOT_RUNNING when the daemon (or the bus) is not there. */
NmfNm      *nmf_nm_new(guint timeout_ms, GError **error);
void        nmf_nm_free(NmfNm *self);
const char *nmf_nm_get_daemon_version(NmfNm *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfNm, nmf_nm_free)

/* Told when a Reapply is retried because another client reapplied the device in
 * between (its version id moved); @attempt counts from 2. */
typedef void (*NmfReapplyRetryFunc)(const char *iface,
                                    guint64     version_id,
                                    guint       attempt,
                                    gpointer    user_data);
void nmf_nm_set_retry_func(NmfNm *self, NmfReapplyRetryFunc func, gpointer user_data);

/* Reading (nmf-nm.c). */

/* One NmfUplink per activated device (uplink or not), in no particular order. With
 * @with_applied, also each device's applied connection (one D-Bus call per device, all
 * at once), which --status shows and a Reapply starts from; ranking does not need it. */
GPtrArray *nmf_nm_collect(NmfNm *self, gboolean with_applied, GError **error);

/* mode=policy needs routing rules: NetworkManager and libnm 1.18 or newer. */
gboolean nmf_nm_check_policy_mode(NmfNm *self, GError **error);

/* Every profile carrying our record of the original metrics (NmfProfile). */
GPtrArray *nmf_nm_recorded_profiles(NmfNm *self);

/* The profile with UUID @id_or_uuid, or the only one with that ID. */
NmfProfile *nmf_nm_find_profile(NmfNm *self, const char *id_or_uuid, GError **error);

/* Writing (nmf-nm-write.c). */

/* Write each uplink's wanted metric (ipv4, and ipv6 when has_ipv6) and policy routing
 * to its profile, recording the originals first. All profiles at once; @outcomes (one
 * per uplink) say what happened to each. */
void nmf_nm_update_profiles(NmfNm *self, GPtrArray *uplinks, NmfApplyOutcome *outcomes);

/* Reapply each uplink's wanted metric and policy routing to its device, all at once,
 * retrying the ones another client reapplied in between.  @outcomes (one per uplink):
 * NMF_APPLY_UNCHANGED when the applied connection already had what we want. */
void nmf_nm_reapply_all(NmfNm *self, GPtrArray *uplinks, NmfApplyOutcome *outcomes);
/* nmf_nm_reapply_all(@reapply) and nmf_nm_update_profiles(@update) in one batch: every
 * Reapply is sent before the first profile update, so the kernel follows as early as
 * with the Reapplies alone, and NetworkManager works through the updates while the
 * Reapplies' answers come back instead of after them. */
void nmf_nm_apply_all(NmfNm           *self,
                      GPtrArray       *reapply,
                      NmfApplyOutcome *reapplied,
                      GPtrArray       *update,
                      NmfApplyOutcome *updated);

/* Put the recorded original metrics back into @profile, drop our user data and our
 * policy routing. */
gboolean nmf_nm_restore_profile(NmfNm *self, const NmfProfile *profile, GError **error);

/* Reapply the original metrics on every device @profile is active on; adds the name of
 * each device reapplied to @out_reapplied. */
gboolean nmf_nm_restore_live(NmfNm            *self,
                             const NmfProfile *profile,
                             GPtrArray        *out_reapplied,
                             GError          **error);

/* Set or clear the per-profile opt-out (user data nm-metric-fix.skip=yes); nmcli
 * cannot edit user data. */
gboolean nmf_nm_set_skip(NmfNm *self, const NmfProfile *profile, gboolean skip, GError **error);

G_END_DECLS

#endif /* NMF_NM_H */
