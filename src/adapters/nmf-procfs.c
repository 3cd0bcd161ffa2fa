/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: the kernel's /proc and /proc/sys facts (rp_filter, forwarding, drop counters). */
#include "adapters/nmf-procfs.h"

#include <string.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "decide/nmf-counters.h"

static int
_read_sysctl_int(const char *path)
{
    g_autofree char *text = NULL;
    char            *end  = NULL;
    gint64           value;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    value = g_ascii_strtoll(text, &end, 10);
    if (end == text || value < 0 || value > G_MAXINT)
        return -1;
    return (int) value;
}

void
nmf_procfs_read_rp_filter(const char *iface, NmfRpFilter *out)
{
    out->all   = _read_sysctl_int("/proc/sys/net/ipv4/conf/all/rp_filter");
    out->deflt = _read_sysctl_int("/proc/sys/net/ipv4/conf/default/rp_filter");
    out->iface = -1;
    /* Interface names may hold dots (VLANs) but never a slash; refuse anything odd. */
    if (iface && iface[0] && !strchr(iface, '/') && strcmp(iface, ".") != 0
        && strcmp(iface, "..") != 0) {
        g_autofree char *path = g_strdup_printf("/proc/sys/net/ipv4/conf/%s/rp_filter", iface);

        out->iface = _read_sysctl_int(path);
    }
}

int
nmf_procfs_read_forwarding(int family)
{
    return _read_sysctl_int(family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding"
                                               : "/proc/sys/net/ipv4/ip_forward");
}

char *
nmf_procfs_read_snmp_counters(void)
{
    static const char *const files[] = { "/proc/net/snmp", "/proc/net/netstat", "/proc/net/snmp6" };
    GString                 *all     = g_string_new(NULL);

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *text = NULL;

        /* snmp6 is missing when IPv6 is disabled: the others still count. */
        if (g_file_get_contents(files[i], &text, NULL, NULL))
            g_string_append(all, text);
        else
            nmf_log_debug("cannot read %s", files[i]);
        if (all->len && all->str[all->len - 1] != '\n')
            g_string_append_c(all, '\n');
    }
    return g_string_free(all, FALSE);
}

GHashTable *
nmf_procfs_read_counters(void)
{
    GHashTable      *counters = nmf_counters_new();
    g_autofree char *text     = nmf_procfs_read_snmp_counters();

    nmf_counters_parse(counters, text);
    return counters;
}
