/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the libvirt XML reader and the trace built on it: any
 * bytes, read as a domain and as a network description, must give either the
 * interfaces or an NMF_ERROR_FAILED error, never a crash or a leak; the hops and
 * decisions of a trace over them stay inside their tables.
 */
#include <string.h>

#include "model/nmf-common.h"
#include "decide/nmf-trace.h"
#include "decide/nmf-virt-xml.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
_check_direction(const NmfTrace *trace, gboolean to_peer)
{
    NmfTraceDirection d;

    nmf_trace_decide(trace, to_peer, &d);
    g_assert_cmpint(d.result, <, NMF_TRACE_RESULT_MAX);
    g_assert_cmpint(d.lost_after, <, (int) trace->hops->len);
    g_assert_cmpint(d.path, <, (int) trace->paths->len);
    g_assert_true((d.result == NMF_TRACE_LOST) == (d.lost_after >= 0));
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *xml              = g_strndup((const char *) data, size);
    g_autoptr(GError) error           = NULL;
    g_autoptr(GPtrArray) ifaces       = NULL;
    g_autoptr(NmfVirtNetwork) network = NULL;
    g_autoptr(NmfTrace) trace         = NULL;
    g_autoptr(GString) out            = g_string_new(NULL);
    g_autofree char *name             = NULL;
    NmfPacket        packet           = { .family = 2 /* AF_INET */ };

    network = nmf_virt_parse_network(xml, &error);
    if (!network)
        g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
    g_clear_error(&error);

    ifaces = nmf_virt_parse_domain(xml, &name, &error);
    if (!ifaces) {
        g_assert_error(error, NMF_ERROR, NMF_ERROR_FAILED);
        return 0;
    }
    g_assert_no_error(error);
    for (guint i = 0; i < ifaces->len; i++) {
        NmfVirtIface *iface = ifaces->pdata[i];

        g_assert_cmpint(iface->type, <, NMF_VIRT_IFACE_TYPE_MAX);
        nmf_virt_iface_resolve(iface, network);
    }

    trace = nmf_trace_new(name, "10.72.112.29", size % 2 ? "uplink0" : NULL, ifaces);
    g_assert_nonnull(trace);
    memcpy(packet.src, trace->peer_bytes, 4);
    for (guint i = 0; i < trace->hops->len; i++) {
        NmfHop *hop = trace->hops->pdata[i];

        g_assert_nonnull(hop->device);
        g_assert_cmpuint(hop->roles, !=, 0);
        hop->present = (i + size) % 3 != 0;
        if ((i + size) % 2)
            g_assert_true(nmf_trace_count(trace, i, &packet));
    }
    for (guint p = 0; p < trace->paths->len; p++) {
        const NmfTracePath *path = trace->paths->pdata[p];

        g_assert_cmpuint(path->hops->len, >, 0);
        for (guint k = 0; k < path->hops->len; k++)
            g_assert_cmpuint(g_array_index(path->hops, guint, k), <, trace->hops->len);
    }
    _check_direction(trace, FALSE);
    _check_direction(trace, TRUE);
    nmf_trace_render(out, trace, 5, NULL, NULL);
    return 0;
}
