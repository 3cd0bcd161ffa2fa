/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the --check verdict (nmf-check-verdict.c): rows judged, table rendered. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "decide/nmf-check-verdict.h"
#include "model/nmf-uplink.h"

#define TARGET "10.72.112.29"

/* A row as the --check runner (nmf-check.c) fills it from the kernel's answers. */
static NmfCheckRow *
_row(const char *address,
     const char *iface,
     const char *reply_iface,
     int         reply_error,
     int         rp_filter,
     gboolean    is_nat)
{
    NmfCheckRow *row = nmf_check_row_new(strchr(address, ':') ? AF_INET6 : AF_INET, address, iface);

    row->reply_iface    = g_strdup(reply_iface);
    row->reply_error    = reply_error;
    row->rp_filter      = rp_filter;
    row->rp_filter_pass = nmf_rp_filter_passes(rp_filter, iface, reply_iface, reply_error);
    row->is_nat         = is_nat;
    return row;
}

static GPtrArray *
_rows_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
}

static const NmfCheckRow *
_find(GPtrArray *rows, const char *iface)
{
    guint i;

    for (i = 0; i < rows->len; i++) {
        const NmfCheckRow *row = rows->pdata[i];

        if (strcmp(row->iface, iface) == 0)
            return row;
    }
    g_assert_not_reached();
}

static char *
_render(GPtrArray *rows, gboolean all_ok)
{
    GString *out = g_string_new(NULL);

    nmf_check_render(out, TARGET, rows, all_ok);
    return g_string_free(out, FALSE);
}

static void
test_rp_filter_effective(void)
{
    NmfRpFilter rp = { .all = 0, .deflt = 1, .iface = 2 };

    g_assert_cmpint(nmf_rp_filter_effective(&rp), ==, 2);
    rp.all   = 1;
    rp.iface = 0;
    g_assert_cmpint(nmf_rp_filter_effective(&rp), ==, 1);
    rp.all   = 2;
    rp.iface = 1;
    g_assert_cmpint(nmf_rp_filter_effective(&rp), ==, 2);
    /* An unreadable device value falls back to "default". */
    rp.all   = 0;
    rp.iface = -1;
    g_assert_cmpint(nmf_rp_filter_effective(&rp), ==, 1);
    rp.all   = -1;
    rp.deflt = -1;
    g_assert_cmpint(nmf_rp_filter_effective(&rp), ==, NMF_RP_FILTER_NONE);
}

static void
test_rp_filter_passes(void)
{
    g_assert_true(nmf_rp_filter_passes(0, "eth1", "eth0", 0));
    g_assert_true(nmf_rp_filter_passes(0, "eth1", NULL, ENETUNREACH));
    g_assert_false(nmf_rp_filter_passes(1, "eth1", "eth0", 0));
    g_assert_true(nmf_rp_filter_passes(1, "eth1", "eth1", 0));
    g_assert_true(nmf_rp_filter_passes(2, "eth1", "eth0", 0));
    g_assert_false(nmf_rp_filter_passes(2, "eth1", NULL, ENETUNREACH));
    g_assert_true(nmf_rp_filter_passes(NMF_RP_FILTER_NONE, "eth1", "eth0", 0));
}

static void
test_parse_target(void)
{
    g_assert_cmpint(nmf_check_parse_target("10.72.112.29"), ==, AF_INET);
    g_assert_cmpint(nmf_check_parse_target("2001:db8::1"), ==, AF_INET6);
    g_assert_cmpint(nmf_check_parse_target("10.72.112"), ==, 0);
    g_assert_cmpint(nmf_check_parse_target("example.com"), ==, 0);
    g_assert_cmpint(nmf_check_parse_target(""), ==, 0);
    g_assert_cmpint(nmf_check_parse_target(NULL), ==, 0);
}

/* The report: eth0 (NAT) owns the default route, the request arrives on eth1. */
static void
test_asymmetric_before_fix(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    gboolean         all_ok;

    g_ptr_array_add(rows, _row("192.168.122.100", "eth0", "eth0", 0, 2, TRUE));
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth0", 0, 2, FALSE));
    all_ok = nmf_check_evaluate(rows);
    g_assert_false(all_ok);
    g_assert_cmpint(_find(rows, "eth1")->verdict, ==, NMF_CHECK_ASYMMETRIC);
    g_assert_true(_find(rows, "eth1")->counted);
    g_assert_cmpint(_find(rows, "eth0")->verdict, ==, NMF_CHECK_SYMMETRIC);
    g_assert_false(_find(rows, "eth0")->counted);
    /* Counted rows come first. */
    g_assert_cmpstr(((NmfCheckRow *) rows->pdata[0])->iface, ==, "eth1");

    text = _render(rows, all_ok);
    g_assert_nonnull(strstr(text, "ADDRESS"));
    g_assert_nonnull(strstr(text, "RP_FILTER"));
    g_assert_nonnull(strstr(text, "ASYMMETRIC: reply leaves via eth0"));
    g_assert_nonnull(strstr(text, "2 (loose)"));
    g_assert_nonnull(strstr(text, "symmetric (NAT link, not counted)"));
    g_assert_nonnull(strstr(text, "nm-metric-fix --fix"));
    g_assert_nonnull(strstr(text, "mode=policy"));
}

/* Columns line up: every cell of the RESULT column starts at the same offset. */
static void
test_table_aligned(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    g_auto(GStrv) lines       = NULL;

    g_ptr_array_add(rows, _row("192.168.122.100", "eth0", "eth0", 0, 2, TRUE));
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth0", 0, 2, FALSE));
    text  = _render(rows, nmf_check_evaluate(rows));
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), >=, 4);
    g_assert_true(g_str_has_prefix(lines[1], "ADDRESS "));
    g_assert_cmpint(
      strstr(lines[1], "RESULT") - lines[1], ==, strstr(lines[2], "ASYMMETRIC") - lines[2]);
    g_assert_cmpint(
      strstr(lines[1], "RESULT") - lines[1], ==, strstr(lines[3], "symmetric") - lines[3]);
    g_assert_cmpint(
      strstr(lines[1], "INTERFACE") - lines[1], ==, strstr(lines[3], "eth0") - lines[3]);
}

/* After --fix: eth1 owns the default route; the NAT link now answers via eth1 and does
 * not fail the check. */
static void
test_symmetric_after_fix(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    gboolean         all_ok;

    g_ptr_array_add(rows, _row("192.168.122.100", "eth0", "eth1", 0, 2, TRUE));
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth1", 0, 2, FALSE));
    all_ok = nmf_check_evaluate(rows);
    g_assert_true(all_ok);
    g_assert_cmpint(_find(rows, "eth1")->verdict, ==, NMF_CHECK_SYMMETRIC);
    g_assert_cmpint(_find(rows, "eth0")->verdict, ==, NMF_CHECK_ASYMMETRIC);
    g_assert_false(_find(rows, "eth0")->counted);
    text = _render(rows, all_ok);
    /* The target is off the NAT subnet: it reaches the NAT address only through the host's
     * NAT, so nothing arrives there and nothing is asymmetric (issue 14). */
    g_assert_true(nmf_check_row_nat_unreached(_find(rows, "eth0")));
    g_assert_nonnull(strstr(text, "not judged: 10.72.112.29 reaches a NAT address only through "
                                  "the host's NAT (a reply would leave via eth1)"));
    g_assert_null(strstr(text, "ASYMMETRIC"));
    g_assert_nonnull(strstr(text, "Result: symmetric."));
    g_assert_null(strstr(text, "--fix"));

    /* A target on the NAT subnet does reach the NAT address directly: then it is asymmetric. */
    ((NmfCheckRow *) _find(rows, "eth0"))->target_on_link = TRUE;
    g_free(text);
    text = _render(rows, all_ok);
    g_assert_false(nmf_check_row_nat_unreached(_find(rows, "eth0")));
    g_assert_nonnull(strstr(text, "ASYMMETRIC: reply leaves via eth1 (NAT link, not counted)"));
}

static void
test_in_subnet(void)
{
    g_assert_true(nmf_check_in_subnet(AF_INET, "192.168.122.100", 24, "192.168.122.7"));
    g_assert_false(nmf_check_in_subnet(AF_INET, "192.168.122.100", 24, "10.72.112.29"));
    g_assert_true(nmf_check_in_subnet(AF_INET, "10.66.60.236", 23, "10.66.61.254"));
    g_assert_false(nmf_check_in_subnet(AF_INET, "10.66.60.236", 23, "10.66.62.1"));
    g_assert_true(nmf_check_in_subnet(AF_INET6, "2001:db8:66::11", 64, "2001:db8:66::1"));
    g_assert_false(nmf_check_in_subnet(AF_INET6, "2001:db8:66::11", 64, "2001:db8:72::29"));
    g_assert_false(nmf_check_in_subnet(AF_INET, "not-an-address", 24, "10.0.0.1"));
}

/* rp_filter=1 on eth1 while eth0 owns the default route: the request is dropped. */
static void
test_strict_rp_filter(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    gboolean         all_ok;

    g_ptr_array_add(rows, _row("192.168.122.100", "eth0", "eth0", 0, 1, TRUE));
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth0", 0, 1, FALSE));
    all_ok = nmf_check_evaluate(rows);
    g_assert_false(all_ok);
    g_assert_false(_find(rows, "eth1")->rp_filter_pass);
    g_assert_cmpint(_find(rows, "eth1")->verdict, ==, NMF_CHECK_RP_FILTER_DROP);
    text = _render(rows, all_ok);
    g_assert_nonnull(strstr(text, "dropped by rp_filter (strict)"));
    g_assert_nonnull(strstr(text, "1 (strict)"));
    g_assert_nonnull(strstr(text, "dropped by rp_filter or answered by another link"));
}

/* The kernel's answer to the request lookup wins over our own reading of rp_filter:
 * EXDEV is its drop even where rp_filter looks off (e.g. a source rule we do not model),
 * success passes even where strict rp_filter and the reply route suggest a drop; EINVAL
 * (a drop on 6.18, but not only) and other errors leave it to the reply route. */
static void
test_kernel_rp_answer_wins(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    NmfCheckRow *row          = _row("10.66.60.236", "eth1", "eth1", 0, 0, FALSE);

    /* Off, reply on the same link: our reading passes; the kernel's EXDEV drops. */
    g_assert_true(nmf_rp_filter_passes(0, "eth1", "eth1", 0));
    g_assert_false(nmf_check_request_passes(EXDEV, 0, "eth1", "eth1", 0));
    /* Strict, reply by another link: our reading drops; the kernel routed it. */
    g_assert_false(nmf_rp_filter_passes(1, "eth1", "eth0", 0));
    g_assert_true(nmf_check_request_passes(0, 1, "eth1", "eth0", 0));
    /* EINVAL and others: the reply route decides, both ways. */
    g_assert_false(nmf_check_request_passes(EINVAL, 1, "eth1", "eth0", 0));
    g_assert_true(nmf_check_request_passes(EINVAL, 0, "eth1", "eth0", 0));
    g_assert_true(nmf_check_request_passes(ENETUNREACH, 2, "eth1", "eth0", 0));
    g_assert_false(nmf_check_request_passes(ENETUNREACH, 2, "eth1", NULL, ENETUNREACH));

    /* And the row the runner fills from the kernel's EXDEV fails the check. */
    row->rp_filter_pass = nmf_check_request_passes(
      EXDEV, row->rp_filter, row->iface, row->reply_iface, row->reply_error);
    g_ptr_array_add(rows, row);
    g_assert_false(nmf_check_evaluate(rows));
    g_assert_cmpint(row->verdict, ==, NMF_CHECK_RP_FILTER_DROP);
}

/* A NAT link that fails in every way still does not fail the check. */
static void
test_nat_never_fails(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;

    g_ptr_array_add(rows, _row("192.168.122.100", "eth0", NULL, ENETUNREACH, 1, TRUE));
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth1", 0, 1, FALSE));
    g_assert_true(nmf_check_evaluate(rows));
    g_assert_cmpint(_find(rows, "eth0")->verdict, ==, NMF_CHECK_RP_FILTER_DROP);
    text = _render(rows, TRUE);
    g_assert_nonnull(strstr(text, "dropped by rp_filter (strict) (NAT link, not counted)"));
}

static void
test_no_route_back(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    NmfCheckRow     *row      = _row("10.66.60.236", "eth1", NULL, ENETUNREACH, 0, FALSE);

    row->has_route_to_target = FALSE; /* no link has a route: all are judged */
    g_ptr_array_add(rows, row);
    g_assert_false(nmf_check_evaluate(rows));
    g_assert_cmpint(row->verdict, ==, NMF_CHECK_NO_ROUTE_BACK);
    text = _render(rows, FALSE);
    g_assert_nonnull(strstr(text, "no route back ("));
    g_assert_nonnull(strstr(text, "REPLY VIA"));
}

/* A link without any route towards the target (docker0, virbr0) is listed, not judged. */
static void
test_not_a_path(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    NmfCheckRow     *docker   = _row("172.17.0.1", "docker0", "eth1", 0, 0, FALSE);

    docker->has_route_to_target = FALSE;
    g_ptr_array_add(rows, docker);
    g_ptr_array_add(rows, _row("10.66.60.236", "eth1", "eth1", 0, 2, FALSE));
    g_assert_true(nmf_check_evaluate(rows));
    g_assert_cmpint(docker->verdict, ==, NMF_CHECK_NOT_A_PATH);
    g_assert_false(docker->counted);
    text = _render(rows, TRUE);
    g_assert_nonnull(strstr(text, "not a path to " TARGET " (not counted)"));
    g_assert_nonnull(strstr(text, "0 (off)"));
}

static void
test_ipv6_row(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;
    GString         *out      = g_string_new(NULL);
    gboolean         all_ok;

    g_ptr_array_add(rows, _row("fd00:66::236", "eth1", "eth0", 0, NMF_RP_FILTER_NONE, FALSE));
    g_ptr_array_add(rows, _row("fd00:122::100", "eth0", "eth0", 0, NMF_RP_FILTER_NONE, TRUE));
    all_ok = nmf_check_evaluate(rows);
    g_assert_false(all_ok);
    g_assert_cmpint(_find(rows, "eth1")->family, ==, AF_INET6);
    /* IPv6 has no rp_filter sysctl: never "dropped", only asymmetric. */
    g_assert_cmpint(_find(rows, "eth1")->verdict, ==, NMF_CHECK_ASYMMETRIC);
    nmf_check_render(out, "fd00:72::29", rows, all_ok);
    text = g_string_free(out, FALSE);
    g_assert_nonnull(strstr(text, "Replies to fd00:72::29, per local address:"));
    g_assert_nonnull(strstr(text, "fd00:66::236"));
    g_assert_nonnull(strstr(text, "ASYMMETRIC: reply leaves via eth0"));
}

static void
test_no_addresses(void)
{
    g_autoptr(GPtrArray) rows = _rows_new();
    g_autofree char *text     = NULL;

    g_assert_true(nmf_check_evaluate(rows));
    text = _render(rows, TRUE);
    g_assert_nonnull(strstr(text, "no local address to check"));
}

static void
test_nat_ifaces(void)
{
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    g_autoptr(GPtrArray) names   = NULL;
    NmfUplink *nat               = nmf_uplink_new("eth0", "nat", "u1");
    NmfUplink *lan               = nmf_uplink_new("eth1", "lan", "u2");

    nat->klass = NMF_CLASS_NAT;
    lan->klass = NMF_CLASS_LAN;
    g_ptr_array_add(uplinks, nat);
    g_ptr_array_add(uplinks, lan);
    names = nmf_check_nat_ifaces(uplinks);
    g_assert_cmpuint(names->len, ==, 1);
    g_assert_cmpstr(names->pdata[0], ==, "eth0");
    g_ptr_array_unref(nmf_check_nat_ifaces(NULL));
}

static void
test_target_refusal(void)
{
    static const char *const refused[] = {
        "0.0.0.0",   "0.1.2.3",         "127.0.0.1",        "127.8.9.1",
        "224.0.0.1", "239.255.255.250", "255.255.255.255",  "::",
        "::1",       "ff02::1",         "::ffff:127.0.0.1", "eth0",
        "",          "10.1.2.3/24",
    };
    static const char *const accepted[] = {
        "10.72.112.29",    "192.168.122.1", "223.255.255.254",
        "2001:db8:72::29", "fe80::1",       "::ffff:10.0.0.1",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(refused); i++)
        g_assert_nonnull(nmf_check_target_refusal(refused[i]));
    for (i = 0; i < G_N_ELEMENTS(accepted); i++)
        g_assert_null(nmf_check_target_refusal(accepted[i]));
    g_assert_cmpstr(nmf_check_target_refusal("127.0.0.1"), ==, "a loopback address");
    g_assert_cmpstr(nmf_check_target_refusal("255.255.255.255"), ==, "the broadcast address");
    g_assert_cmpstr(nmf_check_target_refusal("ff02::1"), ==, "a multicast address");
    g_assert_cmpstr(nmf_check_target_refusal("::"), ==, "the unspecified address");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/check/rp-filter/effective", test_rp_filter_effective);
    g_test_add_func("/check/rp-filter/passes", test_rp_filter_passes);
    g_test_add_func("/check/parse-target", test_parse_target);
    g_test_add_func("/check/asymmetric-before-fix", test_asymmetric_before_fix);
    g_test_add_func("/check/table-aligned", test_table_aligned);
    g_test_add_func("/check/symmetric-after-fix", test_symmetric_after_fix);
    g_test_add_func("/check/in-subnet", test_in_subnet);
    g_test_add_func("/check/strict-rp-filter", test_strict_rp_filter);
    g_test_add_func("/check/kernel-rp-answer-wins", test_kernel_rp_answer_wins);
    g_test_add_func("/check/nat-never-fails", test_nat_never_fails);
    g_test_add_func("/check/no-route-back", test_no_route_back);
    g_test_add_func("/check/not-a-path", test_not_a_path);
    g_test_add_func("/check/ipv6", test_ipv6_row);
    g_test_add_func("/check/no-addresses", test_no_addresses);
    g_test_add_func("/check/nat-ifaces", test_nat_ifaces);
    g_test_add_func("/check/target-refusal", test_target_refusal);
    return g_test_run();
}
