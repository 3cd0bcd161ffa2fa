/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure step: why the default route is where it is, and what --fix would change. */
#include "config.h"

#include "decide/nmf-check-cause.h"

#include <string.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "model/nmf-route.h"
#include "model/nmf-uplink.h"

#define RT_TABLE_MAIN 254
/* NetworkManager hands the devices that share a per-type default consecutive metrics
 * (route-metric-default-effective), one per device activated; a metric this far above
 * the default is no longer NetworkManager's own choice. */
#define NM_AUTO_METRIC_SPREAD 64

const char *
nmf_metric_source_to_string(NmfMetricSource source)
{
    static const char *const names[NMF_METRIC_FROM_MAX] = {
        [NMF_METRIC_FROM_ACTIVATION_ORDER] = "activation-order",
        [NMF_METRIC_FROM_CONFIG_DEFAULT]   = "config-default",
        [NMF_METRIC_FROM_PROFILE]          = "profile",
        [NMF_METRIC_FROM_NM_METRIC_FIX]    = "nm-metric-fix",
        [NMF_METRIC_FROM_OUTSIDE_NM]       = "outside-networkmanager",
    };

    return source < NMF_METRIC_FROM_MAX ? names[source] : "unknown";
}

gint64
nmf_check_nm_type_default_metric(const char *device_type)
{
    /* NetworkManager's nm_device_get_route_metric_default(), by type description. */
    static const struct {
        const char *type;
        gint64      metric;
    } defaults[] = {
        { "wireguard", 50 },   { "ethernet", 100 },  { "veth", 100 },      { "macsec", 125 },
        { "infiniband", 150 }, { "bond", 300 },      { "team", 350 },      { "vlan", 400 },
        { "macvlan", 410 },    { "bridge", 425 },    { "tun", 450 },       { "vxlan", 500 },
        { "dummy", 550 },      { "wifi", 600 },      { "ip-tunnel", 675 }, { "gsm", 700 },
        { "cdma", 700 },       { "bluetooth", 750 },
    };

    for (guint i = 0; device_type && i < G_N_ELEMENTS(defaults); i++) {
        if (g_ascii_strcasecmp(device_type, defaults[i].type) == 0)
            return defaults[i].metric;
    }
    return -1;
}

void
nmf_check_cause_free(NmfCheckCause *cause)
{
    if (!cause)
        return;
    g_free(cause->owner);
    g_free(cause->connection_id);
    g_free(cause->klass);
    g_free(cause->later);
    g_free(cause->intended);
    for (guint i = 0; cause->changes && i < cause->changes->len; i++)
        g_free(g_array_index(cause->changes, NmfMetricChange, i).iface);
    if (cause->changes)
        g_array_unref(cause->changes);
    g_free(cause);
}

/* The lowest metric of @iface's default routes of @family in the main table, or -1. */
static gint64
_kernel_metric(GPtrArray *routes, int family, const char *iface)
{
    gint64 best = -1;

    for (guint i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family == family && r->table == RT_TABLE_MAIN && g_strcmp0(r->iface, iface) == 0
            && (best < 0 || r->metric < best))
            best = r->metric;
    }
    return best;
}

static const NmfUplink *
_uplink(GPtrArray *uplinks, const char *iface)
{
    for (guint i = 0; uplinks && i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (g_strcmp0(u->iface, iface) == 0)
            return u;
    }
    return NULL;
}

static NmfMetricSource
_source(const NmfUplink *u, int family, guint32 metric)
{
    gint64 profile = family == AF_INET6 ? u->profile_metric6 : u->profile_metric4;
    gint64 deflt   = nmf_check_nm_type_default_metric(u->device_type);

    /* A profile that leaves IPv6 alone: its IPv6 routes are someone else's. */
    if (family == AF_INET6 && !u->has_ipv6)
        return NMF_METRIC_FROM_OUTSIDE_NM;

    if (u->has_record && profile == u->recorded_metric && profile != NMF_METRIC_AUTO)
        return NMF_METRIC_FROM_NM_METRIC_FIX;
    if (profile != NMF_METRIC_AUTO)
        return NMF_METRIC_FROM_PROFILE;
    if (deflt >= 0 && (metric < deflt || metric >= deflt + NM_AUTO_METRIC_SPREAD))
        return NMF_METRIC_FROM_CONFIG_DEFAULT;
    return NMF_METRIC_FROM_ACTIVATION_ORDER;
}

NmfCheckCause *
nmf_check_cause_new(int family, GPtrArray *routes, GPtrArray *uplinks, const NmfPlan *plan)
{
    NmfCheckCause   *cause = g_new0(NmfCheckCause, 1);
    const NmfUplink *owner;
    gint64           best = -1;

    cause->family  = family;
    cause->changes = g_array_new(FALSE, FALSE, sizeof(NmfMetricChange));
    for (guint i = 0; routes && i < routes->len; i++) {
        const NmfRoute *r = routes->pdata[i];

        if (r->family != family || r->table != RT_TABLE_MAIN || !r->iface || !*r->iface)
            continue;
        if (best < 0 || r->metric < best) {
            best = r->metric;
            g_free(cause->owner);
            cause->owner = g_strdup(r->iface);
        }
    }
    cause->metric = best >= 0 ? (guint32) best : 0;
    owner         = cause->owner ? _uplink(uplinks, cause->owner) : NULL;
    cause->source = owner ? _source(owner, family, cause->metric) : NMF_METRIC_FROM_OUTSIDE_NM;
    if (cause->source == NMF_METRIC_FROM_OUTSIDE_NM)
        owner = NULL;
    if (owner) {
        cause->connection_id = g_strdup(owner->connection_id);
        cause->klass         = g_strdup(nmf_uplink_class_to_string(owner->klass));
    }
    /* The device NetworkManager activated next got the next metric. */
    if (cause->source == NMF_METRIC_FROM_ACTIVATION_ORDER) {
        gint64 next = -1;

        for (guint i = 0; uplinks && i < uplinks->len; i++) {
            const NmfUplink *u = uplinks->pdata[i];
            gint64           m = _kernel_metric(routes, family, u->iface);

            if (u == owner || m <= (gint64) cause->metric
                || _source(u, family, (guint32) m) != NMF_METRIC_FROM_ACTIVATION_ORDER)
                continue;
            if (next < 0 || m < next) {
                next = m;
                g_free(cause->later);
                cause->later = g_strdup(u->iface);
            }
        }
        cause->later_metric = next >= 0 ? (guint32) next : 0;
    }

    cause->managed = plan && plan->managed;
    if (plan && plan->ranked && plan->ranked->len > 0)
        cause->intended = g_strdup(((NmfUplink *) plan->ranked->pdata[0])->iface);
    for (guint i = 0; plan && plan->ranked && i < plan->ranked->len; i++) {
        const NmfUplink *u      = plan->ranked->pdata[i];
        gint64           wanted = nmf_plan_wanted_metric(plan, u);
        NmfMetricChange  change;

        if (wanted == NMF_METRIC_AUTO || (family == AF_INET6 && !u->has_ipv6))
            continue;
        change.from = _kernel_metric(routes, family, u->iface);
        change.to   = wanted;
        if (change.from == change.to)
            continue;
        change.iface = g_strdup(u->iface);
        g_array_append_val(cause->changes, change);
    }
    return cause;
}

void
nmf_check_cause_render(GString *out, const NmfCheckCause *cause)
{
    const char *fam = cause->family == AF_INET6 ? "IPv6" : "IPv4";
    const char *key = cause->family == AF_INET6 ? "ipv6.route-metric" : "ipv4.route-metric";

    if (!cause->owner) {
        g_string_append_printf(out, _("Why: no interface has an %s default route.\n"), fam);
        return;
    }
    switch (cause->source) {
    case NMF_METRIC_FROM_ACTIVATION_ORDER:
        g_string_append_printf(out,
                               _("Why: %s owns the %s default route with metric %u. Its profile "
                                 "'%s' leaves %s at -1, so NetworkManager chose the metric: its "
                                 "default for the device type, in the order the devices were "
                                 "activated"),
                               cause->owner,
                               fam,
                               cause->metric,
                               cause->connection_id,
                               key);
        if (cause->later)
            g_string_append_printf(
              out, _(" (%s, activated later, got %u)"), cause->later, cause->later_metric);
        g_string_append(out, ".\n");
        break;
    case NMF_METRIC_FROM_CONFIG_DEFAULT:
        g_string_append_printf(out,
                               _("Why: %s owns the %s default route with metric %u. Its profile "
                                 "'%s' leaves %s at -1 and the metric is not NetworkManager's "
                                 "default for the device type: a default in NetworkManager.conf "
                                 "([connection] %s) set it.\n"),
                               cause->owner,
                               fam,
                               cause->metric,
                               cause->connection_id,
                               key,
                               key);
        break;
    case NMF_METRIC_FROM_PROFILE:
        g_string_append_printf(out,
                               _("Why: %s owns the %s default route with metric %u, set by its "
                                 "profile '%s' (%s).\n"),
                               cause->owner,
                               fam,
                               cause->metric,
                               cause->connection_id,
                               key);
        break;
    case NMF_METRIC_FROM_NM_METRIC_FIX:
        g_string_append_printf(out,
                               _("Why: %s owns the %s default route with metric %u, which "
                                 "nm-metric-fix wrote into its profile '%s'.\n"),
                               cause->owner,
                               fam,
                               cause->metric,
                               cause->connection_id);
        break;
    default:
        g_string_append_printf(out,
                               _("Why: %s owns the %s default route with metric %u; "
                                 "NetworkManager does not manage it (a static route or another "
                                 "tool).\n"),
                               cause->owner,
                               fam,
                               cause->metric);
        break;
    }

    if (cause->source == NMF_METRIC_FROM_OUTSIDE_NM) {
        g_string_append(out, _("--fix does not change routes NetworkManager does not manage.\n"));
        return;
    }
    if (!cause->managed) {
        g_string_append(
          out, _("--fix would change nothing: no NAT link competes for the default route.\n"));
        return;
    }
    if (cause->changes->len == 0) {
        g_string_append_printf(
          out,
          _("--fix would change nothing: the metrics are as ranked (%s first).\n"),
          cause->intended ? cause->intended : "-");
        return;
    }
    g_string_append(out, _("--fix would set"));
    for (guint i = 0; i < cause->changes->len; i++) {
        const NmfMetricChange *c = &g_array_index(cause->changes, NmfMetricChange, i);

        if (c->from >= 0)
            g_string_append_printf(out,
                                   _("%s %s's metric %lld to %lld"),
                                   i == 0 ? "" : ",",
                                   c->iface,
                                   (long long) c->from,
                                   (long long) c->to);
        else
            g_string_append_printf(
              out, _("%s %s's metric to %lld"), i == 0 ? "" : ",", c->iface, (long long) c->to);
    }
    if (cause->intended && g_strcmp0(cause->intended, cause->owner) != 0)
        g_string_append_printf(out, _("; %s would then own the default route"), cause->intended);
    g_string_append(out, ".\n");
}
