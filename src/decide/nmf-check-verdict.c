/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of --check: judge each local address from the kernel's answers; render the table. */
#include "config.h"

#include "decide/nmf-check-verdict.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "decide/nmf-text-table.h"
#include "model/nmf-uplink.h"

#define N_COLUMNS 5

int
nmf_rp_filter_effective(const NmfRpFilter *rp)
{
    /* The kernel's IN_DEV_RPFILTER(): the larger of "all" and the device's own value.
     * A device value we could not read falls back to "default", which it was copied from. */
    int dev = rp->iface >= 0 ? rp->iface : rp->deflt;

    if (rp->all < 0 && dev < 0)
        return NMF_RP_FILTER_NONE;
    return MAX(rp->all, dev);
}

gboolean
nmf_rp_filter_passes(int rp_filter, const char *iface, const char *reply_iface, int reply_error)
{
    switch (rp_filter) {
    case 1:
        return reply_error == 0 && reply_iface && g_strcmp0(reply_iface, iface) == 0;
    case 2:
        return reply_error == 0;
    default:
        return TRUE;
    }
}

gboolean
nmf_check_request_passes(int         request_error,
                         int         rp_filter,
                         const char *iface,
                         const char *reply_iface,
                         int         reply_error)
{
    if (request_error == 0)
        return TRUE;
    if (request_error == EXDEV)
        return FALSE;
    return nmf_rp_filter_passes(rp_filter, iface, reply_iface, reply_error);
}

NmfCheckRow *
nmf_check_row_new(int family, const char *address, const char *iface)
{
    NmfCheckRow *row = g_new0(NmfCheckRow, 1);

    row->family              = family;
    row->address             = g_strdup(address ? address : "");
    row->iface               = g_strdup(iface ? iface : "");
    row->has_route_to_target = TRUE;
    row->rp_filter           = NMF_RP_FILTER_NONE;
    row->rp_filter_pass      = TRUE;
    return row;
}

void
nmf_check_row_free(NmfCheckRow *row)
{
    if (!row)
        return;
    g_free(row->address);
    g_free(row->iface);
    g_free(row->reply_iface);
    g_free(row);
}

int
nmf_check_parse_target(const char *text)
{
    guint8 buf[16];

    if (!text)
        return 0;
    if (inet_pton(AF_INET, text, buf) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, text, buf) == 1)
        return AF_INET6;
    return 0;
}

const char *
nmf_check_target_refusal(const char *text)
{
    static const guint8 zero[16] = { 0 };
    guint8              a[16];

    if (text && inet_pton(AF_INET, text, a) == 1) {
        if (a[0] == 0)
            return "an unspecified (0.0.0.0/8) address";
        if (a[0] == 127)
            return "a loopback address";
        if (a[0] >= 224 && a[0] <= 239)
            return "a multicast address";
        if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
            return "the broadcast address";
        return NULL;
    }
    if (text && inet_pton(AF_INET6, text, a) == 1) {
        if (memcmp(a, zero, 16) == 0)
            return "the unspecified address";
        if (memcmp(a, zero, 15) == 0 && a[15] == 1)
            return "the loopback address";
        if (a[0] == 0xff)
            return "a multicast address";
        /* ::ffff:a.b.c.d names an IPv4 peer: judge it as one. */
        if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) {
            char v4[INET_ADDRSTRLEN];

            return nmf_check_target_refusal(inet_ntop(AF_INET, a + 12, v4, sizeof(v4)));
        }
        return NULL;
    }
    return "not an IPv4 or IPv6 address";
}

GPtrArray *
nmf_check_nat_ifaces(GPtrArray *uplinks)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    guint      i;

    for (i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (u->klass == NMF_CLASS_NAT)
            g_ptr_array_add(names, g_strdup(u->iface));
    }
    return names;
}

static NmfCheckVerdict
_row_verdict(const NmfCheckRow *row)
{
    if (!row->has_route_to_target)
        return NMF_CHECK_NOT_A_PATH;
    /* A dropped request never gets as far as a reply, so this comes first. */
    if (!row->rp_filter_pass)
        return NMF_CHECK_RP_FILTER_DROP;
    if (row->reply_error != 0 || !row->reply_iface)
        return NMF_CHECK_NO_ROUTE_BACK;
    if (strcmp(row->reply_iface, row->iface) != 0)
        return NMF_CHECK_ASYMMETRIC;
    return NMF_CHECK_SYMMETRIC;
}

static int
_compare_rows(gconstpointer a, gconstpointer b)
{
    const NmfCheckRow *ra = *(const NmfCheckRow *const *) a;
    const NmfCheckRow *rb = *(const NmfCheckRow *const *) b;
    int                c;

    if (ra->counted != rb->counted)
        return ra->counted ? -1 : 1;
    if (ra->family != rb->family)
        return ra->family == AF_INET ? -1 : 1;
    c = strcmp(ra->iface, rb->iface);
    if (c != 0)
        return c;
    return strcmp(ra->address, rb->address);
}

gboolean
nmf_check_evaluate(GPtrArray *rows)
{
    gboolean any_path = FALSE;
    gboolean all_ok   = TRUE;
    guint    i;

    for (i = 0; i < rows->len; i++) {
        const NmfCheckRow *row = rows->pdata[i];

        any_path = any_path || row->has_route_to_target;
    }
    for (i = 0; i < rows->len; i++) {
        NmfCheckRow *row = rows->pdata[i];

        if (!any_path)
            row->has_route_to_target = TRUE;
        row->verdict = _row_verdict(row);
        row->counted = !row->is_nat && row->verdict != NMF_CHECK_NOT_A_PATH;
        if (row->counted && row->verdict != NMF_CHECK_SYMMETRIC)
            all_ok = FALSE;
    }
    g_ptr_array_sort(rows, _compare_rows);
    return all_ok;
}

static char *
_rp_filter_to_string(int rp_filter)
{
    switch (rp_filter) {
    case 0:
        return g_strdup(_("0 (off)"));
    case 1:
        return g_strdup(_("1 (strict)"));
    case 2:
        return g_strdup(_("2 (loose)"));
    case NMF_RP_FILTER_NONE:
        return g_strdup("-");
    default:
        return g_strdup_printf("%d", rp_filter);
    }
}

gboolean
nmf_check_in_subnet(int family, const char *address, guint prefix, const char *target)
{
    guint8 a[16];
    guint8 t[16];
    guint  bits = family == AF_INET6 ? 128 : 32;

    if (!address || !target || inet_pton(family, address, a) != 1
        || inet_pton(family, target, t) != 1)
        return FALSE;
    prefix = MIN(prefix, bits);
    if (memcmp(a, t, prefix / 8) != 0)
        return FALSE;
    if (prefix % 8 == 0)
        return TRUE;
    return ((a[prefix / 8] ^ t[prefix / 8]) & (guint8) (0xff << (8 - prefix % 8))) == 0;
}

gboolean
nmf_check_row_nat_unreached(const NmfCheckRow *row)
{
    return row->is_nat && row->verdict == NMF_CHECK_ASYMMETRIC && !row->target_on_link;
}

static char *
_verdict_to_string(const NmfCheckRow *row, const char *target)
{
    g_autofree char *text = NULL;

    if (nmf_check_row_nat_unreached(row))
        return g_strdup_printf(_("not judged: %s reaches a NAT address only through the host's "
                                 "NAT (a reply would leave via %s)"),
                               target,
                               row->reply_iface);

    switch (row->verdict) {
    case NMF_CHECK_SYMMETRIC:
        text = g_strdup(_("symmetric"));
        break;
    case NMF_CHECK_ASYMMETRIC:
        text = g_strdup_printf(_("ASYMMETRIC: reply leaves via %s"), row->reply_iface);
        break;
    case NMF_CHECK_RP_FILTER_DROP:
        text = g_strdup(row->rp_filter == 1 ? _("dropped by rp_filter (strict)")
                                            : _("dropped by rp_filter"));
        break;
    case NMF_CHECK_NO_ROUTE_BACK:
        if (row->reply_error != 0)
            text = g_strdup_printf(_("no route back (%s)"), g_strerror(row->reply_error));
        else
            text = g_strdup(_("no route back"));
        break;
    case NMF_CHECK_NOT_A_PATH:
        return g_strdup_printf(_("not a path to %s (not counted)"), target);
    }
    if (row->is_nat)
        return g_strdup_printf(_("%s (NAT link, not counted)"), text);
    return g_steal_pointer(&text);
}

void
nmf_check_render(GString *out, const char *target, GPtrArray *rows, gboolean all_ok)
{
    g_autoptr(GPtrArray) table = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    gboolean rp_drop           = FALSE;
    char   **cells;
    guint    i;

    g_string_append_printf(out, _("Replies to %s, per local address:\n"), target);
    if (rows->len == 0) {
        g_string_append_printf(out, "  %s\n", _("no local address to check"));
    } else {
        cells    = g_new0(char *, N_COLUMNS + 1);
        cells[0] = g_strdup(C_("column", "ADDRESS"));
        cells[1] = g_strdup(_("INTERFACE"));
        cells[2] = g_strdup(_("REPLY VIA"));
        cells[3] = g_strdup(_("RP_FILTER"));
        cells[4] = g_strdup(_("RESULT"));
        g_ptr_array_add(table, cells);
        for (i = 0; i < rows->len; i++) {
            const NmfCheckRow *row = rows->pdata[i];

            if (row->counted && row->verdict == NMF_CHECK_RP_FILTER_DROP)
                rp_drop = TRUE;
            cells    = g_new0(char *, N_COLUMNS + 1);
            cells[0] = g_strdup(row->address);
            cells[1] = g_strdup(row->iface);
            cells[2] = g_strdup(row->reply_iface ? row->reply_iface : "-");
            cells[3] = _rp_filter_to_string(row->rp_filter);
            cells[4] = _verdict_to_string(row, target);
            g_ptr_array_add(table, cells);
        }
        nmf_text_table_append(out, table, N_COLUMNS);
    }
    g_string_append_c(out, '\n');

    if (all_ok) {
        g_string_append_printf(out,
                               _("Result: symmetric. Every link that leads to %s answers on the "
                                 "link the request arrives on.\n"),
                               target);
        return;
    }
    if (rp_drop)
        g_string_append_printf(out,
                               _("Result: requests from %s are dropped by rp_filter or answered "
                                 "by another link.\n"),
                               target);
    else
        g_string_append_printf(out,
                               _("Result: replies to %s do not leave by the link the request "
                                 "arrives on.\n"),
                               target);
    g_string_append_printf(out,
                           "%s\n",
                           _("Run 'nm-metric-fix --fix' so that the LAN link owns the default "
                             "route, or set mode=policy in nm-metric-fix.conf when every link "
                             "must answer."));
}
