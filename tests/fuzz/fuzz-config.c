/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the configuration parser: any bytes must give either a
 * policy or a NMF_ERROR_CONFIG error with a file name, never a crash or a leak.
 * A parsed policy is then used to rank a fixed set of uplinks.
 */
#include <string.h>

#include "model/nmf-common.h"
#include "decide/nmf-config.h"
#include "decide/nmf-rank.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static GPtrArray *
_sample_uplinks(void)
{
    GPtrArray *uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    NmfUplink *nat     = nmf_uplink_new("eth0", "nat", "u1");
    NmfUplink *lan     = nmf_uplink_new("eth1", "lan", "u2");
    NmfUplink *br      = nmf_uplink_new("br0", "bridge", "u3");

    nmf_uplink_add_address4(nat, 0xC0A87A64, 24); /* 192.168.122.100 */
    nat->gateway4   = 0xC0A87A01;
    nat->hw_address = g_strdup("52:54:00:00:00:10");
    nmf_uplink_add_address4(lan, 0x0A423CEC, 23); /* 10.66.60.236 */
    lan->gateway4   = 0x0A423DFE;
    lan->hw_address = g_strdup("52:54:00:00:00:11");
    br->kind        = NMF_LINK_BRIDGE;
    nmf_uplink_add_address4(br, 0x0A010102, 24);
    br->gateway4 = 0x0A010101;
    g_ptr_array_add(uplinks, nat);
    g_ptr_array_add(uplinks, lan);
    g_ptr_array_add(uplinks, br);
    return uplinks;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autoptr(GError) error      = NULL;
    g_autoptr(NmfConfig) policy  = NULL;
    g_autoptr(GPtrArray) uplinks = NULL;
    guint i;

    policy = nmf_config_parse("fuzz.conf", (const char *) data, size, &error);
    if (!policy) {
        g_assert_error(error, NMF_ERROR, NMF_ERROR_CONFIG);
        g_assert_true(g_str_has_prefix(error->message, "fuzz.conf"));
        return 0;
    }
    g_assert_no_error(error);

    uplinks = _sample_uplinks();
    if (nmf_rank(policy, uplinks)) {
        /* Whatever the rules say, ranked metrics are distinct and increasing. */
        gint64 last = -1;

        for (i = 0; i < uplinks->len; i++) {
            NmfUplink *u = uplinks->pdata[i];

            if (u->rank == 0)
                continue;
            g_assert_cmpint(u->wanted_metric, >, last);
            last = u->wanted_metric;
        }
    }
    return 0;
}
