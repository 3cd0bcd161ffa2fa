/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for the --observe packet parser, the flow table and the target parsers. */
/* (ICMP errors and the headers they quote go through nmf-icmp-error.c on the way.) */
/*
 * Input: one byte that picks the capture's link type (even: LINUX_SLL2 with interface
 * indexes, odd: RHEL 8's LINUX_SLL without), then frames, each preceded by a one-byte
 * length.  The first frame's bytes, as text, also go through the --check/--observe
 * address parsers.  Nothing may crash, leak or read past a frame.
 */
#include <string.h>
#include <sys/socket.h>

#include "decide/nmf-check-verdict.h"
#include "decide/nmf-observe-flow.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static const char *
_ifname(int ifindex, gpointer user_data)
{
    return ifindex == 2 ? "eth0" : ifindex == 3 ? "eth1" : NULL;
}

static void
_fuzz_target_text(const guint8 *data, size_t size)
{
    g_autofree char *text   = g_strndup((const char *) data, MIN(size, 64));
    const char      *why    = nmf_check_target_refusal(text);
    int              family = nmf_check_parse_target(text);

    /* A refused target is never a usable unicast peer; an accepted one parses. */
    if (!why)
        g_assert_true(family == AF_INET || family == AF_INET6);
    if (!family)
        g_assert_nonnull(why);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autoptr(NmfFlowTable) table = NULL;
    g_autoptr(GString) out        = g_string_new(NULL);
    int    dlt;
    size_t pos = 1;

    if (size < 1)
        return 0;
    dlt   = (data[0] & 1) ? NMF_DLT_LINUX_SLL : NMF_DLT_LINUX_SLL2;
    table = nmf_flow_table_new((data[0] & 2) ? "2001:db8:72::29" : "10.72.112.29");
    g_assert_nonnull(table);
    if (size > 2)
        _fuzz_target_text(data + 2, MIN(data[1], size - 2));
    while (pos < size) {
        size_t    len = MIN((size_t) data[pos], size - pos - 1);
        guint8   *frame;
        NmfPacket packet;

        /* A copy of exactly the frame's bytes, so ASan sees any read past its end. */
        frame = g_memdup(data + pos + 1, (guint) len);
        if (nmf_packet_parse(dlt, frame, len, &packet)) {
            g_assert_true(packet.family == AF_INET || packet.family == AF_INET6);
            if (dlt == NMF_DLT_LINUX_SLL)
                g_assert_cmpint(packet.ifindex, ==, 0);
            if (packet.has_quote) {
                g_autofree char *cause = nmf_icmp_error_describe(
                  packet.family, packet.quote.type, packet.quote.code, packet.quote.mtu, "x");

                g_assert_true(nmf_icmp_is_error(packet.family, packet.quote.type));
                g_assert_cmpuint(strlen(cause), >, 0);
            }
            nmf_flow_table_add(table, &packet);
        }
        g_free(frame);
        pos += len + 1;
    }
    for (guint i = 0; i < nmf_flow_table_get_n_flows(table); i++) {
        const NmfFlow *flow = nmf_flow_table_get_flow(table, i);

        /* Errors name a cause only for flows they quote, never more kinds than kept. */
        g_assert_true((flow->icmp_errors->len > 0) == (nmf_flow_main_icmp_error(flow) != NULL));
        g_assert_cmpuint(flow->icmp_errors->len, <=, 8);
    }
    nmf_flow_table_render(table, out, 5, _ifname, NULL);
    g_assert_cmpuint(out->len, >, 0);
    return 0;
}
