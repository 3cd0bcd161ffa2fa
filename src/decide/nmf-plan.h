/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: the plan - from the ranked uplinks and what NetworkManager has now, what
 * must change: the devices to reapply, the profiles to update, the uplinks left alone
 * and why, and the policy routes to keep in our tables (the rest is pruned).  --fix
 * carries it out, --fix --dry-run prints it, --status shows its WANTED column.
 */
#ifndef NMF_PLAN_H
#define NMF_PLAN_H

#include "decide/nmf-config.h"
#include "model/nmf-uplink.h"

G_BEGIN_DECLS

/* How the wanted metrics reach the running system (the profiles carry them for the
 * next activation either way). */
typedef enum {
    NMF_LIVE_REAPPLY = 0, /* Reapply the applied connection with the new metric */
    NMF_LIVE_ROUTES,      /* move NetworkManager's default routes in the kernel */
    NMF_LIVE_ROUTES_DHCP, /* the same for links with a DHCP lease, Reapply the others */
    NMF_LIVE_MAX,
} NmfLiveMethod;

/* From 1.36 NetworkManager restarts DHCP at every Reapply that changes an ipv4 or ipv6
 * setting: 1.36-1.41 delete the link's address and default route until the new lease is
 * bound, and on 1.42.4 and 1.54.4 an IPv4-only link's client stopped renewing afterwards
 * in the lab.  There, mode=metric moves the default routes in the kernel and gives
 * NetworkManager the metrics as connection defaults, which it reads when it registers a
 * lease or a router advertisement (nmf_plan_route_metric_defaults()).
 *
 * 1.36-1.41 leave a route of theirs that someone removed alone until then
 * (NMF_LIVE_ROUTES: nm-l3cfg.c _obj_states_sync_filter() skips an object no longer in the
 * kernel).  From 1.42 NetworkManager re-adds every route of the link's configuration at
 * each commit of it, with the metric it registered the lease with, until the next lease
 * (NMF_LIVE_ROUTES_DHCP).  So there a link is moved only when that re-added route cannot
 * win: it has a DHCP lease (a static link is reapplied; no DHCP to restart), and it is not
 * a link whose metric goes up while it takes router advertisements - each advertisement
 * commits the link (from 1.48 in the lab every one did), and its old, lower metric would
 * come back beside the better link's moved route.  Such a link is reapplied; with router
 * advertisements on the link its DHCP client kept renewing after a Reapply in every lab
 * run (nmf_plan_link_takes_moves(), nmf_plan_move_comes_back()).  mode=policy (routing rules) needs
 * a Reapply everywhere.
 * @nm_version is NetworkManager's version text ("1.40.16"), NULL when unknown. */
NmfLiveMethod nmf_plan_live_method(const char *nm_version, NmfMode mode);

typedef struct {
    NmfLiveMethod live;
    gboolean      managed;    /* the ranking manages metrics (a NAT link competes) */
    GPtrArray    *ranked;     /* NmfUplink *, borrowed: rank order */
    GPtrArray    *left_alone; /* NmfUplink *, borrowed: skip data, a rule, a hand-set metric */
    GPtrArray    *reapply;    /* NmfUplink *, borrowed: the device must get the wanted metric
                               * (reapplied, or its routes moved: see live) */
    GPtrArray *update;        /* NmfUplink *, borrowed: the profile must get it */
    GArray    *keep_routes;   /* NmfRouteKey: the routes of ours to keep; others in our tables go */
    /* Filled when the plan is carried out, one per entry of reapply and update. */
    NmfApplyOutcome *reapplied;
    NmfApplyOutcome *updated;
} NmfPlan;

/* @uplinks must be ranked (nmf_rank()) with @managed its result.  Profiles are updated
 * only when @config persists.  With NMF_LIVE_ROUTES the uplinks' kernel metrics, not the
 * applied connections, decide what must move. */
NmfPlan *nmf_plan_new(const NmfConfig *config,
                      GPtrArray       *uplinks,
                      gboolean         managed,
                      NmfLiveMethod    live);
void     nmf_plan_free(NmfPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfPlan, nmf_plan_free)

/* Whether NetworkManager would undo a move of a link's default routes from @lowest_now (the
 * lowest metric of its default routes in the kernel) to @target: with @live
 * NMF_LIVE_ROUTES_DHCP, when the link takes router advertisements (@takes_ra: the kernel
 * holds an RA default route of it and its profile lets NetworkManager run IPv6) and the
 * metric goes up.  --fix and --revert reapply such a link.  Not a profile's ipv6.method
 * auto alone: on a network without IPv6 (libvirt's default) no RA ever commits the link,
 * and there a Reapply's DHCP restart left the client without renewals on 1.42.4 in the
 * lab; a link whose first RA comes after the fix gets its Reapply at the next run. */
gboolean nmf_plan_move_comes_back(NmfLiveMethod live,
                                  gboolean      takes_ra,
                                  gint64        lowest_now,
                                  gint64        target);

/* Whether @live moves @uplink's routes rather than reapplying it, from what the link is
 * (a DHCP lease, router advertisements) and where its metric goes (its kernel metrics
 * against its wanted one); the applied connection aside. */
gboolean nmf_plan_link_takes_moves(NmfLiveMethod live, const NmfUplink *uplink);

/* Whether --fix moves @uplink's default routes in the kernel instead of reapplying it:
 * with NMF_LIVE_ROUTES, where the applied connection leaves the metrics to
 * NetworkManager's defaults (which a connection default in NetworkManager's
 * configuration can then set; an explicit metric in the applied connection can only
 * change with a Reapply). */
gboolean nmf_plan_moves_routes(const NmfPlan *plan, const NmfUplink *uplink);

/* The first line of the NetworkManager configuration file --fix writes with
 * NMF_LIVE_ROUTES; a file there without it is not ours. */
#define NMF_PLAN_DEFAULTS_HEADER \
    "# Written by nm-metric-fix --fix; removed by nm-metric-fix --revert."

/* That file's text: a [connection-*] section per uplink whose routes --fix moves,
 * giving NetworkManager the ranked metric for the link's next lease; NULL when no
 * uplink needs one. */
char *nmf_plan_route_metric_defaults(const NmfPlan *plan);

/* Nothing to reapply and no profile to update. */
gboolean nmf_plan_is_empty(const NmfPlan *plan);

/* The metric the plan wants for @uplink, or NMF_METRIC_AUTO when it leaves it alone. */
gint64 nmf_plan_wanted_metric(const NmfPlan *plan, const NmfUplink *uplink);

/* Whether the profile or the applied connection differ from what the ranking wants. */
gboolean nmf_uplink_profile_needs_update(const NmfUplink *uplink);
gboolean nmf_uplink_applied_needs_update(const NmfUplink *uplink);

/* The log lines of the plan, appended to @lines (char *).  A dry run and a real run
 * print the same lines, a dry run with "would " in front; a real run prints a reapply
 * only once it was done (see the outcomes).
 *   decisions: who is left alone and why, and the ranking (or why there is none);
 *   reapply:   one line per device reapplied;
 *   updates:   one or two lines per profile updated. */
void nmf_plan_describe_decisions(const NmfPlan *plan, GPtrArray *lines);
void nmf_plan_describe_reapply(const NmfPlan *plan, gboolean dry_run, GPtrArray *lines);
void nmf_plan_describe_updates(const NmfPlan *plan, gboolean dry_run, GPtrArray *lines);

/* The run's closing line: "no changes needed", or what was (or would be) done. */
char *nmf_plan_summary(const NmfPlan *plan, gboolean dry_run);

/* --revert: what to write back into @profile (restore4/restore6, keeps_admin4/6).  The
 * recorded original comes back only where the profile still holds the metric we wrote;
 * a value the admin set after us stays.  Records without the written metric (older
 * releases) restore the originals. */
void nmf_plan_revert_profile(NmfProfile *profile);

G_END_DECLS

#endif /* NMF_PLAN_H */
