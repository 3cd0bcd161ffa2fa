/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of nmf-trace-json.c.  `test-trace-json --emit-json` prints the document
 * of every scenario as a JSON text sequence (RFC 7464) for validate-json.py, which
 * checks them against data/trace-schema.json.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "decide/nmf-trace-export.h"

#define PEER  "10.72.112.29"
#define GUEST "10.66.60.236"

typedef enum {
    SCENARIO_REPLIES_LOST = 0,
    SCENARIO_PASS,
    SCENARIO_NO_TRAFFIC,
    SCENARIO_NO_ROUTE,
    SCENARIO_MAX,
} Scenario;

static void
_see(NmfTrace *trace, guint hop, guint requests, guint replies)
{
    NmfPacket req = { .family = AF_INET };
    NmfPacket rep = { .family = AF_INET };

    inet_pton(AF_INET, PEER, req.src);
    inet_pton(AF_INET, GUEST, req.dst);
    inet_pton(AF_INET, GUEST, rep.src);
    inet_pton(AF_INET, PEER, rep.dst);
    for (guint i = 0; i < requests; i++)
        nmf_trace_count(trace, hop, &req);
    for (guint i = 0; i < replies; i++)
        nmf_trace_count(trace, hop, &rep);
}

/* The lab's domain; hops uplink0, br0, nattap0, lanvtap0 (absent). */
static char *
_document(Scenario scenario)
{
    g_autoptr(GPtrArray) ifaces =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_virt_iface_free);
    g_autoptr(GHashTable) delta = nmf_counters_new();
    g_autoptr(GPtrArray) causes = NULL;
    g_autoptr(NmfTrace) trace   = NULL;
    NmfVirtIface     *nat       = g_new0(NmfVirtIface, 1);
    NmfVirtIface     *lan       = g_new0(NmfVirtIface, 1);
    NmfHostSettings   settings  = { .ip_forward          = 1,
                                    .rp_filter_from_peer = -1,
                                    .rp_filter_to_peer   = 1 };
    NmfTraceDirection from, to;
    guint64           rp = 10;

    nat->type            = NMF_VIRT_IFACE_NETWORK;
    nat->mac             = g_strdup("52:54:00:00:00:10");
    nat->target_dev      = g_strdup("nattap0");
    nat->source_network  = g_strdup("default");
    nat->source_bridge   = g_strdup("br0");
    nat->network_forward = g_strdup("nat");
    lan->type            = NMF_VIRT_IFACE_DIRECT;
    lan->mac             = g_strdup("52:54:00:00:00:11");
    lan->target_dev      = g_strdup("lanvtap0");
    lan->source_dev      = g_strdup("uplink0");
    g_ptr_array_add(ifaces, nat);
    g_ptr_array_add(ifaces, lan);
    trace =
      nmf_trace_new("lab-guest", PEER, scenario == SCENARIO_NO_ROUTE ? NULL : "uplink0", ifaces);
    for (guint i = 0; i < trace->hops->len; i++) {
        NmfHop *hop = trace->hops->pdata[i];

        hop->present = strcmp(hop->device, "lanvtap0") != 0;
    }
    switch (scenario) {
    case SCENARIO_REPLIES_LOST:
    case SCENARIO_NO_ROUTE:
        _see(trace, 0, 10, 0); /* uplink0 */
        _see(trace, 1, 0, 10); /* br0 */
        _see(trace, 2, 0, 10); /* nattap0 */
        g_hash_table_insert(
          delta, g_strdup("TcpExt.IPReversePathFilter"), g_memdup(&rp, sizeof(rp)));
        break;
    case SCENARIO_PASS:
        _see(trace, 0, 10, 10);
        break;
    default:
        break;
    }
    nmf_trace_decide(trace, FALSE, &from);
    nmf_trace_decide(trace, TRUE, &to);
    causes = nmf_trace_causes(trace, &from, &to, delta, &settings);
    return nmf_trace_json(trace, 5, delta, causes);
}

static JsonObject *
_parse(const char *text, JsonParser **out_parser)
{
    g_autoptr(GError) error = NULL;
    JsonParser *parser      = json_parser_new();

    g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
    g_assert_no_error(error);
    *out_parser = parser;
    return json_node_get_object(json_parser_get_root(parser));
}

static void
test_replies_lost(void)
{
    g_autofree char *text   = _document(SCENARIO_REPLIES_LOST);
    g_autoptr(JsonParser) p = NULL;
    JsonObject *doc         = _parse(text, &p);
    JsonObject *lost        = json_object_get_object_member(doc, "lost_after");
    JsonArray  *hops        = json_object_get_array_member(doc, "hops");
    JsonObject *uplink, *absent;

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "lost");
    g_assert_cmpstr(json_object_get_string_member(doc, "domain"), ==, "lab-guest");
    g_assert_cmpstr(json_object_get_string_member(doc, "peer"), ==, PEER);
    g_assert_true(json_object_get_null_member(lost, "from_peer"));
    g_assert_cmpstr(json_object_get_string_member(lost, "to_peer"), ==, "br0");
    g_assert_cmpuint(json_array_get_length(hops), ==, 4);
    uplink = json_array_get_object_element(hops, 0);
    g_assert_cmpstr(json_object_get_string_member(uplink, "device"), ==, "uplink0");
    g_assert_cmpstr(json_object_get_string_member(uplink, "role"), ==, "uplink");
    g_assert_cmpint(json_object_get_int_member(uplink, "from_peer"), ==, 10);
    g_assert_cmpint(json_object_get_int_member(uplink, "to_peer"), ==, 0);
    absent = json_array_get_object_element(hops, 3);
    g_assert_false(json_object_get_boolean_member(absent, "present"));
    g_assert_true(json_object_get_null_member(absent, "from_peer"));
    g_assert_cmpint(json_object_get_int_member(json_object_get_object_member(doc, "counters"),
                                               "TcpExt.IPReversePathFilter"),
                    ==,
                    10);
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(doc, "causes")), ==, 2);
}

static void
test_pass(void)
{
    g_autofree char *text   = _document(SCENARIO_PASS);
    g_autoptr(JsonParser) p = NULL;
    JsonObject *doc         = _parse(text, &p);
    JsonObject *lost        = json_object_get_object_member(doc, "lost_after");
    JsonObject *result      = json_object_get_object_member(doc, "result");

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "pass");
    g_assert_true(json_object_get_null_member(lost, "from_peer"));
    g_assert_true(json_object_get_null_member(lost, "to_peer"));
    g_assert_cmpstr(json_object_get_string_member(result, "to_peer"), ==, "passed");
}

static void
test_no_traffic_no_route(void)
{
    g_autofree char *quiet   = _document(SCENARIO_NO_TRAFFIC);
    g_autofree char *noroute = _document(SCENARIO_NO_ROUTE);
    g_autoptr(JsonParser) p1 = NULL;
    g_autoptr(JsonParser) p2 = NULL;
    JsonObject *doc          = _parse(quiet, &p1);

    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "no-traffic");
    g_assert_cmpstr(
      json_object_get_string_member(json_object_get_object_member(doc, "result"), "from_peer"),
      ==,
      "not-seen");
    doc = _parse(noroute, &p2);
    g_assert_true(json_object_get_null_member(doc, "uplink"));
}

static int
_emit_json(void)
{
    for (int s = 0; s < SCENARIO_MAX; s++) {
        g_autofree char *text = _document(s);

        printf("\x1e%s", text);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--emit-json") == 0)
        return _emit_json();

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace-json/replies-lost", test_replies_lost);
    g_test_add_func("/trace-json/pass", test_pass);
    g_test_add_func("/trace-json/no-traffic-no-route", test_no_traffic_no_route);
    return g_test_run();
}
