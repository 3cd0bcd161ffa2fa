/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure export: nm-metric-fix-trace's result as JSON (schema: data/trace-schema.json). */
#include "config.h"

#include "decide/nmf-trace-export.h"

#include "decide/nmf-json.h"

#include <json-glib/json-glib.h>

static void
_add_device_or_null(JsonBuilder *b, const char *member, const NmfTrace *trace, int hop)
{
    json_builder_set_member_name(b, member);
    if (hop >= 0)
        json_builder_add_string_value(b, ((NmfHop *) trace->hops->pdata[hop])->device);
    else
        json_builder_add_null_value(b);
}

static void
_add_hop(JsonBuilder *b, const NmfHop *hop)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "device");
    json_builder_add_string_value(b, hop->device);
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, nmf_hop_role_to_string(nmf_hop_primary_role(hop)));
    json_builder_set_member_name(b, "roles");
    json_builder_begin_array(b);
    for (int r = 0; r < NMF_HOP_ROLE_MAX; r++) {
        if (hop->roles & (1u << r))
            json_builder_add_string_value(b, nmf_hop_role_to_string(r));
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "belongs_to");
    if (hop->detail)
        json_builder_add_string_value(b, hop->detail);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "present");
    json_builder_add_boolean_value(b, hop->present);
    json_builder_set_member_name(b, "from_peer");
    if (hop->present)
        json_builder_add_int_value(b, hop->from_peer);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "to_peer");
    if (hop->present)
        json_builder_add_int_value(b, hop->to_peer);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
}

char *
nmf_trace_json(NmfTrace *trace, guint seconds, GHashTable *delta, GPtrArray *causes)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    NmfTraceDirection from_peer;
    NmfTraceDirection to_peer;
    const char       *verdict;

    nmf_trace_decide(trace, FALSE, &from_peer);
    nmf_trace_decide(trace, TRUE, &to_peer);
    if (from_peer.result == NMF_TRACE_PASSED && to_peer.result == NMF_TRACE_PASSED)
        verdict = "pass";
    else if (from_peer.result == NMF_TRACE_NOT_SEEN)
        verdict = "no-traffic";
    else
        verdict = "lost";

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "schema_version");
    json_builder_add_int_value(b, NMF_TRACE_JSON_SCHEMA_VERSION);
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, PACKAGE_VERSION);
    json_builder_set_member_name(b, "domain");
    json_builder_add_string_value(b, trace->domain ? trace->domain : "");
    json_builder_set_member_name(b, "peer");
    json_builder_add_string_value(b, trace->peer);
    json_builder_set_member_name(b, "seconds");
    json_builder_add_int_value(b, seconds);
    json_builder_set_member_name(b, "uplink");
    if (trace->uplink)
        json_builder_add_string_value(b, trace->uplink);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, verdict);

    json_builder_set_member_name(b, "hops");
    json_builder_begin_array(b);
    for (guint i = 0; i < trace->hops->len; i++)
        _add_hop(b, trace->hops->pdata[i]);
    json_builder_end_array(b);

    json_builder_set_member_name(b, "paths");
    json_builder_begin_array(b);
    for (guint i = 0; i < trace->paths->len; i++) {
        const NmfTracePath *path = trace->paths->pdata[i];

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "interface");
        json_builder_add_string_value(b, path->label);
        json_builder_set_member_name(b, "hops");
        json_builder_begin_array(b);
        for (guint k = 0; k < path->hops->len; k++)
            json_builder_add_string_value(
              b, ((NmfHop *) trace->hops->pdata[g_array_index(path->hops, guint, k)])->device);
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "result");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "from_peer");
    json_builder_add_string_value(b, nmf_trace_result_to_string(from_peer.result));
    json_builder_set_member_name(b, "to_peer");
    json_builder_add_string_value(b, nmf_trace_result_to_string(to_peer.result));
    json_builder_end_object(b);

    json_builder_set_member_name(b, "lost_after");
    json_builder_begin_object(b);
    _add_device_or_null(b, "from_peer", trace, from_peer.lost_after);
    _add_device_or_null(b, "to_peer", trace, to_peer.lost_after);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "counters");
    json_builder_begin_object(b);
    for (const char *const *name = nmf_counters_watched(); *name; name++) {
        const guint64 *d = delta ? g_hash_table_lookup(delta, *name) : NULL;

        if (!d)
            continue;
        json_builder_set_member_name(b, *name);
        json_builder_add_int_value(b, (gint64) MIN(*d, (guint64) G_MAXINT64));
    }
    json_builder_end_object(b);

    json_builder_set_member_name(b, "causes");
    json_builder_begin_array(b);
    for (guint i = 0; causes && i < causes->len; i++)
        json_builder_add_string_value(b, causes->pdata[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);

    return nmf_json_finish(b);
}
