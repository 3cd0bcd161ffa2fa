/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --status: the human-readable status and its verdict, formatted from
 * what the snapshot collected.
 */
#ifndef NMF_STATUS_REPORT_H
#define NMF_STATUS_REPORT_H

#include "nmf-config.h"
#include "nmf-plan.h"
#include "nmf-uplink.h"
#include "nmf-route.h"

G_BEGIN_DECLS

typedef enum {
    NMF_VERDICT_OK,          /* the intended uplink owns the IPv4 default route */
    NMF_VERDICT_LEFT_ALONE,  /* nothing to rank: no NAT link competes */
    NMF_VERDICT_WRONG_OWNER, /* another interface (or none) owns it */
} NmfVerdict;

/* Appends the table and the verdict line to @out. @uplinks must be ranked and @plan made
 * from them: its wanted metrics fill the WANTED column. */
NmfVerdict nmf_report_status(GString       *out,
                             GPtrArray     *uplinks,
                             const NmfPlan *plan,
                             GPtrArray     *routes);

/* The verdict nmf_report_status() prints, without the text (for --json/--prometheus).
 * @out_owner: the interface of the winning IPv4 default route in the main table, or NULL;
 * @out_intended: the rank-1 uplink's interface when metrics are managed, else NULL.
 * Both point into @routes/@uplinks. */
NmfVerdict nmf_report_verdict(GPtrArray   *uplinks,
                              gboolean     managed,
                              GPtrArray   *routes,
                              const char **out_owner,
                              const char **out_intended);

G_END_DECLS

#endif /* NMF_STATUS_REPORT_H */
