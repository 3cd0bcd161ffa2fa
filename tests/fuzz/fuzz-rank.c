/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the ranking input: the bytes describe the uplinks
 * NetworkManager reported (addresses, gateways, link kinds, metrics, records);
 * a fixed configuration with rules of every kind ranks them. Whatever comes in,
 * the ranking must be total, stable and give distinct increasing metrics.
 */
#include <string.h>

#include "model/nmf-common.h"
#include "decide/nmf-config.h"
#include "decide/nmf-plan.h"
#include "decide/nmf-rank.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define UPLINK_BYTES 16

static const char *const names[] = {
    "eth0", "eth1", "eth10", "eth2", "br0", "macvtap0", "ens3", ""
};

static const char config[] = "[main]\n"
                             "mode=policy\n"
                             "metric-step=7\n"
                             "[rule mgmt]\n"
                             "match-mac=52:54:00:00:00:1?\n"
                             "action=avoid\n"
                             "[rule storage]\n"
                             "match-subnet=172.16.0.0/12\n"
                             "action=ignore\n"
                             "[rule uplink]\n"
                             "match-interface=ens*\n"
                             "action=prefer\n";

static guint32
_u32(const guint8 *p)
{
    return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static GPtrArray *
_uplinks_from_bytes(const guint8 *data, size_t size)
{
    GPtrArray *uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    size_t     off;

    for (off = 0; off + UPLINK_BYTES <= size && uplinks->len < 64; off += UPLINK_BYTES) {
        const guint8 *p = data + off;
        char          uuid[16];
        NmfUplink    *u;

        g_snprintf(uuid, sizeof(uuid), "u%u", p[15]);
        u = nmf_uplink_new(names[p[0] % G_N_ELEMENTS(names)], uuid, uuid);
        nmf_uplink_add_address4(u, _u32(p + 1), p[5] % 33);
        u->gateway4        = (p[14] & 0x80) ? 0 : _u32(p + 6);
        u->kind            = p[10] % (NMF_LINK_OTHER + 1);
        u->skip_requested  = p[11] & 1;
        u->has_record      = p[11] & 2;
        u->has_ipv6        = p[11] & 4;
        u->profile_metric4 = (p[11] & 8) ? p[12] : NMF_METRIC_AUTO;
        u->recorded_metric = p[13];
        u->hw_address      = g_strdup_printf("52:54:00:00:00:%02x", p[14]);
        g_ptr_array_add(uplinks, u);
    }
    return uplinks;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    static NmfConfig *policy     = NULL;
    g_autoptr(GPtrArray) uplinks = _uplinks_from_bytes(data, size);
    g_autoptr(GPtrArray) again   = NULL;
    gint64   last                = -1;
    guint    rank                = 0;
    gboolean managed;
    guint    i;

    if (!policy) {
        g_autoptr(GError) error = NULL;

        policy = nmf_config_parse("fuzz-rank.conf", config, sizeof(config) - 1, &error);
        g_assert_no_error(error);
    }

    managed = nmf_rank(policy, uplinks);
    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->rank == 0) {
            g_assert_cmpint(u->wanted_metric, ==, NMF_METRIC_AUTO);
            g_assert_cmpstr(u->wanted_policy, ==, "");
            continue;
        }
        /* Ranked uplinks come first, numbered 1..n, with increasing distinct metrics. */
        g_assert_true(managed);
        g_assert_cmpuint(u->rank, ==, ++rank);
        g_assert_cmpint(u->wanted_metric, >, last);
        g_assert_cmpuint(u->gateway4, !=, 0);
        last = u->wanted_metric;
    }

    /* The plan changes only ranked uplinks, and nothing when metrics are left alone. */
    {
        g_autoptr(NmfPlan) plan = nmf_plan_new(policy, uplinks, managed, NMF_LIVE_REAPPLY);

        for (i = 0; i < plan->reapply->len; i++)
            g_assert_cmpuint(((const NmfUplink *) plan->reapply->pdata[i])->rank, >, 0);
        for (i = 0; i < plan->update->len; i++)
            g_assert_cmpuint(((const NmfUplink *) plan->update->pdata[i])->rank, >, 0);
        for (i = 0; i < plan->left_alone->len; i++)
            g_assert_cmpuint(((const NmfUplink *) plan->left_alone->pdata[i])->rank, ==, 0);
        if (!managed)
            g_assert_true(nmf_plan_is_empty(plan));
    }

    /* The same input in reverse order ranks the same way (no dependence on order). */
    again = _uplinks_from_bytes(data, size);
    for (i = 0; i < again->len / 2; i++) {
        gpointer tmp                     = again->pdata[i];
        again->pdata[i]                  = again->pdata[again->len - 1 - i];
        again->pdata[again->len - 1 - i] = tmp;
    }
    g_assert_true(nmf_rank(policy, again) == managed);
    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *a = uplinks->pdata[i];
        const NmfUplink *b = again->pdata[i];

        g_assert_cmpuint(a->rank, ==, b->rank);
        g_assert_cmpint(a->wanted_metric, ==, b->wanted_metric);
        if (a->rank) {
            g_assert_cmpstr(a->iface, ==, b->iface);
            g_assert_cmpstr(a->connection_uuid, ==, b->connection_uuid);
        }
    }
    return 0;
}
