/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: policy routing (mode=policy).  Each ranked uplink gets table BASE+rank
 * with its own default route and subnets, and a rule of priority BASE+rank per
 * address, so replies leave by the link they belong to.  Anything of ours is
 * recognised by these ranges.
 */
#ifndef NMF_POLICY_ROUTING_H
#define NMF_POLICY_ROUTING_H

#include "model/nmf-route.h"
#include "model/nmf-uplink.h"

G_BEGIN_DECLS

#define NMF_POLICY_TABLE_BASE    30500u
#define NMF_POLICY_PRIORITY_BASE 30500u
#define NMF_POLICY_RANGE         100u

gboolean nmf_policy_owns_table(guint32 table);
gboolean nmf_policy_owns_priority(guint32 priority);

/* Fill @uplink's policy_table, wanted_routes, wanted_rules and wanted_policy for @rank. */
void nmf_policy_routing_plan(NmfUplink *uplink, guint rank);

/* The routes the ranked uplinks want in our tables, as NmfRouteKey (iface borrowed). */
GArray *nmf_policy_wanted_route_keys(GPtrArray *uplinks);

/* Canonical text of a set of our routes and rules, to compare what is with what should be. */
char *nmf_policy_signature(GArray *routes, GArray *rules);

G_END_DECLS

#endif /* NMF_POLICY_ROUTING_H */
