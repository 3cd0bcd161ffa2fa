/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of nmf-diagnose-export.c (--check --json, --observe --json).  Built twice:
 * with DOC_CHECK, `--emit-json` prints --check documents, with DOC_OBSERVE --observe
 * documents, as JSON text sequences for validate-json.py and the schemas in data/.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "decide/nmf-counters.h"
#include "decide/nmf-diagnose-export.h"

#define PEER  "10.72.112.29"
#define GUEST "10.66.60.236"
#define NAT   "192.168.122.171"

static NmfCheckRow *
_row(const char *address, const char *iface, const char *reply_iface, gboolean nat)
{
    NmfCheckRow *row = nmf_check_row_new(strchr(address, ':') ? AF_INET6 : AF_INET, address, iface);

    row->has_route_to_target = TRUE;
    row->reply_iface         = g_strdup(reply_iface);
    row->rp_filter           = row->family == AF_INET ? 0 : -1;
    row->rp_filter_pass      = TRUE;
    row->is_nat              = nat;
    return row;
}

static char *
_check_doc(gboolean fixed, gboolean with_cause)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    g_autoptr(NmfCheckCause) cause = g_new0(NmfCheckCause, 1);
    NmfMetricChange change;
    gboolean        ok;

    g_ptr_array_add(rows, _row(GUEST, "eth1", fixed ? "eth1" : "eth0", FALSE));
    g_ptr_array_add(rows, _row(NAT, "eth0", fixed ? "eth1" : "eth0", TRUE));
    ok = nmf_check_evaluate(rows);

    cause->family        = AF_INET;
    cause->owner         = g_strdup(fixed ? "eth1" : "eth0");
    cause->metric        = 100;
    cause->source        = fixed ? NMF_METRIC_FROM_NM_METRIC_FIX : NMF_METRIC_FROM_ACTIVATION_ORDER;
    cause->connection_id = g_strdup(fixed ? "lan" : "nat");
    cause->klass         = g_strdup(fixed ? "lan" : "nat");
    cause->intended      = g_strdup("eth1");
    cause->managed       = TRUE;
    cause->changes       = g_array_new(FALSE, FALSE, sizeof(NmfMetricChange));
    if (!fixed) {
        change.iface = g_strdup("eth1");
        change.from  = 101;
        change.to    = 100;
        g_array_append_val(cause->changes, change);
        change.iface = g_strdup("eth0");
        change.from  = -1;
        change.to    = 101;
        g_array_append_val(cause->changes, change);
    }
    return nmf_check_json(PEER, rows, ok, with_cause ? cause : NULL);
}

static const char *
_ifname(int ifindex, gpointer user_data)
{
    return ifindex == 2 ? "eth0" : ifindex == 3 ? "eth1" : NULL;
}

static void
_add(NmfFlowTable      *table,
     const char        *src,
     const char        *dst,
     int                ifindex,
     NmfPacketDirection dir,
     guint8             type)
{
    NmfPacket p = { .family = AF_INET, .ip_proto = IPPROTO_ICMP, .icmp_type = type };

    inet_pton(AF_INET, src, p.src);
    inet_pton(AF_INET, dst, p.dst);
    p.ifindex   = ifindex;
    p.direction = dir;
    nmf_flow_table_add(table, &p);
}

/* An ICMP error from @sender (type 3, @code; @mtu for code 4) quoting our echo reply. */
static void
_add_error(NmfFlowTable *table, const char *sender, guint8 code, guint16 mtu)
{
    NmfPacket p = { .family    = AF_INET,
                    .ip_proto  = IPPROTO_ICMP,
                    .icmp_type = 3,
                    .ifindex   = 3,
                    .direction = NMF_PACKET_IN,
                    .has_quote = TRUE };

    inet_pton(AF_INET, sender, p.src);
    inet_pton(AF_INET, GUEST, p.dst);
    p.quote.type      = 3;
    p.quote.code      = code;
    p.quote.mtu       = mtu;
    p.quote.proto     = IPPROTO_ICMP;
    p.quote.icmp_type = 0;
    inet_pton(AF_INET, GUEST, p.quote.src);
    inet_pton(AF_INET, PEER, p.quote.dst);
    g_assert_true(nmf_flow_table_add(table, &p));
}

static char *
_observe_doc(int scenario)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(PEER);
    g_autoptr(GHashTable) delta   = nmf_counters_new();
    guint64 rp                    = 5;

    for (int i = 0; i < 5 && (scenario < 3 || scenario == 5); i++) {
        _add(table, PEER, GUEST, 3, NMF_PACKET_IN, 8);
        if (scenario == 0)
            _add(table, GUEST, PEER, 2, NMF_PACKET_OUT, 0); /* asymmetric */
        else if (scenario == 1 || scenario == 5)
            _add(table, GUEST, PEER, 3, NMF_PACKET_OUT, 0); /* symmetric */
    }
    if (scenario == 5) { /* undelivered: a router rejects the replies, one is too big */
        _add_error(table, "10.66.61.254", 13, 0);
        _add_error(table, "10.66.61.254", 13, 0);
        _add_error(table, "10.66.61.1", 4, 1400);
    }
    if (scenario == 2) /* no reply: rp_filter here */
        g_hash_table_insert(
          delta, g_strdup("TcpExt.IPReversePathFilter"), g_memdup(&rp, sizeof(rp)));
    if (scenario == 4) /* a link the capture did not name */
        _add(table, PEER, GUEST, 0, NMF_PACKET_IN, 8);
    return nmf_observe_json(PEER, table, 3, _ifname, NULL, delta);
}

static JsonObject *
_parse(const char *text, JsonParser **out)
{
    g_autoptr(GError) error = NULL;

    *out = json_parser_new();
    g_assert_true(json_parser_load_from_data(*out, text, -1, &error));
    return json_node_get_object(json_parser_get_root(*out));
}

static void
test_check_json(void)
{
    g_autofree char *text   = _check_doc(FALSE, TRUE);
    g_autoptr(JsonParser) p = NULL;
    JsonObject *doc         = _parse(text, &p);
    JsonObject *dr          = json_object_get_object_member(doc, "default_route");
    JsonArray  *addrs       = json_object_get_array_member(doc, "addresses");
    JsonObject *lan         = json_array_get_object_element(addrs, 0);

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "asymmetric");
    g_assert_cmpstr(json_object_get_string_member(lan, "address"), ==, GUEST);
    g_assert_cmpstr(json_object_get_string_member(lan, "request_interface"), ==, "eth1");
    g_assert_cmpstr(json_object_get_string_member(lan, "reply_interface"), ==, "eth0");
    g_assert_cmpstr(json_object_get_string_member(lan, "verdict"), ==, "asymmetric");
    g_assert_true(json_object_get_boolean_member(lan, "counted"));
    g_assert_cmpstr(json_object_get_string_member(dr, "interface"), ==, "eth0");
    g_assert_cmpstr(json_object_get_string_member(dr, "metric_source"), ==, "activation-order");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(dr, "fix_changes")), ==, 2);
}

static void
test_observe_json(void)
{
    g_autofree char *text   = _observe_doc(0);
    g_autofree char *quiet  = _observe_doc(2);
    g_autoptr(JsonParser) p = NULL;
    g_autoptr(JsonParser) q = NULL;
    JsonObject *doc         = _parse(text, &p);
    JsonObject *flow = json_array_get_object_element(json_object_get_array_member(doc, "flows"), 0);

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "asymmetric");
    g_assert_cmpstr(json_object_get_string_member(flow, "protocol"), ==, "icmp");
    g_assert_true(json_object_get_boolean_member(flow, "peer_initiated"));
    g_assert_cmpint(json_object_get_int_member(flow, "requests"), ==, 5);
    g_assert_cmpstr(
      json_array_get_string_element(json_object_get_array_member(flow, "in_interfaces"), 0),
      ==,
      "eth1");
    g_assert_cmpstr(
      json_array_get_string_element(json_object_get_array_member(flow, "out_interfaces"), 0),
      ==,
      "eth0");
    g_assert_true(json_object_get_null_member(flow, "cause"));
    g_assert_cmpuint(
      json_array_get_length(json_object_get_array_member(flow, "icmp_errors")), ==, 0);
    doc = _parse(quiet, &q);
    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "no-reply");
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(doc, "drops"),
                                               "TcpExt.IPReversePathFilter"),
                    ==,
                    5);
}

static void
test_observe_json_icmp_errors(void)
{
    g_autofree char *text   = _observe_doc(5);
    g_autoptr(JsonParser) p = NULL;
    JsonObject *doc         = _parse(text, &p);
    JsonObject *flow = json_array_get_object_element(json_object_get_array_member(doc, "flows"), 0);
    JsonArray  *errors = json_object_get_array_member(flow, "icmp_errors");
    JsonObject *e0     = json_array_get_object_element(errors, 0);
    JsonObject *e1     = json_array_get_object_element(errors, 1);

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "undelivered");
    g_assert_cmpstr(json_object_get_string_member(flow, "verdict"), ==, "undelivered");
    g_assert_cmpstr(json_object_get_string_member(flow, "cause"), ==, "rejected");
    g_assert_cmpuint(json_array_get_length(errors), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(e0, "from"), ==, "10.66.61.254");
    g_assert_cmpstr(json_object_get_string_member(e0, "about"), ==, "replies");
    g_assert_cmpint(json_object_get_int_member(e0, "type"), ==, 3);
    g_assert_cmpint(json_object_get_int_member(e0, "code"), ==, 13);
    g_assert_cmpstr(json_object_get_string_member(e0, "cause"), ==, "rejected");
    g_assert_true(json_object_get_null_member(e0, "mtu"));
    g_assert_cmpint(json_object_get_int_member(e0, "count"), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(e1, "cause"), ==, "too-big");
    g_assert_cmpint(json_object_get_int_member(e1, "mtu"), ==, 1400);
}

static int
_emit_json(void)
{
#ifdef DOC_CHECK
    for (int i = 0; i < 3; i++) {
        g_autofree char *text = _check_doc(i == 1, i != 2);

        printf("\x1e%s", text);
    }
#else
    for (int i = 0; i < 6; i++) {
        g_autofree char *text = _observe_doc(i);

        printf("\x1e%s", text);
    }
#endif
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--emit-json") == 0)
        return _emit_json();

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/diagnose-export/check", test_check_json);
    g_test_add_func("/diagnose-export/observe", test_observe_json);
    g_test_add_func("/diagnose-export/observe-icmp-errors", test_observe_json_icmp_errors);
    return g_test_run();
}
