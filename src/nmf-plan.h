/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: the plan - from the ranked uplinks and what NetworkManager has now, what
 * must change: the devices to reapply, the profiles to update, the uplinks left alone
 * and why, and the policy routes to keep in our tables (the rest is pruned).  --fix
 * carries it out, --fix --dry-run prints it, --status shows its WANTED column.
 */
#ifndef NMF_PLAN_H
#define NMF_PLAN_H

#include "nmf-config.h"
#include "nmf-uplink.h"

G_BEGIN_DECLS

typedef struct {
    gboolean   managed;     /* the ranking manages metrics (a NAT link competes) */
    GPtrArray *ranked;      /* NmfUplink *, borrowed: rank order */
    GPtrArray *left_alone;  /* NmfUplink *, borrowed: skip data, a rule, a hand-set metric */
    GPtrArray *reapply;     /* NmfUplink *, borrowed: the device must get the wanted metric */
    GPtrArray *update;      /* NmfUplink *, borrowed: the profile must get it */
    GArray    *keep_routes; /* NmfRouteKey: the routes of ours to keep; others in our tables go */
    /* Filled when the plan is carried out, one per entry of reapply and update. */
    NmfApplyOutcome *reapplied;
    NmfApplyOutcome *updated;
} NmfPlan;

/* @uplinks must be ranked (nmf_rank()) with @managed its result.  Profiles are updated
 * only when @config persists. */
NmfPlan *nmf_plan_new(const NmfConfig *config, GPtrArray *uplinks, gboolean managed);
void     nmf_plan_free(NmfPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfPlan, nmf_plan_free)

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
