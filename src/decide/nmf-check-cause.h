/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --check: which interface owns the default route, with which metric,
 * where that metric came from (NetworkManager's activation-order default, the
 * profile, a configuration default, nm-metric-fix itself), and what --fix would
 * change.  It reads the snapshot's uplinks, kernel routes and plan.
 */
#ifndef NMF_CHECK_CAUSE_H
#define NMF_CHECK_CAUSE_H

#include <glib.h>

#include "decide/nmf-plan.h"

G_BEGIN_DECLS

typedef enum {
    NMF_METRIC_FROM_ACTIVATION_ORDER =
      0,                            /* profile -1: NM's per-type default, in activation order */
    NMF_METRIC_FROM_CONFIG_DEFAULT, /* profile -1, but not NM's per-type default:
                                       NetworkManager.conf */
    NMF_METRIC_FROM_PROFILE,        /* the profile sets it */
    NMF_METRIC_FROM_NM_METRIC_FIX,  /* the profile carries the metric nm-metric-fix wrote */
    NMF_METRIC_FROM_OUTSIDE_NM,     /* no NetworkManager uplink owns the route */
    NMF_METRIC_FROM_MAX,
} NmfMetricSource;

const char *nmf_metric_source_to_string(NmfMetricSource source); /* "activation-order", ... */

/* One change --fix would make to a default-route metric. */
typedef struct {
    char  *iface;
    gint64 from; /* the kernel's metric now, -1 when the link has no default route */
    gint64 to;
} NmfMetricChange;

typedef struct {
    int             family;
    char           *owner; /* interface of the winning default route, NULL when there is none */
    guint32         metric;
    NmfMetricSource source;
    char           *connection_id; /* the owner's profile, NULL outside NetworkManager */
    char           *klass;         /* the owner's class ("lan", "nat", ...), NULL when unknown */
    char           *later;         /* the auto-metric uplink NetworkManager activated after it */
    guint32         later_metric;
    char           *intended; /* the best-ranked uplink, NULL when nothing is ranked */
    gboolean        managed;  /* the plan ranks the uplinks */
    GArray         *changes;  /* NmfMetricChange: what --fix would change */
} NmfCheckCause;

/* @routes: NmfRoute (the kernel's default routes), @uplinks: ranked NmfUplink, @plan: their
 * plan (may be NULL).  Never NULL. */
NmfCheckCause *nmf_check_cause_new(int            family,
                                   GPtrArray     *routes,
                                   GPtrArray     *uplinks,
                                   const NmfPlan *plan);
void           nmf_check_cause_free(NmfCheckCause *cause);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfCheckCause, nmf_check_cause_free)

/* NetworkManager's default route metric for a device type (its D-Bus type description,
 * e.g. "ethernet"), or -1 when unknown. */
gint64 nmf_check_nm_type_default_metric(const char *device_type);

/* Appends "Why: ..." and the "--fix would ..." line. */
void nmf_check_cause_render(GString *out, const NmfCheckCause *cause);

G_END_DECLS

#endif /* NMF_CHECK_CAUSE_H */
