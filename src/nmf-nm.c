/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nmf-nm.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <NetworkManager.h>

#include "nmf-common.h"

/* Reapply can race other clients (nmcli, cockpit, a second run of ours). */
#define REAPPLY_MAX_ATTEMPTS 5

struct _NmfNm {
    NMClient *client;
    guint     timeout_ms;
};

typedef struct {
    NMDevice           *device;
    NMRemoteConnection *profile;
} UplinkHandle;

static void
_uplink_handle_free(gpointer data)
{
    UplinkHandle *h = data;

    g_clear_object(&h->device);
    g_clear_object(&h->profile);
    g_free(h);
}

/*****************************************************************************/
/* The one sync-over-async helper every libnm call goes through. Start each async
 * call with (wait.cancellable, _call_cb, _wait_start(&wait, &call)); any number
 * may be in flight. _wait_all() then runs the default main context until every
 * call has its result or the deadline cancels them. libnm only updates its
 * objects while the context runs, so this also keeps the client's cache current. */

typedef struct {
    GMainLoop    *loop;
    GCancellable *cancellable;
    GSource      *timeout_source;
    guint         pending;
    gboolean      timed_out;
} Wait;

typedef struct {
    Wait         *wait;
    GAsyncResult *result;
} Call;

static void
_call_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Call *call = user_data;

    call->result = g_object_ref(result);
    if (--call->wait->pending == 0)
        g_main_loop_quit(call->wait->loop);
}

static gboolean
_wait_timeout_cb(gpointer user_data)
{
    Wait *wait = user_data;

    wait->timed_out = TRUE;
    g_cancellable_cancel(wait->cancellable);
    return G_SOURCE_REMOVE;
}

static void
_wait_init(Wait *wait, guint timeout_ms)
{
    memset(wait, 0, sizeof(*wait));
    wait->loop           = g_main_loop_new(NULL, FALSE);
    wait->cancellable    = g_cancellable_new();
    wait->timeout_source = g_timeout_source_new(timeout_ms);
    g_source_set_callback(wait->timeout_source, _wait_timeout_cb, wait, NULL);
    g_source_attach(wait->timeout_source, NULL);
}

static gpointer
_wait_start(Wait *wait, Call *call)
{
    call->wait   = wait;
    call->result = NULL;
    wait->pending++;
    return call;
}

static void
_wait_all(Wait *wait)
{
    /* A cancelled call still completes (with G_IO_ERROR_CANCELLED), so this ends. */
    if (wait->pending > 0)
        g_main_loop_run(wait->loop);
}

static void
_wait_clear(Wait *wait)
{
    if (wait->timeout_source) {
        g_source_destroy(wait->timeout_source);
        g_clear_pointer(&wait->timeout_source, g_source_unref);
    }
    g_clear_object(&wait->cancellable);
    g_clear_pointer(&wait->loop, g_main_loop_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Wait, _wait_clear)

static void
_call_clear(Call *call)
{
    g_clear_object(&call->result);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Call, _call_clear)

/* Whether NetworkManager went away: its name-owner change arrives as a main-context
 * event, so take the ones already queued before asking. */
static gboolean
_nm_gone(NmfNm *self)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
    return !nm_client_get_nm_running(self->client);
}

static gboolean
_device_gone(NmfNm *self, NMDevice *device)
{
    const GPtrArray *devices = nm_client_get_devices(self->client);
    guint            i;

    for (i = 0; devices && i < devices->len; i++) {
        if (devices->pdata[i] == (gpointer) device)
            return FALSE;
    }
    return TRUE;
}

/* Turn a libnm/D-Bus error into ours, naming what we were doing. @device, when
 * given, is the device the call was about. Takes @local. */
static gboolean
_fail(NmfNm *self, GError **error, Wait *wait, GError *local, NMDevice *device, const char *what)
{
    if (g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
        || g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) || _nm_gone(self)) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_NM_NOT_RUNNING,
                    "%s: NetworkManager stopped during the run; the next dispatcher event "
                    "will finish the job",
                    what);
    } else if (device && _device_gone(self, device)) {
        g_set_error(
          error, NMF_ERROR, NMF_ERROR_FAILED, "%s: the device disappeared during the run", what);
    } else if (wait && wait->timed_out) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_TIMEOUT,
                    "%s: NetworkManager did not answer within %u ms",
                    what,
                    self->timeout_ms);
    } else if (g_error_matches(local, NM_SETTINGS_ERROR, NM_SETTINGS_ERROR_PERMISSION_DENIED)
               || g_error_matches(local, NM_DEVICE_ERROR, NM_DEVICE_ERROR_NOT_ALLOWED)
               || g_error_matches(local, NM_MANAGER_ERROR, NM_MANAGER_ERROR_PERMISSION_DENIED)
               || g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)) {
        g_dbus_error_strip_remote_error(local);
        g_set_error(error, NMF_ERROR, NMF_ERROR_PERMISSION, "%s: %s", what, local->message);
    } else {
        if (local)
            g_dbus_error_strip_remote_error(local);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "%s: %s",
                    what,
                    local ? local->message : "unknown error");
    }
    g_clear_error(&local);
    return FALSE;
}

/*****************************************************************************/

/* NM_CLIENT_INSTANCE_FLAGS_NO_AUTO_FETCH_PERMISSIONS (libnm 1.24): we never ask for
 * permissions, and fetching them costs NetworkManager two credential look-ups. The
 * property is looked up by name so we still build against 1.14. */
#define INSTANCE_FLAGS_NO_AUTO_FETCH_PERMISSIONS 0x1u

NmfNm *
nmf_nm_new(guint timeout_ms, GError **error)
{
    g_autoptr(NmfNm) self = g_new0(NmfNm, 1);
    g_auto(Wait) wait     = { 0 };
    g_auto(Call) call     = { 0 };
    GObjectClass *klass   = g_type_class_ref(NM_TYPE_CLIENT);
    gboolean      flags   = g_object_class_find_property(klass, "instance-flags") != NULL;
    GError       *local   = NULL;

    g_type_class_unref(klass);
    self->timeout_ms = timeout_ms;

    _wait_init(&wait, timeout_ms);
    if (flags)
        g_async_initable_new_async(NM_TYPE_CLIENT,
                                   G_PRIORITY_DEFAULT,
                                   wait.cancellable,
                                   _call_cb,
                                   _wait_start(&wait, &call),
                                   "instance-flags",
                                   INSTANCE_FLAGS_NO_AUTO_FETCH_PERMISSIONS,
                                   NULL);
    else
        nm_client_new_async(wait.cancellable, _call_cb, _wait_start(&wait, &call));
    _wait_all(&wait);
    self->client = nm_client_new_finish(call.result, &local);
    if (!self->client) {
        if (wait.timed_out) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_NM_NOT_RUNNING,
                        "NetworkManager did not answer within %u ms",
                        timeout_ms);
        } else {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_NM_NOT_RUNNING,
                        "cannot connect to NetworkManager: %s",
                        local->message);
        }
        g_clear_error(&local);
        return NULL;
    }
    if (!nm_client_get_nm_running(self->client)) {
        g_set_error_literal(
          error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING, "NetworkManager is not running");
        return NULL;
    }
    return g_steal_pointer(&self);
}

void
nmf_nm_free(NmfNm *self)
{
    if (!self)
        return;
    g_clear_object(&self->client);
    /* Let libnm drop the D-Bus state it still holds before we go. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_free(self);
}

const char *
nmf_nm_get_daemon_version(NmfNm *self)
{
    return nm_client_get_version(self->client);
}

/*****************************************************************************/

static gboolean
_ipv6_metric_managed(NMConnection *connection)
{
    NMSettingIPConfig *s6 = nm_connection_get_setting_ip6_config(connection);
    const char        *method;

    if (!s6)
        return FALSE;
    method = nm_setting_ip_config_get_method(s6);
    /* "disabled" exists from 1.20 on; a string compare keeps us building against 1.14. */
    return method && strcmp(method, NM_SETTING_IP6_CONFIG_METHOD_IGNORE) != 0
           && strcmp(method, "disabled") != 0;
}

static void
_read_metrics(NMConnection *connection, gint64 *out_metric4, gint64 *out_metric6)
{
    NMSettingIPConfig *s4 = nm_connection_get_setting_ip4_config(connection);
    NMSettingIPConfig *s6 = nm_connection_get_setting_ip6_config(connection);

    *out_metric4 = s4 ? nm_setting_ip_config_get_route_metric(s4) : NMF_METRIC_AUTO;
    *out_metric6 = s6 ? nm_setting_ip_config_get_route_metric(s6) : NMF_METRIC_AUTO;
}

/* IPv6's metric only with @set_ipv6: the admin's IPv6 stays untouched otherwise. */
static void
_write_metrics(NMConnection *connection, gint64 metric4, gint64 metric6, gboolean set_ipv6)
{
    NMSettingIPConfig *s4 = nm_connection_get_setting_ip4_config(connection);
    NMSettingIPConfig *s6 = nm_connection_get_setting_ip6_config(connection);

    if (s4)
        g_object_set(s4, NM_SETTING_IP_CONFIG_ROUTE_METRIC, metric4, NULL);
    if (s6 && set_ipv6)
        g_object_set(s6, NM_SETTING_IP_CONFIG_ROUTE_METRIC, metric6, NULL);
}

static const char *
_user_data_get(NMConnection *connection, const char *key)
{
    NMSettingUser *s_user =
      NM_SETTING_USER(nm_connection_get_setting(connection, NM_TYPE_SETTING_USER));

    return s_user ? nm_setting_user_get_data(s_user, key) : NULL;
}

static gboolean
_parse_metric(const char *text, gint64 *out)
{
    gint64 v;
    char  *end = NULL;

    if (!text || !*text)
        return FALSE;
    v = g_ascii_strtoll(text, &end, 10);
    if (*end || v < NMF_METRIC_AUTO || v > G_MAXUINT32)
        return FALSE;
    *out = v;
    return TRUE;
}

static void
_read_user_data(NmfUplink *uplink, NMConnection *profile)
{
    const char *skip = _user_data_get(profile, NMF_USER_SKIP);
    gint64      orig;

    uplink->skip_requested =
      skip && g_strv_contains((const char *const[]){ "yes", "true", "1", NULL }, skip);
    /* Our record counts only when the original value is there to restore. */
    uplink->has_record =
      _parse_metric(_user_data_get(profile, NMF_USER_ORIG_IPV4), &orig)
      && _parse_metric(_user_data_get(profile, NMF_USER_WRITTEN), &uplink->recorded_metric);
}

static NmfLinkKind
_link_kind(NMDevice *device)
{
    if (NM_IS_DEVICE_BRIDGE(device))
        return NMF_LINK_BRIDGE;
    if (NM_IS_DEVICE_MACVLAN(device))
        return nm_device_macvlan_get_tap(NM_DEVICE_MACVLAN(device)) ? NMF_LINK_MACVTAP
                                                                    : NMF_LINK_MACVLAN;
    if (NM_IS_DEVICE_ETHERNET(device))
        return NMF_LINK_ETHERNET;
    return NMF_LINK_OTHER;
}

/*****************************************************************************/
/* Policy routing. Routing rules arrived in NM 1.18 and we build against 1.14, so
 * their libnm functions are looked up at run time; routes in other tables (the
 * "table" attribute, 1.10) are plain 1.14 API. */

#define AS_STRING_FLAGS_AF_INET  0x1 /* NM_IP_ROUTING_RULE_AS_STRING_FLAGS_AF_INET */
#define AS_STRING_FLAGS_AF_INET6 0x2 /* NM_IP_ROUTING_RULE_AS_STRING_FLAGS_AF_INET6 */

typedef struct {
    gboolean available;
    gpointer (*from_string)(const char *, guint32, GHashTable *, GError **);
    void (*unref)(gpointer);
    gint64 (*get_priority)(gconstpointer);
    const char *(*get_from)(gconstpointer);
    guint8 (*get_from_len)(gconstpointer);
    guint32 (*get_table)(gconstpointer);
    guint (*get_num)(NMSettingIPConfig *);
    gpointer (*get_rule)(NMSettingIPConfig *, guint);
    void (*add_rule)(NMSettingIPConfig *, gpointer);
    void (*remove_rule)(NMSettingIPConfig *, guint);
} RuleApi;

static const RuleApi *
_rule_api(void)
{
    static RuleApi api;
    static gsize   loaded = 0;

    if (g_once_init_enter(&loaded)) {
        api.from_string  = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_from_string");
        api.unref        = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_unref");
        api.get_priority = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_get_priority");
        api.get_from     = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_get_from");
        api.get_from_len = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_get_from_len");
        api.get_table    = dlsym(RTLD_DEFAULT, "nm_ip_routing_rule_get_table");
        api.get_num      = dlsym(RTLD_DEFAULT, "nm_setting_ip_config_get_num_routing_rules");
        api.get_rule     = dlsym(RTLD_DEFAULT, "nm_setting_ip_config_get_routing_rule");
        api.add_rule     = dlsym(RTLD_DEFAULT, "nm_setting_ip_config_add_routing_rule");
        api.remove_rule  = dlsym(RTLD_DEFAULT, "nm_setting_ip_config_remove_routing_rule");
        api.available    = api.from_string && api.unref && api.get_priority && api.get_from
                        && api.get_from_len && api.get_table && api.get_num && api.get_rule
                        && api.add_rule && api.remove_rule;
        g_once_init_leave(&loaded, 1);
    }
    return &api;
}

static gboolean
_route_table_of(NMIPRoute *route, guint32 *out_table)
{
    GVariant *table = nm_ip_route_get_attribute(route, NM_IP_ROUTE_ATTRIBUTE_TABLE);

    if (!table || !g_variant_is_of_type(table, G_VARIANT_TYPE_UINT32))
        return FALSE;
    *out_table = g_variant_get_uint32(table);
    return TRUE;
}

/* NetworkManager keeps addresses in canonical text; ours are made with inet_ntop
 * too, but normalise anyway so a signature never differs by spelling alone. */
static void
_canonical(int family, const char *text, char *buf)
{
    guint8 bin[16];

    if (text && inet_pton(family, text, bin) == 1)
        inet_ntop(family, bin, buf, NMF_ADDR_LEN);
    else
        g_strlcpy(buf, text ? text : "", NMF_ADDR_LEN);
}

static NMSettingIPConfig *
_ip_setting(NMConnection *connection, int family)
{
    return family == AF_INET ? nm_connection_get_setting_ip4_config(connection)
                             : nm_connection_get_setting_ip6_config(connection);
}

static const int families[] = { AF_INET, AF_INET6 };

/* The canonical text of the routes and rules of ours that @connection carries. */
static char *
_policy_signature(NMConnection *connection)
{
    const RuleApi *api       = _rule_api();
    g_autoptr(GArray) routes = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRoute));
    g_autoptr(GArray) rules  = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRule));
    guint f;
    guint i;

    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        NMSettingIPConfig *s_ip = _ip_setting(connection, families[f]);

        if (!s_ip)
            continue;
        for (i = 0; i < nm_setting_ip_config_get_num_routes(s_ip); i++) {
            NMIPRoute     *route = nm_setting_ip_config_get_route(s_ip, i);
            NmfPolicyRoute r     = { .family = families[f] };

            if (!_route_table_of(route, &r.table) || !nmf_policy_owns_table(r.table))
                continue;
            _canonical(r.family, nm_ip_route_get_dest(route), r.dest);
            r.prefix = nm_ip_route_get_prefix(route);
            if (nm_ip_route_get_next_hop(route))
                _canonical(r.family, nm_ip_route_get_next_hop(route), r.gateway);
            g_array_append_val(routes, r);
        }
        for (i = 0; api->available && i < api->get_num(s_ip); i++) {
            gpointer      rule = api->get_rule(s_ip, i);
            NmfPolicyRule r    = { .family = families[f] };
            gint64        prio = api->get_priority(rule);

            if (prio < 0 || !nmf_policy_owns_priority((guint32) prio))
                continue;
            r.priority = (guint32) prio;
            r.table    = api->get_table(rule);
            r.from_len = api->get_from_len(rule);
            _canonical(r.family, api->get_from(rule), r.from);
            g_array_append_val(rules, r);
        }
    }
    return nmf_policy_signature(routes, rules);
}

/* Replace our routes and rules in @connection by @uplink's wanted ones (none when NULL). */
static gboolean
_write_policy(NMConnection *connection, const NmfUplink *uplink, GError **error)
{
    const RuleApi *api = _rule_api();
    guint          f;
    guint          i;

    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        NMSettingIPConfig *s_ip = _ip_setting(connection, families[f]);

        if (!s_ip)
            continue;
        for (i = nm_setting_ip_config_get_num_routes(s_ip); i > 0; i--) {
            guint32 table;

            if (_route_table_of(nm_setting_ip_config_get_route(s_ip, i - 1), &table)
                && nmf_policy_owns_table(table))
                nm_setting_ip_config_remove_route(s_ip, i - 1);
        }
        for (i = api->available ? api->get_num(s_ip) : 0; i > 0; i--) {
            gint64 prio = api->get_priority(api->get_rule(s_ip, i - 1));

            if (prio >= 0 && nmf_policy_owns_priority((guint32) prio))
                api->remove_rule(s_ip, i - 1);
        }
    }
    if (!uplink)
        return TRUE;

    for (i = 0; i < uplink->wanted_routes->len; i++) {
        const NmfPolicyRoute *r    = &g_array_index(uplink->wanted_routes, NmfPolicyRoute, i);
        NMSettingIPConfig    *s_ip = _ip_setting(connection, r->family);
        NMIPRoute            *route;

        if (!s_ip)
            continue;
        route = nm_ip_route_new(
          r->family, r->dest, r->prefix, r->gateway[0] ? r->gateway : NULL, -1, error);
        if (!route)
            return FALSE;
        nm_ip_route_set_attribute(
          route, NM_IP_ROUTE_ATTRIBUTE_TABLE, g_variant_new_uint32(r->table));
        nm_setting_ip_config_add_route(s_ip, route);
        nm_ip_route_unref(route);
    }
    for (i = 0; i < uplink->wanted_rules->len; i++) {
        const NmfPolicyRule *r    = &g_array_index(uplink->wanted_rules, NmfPolicyRule, i);
        NMSettingIPConfig   *s_ip = _ip_setting(connection, r->family);
        g_autofree char     *text = g_strdup_printf(
          "priority %u from %s/%u table %u", r->priority, r->from, r->from_len, r->table);
        gpointer rule;

        if (!s_ip)
            continue;
        if (!api->available) {
            g_set_error_literal(
              error, NMF_ERROR, NMF_ERROR_FAILED, "this libnm has no routing rules (needs 1.18)");
            return FALSE;
        }
        rule = api->from_string(text,
                                r->family == AF_INET ? AS_STRING_FLAGS_AF_INET
                                                     : AS_STRING_FLAGS_AF_INET6,
                                NULL,
                                error);
        if (!rule)
            return FALSE;
        api->add_rule(s_ip, rule);
        api->unref(rule);
    }
    return TRUE;
}

gboolean
nmf_nm_check_policy_mode(NmfNm *self, GError **error)
{
    const char *version = nm_client_get_version(self->client);
    guint       major   = 0;
    guint       minor   = 0;

    if (!version || sscanf(version, "%u.%u", &major, &minor) != 2 || (major == 1 && minor < 18)
        || major < 1) {
        g_set_error(
          error,
          NMF_ERROR,
          NMF_ERROR_CONFIG, /* exit 2: the configuration asks for what this host cannot do */
          "mode=policy needs NetworkManager 1.18 or newer (routing rules); this host runs "
          "%s. Nothing was changed; use mode=metric",
          version ? version : "an unknown version");
        return FALSE;
    }
    if (!_rule_api()->available) {
        g_set_error_literal(error,
                            NMF_ERROR,
                            NMF_ERROR_CONFIG,
                            "mode=policy needs libnm 1.18 or newer (routing rules). Nothing was "
                            "changed; use mode=metric");
        return FALSE;
    }
    return TRUE;
}

/* Addresses and default gateway of @family from the device's IP configuration. */
static void
_fill_ip(NmfUplink *uplink, NMDevice *device, int family)
{
    NMIPConfig *ip =
      family == AF_INET ? nm_device_get_ip4_config(device) : nm_device_get_ip6_config(device);
    GPtrArray  *addresses;
    const char *gateway;
    guint       i;

    if (!ip)
        return;
    addresses = nm_ip_config_get_addresses(ip);
    for (i = 0; addresses && i < addresses->len; i++) {
        NMIPAddress *a = addresses->pdata[i];
        guint8       bin[16];

        if (inet_pton(family, nm_ip_address_get_address(a), bin) != 1)
            continue;
        if (family == AF_INET) {
            guint32 address;

            memcpy(&address, bin, sizeof(address));
            nmf_uplink_add_address4(uplink, ntohl(address), nm_ip_address_get_prefix(a));
        } else
            nmf_uplink_add_address6(uplink, bin, nm_ip_address_get_prefix(a));
    }
    gateway = nm_ip_config_get_gateway(ip);
    if (!gateway || !*gateway)
        return;
    if (family == AF_INET6)
        uplink->gateway6 = g_strdup(gateway);
    else if (!nmf_parse_ip4(gateway, &uplink->gateway4))
        uplink->gateway4 = 0;
}

GPtrArray *
nmf_nm_collect(NmfNm *self, GError **error)
{
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    const GPtrArray *devices     = nm_client_get_devices(self->client);
    g_autofree Call *calls       = NULL;
    g_auto(Wait) wait            = { 0 };
    guint i;

    /* Everything from libnm's cache first: it may change once the main loop runs. */
    for (i = 0; devices && i < devices->len; i++) {
        NMDevice           *device  = devices->pdata[i];
        NMActiveConnection *ac      = nm_device_get_active_connection(device);
        NMRemoteConnection *profile = ac ? nm_active_connection_get_connection(ac) : NULL;
        const char         *iface   = nm_device_get_ip_iface(device);
        UplinkHandle       *handle;
        NmfUplink          *uplink;

        if (!iface)
            iface = nm_device_get_iface(device);
        if (nm_device_get_state(device) != NM_DEVICE_STATE_ACTIVATED || !profile || !iface
            || strcmp(iface, "lo") == 0)
            continue;

        uplink = nmf_uplink_new(iface,
                                nm_connection_get_id(NM_CONNECTION(profile)),
                                nm_connection_get_uuid(NM_CONNECTION(profile)));
        g_ptr_array_add(uplinks, uplink);
        uplink->kind        = _link_kind(device);
        uplink->hw_address  = g_strdup(nm_device_get_hw_address(device));
        uplink->device_type = g_strdup(nm_device_get_type_description(device));
        _read_user_data(uplink, NM_CONNECTION(profile));
        uplink->has_ipv6 = _ipv6_metric_managed(NM_CONNECTION(profile));
        _fill_ip(uplink, device, AF_INET);
        _fill_ip(uplink, device, AF_INET6);
        _read_metrics(NM_CONNECTION(profile), &uplink->profile_metric4, &uplink->profile_metric6);
        g_free(uplink->profile_policy);
        uplink->profile_policy = _policy_signature(NM_CONNECTION(profile));

        handle              = g_new0(UplinkHandle, 1);
        handle->device      = g_object_ref(device);
        handle->profile     = g_object_ref(profile);
        uplink->handle      = handle;
        uplink->handle_free = _uplink_handle_free;
    }

    /* All applied connections at once: one round trip, however many devices. */
    calls = g_new0(Call, uplinks->len);
    _wait_init(&wait, self->timeout_ms);
    for (i = 0; i < uplinks->len; i++) {
        UplinkHandle *h = ((NmfUplink *) uplinks->pdata[i])->handle;

        nm_device_get_applied_connection_async(
          h->device, 0, wait.cancellable, _call_cb, _wait_start(&wait, &calls[i]));
    }
    _wait_all(&wait);

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink            = uplinks->pdata[i];
        UplinkHandle *h                 = uplink->handle;
        g_autoptr(NMConnection) applied = NULL;
        GError *local                   = NULL;

        applied = nm_device_get_applied_connection_finish(h->device, calls[i].result, NULL, &local);
        _call_clear(&calls[i]);
        if (applied) {
            _read_metrics(applied, &uplink->applied_metric4, &uplink->applied_metric6);
            g_free(uplink->applied_policy);
            uplink->applied_policy = _policy_signature(applied);
            uplink->applied_known  = TRUE;
        } else {
            /* Not fatal: --status still has the kernel's view; --fix reapplies anyway. */
            nmf_log_debug(
              "%s: cannot read the applied connection: %s", uplink->iface, local->message);
            g_clear_error(&local);
        }
    }
    if (_nm_gone(self)) {
        g_set_error_literal(error,
                            NMF_ERROR,
                            NMF_ERROR_NM_NOT_RUNNING,
                            "NetworkManager stopped while its devices were being read");
        return NULL;
    }
    return g_steal_pointer(&uplinks);
}

static NMSettingUser *
_ensure_user_setting(NMConnection *connection)
{
    NMSetting *s_user = nm_connection_get_setting(connection, NM_TYPE_SETTING_USER);

    if (!s_user) {
        s_user = nm_setting_user_new();
        nm_connection_add_setting(connection, s_user);
    }
    return NM_SETTING_USER(s_user);
}

/* Before our first change, keep what the admin had so --revert can restore it. */
static void
_record_originals(NMConnection *connection, const NmfUplink *uplink)
{
    NMSettingUser   *s_user = _ensure_user_setting(connection);
    g_autofree char *orig4  = g_strdup_printf("%" G_GINT64_FORMAT, uplink->profile_metric4);
    g_autofree char *orig6  = g_strdup_printf("%" G_GINT64_FORMAT, uplink->profile_metric6);
    g_autofree char *wanted = g_strdup_printf("%" G_GINT64_FORMAT, uplink->wanted_metric);

    if (!nm_setting_user_get_data(s_user, NMF_USER_ORIG_IPV4)) {
        nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV4, orig4, NULL);
        nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV6, orig6, NULL);
    }
    nm_setting_user_set_data(s_user, NMF_USER_WRITTEN, wanted, NULL);
}

/* Send each job's settings to its profile, all at once. Fills job->error. */
typedef struct {
    NMRemoteConnection *profile;
    NMConnection       *settings; /* owned */
    GError             *error;
    Call                call;
} CommitJob;

/* The profile must stay where it is. From NetworkManager 1.20 on, no storage
 * flag means exactly that; before, it turns a profile saved on disk into an
 * unsaved in-memory one, lost at the next reload or boot (measured on 1.14 with
 * ifcfg-rh). So a saved profile on those releases is written back TO_DISK. */
static NMSettingsUpdate2Flags
_update_flags(NmfNm *self, NMRemoteConnection *profile)
{
    const char *version = nmf_nm_get_daemon_version(self);
    guint       major   = 0;
    guint       minor   = 0;

    if (version && sscanf(version, "%u.%u", &major, &minor) == 2 && major == 1 && minor < 20
        && !nm_remote_connection_get_unsaved(profile))
        return NM_SETTINGS_UPDATE2_FLAG_TO_DISK;
    return NM_SETTINGS_UPDATE2_FLAG_NONE;
}

static void
_commit_profiles(NmfNm *self, CommitJob *jobs, guint n_jobs)
{
    g_auto(Wait) wait = { 0 };
    guint i;

    _wait_init(&wait, self->timeout_ms);
    for (i = 0; i < n_jobs; i++) {
        g_autoptr(GVariant) settings =
          g_variant_ref_sink(nm_connection_to_dbus(jobs[i].settings, NM_CONNECTION_SERIALIZE_ALL));

        nm_remote_connection_update2(jobs[i].profile,
                                     settings,
                                     _update_flags(self, jobs[i].profile),
                                     NULL,
                                     wait.cancellable,
                                     _call_cb,
                                     _wait_start(&wait, &jobs[i].call));
    }
    _wait_all(&wait);
    for (i = 0; i < n_jobs; i++) {
        g_autoptr(GVariant) result = NULL;
        GError *local              = NULL;

        result = nm_remote_connection_update2_finish(jobs[i].profile, jobs[i].call.result, &local);
        if (!result) {
            g_autofree char *what = g_strdup_printf(
              "updating connection '%s'", nm_connection_get_id(NM_CONNECTION(jobs[i].profile)));

            _fail(self, &jobs[i].error, &wait, local, NULL, what);
        }
        _call_clear(&jobs[i].call);
        g_clear_object(&jobs[i].settings);
    }
}

static gboolean
_commit_profile(NmfNm *self, NMRemoteConnection *profile, NMConnection *settings, GError **error)
{
    CommitJob job = { .profile = profile, .settings = g_object_ref(settings) };

    _commit_profiles(self, &job, 1);
    if (job.error) {
        g_propagate_error(error, job.error);
        return FALSE;
    }
    return TRUE;
}

gboolean
nmf_nm_update_profiles(NmfNm *self, GPtrArray *uplinks, GError **error)
{
    g_autofree CommitJob *jobs        = g_new0(CommitJob, uplinks->len);
    GError               *first_error = NULL;
    guint                 n_jobs      = 0;
    guint                 i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink = uplinks->pdata[i];
        UplinkHandle *h      = uplink->handle;
        NMConnection *copy;
        GError       *local = NULL;

        g_return_val_if_fail(h, FALSE);
        /* Edit a copy: libnm's cached profile must keep mirroring the daemon. */
        copy = nm_simple_connection_new_clone(NM_CONNECTION(h->profile));
        _record_originals(copy, uplink);
        _write_metrics(copy, uplink->wanted_metric, uplink->wanted_metric, uplink->has_ipv6);
        if (!_write_policy(copy, uplink, &local)) {
            g_object_unref(copy);
            nmf_error_keep(&first_error, local, uplink->iface);
            continue;
        }
        jobs[n_jobs].profile    = h->profile;
        jobs[n_jobs++].settings = copy;
    }
    _commit_profiles(self, jobs, n_jobs);
    for (i = 0; i < n_jobs; i++) {
        if (jobs[i].error)
            nmf_error_keep(
              &first_error, jobs[i].error, nm_connection_get_id(NM_CONNECTION(jobs[i].profile)));
    }
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}

/*****************************************************************************/
/* Reapply, for many devices at once: read every applied connection, change what
 * differs, reapply them all together, and go round again for the ones another
 * client reapplied in between (the version id moved). Concurrent Reapplies also
 * avoid the moment two devices share a metric, when the kernel keeps the older
 * default route. */

typedef struct {
    NMDevice        *device;
    const char      *iface; /* taken before the calls: libnm clears it when the device goes */
    gint64           metric4;
    gint64           metric6;
    gboolean         set_ipv6;
    const NmfUplink *policy_from; /* wanted policy routing; NULL: none of ours */
    gboolean         reapplied;
    gboolean         done;
    GError          *error;
    guint            attempt;
    NMConnection    *applied;
    guint64          version_id;
    Call             call;
} ReapplyJob;

static gboolean
_job_wants_change(ReapplyJob *job)
{
    g_autofree char *policy = _policy_signature(job->applied);
    gint64           cur4;
    gint64           cur6;

    _read_metrics(job->applied, &cur4, &cur6);
    return cur4 != job->metric4 || (job->set_ipv6 && cur6 != job->metric6)
           || strcmp(policy, job->policy_from ? job->policy_from->wanted_policy : "") != 0;
}

static void
_reapply_round(NmfNm *self, ReapplyJob *jobs, guint n_jobs)
{
    guint i;

    {
        g_auto(Wait) wait = { 0 };

        _wait_init(&wait, self->timeout_ms);
        for (i = 0; i < n_jobs; i++) {
            if (!jobs[i].done)
                nm_device_get_applied_connection_async(
                  jobs[i].device, 0, wait.cancellable, _call_cb, _wait_start(&wait, &jobs[i].call));
        }
        _wait_all(&wait);
        for (i = 0; i < n_jobs; i++) {
            ReapplyJob *job   = &jobs[i];
            GError     *local = NULL;

            if (job->done)
                continue;
            g_clear_object(&job->applied);
            job->applied = nm_device_get_applied_connection_finish(
              job->device, job->call.result, &job->version_id, &local);
            _call_clear(&job->call);
            if (!job->applied) {
                g_autofree char *what = g_strdup_printf("reading the applied connection of %s",
                                                        job->iface);

                _fail(self, &job->error, &wait, local, job->device, what);
                job->done = TRUE;
            } else if (!_job_wants_change(job)) {
                /* Nothing to do (maybe a concurrent run already did it): no Reapply. */
                job->done = TRUE;
            } else {
                _write_metrics(job->applied, job->metric4, job->metric6, job->set_ipv6);
                if (!_write_policy(job->applied, job->policy_from, &job->error))
                    job->done = TRUE;
            }
        }
    }
    {
        g_auto(Wait) wait = { 0 };

        _wait_init(&wait, self->timeout_ms);
        for (i = 0; i < n_jobs; i++) {
            if (!jobs[i].done)
                nm_device_reapply_async(jobs[i].device,
                                        jobs[i].applied,
                                        jobs[i].version_id,
                                        0,
                                        wait.cancellable,
                                        _call_cb,
                                        _wait_start(&wait, &jobs[i].call));
        }
        _wait_all(&wait);
        for (i = 0; i < n_jobs; i++) {
            ReapplyJob *job   = &jobs[i];
            GError     *local = NULL;
            const char *iface = job->iface;

            if (job->done)
                continue;
            if (nm_device_reapply_finish(job->device, job->call.result, &local)) {
                job->reapplied = TRUE;
                job->done      = TRUE;
            } else if (g_error_matches(local, NM_DEVICE_ERROR, NM_DEVICE_ERROR_VERSION_ID_MISMATCH)
                       && ++job->attempt < REAPPLY_MAX_ATTEMPTS) {
                nmf_log_info("%s: applied connection changed under us (version %" G_GUINT64_FORMAT
                             "), retrying reapply (attempt %u)",
                             iface,
                             job->version_id,
                             job->attempt + 1);
                g_clear_error(&local);
            } else {
                g_autofree char *what = g_strdup_printf("reapplying %s", iface);

                _fail(self, &job->error, &wait, local, job->device, what);
                job->done = TRUE;
            }
            _call_clear(&job->call);
        }
    }
}

static void
_reapply_jobs(NmfNm *self, ReapplyJob *jobs, guint n_jobs)
{
    guint i;

    for (;;) {
        gboolean again = FALSE;

        _reapply_round(self, jobs, n_jobs);
        for (i = 0; i < n_jobs; i++)
            again |= !jobs[i].done;
        if (!again)
            break;
    }
    for (i = 0; i < n_jobs; i++)
        g_clear_object(&jobs[i].applied);
}

gboolean
nmf_nm_reapply_all(NmfNm *self, GPtrArray *uplinks, GError **error)
{
    g_autofree ReapplyJob *jobs        = g_new0(ReapplyJob, uplinks->len);
    GError                *first_error = NULL;
    guint                  i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink = uplinks->pdata[i];
        UplinkHandle *h      = uplink->handle;

        g_return_val_if_fail(h, FALSE);
        jobs[i].device      = h->device;
        jobs[i].iface       = uplink->iface;
        jobs[i].metric4     = uplink->wanted_metric;
        jobs[i].metric6     = uplink->wanted_metric;
        jobs[i].set_ipv6    = uplink->has_ipv6;
        jobs[i].policy_from = uplink;
    }
    _reapply_jobs(self, jobs, uplinks->len);
    for (i = 0; i < uplinks->len; i++) {
        NmfUplink *uplink = uplinks->pdata[i];

        uplink->reapplied      = jobs[i].reapplied;
        uplink->reapply_failed = jobs[i].error != NULL;
        if (jobs[i].error)
            nmf_error_keep(&first_error, jobs[i].error, uplink->iface);
    }
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}

static gboolean
_revert_one(NmfNm *self, NMRemoteConnection *profile, gboolean dry_run, GError **error)
{
    NMConnection *connection = NM_CONNECTION(profile);
    /* A copy: the profile update below refreshes libnm's cached strings. */
    g_autofree char *id          = g_strdup(nm_connection_get_id(connection));
    g_autofree char *uuid        = g_strdup(nm_connection_get_uuid(connection));
    guint            n_user_keys = 0;
    gint64           orig4       = NMF_METRIC_AUTO;
    gint64           orig6       = NMF_METRIC_AUTO;
    gint64           cur4;
    gint64           cur6;
    gboolean         has6        = nm_connection_get_setting_ip6_config(connection) != NULL;
    g_autoptr(NMConnection) copy = NULL;
    NMSettingUser   *s_user;
    const GPtrArray *devices = nm_client_get_devices(self->client);
    guint            i;

    if (!_parse_metric(_user_data_get(connection, NMF_USER_ORIG_IPV4), &orig4)) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "connection '%s': the recorded original metric '%s' is not a metric; "
                    "nothing was changed on it",
                    id,
                    _user_data_get(connection, NMF_USER_ORIG_IPV4));
        return FALSE;
    }
    if (!_parse_metric(_user_data_get(connection, NMF_USER_ORIG_IPV6), &orig6))
        orig6 = NMF_METRIC_AUTO;
    _read_metrics(connection, &cur4, &cur6);

    nmf_log_info("%srestore profile '%s': ipv4.route-metric %" G_GINT64_FORMAT
                 " -> %" G_GINT64_FORMAT ", ipv6.route-metric %" G_GINT64_FORMAT
                 " -> %" G_GINT64_FORMAT,
                 dry_run ? "would " : "",
                 id,
                 cur4,
                 orig4,
                 cur6,
                 orig6);
    if (dry_run)
        return TRUE;

    copy = nm_simple_connection_new_clone(connection);
    _write_metrics(copy, orig4, orig6, has6);
    s_user = _ensure_user_setting(copy);
    nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV4, NULL, NULL);
    nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV6, NULL, NULL);
    nm_setting_user_set_data(s_user, NMF_USER_WRITTEN, NULL, NULL);
    /* Leave no empty [user] behind where we were the only ones using it. */
    nm_setting_user_get_keys(s_user, &n_user_keys);
    if (n_user_keys == 0)
        nm_connection_remove_setting(copy, NM_TYPE_SETTING_USER);
    if (!_write_policy(copy, NULL, error) || !_commit_profile(self, profile, copy, error))
        return FALSE;

    /* And live, on every device the profile is active on. */
    for (i = 0; devices && i < devices->len; i++) {
        NMDevice           *device = devices->pdata[i];
        NMActiveConnection *active = nm_device_get_active_connection(device);
        g_autofree char    *iface  = g_strdup(nm_device_get_iface(device));
        ReapplyJob          job    = {
                        .device   = device,
                        .iface    = iface,
                        .metric4  = orig4,
                        .metric6  = orig6,
                        .set_ipv6 = has6,
        };

        if (!active || nm_device_get_state(device) != NM_DEVICE_STATE_ACTIVATED
            || g_strcmp0(nm_active_connection_get_uuid(active), uuid) != 0)
            continue;
        _reapply_jobs(self, &job, 1);
        if (job.error) {
            g_propagate_error(error, job.error);
            return FALSE;
        }
        if (job.reapplied)
            nmf_log_info("reapply %s (%s): ipv4.route-metric -> %" G_GINT64_FORMAT,
                         iface,
                         id,
                         orig4);
    }
    return TRUE;
}

gboolean
nmf_nm_revert(NmfNm *self, gboolean dry_run, GError **error)
{
    const GPtrArray *connections = nm_client_get_connections(self->client);
    GError          *first_error = NULL;
    guint            n           = 0;
    guint            i;

    for (i = 0; connections && i < connections->len; i++) {
        NMRemoteConnection *profile = connections->pdata[i];
        GError             *local   = NULL;

        if (!_user_data_get(NM_CONNECTION(profile), NMF_USER_ORIG_IPV4))
            continue;
        if (_revert_one(self, profile, dry_run, &local)) {
            n++;
            continue;
        }
        /* Restore the others, unless NetworkManager is gone; report the first failure. */
        nmf_error_keep(&first_error, local, NULL);
        if (g_error_matches(first_error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING))
            break;
    }
    if (n == 0 && !first_error)
        nmf_log_info("nothing to revert: no profile carries a record of ours");
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}

static NMRemoteConnection *
_find_connection(NmfNm *self, const char *id_or_uuid, GError **error)
{
    const GPtrArray    *connections = nm_client_get_connections(self->client);
    NMRemoteConnection *found       = NULL;
    guint               n_by_id     = 0;
    guint               i;

    for (i = 0; connections && i < connections->len; i++) {
        NMConnection *c = connections->pdata[i];

        if (g_strcmp0(nm_connection_get_uuid(c), id_or_uuid) == 0)
            return connections->pdata[i];
        if (g_strcmp0(nm_connection_get_id(c), id_or_uuid) == 0) {
            found = connections->pdata[i];
            n_by_id++;
        }
    }
    if (n_by_id == 1)
        return found;
    g_set_error(error,
                NMF_ERROR,
                NMF_ERROR_FAILED,
                n_by_id == 0 ? "no connection profile '%s'"
                             : "more than one connection profile is called '%s'; give its UUID",
                id_or_uuid);
    return NULL;
}

gboolean
nmf_nm_set_skip(NmfNm *self, const char *id_or_uuid, gboolean skip, GError **error)
{
    NMRemoteConnection *profile  = _find_connection(self, id_or_uuid, error);
    g_autoptr(NMConnection) copy = NULL;
    const char *current;

    if (!profile)
        return FALSE;
    current = _user_data_get(NM_CONNECTION(profile), NMF_USER_SKIP);
    if (skip ? g_strcmp0(current, "yes") == 0 : current == NULL) {
        nmf_log_info("connection '%s': %s already",
                     nm_connection_get_id(NM_CONNECTION(profile)),
                     skip ? "skipped" : "not skipped");
        return TRUE;
    }
    copy = nm_simple_connection_new_clone(NM_CONNECTION(profile));
    nm_setting_user_set_data(_ensure_user_setting(copy), NMF_USER_SKIP, skip ? "yes" : NULL, NULL);
    if (!_commit_profile(self, profile, copy, error))
        return FALSE;
    nmf_log_info("connection '%s': %s",
                 nm_connection_get_id(NM_CONNECTION(profile)),
                 skip ? "nm-metric-fix.skip=yes set; its metrics are left alone from now on"
                      : "nm-metric-fix.skip removed; it is ranked again");
    return TRUE;
}
