/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --observe: capture (nmf-capture.c) into the flow table (nmf-observe-flow.c); print it. */
#include "config.h"

#include "commands/nmf-observe.h"

#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include "adapters/nmf-capture.h"
#include "decide/nmf-counters.h"
#include "decide/nmf-diagnose-export.h"
#include "adapters/nmf-netlink.h"
#include "adapters/nmf-procfs.h"
#include "decide/nmf-observe-flow.h"
#include "decide/nmf-text-table.h"

typedef struct {
    NmfFlowTable *table;
    GHashTable   *names; /* GINT_TO_POINTER(ifindex) -> char * */
    guint         n_parsed;
} ObserveData;

static void
_remember_name(GHashTable *names, int ifindex)
{
    char name[IF_NAMESIZE];

    /* Resolve while the packet is fresh: a link may be gone by the time we print. */
    if (ifindex <= 0 || g_hash_table_contains(names, GINT_TO_POINTER(ifindex)))
        return;
    g_hash_table_insert(names,
                        GINT_TO_POINTER(ifindex),
                        if_indextoname(ifindex, name) ? nmf_text_escape(name) : NULL);
}

static void
_on_frame(int dlt, const guint8 *frame, gsize caplen, gpointer user_data)
{
    ObserveData *data = user_data;
    NmfPacket    packet;

    if (!nmf_packet_parse(dlt, frame, caplen, &packet))
        return;
    data->n_parsed++;
    if (nmf_flow_table_add(data->table, &packet))
        _remember_name(data->names, packet.ifindex);
}

static const char *
_ifname(int ifindex, gpointer user_data)
{
    return g_hash_table_lookup(user_data, GINT_TO_POINTER(ifindex));
}

gboolean
nmf_observe_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    const char *address           = options->observe;
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(address);
    g_autoptr(GHashTable) names =
      g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_autoptr(GString) out = g_string_new(NULL);
    ObserveData    data    = { .table = table, .names = names };
    guint          seconds = options->seconds != NMF_SECONDS_UNSET ? (guint) options->seconds
                                                                   : NMF_OBSERVE_DEFAULT_SECONDS;
    NmfFlowVerdict verdict;
    g_autoptr(GHashTable) before = NULL;
    g_autoptr(GHashTable) after  = NULL;
    g_autoptr(GHashTable) delta  = NULL;

    if (!table) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    address ? address : "");
        return FALSE;
    }
    if (!nmf_netlink_refuse_local_target(address, error))
        return FALSE;
    seconds = MIN(seconds, NMF_OBSERVE_MAX_SECONDS);
    before  = nmf_procfs_read_counters();
    if (!nmf_capture_run(
          strchr(address, ':') ? AF_INET6 : AF_INET, address, seconds, _on_frame, &data, error))
        return FALSE;
    after = nmf_procfs_read_counters();
    delta = nmf_counters_delta(before, after);
    nmf_log_debug("%u frames parsed", data.n_parsed);

    if (options->json) {
        g_autofree char *text = nmf_observe_json(address, table, seconds, _ifname, names, delta);

        g_string_append(out, text);
        verdict = nmf_flow_table_verdict(table);
    } else {
        verdict = nmf_flow_table_render(table, out, seconds, _ifname, names);
        /* What this host itself dropped names a cause where the flows show only a gap. */
        nmf_counters_render_local(out, delta);
    }
    fputs(out->str, stdout);
    nmf_log_debug("observe: %u flow(s), verdict %d", nmf_flow_table_get_n_flows(table), verdict);
    *out_status = verdict == NMF_FLOW_SYMMETRIC ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
    return TRUE;
}
