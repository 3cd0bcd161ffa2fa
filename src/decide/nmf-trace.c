/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step of nm-metric-fix-trace: the hops, where each direction is lost, and why. */
#include "config.h"

#include "decide/nmf-trace.h"

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "decide/nmf-counters.h"

const char *
nmf_hop_role_to_string(NmfHopRole role)
{
    static const char *const names[NMF_HOP_ROLE_MAX] = {
        [NMF_HOP_UPLINK] = "uplink", [NMF_HOP_BRIDGE] = "bridge",   [NMF_HOP_BACKEND] = "backend",
        [NMF_HOP_LOWER] = "lower",   [NMF_HOP_MACVTAP] = "macvtap",
    };

    return role < NMF_HOP_ROLE_MAX ? names[role] : "unknown";
}

static const char *
_role_text(NmfHopRole role)
{
    switch (role) {
    case NMF_HOP_UPLINK:
        return _("host uplink");
    case NMF_HOP_BRIDGE:
        return _("bridge");
    case NMF_HOP_BACKEND:
        return _("backend tap");
    case NMF_HOP_LOWER:
        return _("macvtap lower device");
    case NMF_HOP_MACVTAP:
        return _("macvtap");
    default:
        return "?";
    }
}

NmfHopRole
nmf_hop_primary_role(const NmfHop *hop)
{
    for (int r = 0; r < NMF_HOP_ROLE_MAX; r++) {
        if (hop->roles & (1u << r))
            return r;
    }
    return NMF_HOP_ROLE_MAX;
}

const char *
nmf_trace_result_to_string(NmfTraceResult result)
{
    static const char *const names[NMF_TRACE_RESULT_MAX] = {
        [NMF_TRACE_PASSED]   = "passed",
        [NMF_TRACE_LOST]     = "lost",
        [NMF_TRACE_NOT_SEEN] = "not-seen",
    };

    return result < NMF_TRACE_RESULT_MAX ? names[result] : "unknown";
}

static void
_hop_free(NmfHop *hop)
{
    g_free(hop->device);
    g_free(hop->detail);
    g_free(hop);
}

static void
_path_free(NmfTracePath *path)
{
    g_free(path->label);
    g_array_unref(path->hops);
    g_free(path);
}

void
nmf_trace_free(NmfTrace *trace)
{
    if (!trace)
        return;
    g_free(trace->domain);
    g_free(trace->peer);
    g_free(trace->uplink);
    g_clear_pointer(&trace->hops, g_ptr_array_unref);
    g_clear_pointer(&trace->paths, g_ptr_array_unref);
    g_clear_pointer(&trace->notes, g_ptr_array_unref);
    g_free(trace);
}

/* The index of @device's hop, added with @role (and @detail when new) if needed. */
static guint
_hop(NmfTrace *trace, const char *device, NmfHopRole role, const char *detail)
{
    NmfHop *hop;

    for (guint i = 0; i < trace->hops->len; i++) {
        hop = trace->hops->pdata[i];
        if (strcmp(hop->device, device) == 0) {
            hop->roles |= 1u << role;
            if (!hop->detail && detail)
                hop->detail = g_strdup(detail);
            return i;
        }
    }
    hop         = g_new0(NmfHop, 1);
    hop->device = g_strdup(device);
    hop->roles  = 1u << role;
    hop->detail = g_strdup(detail);
    g_ptr_array_add(trace->hops, hop);
    return trace->hops->len - 1;
}

static void
_path_add(NmfTracePath *path, guint hop)
{
    /* A device appears once per path: a route lookup may name the bridge itself. */
    for (guint i = 0; i < path->hops->len; i++) {
        if (g_array_index(path->hops, guint, i) == hop)
            return;
    }
    g_array_append_val(path->hops, hop);
}

static char *
_iface_label(const NmfVirtIface *iface)
{
    g_autofree char *what = NULL;

    switch (iface->type) {
    case NMF_VIRT_IFACE_NETWORK:
        what = g_strdup_printf(_("network %s (%s)"),
                               iface->source_network ? iface->source_network : "?",
                               iface->network_forward ? iface->network_forward : "?");
        break;
    case NMF_VIRT_IFACE_BRIDGE:
        what = g_strdup_printf(_("bridge %s"), iface->source_bridge ? iface->source_bridge : "?");
        break;
    case NMF_VIRT_IFACE_DIRECT:
        what = g_strdup_printf(_("macvtap on %s (%s)"),
                               iface->source_dev ? iface->source_dev : "?",
                               iface->source_mode ? iface->source_mode : "vepa");
        break;
    default:
        what = g_strdup(iface->type_name ? iface->type_name : "?");
        break;
    }
    return iface->mac ? g_strdup_printf("%s %s", what, iface->mac) : g_steal_pointer(&what);
}

/* Hops of one guest interface, the peer's side first. */
static void
_add_path(NmfTrace *trace, const NmfVirtIface *iface)
{
    NmfTracePath    *path  = g_new0(NmfTracePath, 1);
    g_autofree char *label = _iface_label(iface);
    gboolean         macvtap =
      iface->type == NMF_VIRT_IFACE_DIRECT
      || (iface->type == NMF_VIRT_IFACE_NETWORK && !iface->source_bridge && iface->source_dev);

    path->hops  = g_array_new(FALSE, FALSE, sizeof(guint));
    path->label = g_strdup(label);
    if (macvtap) {
        /* A macvtap's frames leave and enter by its lower device, whatever the host's
         * own routes say: the host uplink is on this path only when it is that device. */
        if (iface->source_dev)
            _path_add(path, _hop(trace, iface->source_dev, NMF_HOP_LOWER, label));
        if (iface->target_dev)
            _path_add(path, _hop(trace, iface->target_dev, NMF_HOP_MACVTAP, label));
    } else {
        if (trace->uplink)
            _path_add(path, _hop(trace, trace->uplink, NMF_HOP_UPLINK, NULL));
        else
            path->no_way_out = TRUE;
        if (iface->source_bridge)
            _path_add(path, _hop(trace, iface->source_bridge, NMF_HOP_BRIDGE, label));
        if (iface->target_dev)
            _path_add(path, _hop(trace, iface->target_dev, NMF_HOP_BACKEND, label));
    }
    if (path->hops->len == 0 || (!iface->target_dev && !iface->source_bridge && !macvtap)) {
        g_ptr_array_add(trace->notes,
                        g_strdup_printf(_("%s: no host device to watch"), path->label));
        _path_free(path);
        return;
    }
    g_ptr_array_add(trace->paths, path);
}

NmfTrace *
nmf_trace_new(const char *domain, const char *peer, const char *uplink, GPtrArray *ifaces)
{
    g_autoptr(NmfTrace) trace = g_new0(NmfTrace, 1);

    if (!peer)
        return NULL;
    if (inet_pton(AF_INET, peer, trace->peer_bytes) == 1)
        trace->family = AF_INET;
    else if (inet_pton(AF_INET6, peer, trace->peer_bytes) == 1)
        trace->family = AF_INET6;
    else
        return NULL;
    trace->domain = g_strdup(domain);
    trace->peer   = g_strdup(peer);
    trace->uplink = g_strdup(uplink);
    trace->hops   = g_ptr_array_new_with_free_func((GDestroyNotify) _hop_free);
    trace->paths  = g_ptr_array_new_with_free_func((GDestroyNotify) _path_free);
    trace->notes  = g_ptr_array_new_with_free_func(g_free);
    /* The uplink comes first in the table even when no path runs through it. */
    if (uplink)
        _hop(trace, uplink, NMF_HOP_UPLINK, NULL);
    for (guint i = 0; ifaces && i < ifaces->len; i++)
        _add_path(trace, ifaces->pdata[i]);
    return g_steal_pointer(&trace);
}

gboolean
nmf_trace_count(NmfTrace *trace, guint hop_index, const NmfPacket *packet)
{
    NmfHop *hop;
    gsize   len = trace->family == AF_INET ? 4 : 16;

    if (hop_index >= trace->hops->len || packet->family != trace->family)
        return FALSE;
    hop = trace->hops->pdata[hop_index];
    if (memcmp(packet->src, trace->peer_bytes, len) == 0) {
        hop->from_peer++;
        return TRUE;
    }
    if (memcmp(packet->dst, trace->peer_bytes, len) == 0) {
        hop->to_peer++;
        return TRUE;
    }
    return FALSE;
}

static guint
_seen(const NmfTrace *trace, guint hop, gboolean to_peer)
{
    const NmfHop *h = trace->hops->pdata[hop];

    return h->present ? (to_peer ? h->to_peer : h->from_peer) : 0;
}

void
nmf_trace_decide(const NmfTrace *trace, gboolean to_peer, NmfTraceDirection *out)
{
    int best_depth = -1;

    out->result     = NMF_TRACE_NOT_SEEN;
    out->lost_after = -1;
    out->path       = -1;
    for (guint p = 0; p < trace->paths->len; p++) {
        const NmfTracePath *path            = trace->paths->pdata[p];
        guint               n               = path->hops->len;
        int                 depth           = 0; /* present hops walked so far */
        int                 last_seen_depth = -1;
        int                 last_seen_hop   = -1;
        gboolean            used            = FALSE;
        gboolean            end_seen        = FALSE;

        for (guint k = 0; k < n; k++) {
            /* From the peer: the host's side first; to the peer: the domain's side first. */
            guint hop = g_array_index(path->hops, guint, to_peer ? n - 1 - k : k);

            if (!((NmfHop *) trace->hops->pdata[hop])->present)
                continue;
            end_seen = _seen(trace, hop, to_peer) > 0;
            /* Packets a path's first device did not see came by another path. */
            if (depth == 0)
                used = end_seen;
            if (end_seen) {
                last_seen_depth = depth;
                last_seen_hop   = (int) hop;
            }
            depth++;
        }
        if (!used)
            continue;
        /* Seen on the bridge, but the host has nowhere to send it. */
        if (to_peer && path->no_way_out)
            end_seen = FALSE;
        if (end_seen) {
            out->result     = NMF_TRACE_PASSED;
            out->lost_after = -1;
            out->path       = (int) p;
            return;
        }
        if (last_seen_depth > best_depth) {
            best_depth      = last_seen_depth;
            out->result     = NMF_TRACE_LOST;
            out->lost_after = last_seen_hop;
            out->path       = (int) p;
        }
    }
}

static guint64
_delta(GHashTable *delta, const char *name)
{
    const guint64 *v = delta ? g_hash_table_lookup(delta, name) : NULL;

    return v ? *v : 0;
}

static const char *
_hop_name(const NmfTrace *trace, int hop)
{
    return hop >= 0 ? ((NmfHop *) trace->hops->pdata[hop])->device : NULL;
}

static const char *
_path_label(const NmfTrace *trace, int path)
{
    return path >= 0 ? ((NmfTracePath *) trace->paths->pdata[path])->label : "?";
}

/* The counters that name a cause for a loss after @device with @rp_filter there. */
static void
_counter_causes(GPtrArray             *causes,
                const NmfTrace        *trace,
                const char            *device,
                int                    rp_filter,
                GHashTable            *delta,
                const NmfHostSettings *settings)
{
    gboolean v4        = trace->family == AF_INET;
    guint64  rp        = _delta(delta, "TcpExt.IPReversePathFilter");
    guint64  no_route  = _delta(delta, v4 ? "Ip.InNoRoutes" : "Ip6InNoRoutes");
    guint64  addr_errs = _delta(delta, v4 ? "Ip.InAddrErrors" : "Ip6InAddrErrors");
    gboolean named     = FALSE;
    /* Counts as text: a format macro inside a translatable string hides it from xgettext. */
    g_autofree char *n_rp       = g_strdup_printf("%" G_GUINT64_FORMAT, rp);
    g_autofree char *n_no_route = g_strdup_printf("%" G_GUINT64_FORMAT, no_route);
    g_autofree char *n_addr     = g_strdup_printf("%" G_GUINT64_FORMAT, addr_errs);

    if (v4 && rp > 0) {
        if (rp_filter > 0)
            g_ptr_array_add(causes,
                            g_strdup_printf(_("the host's reverse-path filter dropped %s packets "
                                              "(rp_filter=%d on %s): their source address is "
                                              "routed by another link"),
                                            n_rp,
                                            rp_filter,
                                            device));
        else
            g_ptr_array_add(causes,
                            g_strdup_printf(_("the host's reverse-path filter dropped %s packets "
                                              "(TcpExtIPReversePathFilter)"),
                                            n_rp));
        named = TRUE;
    }
    if (addr_errs > 0 && settings && settings->ip_forward == 0) {
        g_ptr_array_add(causes,
                        g_strdup_printf(_("the host does not forward (%s=0): %s packets for "
                                          "other hosts were dropped"),
                                        v4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding",
                                        n_addr));
        named = TRUE;
    }
    if (no_route > 0) {
        g_ptr_array_add(causes,
                        g_strdup_printf(_("the host has no route for %s packets (%s)"),
                                        n_no_route,
                                        v4 ? "Ip InNoRoutes" : "Ip6InNoRoutes"));
        named = TRUE;
    }
    if (!named)
        g_ptr_array_add(causes,
                        g_strdup_printf(_("no drop counter of the host rose: a firewall rule or "
                                          "the device itself dropped them after %s (libvirt's "
                                          "rules reject what a NAT bridge receives from outside "
                                          "its network's subnet)"),
                                        device));
}

GPtrArray *
nmf_trace_causes(const NmfTrace          *trace,
                 const NmfTraceDirection *from_peer,
                 const NmfTraceDirection *to_peer,
                 GHashTable              *delta,
                 const NmfHostSettings   *settings)
{
    GPtrArray *causes = g_ptr_array_new_with_free_func(g_free);

    if (from_peer->result == NMF_TRACE_NOT_SEEN) {
        g_ptr_array_add(causes,
                        g_strdup_printf(_("nothing from %s reached the watched devices: start "
                                          "traffic from %s (a ping) while the trace runs, or "
                                          "check the route toward it"),
                                        trace->peer,
                                        trace->peer));
        return causes;
    }
    /* The guest's own choice first: it is what an admin can fix in the guest. */
    if (to_peer->path >= 0 && from_peer->path >= 0 && to_peer->path != from_peer->path)
        g_ptr_array_add(causes,
                        g_strdup_printf(_("the domain answers by another link: packets from %s "
                                          "reach it by %s, its replies leave by %s; in the guest "
                                          "'nm-metric-fix --check %s' shows why, 'nm-metric-fix "
                                          "--fix' gives the LAN link the default route"),
                                        trace->peer,
                                        _path_label(trace, from_peer->path),
                                        _path_label(trace, to_peer->path),
                                        trace->peer));
    if (from_peer->result == NMF_TRACE_LOST)
        _counter_causes(causes,
                        trace,
                        _hop_name(trace, from_peer->lost_after),
                        settings ? settings->rp_filter_from_peer : -1,
                        delta,
                        settings);
    if (to_peer->result == NMF_TRACE_LOST)
        _counter_causes(causes,
                        trace,
                        _hop_name(trace, to_peer->lost_after),
                        settings ? settings->rp_filter_to_peer : -1,
                        delta,
                        settings);
    if (from_peer->result == NMF_TRACE_PASSED && to_peer->result == NMF_TRACE_NOT_SEEN)
        g_ptr_array_add(causes,
                        g_strdup_printf(_("packets from %s reach the domain but it sends nothing "
                                          "back by any watched device: the guest drops them or "
                                          "does not answer; in the guest 'nm-metric-fix "
                                          "--observe %s' names the cause"),
                                        trace->peer,
                                        trace->peer));
    return causes;
}

static void
_render_direction(GString *out, const NmfTrace *trace, const char *what, const NmfTraceDirection *d)
{
    switch (d->result) {
    case NMF_TRACE_PASSED:
        g_string_append_printf(
          out, _("%s: passes every hop (by %s)\n"), what, _path_label(trace, d->path));
        break;
    case NMF_TRACE_LOST:
        g_string_append_printf(out,
                               _("%s: LOST after %s (by %s)\n"),
                               what,
                               _hop_name(trace, d->lost_after),
                               _path_label(trace, d->path));
        break;
    default:
        g_string_append_printf(out, _("%s: not seen on any device\n"), what);
        break;
    }
}

static char *
_roles_text(const NmfHop *hop)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (int r = 0; r < NMF_HOP_ROLE_MAX; r++) {
        if (!(hop->roles & (1u << r)))
            continue;
        if (s->len)
            g_string_append(s, ", ");
        g_string_append(s, _role_text(r));
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean
nmf_trace_render(GString *out, NmfTrace *trace, guint seconds, GHashTable *delta, GPtrArray *causes)
{
    NmfTraceDirection from_peer;
    NmfTraceDirection to_peer;
    g_autofree char  *from_what = g_strdup_printf(_("From %s"), trace->peer);
    g_autofree char  *to_what   = g_strdup_printf(_("To %s"), trace->peer);
    gboolean          any       = FALSE;

    nmf_trace_decide(trace, FALSE, &from_peer);
    nmf_trace_decide(trace, TRUE, &to_peer);
    g_string_append_printf(out,
                           _("Traffic between domain %s and %s for %u s; the host's route "
                             "toward it leaves by %s.\n\n"),
                           trace->domain,
                           trace->peer,
                           seconds,
                           trace->uplink ? trace->uplink : _("(no route)"));
    g_string_append_printf(
      out, "  %-16s %-36s %10s %10s\n", _("DEVICE"), _("ROLE"), _("FROM PEER"), _("TO PEER"));
    for (guint i = 0; i < trace->hops->len; i++) {
        const NmfHop    *hop   = trace->hops->pdata[i];
        g_autofree char *roles = _roles_text(hop);

        if (hop->present)
            g_string_append_printf(
              out, "  %-16s %-36s %10u %10u\n", hop->device, roles, hop->from_peer, hop->to_peer);
        else
            g_string_append_printf(
              out, "  %-16s %-36s %s\n", hop->device, roles, _("not in this network namespace"));
        /* The hops of one guest interface follow each other: name it once. */
        if (hop->detail
            && (i == 0
                || g_strcmp0(hop->detail, ((NmfHop *) trace->hops->pdata[i - 1])->detail) != 0))
            g_string_append_printf(out, "  %-16s   (%s)\n", "", hop->detail);
    }
    for (guint i = 0; i < trace->notes->len; i++)
        g_string_append_printf(out, "  %s\n", (char *) trace->notes->pdata[i]);
    g_string_append_c(out, '\n');
    _render_direction(out, trace, from_what, &from_peer);
    _render_direction(out, trace, to_what, &to_peer);

    g_string_append(out, _("Host counters over the window:"));
    for (guint i = 0; nmf_counters_watched()[i]; i++) {
        guint64 d = _delta(delta, nmf_counters_watched()[i]);

        if (d == 0)
            continue;
        g_string_append_printf(out, " %s +%" G_GUINT64_FORMAT, nmf_counters_watched()[i], d);
        any = TRUE;
    }
    g_string_append(out, any ? "\n" : _(" none rose\n"));
    for (guint i = 0; causes && i < causes->len; i++)
        g_string_append_printf(
          out, i == 0 ? _("Likely cause: %s.\n") : _("Also: %s.\n"), (char *) causes->pdata[i]);
    return from_peer.result == NMF_TRACE_PASSED && to_peer.result == NMF_TRACE_PASSED;
}

char *
nmf_trace_follow_hint(const char *peer, gboolean have_retis, gboolean have_pwru)
{
    GString *out = g_string_new(NULL);

    if (!have_retis && !have_pwru)
        return g_string_free(out, FALSE);
    g_string_append(out,
                    _("To follow a packet through the host's kernel, with its drop reason:\n"));
    if (have_retis)
        g_string_append_printf(out, "  retis collect -c skb,skb-drop -f 'host %s'\n", peer);
    if (have_pwru)
        g_string_append_printf(out, "  pwru 'host %s'\n", peer);
    return g_string_free(out, FALSE);
}
