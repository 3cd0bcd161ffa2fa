/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of nmf-check-cause.c: where the default route's metric came from, what --fix changes.
 */
#include <string.h>
#include <sys/socket.h>

#include "decide/nmf-check-cause.h"
#include "model/nmf-route.h"
#include "model/nmf-uplink.h"

static NmfRoute *
_route(int family, const char *iface, guint32 metric)
{
    NmfRoute *r = g_new0(NmfRoute, 1);

    r->family = family;
    r->iface  = g_strdup(iface);
    r->metric = metric;
    r->table  = 254;
    return r;
}

static NmfUplink *
_uplink(const char *iface, const char *id, NmfUplinkClass klass, gint64 profile_metric)
{
    NmfUplink *u = nmf_uplink_new(iface, id, id);

    u->device_type     = g_strdup("ethernet");
    u->klass           = klass;
    u->profile_metric4 = profile_metric;
    u->applied_metric4 = profile_metric;
    u->profile_metric6 = NMF_METRIC_AUTO;
    return u;
}

typedef struct {
    GPtrArray *routes;
    GPtrArray *uplinks;
    NmfPlan    plan;
} Lab;

/* The seed: eth0 (nat) activated first got 100, eth1 (lan) 101; the ranking wants eth1 100. */
static void
_lab_init(Lab *lab, gint64 nat_profile_metric, guint32 nat_kernel_metric)
{
    NmfUplink *lan = _uplink("eth1", "lan", NMF_CLASS_LAN, NMF_METRIC_AUTO);
    NmfUplink *nat = _uplink("eth0", "nat", NMF_CLASS_NAT, nat_profile_metric);

    lab->routes  = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_route_free);
    lab->uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    g_ptr_array_add(lab->routes, _route(AF_INET, "eth0", nat_kernel_metric));
    g_ptr_array_add(lab->routes, _route(AF_INET, "eth1", 101));
    lan->rank          = 1;
    lan->wanted_metric = 100;
    nat->rank          = 2;
    nat->wanted_metric = 101;
    g_ptr_array_add(lab->uplinks, lan);
    g_ptr_array_add(lab->uplinks, nat);
    memset(&lab->plan, 0, sizeof(lab->plan));
    lab->plan.managed = TRUE;
    lab->plan.ranked  = lab->uplinks;
}

static void
_lab_clear(Lab *lab)
{
    g_ptr_array_unref(lab->routes);
    g_ptr_array_unref(lab->uplinks);
}

static char *
_render(const NmfCheckCause *cause)
{
    GString *out = g_string_new(NULL);

    nmf_check_cause_render(out, cause);
    return g_string_free(out, FALSE);
}

static void
test_activation_order(void)
{
    Lab lab;
    g_autoptr(NmfCheckCause) cause = NULL;
    g_autofree char *text          = NULL;

    _lab_init(&lab, NMF_METRIC_AUTO, 100);
    cause = nmf_check_cause_new(AF_INET, lab.routes, lab.uplinks, &lab.plan);
    g_assert_cmpstr(cause->owner, ==, "eth0");
    g_assert_cmpuint(cause->metric, ==, 100);
    g_assert_cmpint(cause->source, ==, NMF_METRIC_FROM_ACTIVATION_ORDER);
    g_assert_cmpstr(nmf_metric_source_to_string(cause->source), ==, "activation-order");
    g_assert_cmpstr(cause->connection_id, ==, "nat");
    g_assert_cmpstr(cause->later, ==, "eth1");
    g_assert_cmpuint(cause->later_metric, ==, 101);
    g_assert_cmpstr(cause->intended, ==, "eth1");
    g_assert_cmpuint(cause->changes->len, ==, 2);
    text = _render(cause);
    g_assert_nonnull(strstr(text, "Why: eth0 owns the IPv4 default route with metric 100."));
    g_assert_nonnull(strstr(text, "'nat' leaves ipv4.route-metric at -1"));
    g_assert_nonnull(strstr(text, "(eth1, activated later, got 101)"));
    g_assert_nonnull(
      strstr(text,
             "--fix would set eth1's metric 101 to 100, eth0's metric 100 to 101; eth1 would "
             "then own the default route."));
    _lab_clear(&lab);
}

static void
test_profile_and_config_default(void)
{
    Lab lab;
    g_autoptr(NmfCheckCause) profile = NULL;
    g_autoptr(NmfCheckCause) config  = NULL;
    g_autofree char *text            = NULL;

    _lab_init(&lab, 20, 20);
    profile = nmf_check_cause_new(AF_INET, lab.routes, lab.uplinks, &lab.plan);
    g_assert_cmpint(profile->source, ==, NMF_METRIC_FROM_PROFILE);
    g_assert_null(profile->later);
    text = _render(profile);
    g_assert_nonnull(strstr(text, "set by its profile 'nat' (ipv4.route-metric)"));
    _lab_clear(&lab);

    /* -1 in the profile, but 20 is no ethernet default: NetworkManager.conf set it. */
    _lab_init(&lab, NMF_METRIC_AUTO, 20);
    config = nmf_check_cause_new(AF_INET, lab.routes, lab.uplinks, &lab.plan);
    g_assert_cmpint(config->source, ==, NMF_METRIC_FROM_CONFIG_DEFAULT);
    g_free(text);
    text = _render(config);
    g_assert_nonnull(strstr(text, "NetworkManager.conf ([connection] ipv4.route-metric)"));
    _lab_clear(&lab);
}

static void
test_after_fix(void)
{
    Lab lab;
    g_autoptr(NmfCheckCause) cause = NULL;
    g_autofree char *text          = NULL;
    NmfUplink       *lan;

    _lab_init(&lab, NMF_METRIC_AUTO, 101);
    lan                                                    = lab.uplinks->pdata[0];
    lan->profile_metric4                                   = 100;
    lan->has_record                                        = TRUE;
    lan->recorded_metric                                   = 100;
    ((NmfRoute *) lab.routes->pdata[1])->metric            = 100;
    ((NmfUplink *) lab.uplinks->pdata[1])->profile_metric4 = 101;
    cause = nmf_check_cause_new(AF_INET, lab.routes, lab.uplinks, &lab.plan);
    g_assert_cmpstr(cause->owner, ==, "eth1");
    g_assert_cmpint(cause->source, ==, NMF_METRIC_FROM_NM_METRIC_FIX);
    g_assert_cmpuint(cause->changes->len, ==, 0);
    text = _render(cause);
    g_assert_nonnull(strstr(text, "which nm-metric-fix wrote into its profile 'lan'"));
    g_assert_nonnull(
      strstr(text, "--fix would change nothing: the metrics are as ranked (eth1 first)"));
    _lab_clear(&lab);
}

static void
test_outside_nm_and_none(void)
{
    Lab lab;
    g_autoptr(NmfCheckCause) v6   = NULL;
    g_autoptr(NmfCheckCause) none = NULL;
    g_autoptr(GPtrArray) empty    = g_ptr_array_new();
    g_autofree char *text         = NULL;

    _lab_init(&lab, NMF_METRIC_AUTO, 100);
    /* An IPv6 default route on a link whose profile leaves IPv6 alone. */
    g_ptr_array_add(lab.routes, _route(AF_INET6, "eth0", 1024));
    v6 = nmf_check_cause_new(AF_INET6, lab.routes, lab.uplinks, &lab.plan);
    g_assert_cmpstr(v6->owner, ==, "eth0");
    g_assert_cmpint(v6->source, ==, NMF_METRIC_FROM_OUTSIDE_NM);
    g_assert_null(v6->connection_id);
    g_assert_cmpuint(v6->changes->len, ==, 0);
    text = _render(v6);
    g_assert_nonnull(strstr(text, "NetworkManager does not manage it"));
    g_assert_nonnull(strstr(text, "--fix does not change routes"));
    _lab_clear(&lab);

    none = nmf_check_cause_new(AF_INET, empty, empty, NULL);
    g_assert_null(none->owner);
    g_free(text);
    text = _render(none);
    g_assert_cmpstr(text, ==, "Why: no interface has an IPv4 default route.\n");
}

static void
test_type_defaults(void)
{
    g_assert_cmpint(nmf_check_nm_type_default_metric("ethernet"), ==, 100);
    g_assert_cmpint(nmf_check_nm_type_default_metric("wifi"), ==, 600);
    g_assert_cmpint(nmf_check_nm_type_default_metric("bridge"), ==, 425);
    g_assert_cmpint(nmf_check_nm_type_default_metric("no-such-type"), ==, -1);
    g_assert_cmpint(nmf_check_nm_type_default_metric(NULL), ==, -1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/check-cause/activation-order", test_activation_order);
    g_test_add_func("/check-cause/profile-and-config-default", test_profile_and_config_default);
    g_test_add_func("/check-cause/after-fix", test_after_fix);
    g_test_add_func("/check-cause/outside-nm-and-none", test_outside_nm_and_none);
    g_test_add_func("/check-cause/type-defaults", test_type_defaults);
    return g_test_run();
}
