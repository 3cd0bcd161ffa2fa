/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure export: --check --json and --observe --json (json-glib), as described by
 * data/check-schema.json and data/observe-schema.json.
 */
#ifndef NMF_DIAGNOSE_EXPORT_H
#define NMF_DIAGNOSE_EXPORT_H

#include <glib.h>

#include "decide/nmf-check-cause.h"
#include "decide/nmf-check-verdict.h"
#include "decide/nmf-observe-flow.h"

G_BEGIN_DECLS

#define NMF_CHECK_JSON_SCHEMA_VERSION   1
#define NMF_OBSERVE_JSON_SCHEMA_VERSION 1

/* @rows: evaluated NmfCheckRow; @cause may be NULL (NetworkManager not reachable). */
char *nmf_check_json(const char          *target,
                     GPtrArray           *rows,
                     gboolean             all_ok,
                     const NmfCheckCause *cause);

/* @delta: the drop counters that rose over the window (may be NULL). */
char *nmf_observe_json(const char   *peer,
                       NmfFlowTable *table,
                       guint         seconds,
                       NmfIfnameFunc ifname,
                       gpointer      user_data,
                       GHashTable   *delta);

const char *nmf_check_verdict_to_string(NmfCheckVerdict verdict); /* "symmetric", ... */
const char *nmf_flow_verdict_to_string(NmfFlowVerdict verdict);   /* "symmetric", ... */

G_END_DECLS

#endif /* NMF_DIAGNOSE_EXPORT_H */
