/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of --status: JSON and Prometheus exports of the snapshot. */
#include "config.h"

#include "decide/nmf-status-export.h"

#include "decide/nmf-json.h"

#include <string.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "model/nmf-common.h"
#include "model/nmf-uplink.h"
#include "decide/nmf-status-report.h"
#include "model/nmf-route.h"

/*****************************************************************************/
/* Facts both formats share */

static const char *
_verdict_to_string(NmfVerdict verdict)
{
    switch (verdict) {
    case NMF_VERDICT_OK:
        return "ok";
    case NMF_VERDICT_LEFT_ALONE:
        return "left-alone";
    case NMF_VERDICT_WRONG_OWNER:
        return "wrong-owner";
    case NMF_VERDICT_WRONG_LINK:
        return "wrong-link";
    case NMF_VERDICT_ALTERNATING:
        return "alternating";
    case NMF_VERDICT_MAX:
        break;
    }
    return "unknown";
}

/* Stable tokens, unlike nmf_unranked_to_string()'s prose. */
static const char *
_unranked_to_string(NmfUnranked unranked)
{
    switch (unranked) {
    case NMF_UNRANKED_NONE:
        return NULL;
    case NMF_UNRANKED_NO_GATEWAY:
        return "no-gateway";
    case NMF_UNRANKED_NOTHING:
        return "nothing-to-rank";
    case NMF_UNRANKED_RULE_IGNORE:
        return "ignored-by-rule";
    case NMF_UNRANKED_SKIP:
        return "skipped-by-user-data";
    case NMF_UNRANKED_HAND_SET:
        return "metric-set-by-hand";
    }
    return "unknown";
}

static const char *
_family_to_string(int family)
{
    return family == AF_INET ? "ipv4" : "ipv6";
}

static const NmfRoute *
_kernel_route_for(GPtrArray *routes, const char *iface, int family)
{
    const NmfRoute *best = NULL;
    guint           i;

    for (i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family == family && r->table == NMF_TABLE_MAIN && strcmp(r->iface, iface) == 0
            && (!best || r->metric < best->metric))
            best = r;
    }
    return best;
}

static const char *
_owner_iface(GPtrArray *routes, int family)
{
    const NmfRoute *owner = nmf_routes_owner(routes, family);

    return owner && owner->iface[0] ? owner->iface : NULL;
}

/* NetworkManager's -1 ("auto": it picks the metric) has no number: null / no sample. */
static gboolean
_metric_known(gint64 metric)
{
    return metric >= 0;
}

/*****************************************************************************/
/* JSON */

static void
_add_uplink(JsonBuilder *b, const NmfUplink *u, GPtrArray *routes)
{
    const NmfRoute  *k4 = _kernel_route_for(routes, u->iface, AF_INET);
    const NmfRoute  *k6 = _kernel_route_for(routes, u->iface, AF_INET6);
    g_autofree char *gw = u->gateway4 ? nmf_format_ip4(u->gateway4) : NULL;
    guint            i;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "interface");
    json_builder_add_string_value(b, u->iface);
    json_builder_set_member_name(b, "connection");
    json_builder_add_string_value(b, u->connection_id);
    json_builder_set_member_name(b, "uuid");
    json_builder_add_string_value(b, u->connection_uuid);
    json_builder_set_member_name(b, "class");
    json_builder_add_string_value(b, nmf_uplink_class_to_string(u->klass));
    json_builder_set_member_name(b, "class_evidence");
    json_builder_add_string_value(b, u->class_evidence ? u->class_evidence : "");
    json_builder_set_member_name(b, "class_conflict");
    json_builder_add_boolean_value(b, u->class_conflict);
    nmf_json_add_string_or_null(b, "gateway_ipv4", gw);
    json_builder_set_member_name(b, "addresses_ipv4");
    json_builder_begin_array(b);
    for (i = 0; u->addresses4 && i < u->addresses4->len; i++) {
        const NmfIp4Address *a    = &g_array_index(u->addresses4, NmfIp4Address, i);
        g_autofree char     *text = nmf_format_ip4(a->address);
        g_autofree char     *cidr = g_strdup_printf("%s/%u", text, a->prefix);

        json_builder_add_string_value(b, cidr);
    }
    json_builder_end_array(b);
    nmf_json_add_int_or_null(b, "rank", u->rank > 0, u->rank);
    nmf_json_add_string_or_null(
      b, "unranked_reason", u->rank > 0 ? NULL : _unranked_to_string(u->unranked));
    nmf_json_add_int_or_null(
      b, "wanted_metric", u->rank > 0 && _metric_known(u->wanted_metric), u->wanted_metric);
    nmf_json_add_int_or_null(
      b, "profile_metric_ipv4", _metric_known(u->profile_metric4), u->profile_metric4);
    nmf_json_add_int_or_null(
      b, "profile_metric_ipv6", _metric_known(u->profile_metric6), u->profile_metric6);
    json_builder_set_member_name(b, "applied_known");
    json_builder_add_boolean_value(b, u->applied_known);
    nmf_json_add_int_or_null(b,
                             "applied_metric_ipv4",
                             u->applied_known && _metric_known(u->applied_metric4),
                             u->applied_metric4);
    nmf_json_add_int_or_null(b,
                             "applied_metric_ipv6",
                             u->applied_known && _metric_known(u->applied_metric6),
                             u->applied_metric6);
    nmf_json_add_int_or_null(b, "kernel_metric_ipv4", k4 != NULL, k4 ? k4->metric : 0);
    nmf_json_add_int_or_null(b, "kernel_metric_ipv6", k6 != NULL, k6 ? k6->metric : 0);
    json_builder_end_object(b);
}

static void
_add_route(JsonBuilder *b, const NmfRoute *r)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "family");
    json_builder_add_string_value(b, _family_to_string(r->family));
    nmf_json_add_string_or_null(b, "interface", r->iface && r->iface[0] ? r->iface : NULL);
    nmf_json_add_string_or_null(b, "gateway", r->gateway);
    json_builder_set_member_name(b, "metric");
    json_builder_add_int_value(b, r->metric);
    json_builder_set_member_name(b, "table");
    json_builder_add_int_value(b, r->table);
    json_builder_end_object(b);
}

static void
_add_reply(JsonBuilder *b, const NmfCheckRow *row)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "family");
    json_builder_add_string_value(b, _family_to_string(row->family));
    nmf_json_add_string_or_null(b, "address", row->address);
    nmf_json_add_string_or_null(b, "interface", row->iface);
    nmf_json_add_string_or_null(b, "reply_interface", row->reply_iface);
    json_builder_set_member_name(b, "counted");
    json_builder_add_boolean_value(b, row->counted);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, row->verdict == NMF_CHECK_SYMMETRIC);
    json_builder_set_member_name(b, "warning");
    json_builder_add_boolean_value(b, row->warned);
    json_builder_end_object(b);
}

char *
nmf_status_json(GPtrArray *uplinks, gboolean managed, GPtrArray *routes, GPtrArray *replies)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    const char *intended     = NULL;
    NmfVerdict  verdict = nmf_report_verdict(uplinks, managed, routes, replies, NULL, &intended);
    g_autoptr(GPtrArray) warnings = nmf_report_warnings(replies);
    guint i;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "schema_version");
    json_builder_add_int_value(b, NMF_JSON_SCHEMA_VERSION);
    json_builder_set_member_name(b, "version");
    json_builder_add_string_value(b, PACKAGE_VERSION);
    json_builder_set_member_name(b, "managed");
    json_builder_add_boolean_value(b, managed);
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, _verdict_to_string(verdict));
    json_builder_set_member_name(b, "default_route_owner");
    json_builder_begin_object(b);
    nmf_json_add_string_or_null(b, "ipv4", _owner_iface(routes, AF_INET));
    nmf_json_add_string_or_null(b, "ipv6", _owner_iface(routes, AF_INET6));
    json_builder_end_object(b);
    nmf_json_add_string_or_null(b, "intended_owner", intended);

    json_builder_set_member_name(b, "interfaces");
    json_builder_begin_array(b);
    for (i = 0; uplinks && i < uplinks->len; i++)
        _add_uplink(b, uplinks->pdata[i], routes);
    json_builder_end_array(b);

    json_builder_set_member_name(b, "routes");
    json_builder_begin_array(b);
    for (i = 0; routes && i < routes->len; i++)
        _add_route(b, routes->pdata[i]);
    json_builder_end_array(b);

    json_builder_set_member_name(b, "replies");
    json_builder_begin_array(b);
    for (i = 0; replies && i < replies->len; i++) {
        const NmfCheckRow *row = replies->pdata[i];

        if (row->verdict != NMF_CHECK_NOT_A_PATH)
            _add_reply(b, row);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "warnings");
    json_builder_begin_array(b);
    for (i = 0; i < warnings->len; i++)
        json_builder_add_string_value(b, warnings->pdata[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);

    return nmf_json_finish(b);
}

/*****************************************************************************/
/* Prometheus text exposition format */

char *
nmf_prometheus_escape_label(const char *value)
{
    GString    *out = g_string_new(NULL);
    const char *p;

    for (p = value ? value : ""; *p; p++) {
        switch (*p) {
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        default:
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

static void
_header(GString *out, const char *name, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* Labels of one uplink's series: interface, connection, class. */
static char *
_uplink_labels(const NmfUplink *u)
{
    g_autofree char *iface = nmf_prometheus_escape_label(u->iface);
    g_autofree char *conn  = nmf_prometheus_escape_label(u->connection_id);

    return g_strdup_printf("interface=\"%s\",connection=\"%s\",class=\"%s\"",
                           iface,
                           conn,
                           nmf_uplink_class_to_string(u->klass));
}

static void
_family_metric_samples(GString    *out,
                       const char *name,
                       GPtrArray  *uplinks,
                       GPtrArray  *routes,
                       gboolean    kernel)
{
    static const int families[] = { AF_INET, AF_INET6 };
    guint            i;
    guint            f;

    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u      = uplinks->pdata[i];
        g_autofree char *labels = _uplink_labels(u);

        for (f = 0; f < G_N_ELEMENTS(families); f++) {
            gboolean known;
            gint64   value;

            if (kernel) {
                const NmfRoute *r = _kernel_route_for(routes, u->iface, families[f]);

                known = r != NULL;
                value = r ? r->metric : 0;
            } else {
                value = families[f] == AF_INET ? u->applied_metric4 : u->applied_metric6;
                known = u->applied_known && _metric_known(value);
            }
            if (known)
                g_string_append_printf(out,
                                       "%s{%s,family=\"%s\"} %" G_GINT64_FORMAT "\n",
                                       name,
                                       labels,
                                       _family_to_string(families[f]),
                                       value);
        }
    }
}

/* One series per interface name (escaped), family label first. */
static void
_interface_info(GString *out, const char *name, const char *family, const char *iface)
{
    g_autofree char *escaped = NULL;

    if (!iface)
        return;
    escaped = nmf_prometheus_escape_label(iface);
    g_string_append_printf(out, "%s{family=\"%s\",interface=\"%s\"} 1\n", name, family, escaped);
}

void
nmf_prometheus_warnings(GString *out, GPtrArray *warnings)
{
    guint i;

    _header(out,
            "nm_metric_fix_warnings",
            "Number of warnings of the status (a problem that does not change the verdict).");
    g_string_append_printf(out, "nm_metric_fix_warnings %u\n", warnings ? warnings->len : 0);
    _header(out, "nm_metric_fix_warning_info", "1 for each warning of the status, by its text.");
    for (i = 0; warnings && i < warnings->len; i++) {
        g_autofree char *text = nmf_prometheus_escape_label(warnings->pdata[i]);

        g_string_append_printf(out, "nm_metric_fix_warning_info{warning=\"%s\"} 1\n", text);
    }
}

char *
nmf_status_prometheus(GPtrArray *uplinks, gboolean managed, GPtrArray *routes, GPtrArray *replies)
{
    GString    *out      = g_string_new(NULL);
    const char *intended = NULL;
    const char *owner4   = _owner_iface(routes, AF_INET);
    const char *owner6   = _owner_iface(routes, AF_INET6);
    NmfVerdict  verdict  = nmf_report_verdict(uplinks, managed, routes, replies, NULL, &intended);
    NmfVerdict  v;
    const char *intended6    = nmf_report_intended(uplinks, managed, AF_INET6);
    g_autofree char *version = nmf_prometheus_escape_label(PACKAGE_VERSION);
    guint            i;

    _header(out, "nm_metric_fix_info", "Version of nm-metric-fix that wrote these metrics.");
    g_string_append_printf(out, "nm_metric_fix_info{version=\"%s\"} 1\n", version);

    _header(out,
            "nm_metric_fix_managed",
            "1 when the policy ranks the uplinks, 0 when it leaves every metric alone.");
    g_string_append_printf(out, "nm_metric_fix_managed %d\n", managed ? 1 : 0);

    _header(out, "nm_metric_fix_verdict", "The status verdict: 1 for the current one.");
    for (v = 0; v < NMF_VERDICT_MAX; v++)
        g_string_append_printf(out,
                               "nm_metric_fix_verdict{verdict=\"%s\"} %d\n",
                               _verdict_to_string(v),
                               v == verdict ? 1 : 0);

    _header(out,
            "nm_metric_fix_default_route_intended",
            "1 when the default route is owned by the intended uplink or nothing needs "
            "ranking, 0 when another interface (or none) owns it. IPv6 only with an IPv6 "
            "default route.");
    g_string_append_printf(out,
                           "nm_metric_fix_default_route_intended{family=\"ipv4\"} %d\n",
                           verdict == NMF_VERDICT_WRONG_OWNER ? 0 : 1);
    if (owner6)
        g_string_append_printf(out,
                               "nm_metric_fix_default_route_intended{family=\"ipv6\"} %d\n",
                               !intended6 || strcmp(owner6, intended6) == 0 ? 1 : 0);

    _header(out,
            "nm_metric_fix_default_route_owner_info",
            "The interface whose default route wins in the main table.");
    _interface_info(out, "nm_metric_fix_default_route_owner_info", "ipv4", owner4);
    _interface_info(out, "nm_metric_fix_default_route_owner_info", "ipv6", owner6);

    _header(out,
            "nm_metric_fix_default_route_intended_owner_info",
            "The uplink that should own the default route (none when metrics are left alone).");
    _interface_info(out, "nm_metric_fix_default_route_intended_owner_info", "ipv4", intended);
    _interface_info(
      out, "nm_metric_fix_default_route_intended_owner_info", "ipv6", owner6 ? intended6 : NULL);

    {
        g_autoptr(GPtrArray) warnings = nmf_report_warnings(replies);

        nmf_prometheus_warnings(out, warnings);
    }

    _header(out,
            "nm_metric_fix_reply_wrong_link",
            "1 for each local address whose replies to an off-link peer the kernel would send "
            "out of another link (NAT links are not counted).");
    for (i = 0; replies && i < replies->len; i++) {
        const NmfCheckRow *row     = replies->pdata[i];
        g_autofree char   *address = NULL;
        g_autofree char   *iface   = NULL;
        g_autofree char   *reply   = NULL;

        if (!row->counted || row->verdict == NMF_CHECK_SYMMETRIC
            || row->verdict == NMF_CHECK_NOT_A_PATH)
            continue;
        address = nmf_prometheus_escape_label(row->address);
        iface   = nmf_prometheus_escape_label(row->iface);
        reply   = nmf_prometheus_escape_label(row->reply_iface ? row->reply_iface : "");
        g_string_append_printf(out,
                               "nm_metric_fix_reply_wrong_link{address=\"%s\",interface=\"%s\","
                               "reply_interface=\"%s\"} 1\n",
                               address,
                               iface,
                               reply);
    }

    _header(out,
            "nm_metric_fix_interface_rank",
            "Rank of a ranked uplink; 1 should own the default route.");
    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u      = uplinks->pdata[i];
        g_autofree char *labels = _uplink_labels(u);

        if (u->rank > 0)
            g_string_append_printf(out, "nm_metric_fix_interface_rank{%s} %u\n", labels, u->rank);
    }

    _header(out,
            "nm_metric_fix_interface_wanted_metric",
            "Route metric the policy wants for a ranked uplink.");
    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u      = uplinks->pdata[i];
        g_autofree char *labels = _uplink_labels(u);

        if (u->rank > 0 && _metric_known(u->wanted_metric))
            g_string_append_printf(out,
                                   "nm_metric_fix_interface_wanted_metric{%s} %" G_GINT64_FORMAT
                                   "\n",
                                   labels,
                                   u->wanted_metric);
    }

    _header(out,
            "nm_metric_fix_interface_applied_metric",
            "Route metric of the device's applied connection (absent when automatic).");
    _family_metric_samples(out, "nm_metric_fix_interface_applied_metric", uplinks, routes, FALSE);

    _header(out,
            "nm_metric_fix_interface_kernel_metric",
            "Metric of the interface's default route in the kernel's main table.");
    _family_metric_samples(out, "nm_metric_fix_interface_kernel_metric", uplinks, routes, TRUE);

    return g_string_free(out, FALSE);
}
