/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adapter: the only code that talks to NetworkManager (libnm).  nmf-nm.c reads
 * (devices, profiles, applied connections), nmf-nm-write.c writes (profiles, Reapply).
 * Everything else sees plain NmfUplink and NmfProfile structs.  Logs at debug level only.
 */
#ifndef NMF_NM_H
#define NMF_NM_H

#include "model/nmf-uplink.h"

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

/* Reading (nmf-nm.c). */

/* One NmfUplink per activated device (uplink or not), in no particular order, with each
 * device's applied connection (one D-Bus call per device, all at once), which --status
 * shows, a Reapply starts from and a plan compares with.  With @sync_first, one round
 * trip first makes libnm's cache current (a client that has been connected a while). */
GPtrArray *nmf_nm_collect(NmfNm *self, gboolean sync_first, GError **error);

/* mode=policy needs routing rules: NetworkManager and libnm 1.18 or newer. */
gboolean nmf_nm_check_policy_mode(NmfNm *self, GError **error);

/* Every profile carrying our record of the original metrics (NmfProfile). */
GPtrArray *nmf_nm_recorded_profiles(NmfNm *self);

/* The profile with UUID @id_or_uuid, or the only one with that ID. */
NmfProfile *nmf_nm_find_profile(NmfNm *self, const char *id_or_uuid, GError **error);

/* Writing (nmf-nm-write.c). */

/* Reapply each uplink in @reapply with its wanted metric and policy routing, all at
 * once, retrying the ones another client reapplied in between (@reapplied, one outcome
 * per uplink: NMF_APPLY_UNCHANGED when the applied connection already had what we
 * want); and write each uplink's wanted metric and policy routing in @update to its
 * profile, recording the originals first (@updated). One batch: every Reapply is sent
 * before the first profile update, so the kernel follows as early as with the
 * Reapplies alone, and NetworkManager works through the updates while the Reapplies'
 * answers come back instead of after them. */
void nmf_nm_apply_all(NmfNm           *self,
                      GPtrArray       *reapply,
                      NmfApplyOutcome *reapplied,
                      GPtrArray       *update,
                      NmfApplyOutcome *updated);

/* Put the recorded original metrics back into @profile, drop our user data and our
 * policy routing. */
gboolean nmf_nm_restore_profile(NmfNm *self, const NmfProfile *profile, GError **error);

/* Put @text (NULL: none) in NetworkManager's run-time configuration
 * (/run/NetworkManager/conf.d/95-nm-metric-fix.conf, see
 * nmf_plan_route_metric_defaults()) and have NetworkManager reload it, when it differs
 * from what is there.  A file of that name that is not ours is refused, unchanged. */
gboolean nmf_nm_set_route_metric_defaults(NmfNm      *self,
                                          const char *text,
                                          gboolean   *out_changed,
                                          GError    **error);

/* Whether moving a link's default routes back (@move, with its IPv6 routes when
 * @with_ipv6) holds, or NetworkManager would undo it. */
typedef gboolean (*NmfMoveHoldsFunc)(const NmfMetricMove *move, gpointer user_data);

/* Reapply the original metrics on every device @profile is active on; adds the name of
 * each device reapplied to @out_reapplied.  With @move_holds (NetworkManager 1.36 and
 * later, nmf_plan_live_method()), a device whose applied connection and restored profile
 * both leave its metric to NetworkManager is not reapplied (that would restart DHCP): it
 * gets an entry in @out_moves (NmfMetricMove, iface borrowed from @self) with the metric
 * NetworkManager chose for it at activation, for nmf_netlink_move_default_routes() -
 * unless @move_holds says NetworkManager would undo that move: then it is reapplied with
 * that metric. */
gboolean nmf_nm_restore_live(NmfNm            *self,
                             const NmfProfile *profile,
                             NmfMoveHoldsFunc  move_holds,
                             gpointer          move_holds_data,
                             GPtrArray        *out_reapplied,
                             GArray           *out_moves,
                             GError          **error);

/* Set or clear the per-profile opt-out (user data nm-metric-fix.skip=yes); nmcli
 * cannot edit user data. */
gboolean nmf_nm_set_skip(NmfNm *self, const NmfProfile *profile, gboolean skip, GError **error);

G_END_DECLS

#endif /* NMF_NM_H */
