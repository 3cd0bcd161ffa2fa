/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: parse the kernel's drop counters, what rose over a window, what it names. */
#include "config.h"

#include "decide/nmf-counters.h"

#include <string.h>

#include "model/nmf-common.h"

/* Counters that say why the host dropped or passed packets, in display order. */
static const char *const watched_counters[] = {
    "TcpExt.IPReversePathFilter",
    "Ip.InNoRoutes",
    "Ip.InAddrErrors",
    "Ip.OutNoRoutes",
    "Ip.InDiscards",
    "Ip.ForwDatagrams",
    "Ip6InNoRoutes",
    "Ip6InAddrErrors",
    "Ip6OutNoRoutes",
    "Ip6InDiscards",
    "Ip6OutForwDatagrams",
    NULL,
};

const char *const *
nmf_counters_watched(void)
{
    return watched_counters;
}

GHashTable *
nmf_counters_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
_counter_set(GHashTable *counters, const char *name, const char *value)
{
    char   *end = NULL;
    guint64 v;

    if (!*name || !value || !g_ascii_isdigit(*value))
        return;
    v = g_ascii_strtoull(value, &end, 10);
    if (!end || *end)
        return;
    g_hash_table_insert(counters, g_strdup(name), g_memdup(&v, sizeof(v)));
}

void
nmf_counters_parse(GHashTable *counters, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) names  = NULL;
        g_auto(GStrv) values = NULL;
        const char *colon    = strchr(lines[i], ':');
        gsize       prefix_len;

        if (!colon) {
            /* /proc/net/snmp6: "Ip6InNoRoutes    	0" */
            g_auto(GStrv) kv = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
            char *name = NULL, *value = NULL;

            for (guint k = 0; kv[k]; k++) {
                if (!*kv[k])
                    continue;
                if (!name)
                    name = kv[k];
                else if (!value)
                    value = kv[k];
            }
            if (name && value)
                _counter_set(counters, name, value);
            continue;
        }
        /* /proc/net/snmp and netstat: a line of names, then a line of values, same prefix. */
        prefix_len = (gsize) (colon - lines[i]);
        if (!lines[i + 1] || strncmp(lines[i], lines[i + 1], prefix_len + 1) != 0)
            continue;
        names  = g_strsplit(g_strstrip(lines[i] + prefix_len + 1), " ", -1);
        values = g_strsplit(g_strstrip(lines[i + 1] + prefix_len + 1), " ", -1);
        for (guint k = 0; names[k] && values[k]; k++) {
            g_autofree char *key = g_strdup_printf("%.*s.%s", (int) prefix_len, lines[i], names[k]);

            _counter_set(counters, key, values[k]);
        }
        i++;
    }
}

GHashTable *
nmf_counters_delta(GHashTable *before, GHashTable *after)
{
    GHashTable *delta = nmf_counters_new();

    for (guint i = 0; watched_counters[i]; i++) {
        const guint64 *a = before ? g_hash_table_lookup(before, watched_counters[i]) : NULL;
        const guint64 *b = after ? g_hash_table_lookup(after, watched_counters[i]) : NULL;
        guint64        d;

        if (!a || !b || *b <= *a)
            continue;
        d = *b - *a;
        g_hash_table_insert(delta, g_strdup(watched_counters[i]), g_memdup(&d, sizeof(d)));
    }
    return delta;
}

static guint64
_get(GHashTable *delta, const char *name)
{
    const guint64 *v = delta ? g_hash_table_lookup(delta, name) : NULL;

    return v ? *v : 0;
}

void
nmf_counters_render_local(GString *out, GHashTable *delta)
{
    g_autoptr(GString) causes = g_string_new(NULL);
    guint64  rp               = _get(delta, "TcpExt.IPReversePathFilter");
    guint64  no_route         = _get(delta, "Ip.InNoRoutes") + _get(delta, "Ip6InNoRoutes");
    guint64  out_no_route     = _get(delta, "Ip.OutNoRoutes") + _get(delta, "Ip6OutNoRoutes");
    gboolean any              = FALSE;

    for (guint i = 0; nmf_counters_watched()[i]; i++) {
        guint64 d = _get(delta, nmf_counters_watched()[i]);

        /* Forwarded packets are no drops. */
        if (d == 0 || strstr(nmf_counters_watched()[i], "Forw"))
            continue;
        g_string_append_printf(
          causes, "%s %s +%" G_GUINT64_FORMAT, any ? "," : "", nmf_counters_watched()[i], d);
        any = TRUE;
    }
    if (!any)
        return;
    g_string_append_printf(out, _("Dropped here over the window:%s"), causes->str);
    if (rp > 0)
        g_string_append(out,
                        _(" - requests dropped by rp_filter on this host (their source is routed "
                          "by another link)"));
    else if (no_route > 0 || out_no_route > 0)
        g_string_append(out, _(" - no route on this host"));
    g_string_append(out, ".\n");
}
