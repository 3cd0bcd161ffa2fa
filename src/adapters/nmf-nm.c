/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: the libnm client - connecting, reading devices and profiles. */
#include "config.h"

#include "adapters/nmf-nm-private.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <NetworkManager.h>

#include "model/nmf-common.h"
#include "decide/nmf-policy-routing.h"

static void
_uplink_handle_free(gpointer data)
{
    UplinkHandle *h = data;

    g_clear_object(&h->device);
    g_clear_object(&h->profile);
    g_clear_object(&h->applied);
    g_free(h);
}

/*****************************************************************************/
/* The one sync-over-async helper every libnm call goes through. Start each async
 * call with (wait.cancellable, nmf_nm_call_cb, nmf_nm_wait_start(&wait, &call)); any number
 * may be in flight. nmf_nm_wait_all() then runs the default main context until every
 * call has its result or the deadline cancels them. libnm only updates its
 * objects while the context runs, so this also keeps the client's cache current. */

void
nmf_nm_call_cb(GObject *source, GAsyncResult *result, gpointer user_data)
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

void
nmf_nm_wait_init(Wait *wait, guint timeout_ms)
{
    memset(wait, 0, sizeof(*wait));
    wait->loop           = g_main_loop_new(NULL, FALSE);
    wait->cancellable    = g_cancellable_new();
    wait->timeout_source = g_timeout_source_new(timeout_ms);
    g_source_set_callback(wait->timeout_source, _wait_timeout_cb, wait, NULL);
    g_source_attach(wait->timeout_source, NULL);
}

gpointer
nmf_nm_wait_start(Wait *wait, Call *call)
{
    call->wait   = wait;
    call->result = NULL;
    wait->pending++;
    return call;
}

void
nmf_nm_wait_all(Wait *wait)
{
    /* A cancelled call still completes (with G_IO_ERROR_CANCELLED), so this ends. */
    if (wait->pending > 0)
        g_main_loop_run(wait->loop);
}

void
nmf_nm_wait_clear(Wait *wait)
{
    if (wait->timeout_source) {
        g_source_destroy(wait->timeout_source);
        g_clear_pointer(&wait->timeout_source, g_source_unref);
    }
    g_clear_object(&wait->cancellable);
    g_clear_pointer(&wait->loop, g_main_loop_unref);
}

void
nmf_nm_call_clear(Call *call)
{
    g_clear_object(&call->result);
}

/* Whether NetworkManager went away: its name-owner change arrives as a main-context
 * event, so take the ones already queued before asking. */
gboolean
nmf_nm_daemon_gone(NmfNm *self)
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
gboolean
nmf_nm_fail(NmfNm      *self,
            GError    **error,
            Wait       *wait,
            GError     *local,
            NMDevice   *device,
            const char *what)
{
    if (g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
        || g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
        || nmf_nm_daemon_gone(self)) {
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

    nmf_nm_wait_init(&wait, timeout_ms);
    if (flags)
        g_async_initable_new_async(NM_TYPE_CLIENT,
                                   G_PRIORITY_DEFAULT,
                                   wait.cancellable,
                                   nmf_nm_call_cb,
                                   nmf_nm_wait_start(&wait, &call),
                                   "instance-flags",
                                   INSTANCE_FLAGS_NO_AUTO_FETCH_PERMISSIONS,
                                   NULL);
    else
        nm_client_new_async(wait.cancellable, nmf_nm_call_cb, nmf_nm_wait_start(&wait, &call));
    nmf_nm_wait_all(&wait);
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

void
nmf_nm_read_metrics(NMConnection *connection, gint64 *out_metric4, gint64 *out_metric6)
{
    NMSettingIPConfig *s4 = nm_connection_get_setting_ip4_config(connection);
    NMSettingIPConfig *s6 = nm_connection_get_setting_ip6_config(connection);

    *out_metric4 = s4 ? nm_setting_ip_config_get_route_metric(s4) : NMF_METRIC_AUTO;
    *out_metric6 = s6 ? nm_setting_ip_config_get_route_metric(s6) : NMF_METRIC_AUTO;
}

const char *
nmf_nm_user_data_get(NMConnection *connection, const char *key)
{
    NMSettingUser *s_user =
      NM_SETTING_USER(nm_connection_get_setting(connection, NM_TYPE_SETTING_USER));

    return s_user ? nm_setting_user_get_data(s_user, key) : NULL;
}

gboolean
nmf_nm_parse_metric(const char *text, gint64 *out)
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
    const char *skip = nmf_nm_user_data_get(profile, NMF_USER_SKIP);
    gint64      orig;

    uplink->skip_requested =
      skip && g_strv_contains((const char *const[]){ "yes", "true", "1", NULL }, skip);
    /* Our record counts only when the original value is there to restore. */
    uplink->has_record =
      nmf_nm_parse_metric(nmf_nm_user_data_get(profile, NMF_USER_ORIG_IPV4), &orig)
      && nmf_nm_parse_metric(nmf_nm_user_data_get(profile, NMF_USER_WRITTEN),
                             &uplink->recorded_metric);
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

const RuleApi *
nmf_nm_rule_api(void)
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

gboolean
nmf_nm_route_table_of(NMIPRoute *route, guint32 *out_table)
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

NMSettingIPConfig *
nmf_nm_ip_setting(NMConnection *connection, int family)
{
    return family == AF_INET ? nm_connection_get_setting_ip4_config(connection)
                             : nm_connection_get_setting_ip6_config(connection);
}

static const int families[] = { AF_INET, AF_INET6 };

/* The canonical text of the routes and rules of ours that @connection carries. */
char *
nmf_nm_policy_signature(NMConnection *connection)
{
    const RuleApi *api       = nmf_nm_rule_api();
    g_autoptr(GArray) routes = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRoute));
    g_autoptr(GArray) rules  = g_array_new(FALSE, TRUE, sizeof(NmfPolicyRule));
    guint f;
    guint i;

    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        NMSettingIPConfig *s_ip = nmf_nm_ip_setting(connection, families[f]);

        if (!s_ip)
            continue;
        for (i = 0; i < nm_setting_ip_config_get_num_routes(s_ip); i++) {
            NMIPRoute     *route = nm_setting_ip_config_get_route(s_ip, i);
            NmfPolicyRoute r     = { .family = families[f] };

            if (!nmf_nm_route_table_of(route, &r.table) || !nmf_policy_owns_table(r.table))
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
    if (!nmf_nm_rule_api()->available) {
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

/* The server identifier of the device's DHCPv4 lease: evidence for classification
 * (libvirt's dnsmasq answers from the gateway address). */
static char *
_dhcp4_server(NMDevice *device)
{
    NMDhcpConfig *dhcp = nm_device_get_dhcp4_config(device);
    const char   *server;

    if (!dhcp)
        return NULL;
    server = nm_dhcp_config_get_one_option(dhcp, "dhcp_server_identifier");
    return server && *server ? g_strdup(server) : NULL;
}

gboolean
nmf_nm_call_manager(NmfNm      *self,
                    const char *interface,
                    const char *method,
                    GVariant   *parameters,
                    const char *what,
                    GError    **error)
{
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
    g_autoptr(GVariant) reply      = NULL;
    g_auto(Wait) wait              = { 0 };
    g_auto(Call) call              = { 0 };
    GError *local                  = NULL;

    if (!bus) {
        if (parameters)
            g_variant_unref(g_variant_ref_sink(parameters));
        return FALSE;
    }
    nmf_nm_wait_init(&wait, self->timeout_ms);
    g_dbus_connection_call(bus,
                           NM_DBUS_SERVICE,
                           NM_DBUS_PATH,
                           interface,
                           method,
                           parameters,
                           NULL,
                           G_DBUS_CALL_FLAGS_NONE,
                           (int) self->timeout_ms,
                           wait.cancellable,
                           nmf_nm_call_cb,
                           nmf_nm_wait_start(&wait, &call));
    nmf_nm_wait_all(&wait);
    reply = g_dbus_connection_call_finish(bus, call.result, &local);
    if (!reply)
        return nmf_nm_fail(self, error, &wait, local, NULL, what);
    return TRUE;
}

/* One round trip to NetworkManager (Peer.Ping): D-Bus keeps one sender's messages in
 * order, so every change it announced before answering is in libnm's cache after it. */
static gboolean
_sync(NmfNm *self, GError **error)
{
    return nmf_nm_call_manager(
      self, "org.freedesktop.DBus.Peer", "Ping", NULL, "reading NetworkManager's devices", error);
}

GPtrArray *
nmf_nm_collect(NmfNm *self, gboolean sync_first, GError **error)
{
    g_autoptr(GPtrArray) uplinks = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_uplink_free);
    const GPtrArray *devices     = NULL;
    g_autofree Call *calls       = NULL;
    g_auto(Wait) wait            = { 0 };
    guint i;

    if (sync_first && !_sync(self, error))
        return NULL;
    /* Everything from libnm's cache first: it may change once the main loop runs. */
    devices = nm_client_get_devices(self->client);
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
        uplink->dhcp4_server = _dhcp4_server(device);
        nmf_nm_read_metrics(
          NM_CONNECTION(profile), &uplink->profile_metric4, &uplink->profile_metric6);
        g_free(uplink->profile_policy);
        uplink->profile_policy = nmf_nm_policy_signature(NM_CONNECTION(profile));

        handle              = g_new0(UplinkHandle, 1);
        handle->device      = g_object_ref(device);
        handle->profile     = g_object_ref(profile);
        uplink->handle      = handle;
        uplink->handle_free = _uplink_handle_free;
    }

    /* All applied connections at once: one round trip, however many devices. */
    calls = g_new0(Call, uplinks->len);
    nmf_nm_wait_init(&wait, self->timeout_ms);
    for (i = 0; i < uplinks->len; i++) {
        UplinkHandle *h = ((NmfUplink *) uplinks->pdata[i])->handle;

        nm_device_get_applied_connection_async(
          h->device, 0, wait.cancellable, nmf_nm_call_cb, nmf_nm_wait_start(&wait, &calls[i]));
    }
    nmf_nm_wait_all(&wait);
    if (wait.timed_out) {
        /* A hung daemon is as absent as a stopped one, wherever in the run it hangs. */
        for (i = 0; i < uplinks->len; i++)
            nmf_nm_call_clear(&calls[i]);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_TIMEOUT,
                    "reading the applied connections: NetworkManager did not answer within %u ms",
                    self->timeout_ms);
        return NULL;
    }

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink  = uplinks->pdata[i];
        UplinkHandle *h       = uplink->handle;
        NMConnection *applied = NULL;
        GError       *local   = NULL;

        applied = nm_device_get_applied_connection_finish(
          h->device, calls[i].result, &h->version_id, &local);
        nmf_nm_call_clear(&calls[i]);
        if (applied) {
            nmf_nm_read_metrics(applied, &uplink->applied_metric4, &uplink->applied_metric6);
            g_free(uplink->applied_policy);
            uplink->applied_policy = nmf_nm_policy_signature(applied);
            uplink->applied_known  = TRUE;
            h->applied             = applied;
        } else {
            /* Not fatal: --status still has the kernel's view; --fix reapplies anyway. */
            nmf_log_debug(
              "%s: cannot read the applied connection: %s", uplink->iface, local->message);
            g_clear_error(&local);
        }
    }
    if (nmf_nm_daemon_gone(self)) {
        g_set_error_literal(error,
                            NMF_ERROR,
                            NMF_ERROR_NM_NOT_RUNNING,
                            "NetworkManager stopped while its devices were being read");
        return NULL;
    }
    return g_steal_pointer(&uplinks);
}

/*****************************************************************************/
/* Profiles by themselves, for --revert, --skip and --unskip. */

static void
_profile_handle_free(gpointer data)
{
    g_object_unref(data);
}

static NmfProfile *
_profile_new(NMRemoteConnection *remote)
{
    NMConnection *connection = NM_CONNECTION(remote);
    NmfProfile   *profile    = g_new0(NmfProfile, 1);

    /* Copies: a profile update refreshes libnm's cached strings. */
    profile->id          = g_strdup(nm_connection_get_id(connection));
    profile->uuid        = g_strdup(nm_connection_get_uuid(connection));
    profile->skip        = g_strdup(nmf_nm_user_data_get(connection, NMF_USER_SKIP));
    profile->orig4_text  = g_strdup(nmf_nm_user_data_get(connection, NMF_USER_ORIG_IPV4));
    profile->orig4_valid = nmf_nm_parse_metric(profile->orig4_text, &profile->orig4);
    if (!nmf_nm_parse_metric(nmf_nm_user_data_get(connection, NMF_USER_ORIG_IPV6), &profile->orig6))
        profile->orig6 = NMF_METRIC_AUTO;
    profile->has_ipv6_setting = nm_connection_get_setting_ip6_config(connection) != NULL;
    profile->written_valid =
      nmf_nm_parse_metric(nmf_nm_user_data_get(connection, NMF_USER_WRITTEN), &profile->written);
    nmf_nm_read_metrics(connection, &profile->metric4, &profile->metric6);
    profile->handle      = g_object_ref(remote);
    profile->handle_free = _profile_handle_free;
    return profile;
}

GPtrArray *
nmf_nm_recorded_profiles(NmfNm *self)
{
    const GPtrArray *connections = nm_client_get_connections(self->client);
    GPtrArray       *profiles = g_ptr_array_new_with_free_func((GDestroyNotify) nmf_profile_free);
    guint            i;

    for (i = 0; connections && i < connections->len; i++) {
        NMRemoteConnection *remote = connections->pdata[i];

        if (nmf_nm_user_data_get(NM_CONNECTION(remote), NMF_USER_ORIG_IPV4))
            g_ptr_array_add(profiles, _profile_new(remote));
    }
    return profiles;
}

NmfProfile *
nmf_nm_find_profile(NmfNm *self, const char *id_or_uuid, GError **error)
{
    const GPtrArray    *connections = nm_client_get_connections(self->client);
    NMRemoteConnection *found       = NULL;
    guint               n_by_id     = 0;
    guint               i;

    for (i = 0; connections && i < connections->len; i++) {
        NMConnection *c = connections->pdata[i];

        if (g_strcmp0(nm_connection_get_uuid(c), id_or_uuid) == 0)
            return _profile_new(connections->pdata[i]);
        if (g_strcmp0(nm_connection_get_id(c), id_or_uuid) == 0) {
            found = connections->pdata[i];
            n_by_id++;
        }
    }
    if (n_by_id == 1)
        return _profile_new(found);
    g_set_error(error,
                NMF_ERROR,
                NMF_ERROR_FAILED,
                n_by_id == 0 ? "no connection profile '%s'"
                             : "more than one connection profile is called '%s'; give its UUID",
                id_or_uuid);
    return NULL;
}
