/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure export: --check and --observe as JSON documents (schemas in data/). */
#include "config.h"

#include "decide/nmf-diagnose-export.h"

#include "decide/nmf-json.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <json-glib/json-glib.h>

#include "decide/nmf-counters.h"

const char *
nmf_check_verdict_to_string(NmfCheckVerdict verdict)
{
    switch (verdict) {
    case NMF_CHECK_SYMMETRIC:
        return "symmetric";
    case NMF_CHECK_ASYMMETRIC:
        return "asymmetric";
    case NMF_CHECK_RP_FILTER_DROP:
        return "rp-filter-drop";
    case NMF_CHECK_NO_ROUTE_BACK:
        return "no-route-back";
    case NMF_CHECK_NOT_A_PATH:
        return "not-a-path";
    }
    return "unknown";
}

const char *
nmf_flow_verdict_to_string(NmfFlowVerdict verdict)
{
    static const char *const names[NMF_FLOW_MAX] = {
        [NMF_FLOW_SYMMETRIC] = "symmetric",         [NMF_FLOW_ASYMMETRIC] = "asymmetric",
        [NMF_FLOW_NO_REPLY] = "no-reply",           [NMF_FLOW_INCOMPLETE] = "incomplete",
        [NMF_FLOW_UNKNOWN_IFACE] = "unknown-iface", [NMF_FLOW_NO_TRAFFIC] = "no-traffic",
        [NMF_FLOW_UNDELIVERED] = "undelivered",
    };

    return verdict < NMF_FLOW_MAX ? names[verdict] : "unknown";
}

static void
_add_cause(JsonBuilder *b, const NmfCheckCause *cause)
{
    json_builder_set_member_name(b, "default_route");
    if (!cause || !cause->owner) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    nmf_json_add_string_or_null(b, "interface", cause->owner);
    json_builder_set_member_name(b, "metric");
    json_builder_add_int_value(b, cause->metric);
    nmf_json_add_string_or_null(b, "metric_source", nmf_metric_source_to_string(cause->source));
    nmf_json_add_string_or_null(b, "connection", cause->connection_id);
    nmf_json_add_string_or_null(b, "class", cause->klass);
    nmf_json_add_string_or_null(b, "intended", cause->intended);
    json_builder_set_member_name(b, "fix_changes");
    json_builder_begin_array(b);
    for (guint i = 0; i < cause->changes->len; i++) {
        const NmfMetricChange *c = &g_array_index(cause->changes, NmfMetricChange, i);

        json_builder_begin_object(b);
        nmf_json_add_string_or_null(b, "interface", c->iface);
        json_builder_set_member_name(b, "from");
        if (c->from >= 0)
            json_builder_add_int_value(b, c->from);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "to");
        json_builder_add_int_value(b, c->to);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

char *
nmf_check_json(const char *target, GPtrArray *rows, gboolean all_ok, const NmfCheckCause *cause)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "schema_version");
    json_builder_add_int_value(b, NMF_CHECK_JSON_SCHEMA_VERSION);
    nmf_json_add_string_or_null(b, "version", PACKAGE_VERSION);
    nmf_json_add_string_or_null(b, "target", target);
    nmf_json_add_string_or_null(b, "verdict", all_ok ? "symmetric" : "asymmetric");
    json_builder_set_member_name(b, "addresses");
    json_builder_begin_array(b);
    for (guint i = 0; rows && i < rows->len; i++) {
        const NmfCheckRow *row = rows->pdata[i];

        json_builder_begin_object(b);
        nmf_json_add_string_or_null(b, "address", row->address);
        nmf_json_add_string_or_null(b, "family", row->family == AF_INET6 ? "ipv6" : "ipv4");
        nmf_json_add_string_or_null(b, "request_interface", row->iface);
        nmf_json_add_string_or_null(
          b, "reply_interface", row->reply_error == 0 ? row->reply_iface : NULL);
        nmf_json_add_string_or_null(
          b, "reply_error", row->reply_error ? g_strerror(row->reply_error) : NULL);
        json_builder_set_member_name(b, "rp_filter");
        if (row->rp_filter >= 0)
            json_builder_add_int_value(b, row->rp_filter);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "nat");
        json_builder_add_boolean_value(b, row->is_nat);
        json_builder_set_member_name(b, "counted");
        json_builder_add_boolean_value(b, row->counted);
        nmf_json_add_string_or_null(b,
                                    "verdict",
                                    nmf_check_row_nat_unreached(row)
                                      ? "nat-not-reached"
                                      : nmf_check_verdict_to_string(row->verdict));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    _add_cause(b, cause);
    json_builder_end_object(b);
    return nmf_json_finish(b);
}

static void
_add_ifaces(JsonBuilder  *b,
            const char   *member,
            GArray       *ifindexes,
            NmfIfnameFunc ifname,
            gpointer      user_data)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint i = 0; i < ifindexes->len; i++) {
        int         ifindex = g_array_index(ifindexes, int, i);
        const char *name    = ifindex > 0 && ifname ? ifname(ifindex, user_data) : NULL;

        if (name)
            json_builder_add_string_value(b, name);
        else
            json_builder_add_null_value(b); /* the capture did not tell, or the link is gone */
    }
    json_builder_end_array(b);
}

static void
_add_icmp_errors(JsonBuilder *b, const NmfFlow *f)
{
    const NmfFlowIcmpError *main_error = nmf_flow_main_icmp_error(f);

    nmf_json_add_string_or_null(b,
                                "cause",
                                main_error ? nmf_icmp_cause_to_string(nmf_icmp_error_cause(
                                  f->family, main_error->type, main_error->code))
                                           : NULL);
    json_builder_set_member_name(b, "icmp_errors");
    json_builder_begin_array(b);
    for (guint i = 0; i < f->icmp_errors->len; i++) {
        const NmfFlowIcmpError *e = &g_array_index(f->icmp_errors, NmfFlowIcmpError, i);

        json_builder_begin_object(b);
        nmf_json_add_string_or_null(b, "from", e->sender);
        nmf_json_add_string_or_null(b, "about", e->about_replies ? "replies" : "requests");
        json_builder_set_member_name(b, "type");
        json_builder_add_int_value(b, e->type);
        json_builder_set_member_name(b, "code");
        json_builder_add_int_value(b, e->code);
        nmf_json_add_string_or_null(
          b, "cause", nmf_icmp_cause_to_string(nmf_icmp_error_cause(f->family, e->type, e->code)));
        nmf_json_add_int_or_null(b, "mtu", e->mtu > 0, e->mtu);
        json_builder_set_member_name(b, "count");
        json_builder_add_int_value(b, e->count);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static const char *
_protocol(guint8 ip_proto)
{
    switch (ip_proto) {
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_ICMPV6:
        return "icmpv6";
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    default:
        return "other";
    }
}

char *
nmf_observe_json(const char   *peer,
                 NmfFlowTable *table,
                 guint         seconds,
                 NmfIfnameFunc ifname,
                 gpointer      user_data,
                 GHashTable   *delta)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "schema_version");
    json_builder_add_int_value(b, NMF_OBSERVE_JSON_SCHEMA_VERSION);
    nmf_json_add_string_or_null(b, "version", PACKAGE_VERSION);
    nmf_json_add_string_or_null(b, "peer", peer);
    json_builder_set_member_name(b, "seconds");
    json_builder_add_int_value(b, seconds);
    nmf_json_add_string_or_null(
      b, "verdict", nmf_flow_verdict_to_string(nmf_flow_table_verdict(table)));
    json_builder_set_member_name(b, "flows");
    json_builder_begin_array(b);
    for (guint i = 0; i < nmf_flow_table_get_n_flows(table); i++) {
        const NmfFlow *f = nmf_flow_table_get_flow(table, i);

        json_builder_begin_object(b);
        nmf_json_add_string_or_null(b, "protocol", _protocol(f->ip_proto));
        nmf_json_add_string_or_null(b, "client", f->client);
        nmf_json_add_string_or_null(b, "server", f->server);
        nmf_json_add_int_or_null(b, "server_port", f->server_port != 0, f->server_port);
        json_builder_set_member_name(b, "peer_initiated");
        json_builder_add_boolean_value(b, f->remote_initiated);
        json_builder_set_member_name(b, "requests");
        json_builder_add_int_value(b, f->n_requests);
        json_builder_set_member_name(b, "replies");
        json_builder_add_int_value(b, f->n_replies);
        _add_ifaces(b, "in_interfaces", f->in_ifindexes, ifname, user_data);
        _add_ifaces(b, "out_interfaces", f->out_ifindexes, ifname, user_data);
        nmf_json_add_string_or_null(b, "verdict", nmf_flow_verdict_to_string(nmf_flow_verdict(f)));
        _add_icmp_errors(b, f);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "drops");
    json_builder_begin_object(b);
    for (const char *const *name = nmf_counters_watched(); *name; name++) {
        const guint64 *d = delta ? g_hash_table_lookup(delta, *name) : NULL;

        if (!d || g_strrstr(*name, "Forw"))
            continue;
        json_builder_set_member_name(b, *name);
        json_builder_add_int_value(b, (gint64) MIN(*d, (guint64) G_MAXINT64));
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
    return nmf_json_finish(b);
}
