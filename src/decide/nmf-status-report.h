/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --status: the human-readable status and its verdict, formatted from
 * what the snapshot collected.
 */
#ifndef NMF_STATUS_REPORT_H
#define NMF_STATUS_REPORT_H

#include "decide/nmf-config.h"
#include "decide/nmf-plan.h"
#include "model/nmf-uplink.h"
#include "model/nmf-route.h"
#include "decide/nmf-check-verdict.h"

G_BEGIN_DECLS

typedef enum {
    NMF_VERDICT_OK,          /* the intended uplink owns the IPv4 default route */
    NMF_VERDICT_LEFT_ALONE,  /* nothing to rank: no NAT link competes */
    NMF_VERDICT_WRONG_OWNER, /* another interface (or none) owns it */
    NMF_VERDICT_WRONG_LINK,  /* the kernel sends an address's replies out of another link */
    NMF_VERDICT_ALTERNATING, /* two links share a family's lowest default metric: the kernel
                              * answers one or the other from one lookup to the next */
    NMF_VERDICT_MAX,
} NmfVerdict;

/* The off-link peers whose replies --status asks the kernel about (TEST-NET-2 and the
 * IPv6 documentation prefix: never a real host, routed by the default routes). */
#define NMF_STATUS_PROBE_IPV4 "198.51.100.1"
#define NMF_STATUS_PROBE_IPV6 "2001:db8::1"

/* Whether @verdict is a failure (exit 3): something --fix or the admin can change. */
gboolean nmf_report_verdict_fails(NmfVerdict verdict);

/* The best-ranked uplink with a default gateway of @family: the one that should own
 * that family's default route (NULL when metrics are left alone). */
const char *nmf_report_intended(GPtrArray *uplinks, gboolean managed, int family);

/* What the verdict covers.  In mode=metric with the uplinks ranked, one link owns the
 * default route: the verdict covers the top-ranked uplink and any uplink a prefer rule
 * names.  Another (non-NAT) uplink whose replies leave by another link is then what
 * mode=metric means, not something --fix can change: its rows are no longer counted and
 * are marked warned instead.  In mode=policy, or with the metrics left alone, every row
 * stays as nmf_check_evaluate() left it. */
void nmf_report_scope_replies(GPtrArray *uplinks,
                              gboolean   managed,
                              NmfMode    mode,
                              GPtrArray *replies);

/* The warnings of @replies (rows marked warned), as sentences for the admin (char *),
 * each naming the address, its link, the link its replies leave by and the remedy. */
GPtrArray *nmf_report_warnings(GPtrArray *replies);

/* The first counted row of @replies (NmfCheckRow, evaluated) whose reply would not leave
 * by its own link, or NULL. */
const NmfCheckRow *nmf_report_first_wrong_link(GPtrArray *replies);

/* Appends the table and the verdict line to @out. @uplinks must be ranked and @plan made
 * from them: its wanted metrics fill the WANTED column.  @replies: the kernel's answers
 * (NmfCheckRow, evaluated), or NULL. */
NmfVerdict nmf_report_status(GString       *out,
                             GPtrArray     *uplinks,
                             const NmfPlan *plan,
                             GPtrArray     *routes,
                             GPtrArray     *replies);

/* The verdict nmf_report_status() prints, without the text (for --json/--prometheus).
 * @out_owner: the interface of the winning IPv4 default route in the main table, or NULL;
 * @out_intended: the rank-1 uplink's interface when metrics are managed, else NULL.
 * Both point into @routes/@uplinks. */
NmfVerdict nmf_report_verdict(GPtrArray   *uplinks,
                              gboolean     managed,
                              GPtrArray   *routes,
                              GPtrArray   *replies,
                              const char **out_owner,
                              const char **out_intended);

G_END_DECLS

#endif /* NMF_STATUS_REPORT_H */
