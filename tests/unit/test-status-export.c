/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --status --json / --prometheus renderers.
 *
 * `test-json --emit-json` prints the documents of every scenario as a JSON text
 * sequence (RFC 7464: each preceded by 0x1E) for validate-json.py, which checks
 * them against data/status-schema.json.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include "decide/nmf-rank.h"
#include "decide/nmf-status-export.h"
#include "model/nmf-uplink.h"
#include "model/nmf-route.h"

typedef struct {
    const char *name;
    GPtrArray  *uplinks;
    GPtrArray  *routes;
    gboolean    managed;
} Scenario;

static NmfRoute *
_route(int family, const char *iface, guint32 metric, guint32 table)
{
    NmfRoute *r = g_new0(NmfRoute, 1);

    r->family  = family;
    r->ifindex = strcmp(iface, "eth0") == 0 ? 2 : 3;
    r->iface   = g_strdup(iface);
    r->gateway = g_strdup(family == AF_INET ? "192.0.2.1" : "fe80::1");
    r->metric  = metric;
    r->table   = table;
    return r;
}

static NmfUplink *
_uplink(const char *iface, const char *id, const char *address, guint8 prefix, const char *gateway)
{
    NmfUplink *u = nmf_uplink_new(iface, id, "0b8f6a0e-1d59-4b36-9d7f-6c0ed2a0a0aa");
    guint32    a;

    g_assert_true(nmf_parse_ip4(address, &a));
    nmf_uplink_add_address4(u, a, prefix);
    if (gateway)
        g_assert_true(nmf_parse_ip4(gateway, &u->gateway4));
    u->applied_known = TRUE;
    return u;
}

static void
_scenario_clear(Scenario *s)
{
    g_clear_pointer(&s->uplinks, g_ptr_array_unref);
    g_clear_pointer(&s->routes, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Scenario, _scenario_clear)

/* The lab: NAT eth0 and LAN eth1; @fixed: after --fix. */
static void
_scenario_lab(Scenario *s, gboolean fixed)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();

    s->name    = fixed ? "ok" : "wrong-owner";
    s->uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    s->routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_ptr_array_add(s->uplinks, _uplink("eth0", "nat", "192.168.122.100", 24, "192.168.122.1"));
    g_ptr_array_add(s->uplinks, _uplink("eth1", "lan", "10.66.60.236", 23, "10.66.61.254"));
    s->managed = nmf_rank(policy, s->uplinks);
    g_assert_true(s->managed);
    if (fixed) {
        guint i;

        for (i = 0; i < s->uplinks->len; i++) {
            NmfUplink *u = s->uplinks->pdata[i];

            u->applied_metric4 = strcmp(u->iface, "eth1") == 0 ? 100 : 101;
        }
        g_ptr_array_add(s->routes, _route(AF_INET, "eth1", 100, NMF_TABLE_MAIN));
        g_ptr_array_add(s->routes, _route(AF_INET, "eth0", 101, NMF_TABLE_MAIN));
        g_ptr_array_add(s->routes, _route(AF_INET6, "eth1", 100, NMF_TABLE_MAIN));
        g_ptr_array_add(s->routes, _route(AF_INET, "eth1", 100, 30501));
    } else {
        g_ptr_array_add(s->routes, _route(AF_INET, "eth0", 100, NMF_TABLE_MAIN));
        g_ptr_array_add(s->routes, _route(AF_INET, "eth1", 101, NMF_TABLE_MAIN));
    }
    nmf_routes_sort(s->routes);
}

/* One LAN link, nothing to rank; a second device without a gateway whose applied
 * connection could not be read, with a name that needs escaping everywhere. */
static void
_scenario_left_alone(Scenario *s)
{
    g_autoptr(NmfConfig) policy = nmf_config_new_default();
    NmfUplink *odd;

    s->name    = "left-alone";
    s->uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    s->routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_ptr_array_add(s->uplinks, _uplink("eth1", "lan", "10.66.60.236", 23, "10.66.61.254"));
    odd = _uplink("eth2", "Büro \"WLAN\" \\ 2\nzweite Zeile", "172.16.0.5", 16, NULL);
    odd->applied_known = FALSE;
    g_ptr_array_add(s->uplinks, odd);
    s->managed = nmf_rank(policy, s->uplinks);
    g_assert_false(s->managed);
    g_ptr_array_add(s->routes, _route(AF_INET, "eth1", 100, NMF_TABLE_MAIN));
}

static void
_scenario_empty(Scenario *s)
{
    s->name    = "empty";
    s->uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    s->routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    s->managed = FALSE;
}

static JsonObject *
_parse(const char *text, JsonParser **out_parser)
{
    g_autoptr(GError) error = NULL;
    JsonParser *parser      = json_parser_new();
    JsonNode   *root;

    g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
    g_assert_no_error(error);
    root = json_parser_get_root(parser);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    *out_parser = parser;
    return json_node_get_object(root);
}

static JsonObject *
_interface(JsonObject *doc, const char *iface)
{
    JsonArray *ifaces = json_object_get_array_member(doc, "interfaces");
    guint      i;

    for (i = 0; i < json_array_get_length(ifaces); i++) {
        JsonObject *o = json_array_get_object_element(ifaces, i);

        if (strcmp(json_object_get_string_member(o, "interface"), iface) == 0)
            return o;
    }
    g_assert_not_reached();
}

static gboolean
_is_null(JsonObject *o, const char *member)
{
    g_assert_true(json_object_has_member(o, member));
    return json_object_get_null_member(o, member);
}

static void
test_json_wrong_owner(void)
{
    g_auto(Scenario) s           = { 0 };
    g_autoptr(JsonParser) parser = NULL;
    g_autofree char *text        = NULL;
    JsonObject      *doc;
    JsonObject      *eth0;
    JsonObject      *eth1;
    JsonObject      *owner;

    _scenario_lab(&s, FALSE);
    text = nmf_status_json(s.uplinks, s.managed, s.routes, NULL);
    g_assert_true(g_str_has_suffix(text, "}\n"));
    doc = _parse(text, &parser);
    g_assert_cmpint(json_object_get_int_member(doc, "schema_version"), ==, 1);
    g_assert_true(json_object_get_boolean_member(doc, "managed"));
    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "wrong-owner");
    g_assert_cmpstr(json_object_get_string_member(doc, "intended_owner"), ==, "eth1");
    owner = json_object_get_object_member(doc, "default_route_owner");
    g_assert_cmpstr(json_object_get_string_member(owner, "ipv4"), ==, "eth0");
    g_assert_true(_is_null(owner, "ipv6"));

    eth0 = _interface(doc, "eth0");
    eth1 = _interface(doc, "eth1");
    g_assert_cmpstr(json_object_get_string_member(eth0, "class"), ==, "nat");
    g_assert_cmpstr(json_object_get_string_member(eth1, "class"), ==, "lan");
    g_assert_cmpint(json_object_get_int_member(eth1, "rank"), ==, 1);
    g_assert_cmpint(json_object_get_int_member(eth0, "rank"), ==, 2);
    g_assert_cmpint(json_object_get_int_member(eth1, "wanted_metric"),
                    <,
                    json_object_get_int_member(eth0, "wanted_metric"));
    /* -1 (automatic) has no number. */
    g_assert_true(_is_null(eth1, "applied_metric_ipv4"));
    g_assert_true(_is_null(eth1, "profile_metric_ipv4"));
    g_assert_cmpint(json_object_get_int_member(eth1, "kernel_metric_ipv4"), ==, 101);
    g_assert_true(_is_null(eth1, "kernel_metric_ipv6"));
    g_assert_true(_is_null(eth1, "unranked_reason"));
    g_assert_cmpstr(json_object_get_string_member(eth1, "gateway_ipv4"), ==, "10.66.61.254");
    g_assert_cmpstr(
      json_array_get_string_element(json_object_get_array_member(eth1, "addresses_ipv4"), 0),
      ==,
      "10.66.60.236/23");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(doc, "routes")), ==, 2);
}

static void
test_json_ok(void)
{
    g_auto(Scenario) s           = { 0 };
    g_autoptr(JsonParser) parser = NULL;
    g_autofree char *text        = NULL;
    JsonObject      *doc;
    JsonObject      *route;
    JsonArray       *routes;

    _scenario_lab(&s, TRUE);
    text = nmf_status_json(s.uplinks, s.managed, s.routes, NULL);
    doc  = _parse(text, &parser);
    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "ok");
    g_assert_cmpstr(json_object_get_string_member(
                      json_object_get_object_member(doc, "default_route_owner"), "ipv6"),
                    ==,
                    "eth1");
    g_assert_cmpint(
      json_object_get_int_member(_interface(doc, "eth1"), "applied_metric_ipv4"), ==, 100);
    routes = json_object_get_array_member(doc, "routes");
    g_assert_cmpuint(json_array_get_length(routes), ==, 4);
    route = json_array_get_object_element(routes, 0);
    g_assert_cmpstr(json_object_get_string_member(route, "family"), ==, "ipv4");
    g_assert_cmpstr(json_object_get_string_member(route, "interface"), ==, "eth1");
    g_assert_cmpint(json_object_get_int_member(route, "metric"), ==, 100);
    g_assert_cmpint(json_object_get_int_member(route, "table"), ==, 254);
}

static void
test_json_left_alone(void)
{
    g_auto(Scenario) s           = { 0 };
    g_autoptr(JsonParser) parser = NULL;
    g_autofree char *text        = NULL;
    JsonObject      *doc;
    JsonObject      *odd;

    _scenario_left_alone(&s);
    text = nmf_status_json(s.uplinks, s.managed, s.routes, NULL);
    doc  = _parse(text, &parser);
    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "left-alone");
    g_assert_true(_is_null(doc, "intended_owner"));
    odd = _interface(doc, "eth2");
    /* The name survives the round trip byte for byte. */
    g_assert_cmpstr(
      json_object_get_string_member(odd, "connection"), ==, "Büro \"WLAN\" \\ 2\nzweite Zeile");
    g_assert_true(_is_null(odd, "rank"));
    g_assert_true(_is_null(odd, "gateway_ipv4"));
    g_assert_cmpstr(json_object_get_string_member(odd, "unranked_reason"), ==, "no-gateway");
    g_assert_false(json_object_get_boolean_member(odd, "applied_known"));
    g_assert_true(_is_null(odd, "applied_metric_ipv4"));
}

static void
test_json_empty(void)
{
    g_auto(Scenario) s           = { 0 };
    g_autoptr(JsonParser) parser = NULL;
    g_autofree char *text        = NULL;
    JsonObject      *doc;

    _scenario_empty(&s);
    text = nmf_status_json(s.uplinks, s.managed, s.routes, NULL);
    doc  = _parse(text, &parser);
    g_assert_cmpstr(json_object_get_string_member(doc, "verdict"), ==, "left-alone");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(doc, "interfaces")), ==, 0);
    g_assert_true(_is_null(json_object_get_object_member(doc, "default_route_owner"), "ipv4"));
}

static void
test_prometheus_escape(void)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "eth0", "eth0" },   { "", "" },          { "a\"b", "a\\\"b" },
        { "a\\b", "a\\\\b" }, { "a\nb", "a\\nb" }, { "\\\"\n", "\\\\\\\"\\n" },
        { "Büro", "Büro" },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = nmf_prometheus_escape_label(cases[i].in);

        g_assert_cmpstr(got, ==, cases[i].out);
    }
}

/* Every sample line is `name{labels} value` with well-formed labels, and every metric
 * name has HELP and TYPE before its samples. */
static void
_assert_exposition_format(const char *text)
{
    g_autoptr(GRegex) sample =
      g_regex_new("^([a-z_]+)(\\{[a-z_]+=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\"(,[a-z_]+=\"([^\"\\\\\\n]"
                  "|\\\\[\\\\\"n])*\")*\\})? -?[0-9]+$",
                  0,
                  0,
                  NULL);
    g_autoptr(GHashTable) typed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) lines         = g_strsplit(text, "\n", -1);
    guint i;

    g_assert_true(g_str_has_suffix(text, "\n"));
    for (i = 0; lines[i] && lines[i][0]; i++) {
        g_autoptr(GMatchInfo) match = NULL;
        g_autofree char *name       = NULL;

        if (g_str_has_prefix(lines[i], "# HELP "))
            continue;
        if (g_str_has_prefix(lines[i], "# TYPE ")) {
            g_auto(GStrv) words = g_strsplit(lines[i], " ", -1);

            g_assert_cmpstr(words[3], ==, "gauge");
            g_hash_table_add(typed, g_strdup(words[2]));
            continue;
        }
        if (!g_regex_match(sample, lines[i], 0, &match))
            g_error("not a valid sample line: '%s'", lines[i]);
        name = g_match_info_fetch(match, 1);
        g_assert_true(g_hash_table_contains(typed, name));
    }
}

static void
test_prometheus_lab(void)
{
    g_auto(Scenario) s    = { 0 };
    g_autofree char *text = NULL;

    _scenario_lab(&s, FALSE);
    text = nmf_status_prometheus(s.uplinks, s.managed, s.routes, NULL);
    _assert_exposition_format(text);
    g_assert_nonnull(strstr(text, "# TYPE nm_metric_fix_default_route_intended gauge\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_default_route_intended{family=\"ipv4\"} 0\n"));
    g_assert_null(strstr(text, "nm_metric_fix_default_route_intended{family=\"ipv6\"}"));
    g_assert_nonnull(strstr(
      text, "\nnm_metric_fix_default_route_owner_info{family=\"ipv4\",interface=\"eth0\"} 1\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_verdict{verdict=\"wrong-owner\"} 1\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_verdict{verdict=\"ok\"} 0\n"));
    g_assert_nonnull(strstr(
      text,
      "\nnm_metric_fix_interface_rank{interface=\"eth1\",connection=\"lan\",class=\"lan\"} 1\n"));
    g_assert_nonnull(strstr(
      text,
      "\nnm_metric_fix_interface_kernel_metric{interface=\"eth0\",connection=\"nat\",class=\"nat\","
      "family=\"ipv4\"} 100\n"));
    g_assert_nonnull(strstr(text, "nm_metric_fix_interface_wanted_metric{interface=\"eth1\""));
    /* Automatic applied metrics have no sample. */
    g_assert_null(strstr(text, "\nnm_metric_fix_interface_applied_metric{"));
    /* Owner and intended owner side by side, for an alert's description. */
    g_assert_nonnull(strstr(text,
                            "\nnm_metric_fix_default_route_intended_owner_info{family=\"ipv4\","
                            "interface=\"eth1\"} 1\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_warnings 0\n"));
    g_assert_nonnull(strstr(text, "# TYPE nm_metric_fix_warning_info gauge\n"));
    g_assert_null(strstr(text, "\nnm_metric_fix_warning_info{"));

    g_clear_pointer(&text, g_free);
    _scenario_clear(&s);
    _scenario_lab(&s, TRUE);
    text = nmf_status_prometheus(s.uplinks, s.managed, s.routes, NULL);
    _assert_exposition_format(text);
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_default_route_intended{family=\"ipv4\"} 1\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_default_route_intended{family=\"ipv6\"} 1\n"));
    g_assert_nonnull(strstr(text,
                            "\nnm_metric_fix_interface_applied_metric{interface=\"eth1\","
                            "connection=\"lan\",class=\"lan\","
                            "family=\"ipv4\"} 100\n"));
}

static void
test_prometheus_escaped_labels(void)
{
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    g_autoptr(GPtrArray) routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    g_autofree char *text        = NULL;
    NmfUplink       *odd =
      _uplink("br\"0", "Büro \"WLAN\" \\ 2\nzweite Zeile", "10.1.2.3", 24, "10.1.2.1");

    /* Set by hand: names like these never come out of the ranking tests. */
    odd->klass           = NMF_CLASS_BRIDGED;
    odd->rank            = 1;
    odd->wanted_metric   = 100;
    odd->applied_metric4 = 100;
    g_ptr_array_add(uplinks, odd);
    g_ptr_array_add(routes, _route(AF_INET, "br\"0", 100, NMF_TABLE_MAIN));
    text = nmf_status_prometheus(uplinks, TRUE, routes, NULL);
    _assert_exposition_format(text);
    g_assert_nonnull(
      strstr(text,
             "\nnm_metric_fix_interface_rank{interface=\"br\\\"0\",connection=\"Büro "
             "\\\"WLAN\\\" \\\\ 2\\nzweite Zeile\",class=\"bridged\"} 1\n"));
    g_assert_nonnull(strstr(
      text, "\nnm_metric_fix_default_route_owner_info{family=\"ipv4\",interface=\"br\\\"0\"} 1\n"));
    g_assert_nonnull(strstr(text, "\nnm_metric_fix_default_route_intended{family=\"ipv4\"} 1\n"));
}

static void
test_prometheus_warnings(void)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new();
    g_autoptr(GString) out        = g_string_new(NULL);

    g_ptr_array_add(warnings, "eth0 and eth1 share metric 100");
    g_ptr_array_add(warnings, "profile \"lan\" \\ odd\nname");
    nmf_prometheus_warnings(out, warnings);
    _assert_exposition_format(out->str);
    g_assert_nonnull(strstr(out->str, "\nnm_metric_fix_warnings 2\n"));
    g_assert_nonnull(strstr(
      out->str, "\nnm_metric_fix_warning_info{warning=\"eth0 and eth1 share metric 100\"} 1\n"));
    g_assert_nonnull(
      strstr(out->str,
             "\nnm_metric_fix_warning_info{warning=\"profile \\\"lan\\\" \\\\ odd\\nname\"} 1\n"));
}

/* The Prometheus documents of the scenarios (and the warnings) for promtool, separated
 * by RS characters. */
static int
_emit_prometheus(void)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new();
    g_autoptr(GString) extra      = g_string_new(NULL);
    guint i;

    for (i = 0; i < 3; i++) {
        g_auto(Scenario) s    = { 0 };
        g_autofree char *text = NULL;

        if (i < 2)
            _scenario_lab(&s, i == 1);
        else
            _scenario_left_alone(&s);
        text = nmf_status_prometheus(s.uplinks, s.managed, s.routes, NULL);
        printf("\x1e%s", text);
    }
    g_ptr_array_add(warnings, "eth0 and eth1 share metric 100");
    nmf_prometheus_warnings(extra, warnings);
    printf("\x1e%s", extra->str);
    return 0;
}

static int
_emit_json(void)
{
    void (*const builders[])(Scenario *) = {
        _scenario_left_alone,
        _scenario_empty,
    };
    guint i;

    for (i = 0; i < 2 + G_N_ELEMENTS(builders); i++) {
        g_auto(Scenario) s    = { 0 };
        g_autofree char *text = NULL;

        if (i < 2)
            _scenario_lab(&s, i == 1);
        else
            builders[i - 2](&s);
        text = nmf_status_json(s.uplinks, s.managed, s.routes, NULL);
        printf("\x1e%s", text);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--emit-json") == 0)
        return _emit_json();
    if (argc == 2 && strcmp(argv[1], "--emit-prometheus") == 0)
        return _emit_prometheus();

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/wrong-owner", test_json_wrong_owner);
    g_test_add_func("/json/ok", test_json_ok);
    g_test_add_func("/json/left-alone", test_json_left_alone);
    g_test_add_func("/json/empty", test_json_empty);
    g_test_add_func("/prometheus/escape", test_prometheus_escape);
    g_test_add_func("/prometheus/lab", test_prometheus_lab);
    g_test_add_func("/prometheus/escaped-labels", test_prometheus_escaped_labels);
    g_test_add_func("/prometheus/warnings", test_prometheus_warnings);
    return g_test_run();
}
