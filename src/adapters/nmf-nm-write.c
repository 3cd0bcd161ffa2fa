/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: libnm writes - profile updates, Reapply and user data. */
#include "config.h"

#include <net/if.h>
#include <stdio.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <NetworkManager.h>

#include "model/nmf-common.h"
#include "adapters/nmf-nm-private.h"
#include "decide/nmf-policy-routing.h"

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

static const int families[] = { AF_INET, AF_INET6 };

/* Replace our routes and rules in @connection by @uplink's wanted ones (none when NULL). */
static gboolean
_write_policy(NMConnection *connection, const NmfUplink *uplink, GError **error)
{
    const RuleApi *api = nmf_nm_rule_api();
    guint          f;
    guint          i;

    for (f = 0; f < G_N_ELEMENTS(families); f++) {
        NMSettingIPConfig *s_ip = nmf_nm_ip_setting(connection, families[f]);

        if (!s_ip)
            continue;
        for (i = nm_setting_ip_config_get_num_routes(s_ip); i > 0; i--) {
            guint32 table;

            if (nmf_nm_route_table_of(nm_setting_ip_config_get_route(s_ip, i - 1), &table)
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
        NMSettingIPConfig    *s_ip = nmf_nm_ip_setting(connection, r->family);
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
        NMSettingIPConfig   *s_ip = nmf_nm_ip_setting(connection, r->family);
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
_commit_send(NmfNm *self, CommitJob *jobs, guint n_jobs, Wait *wait)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        g_autoptr(GVariant) settings =
          g_variant_ref_sink(nm_connection_to_dbus(jobs[i].settings, NM_CONNECTION_SERIALIZE_ALL));

        nm_remote_connection_update2(jobs[i].profile,
                                     settings,
                                     _update_flags(self, jobs[i].profile),
                                     NULL,
                                     wait->cancellable,
                                     nmf_nm_call_cb,
                                     nmf_nm_wait_start(wait, &jobs[i].call));
    }
}

static void
_commit_collect(NmfNm *self, CommitJob *jobs, guint n_jobs, Wait *wait)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        g_autoptr(GVariant) result = NULL;
        GError *local              = NULL;

        result = nm_remote_connection_update2_finish(jobs[i].profile, jobs[i].call.result, &local);
        if (!result) {
            g_autofree char *what = g_strdup_printf(
              "updating connection '%s'", nm_connection_get_id(NM_CONNECTION(jobs[i].profile)));

            nmf_nm_fail(self, &jobs[i].error, wait, local, NULL, what);
        }
        nmf_nm_call_clear(&jobs[i].call);
        g_clear_object(&jobs[i].settings);
    }
}

static void
_commit_profiles(NmfNm *self, CommitJob *jobs, guint n_jobs)
{
    g_auto(Wait) wait = { 0 };

    nmf_nm_wait_init(&wait, self->timeout_ms);
    _commit_send(self, jobs, n_jobs, &wait);
    nmf_nm_wait_all(&wait);
    _commit_collect(self, jobs, n_jobs, &wait);
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

/* One job per profile in @uplinks whose new settings could be made (the others fail
 * in @outcomes); @uplink_of maps jobs to uplinks. Returns the number of jobs. */
static guint
_commits_prepare(GPtrArray *uplinks, NmfApplyOutcome *outcomes, CommitJob *jobs, guint *uplink_of)
{
    guint n_jobs = 0;
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink = uplinks->pdata[i];
        UplinkHandle *h      = uplink->handle;
        NMConnection *copy;

        g_return_val_if_fail(h, n_jobs);
        /* Edit a copy: libnm's cached profile must keep mirroring the daemon. */
        copy = nm_simple_connection_new_clone(NM_CONNECTION(h->profile));
        _record_originals(copy, uplink);
        _write_metrics(copy, uplink->wanted_metric, uplink->wanted_metric, uplink->has_ipv6);
        if (!_write_policy(copy, uplink, &outcomes[i].error)) {
            g_object_unref(copy);
            outcomes[i].result = NMF_APPLY_FAILED;
            continue;
        }
        uplink_of[n_jobs]       = i;
        jobs[n_jobs].profile    = h->profile;
        jobs[n_jobs++].settings = copy;
    }
    return n_jobs;
}

static void
_commits_outcomes(CommitJob *jobs, guint n_jobs, const guint *uplink_of, NmfApplyOutcome *outcomes)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        NmfApplyOutcome *outcome = &outcomes[uplink_of[i]];

        outcome->result = jobs[i].error ? NMF_APPLY_FAILED : NMF_APPLY_DONE;
        outcome->error  = jobs[i].error;
    }
}

/*****************************************************************************/
/* Reapply, for many devices at once: read every applied connection, change what
 * differs, reapply them all together, and go round again for the ones another
 * client reapplied in between (the version id moved). Concurrent Reapplies also
 * avoid the moment two devices share a metric, when the kernel keeps the older
 * default route. */

typedef struct {
    NMDevice        *device;
    const char      *iface; /* kept from the start: never asked of a device that may be gone */
    gint64           metric4;
    gint64           metric6;
    gboolean         set_ipv6;
    const NmfUplink *policy_from; /* wanted policy routing; NULL: none of ours */
    gboolean         force;       /* reapply even what needs no change (NM restores its routes) */
    gboolean         reapplied;
    gboolean         done;
    GError          *error;
    guint            attempt;
    NMConnection    *applied;
    guint64          version_id;
    gboolean         have_applied; /* applied and version_id are current: no need to ask */
    Call             call;
} ReapplyJob;

static gboolean
_job_wants_change(ReapplyJob *job)
{
    g_autofree char *policy = nmf_nm_policy_signature(job->applied);
    gint64           cur4;
    gint64           cur6;

    nmf_nm_read_metrics(job->applied, &cur4, &cur6);
    return cur4 != job->metric4 || (job->set_ipv6 && cur6 != job->metric6)
           || strcmp(policy, job->policy_from ? job->policy_from->wanted_policy : "") != 0;
}

/* Reads the applied connections not read yet and edits those that need a change; the
 * others are done. */
static void
_reapply_read(NmfNm *self, ReapplyJob *jobs, guint n_jobs)
{
    g_auto(Wait) wait = { 0 };
    guint i;

    nmf_nm_wait_init(&wait, self->timeout_ms);
    for (i = 0; i < n_jobs; i++) {
        if (!jobs[i].done && !jobs[i].have_applied)
            nm_device_get_applied_connection_async(jobs[i].device,
                                                   0,
                                                   wait.cancellable,
                                                   nmf_nm_call_cb,
                                                   nmf_nm_wait_start(&wait, &jobs[i].call));
    }
    nmf_nm_wait_all(&wait);
    for (i = 0; i < n_jobs; i++) {
        ReapplyJob *job   = &jobs[i];
        GError     *local = NULL;

        if (job->done)
            continue;
        if (job->have_applied) {
            /* Read a moment ago; a Reapply that finds it outdated goes round again. */
            job->have_applied = FALSE;
        } else {
            g_clear_object(&job->applied);
            job->applied = nm_device_get_applied_connection_finish(
              job->device, job->call.result, &job->version_id, &local);
            nmf_nm_call_clear(&job->call);
        }
        if (!job->applied) {
            g_autofree char *what =
              g_strdup_printf("reading the applied connection of %s", job->iface);

            nmf_nm_fail(self, &job->error, &wait, local, job->device, what);
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

static void
_reapply_send(ReapplyJob *jobs, guint n_jobs, Wait *wait)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        if (!jobs[i].done)
            nm_device_reapply_async(jobs[i].device,
                                    jobs[i].applied,
                                    jobs[i].version_id,
                                    0,
                                    wait->cancellable,
                                    nmf_nm_call_cb,
                                    nmf_nm_wait_start(wait, &jobs[i].call));
    }
}

static void
_reapply_collect(NmfNm *self, ReapplyJob *jobs, guint n_jobs, Wait *wait)
{
    guint i;

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

            nmf_nm_fail(self, &job->error, wait, local, job->device, what);
            job->done = TRUE;
        }
        nmf_nm_call_clear(&job->call);
    }
}

/* One round: read what is not read yet, change what differs, reapply it. */
static void
_reapply_round(NmfNm *self, ReapplyJob *jobs, guint n_jobs)
{
    g_auto(Wait) wait = { 0 };

    _reapply_read(self, jobs, n_jobs);
    nmf_nm_wait_init(&wait, self->timeout_ms);
    _reapply_send(jobs, n_jobs, &wait);
    nmf_nm_wait_all(&wait);
    _reapply_collect(self, jobs, n_jobs, &wait);
}

static gboolean
_reapply_pending(ReapplyJob *jobs, guint n_jobs)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        if (!jobs[i].done)
            return TRUE;
    }
    return FALSE;
}

static void
_reapply_jobs(NmfNm *self, ReapplyJob *jobs, guint n_jobs)
{
    guint i;

    while (_reapply_pending(jobs, n_jobs))
        _reapply_round(self, jobs, n_jobs);
    for (i = 0; i < n_jobs; i++)
        g_clear_object(&jobs[i].applied);
}

static void
_reapply_prepare(GPtrArray *uplinks, ReapplyJob *jobs)
{
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        NmfUplink    *uplink = uplinks->pdata[i];
        UplinkHandle *h      = uplink->handle;

        g_return_if_fail(h);
        jobs[i].device      = h->device;
        jobs[i].iface       = uplink->iface;
        jobs[i].metric4     = uplink->wanted_metric;
        jobs[i].metric6     = uplink->wanted_metric;
        jobs[i].set_ipv6    = uplink->has_ipv6;
        jobs[i].policy_from = uplink;
        /* The applied connection nmf_nm_collect() read: one round trip less for
         * every device (a copy: the jobs edit theirs). */
        if (h->applied) {
            jobs[i].applied      = nm_simple_connection_new_clone(h->applied);
            jobs[i].version_id   = h->version_id;
            jobs[i].have_applied = TRUE;
        }
    }
}

static void
_reapply_outcomes(ReapplyJob *jobs, guint n_jobs, NmfApplyOutcome *outcomes)
{
    guint i;

    for (i = 0; i < n_jobs; i++) {
        outcomes[i].error  = jobs[i].error;
        outcomes[i].result = jobs[i].error       ? NMF_APPLY_FAILED
                             : jobs[i].reapplied ? NMF_APPLY_DONE
                                                 : NMF_APPLY_UNCHANGED;
    }
}

void
nmf_nm_apply_all(NmfNm           *self,
                 GPtrArray       *reapply,
                 NmfApplyOutcome *reapplied,
                 GPtrArray       *update,
                 NmfApplyOutcome *updated)
{
    g_autofree ReapplyJob *rjobs     = g_new0(ReapplyJob, reapply->len);
    g_autofree CommitJob  *cjobs     = g_new0(CommitJob, update->len);
    g_autofree guint      *uplink_of = g_new0(guint, update->len);
    guint                  n_commits;

    _reapply_prepare(reapply, rjobs);
    n_commits = _commits_prepare(update, updated, cjobs, uplink_of);
    _reapply_read(self, rjobs, reapply->len);
    {
        g_auto(Wait) wait = { 0 };

        /* The Reapplies go first on the bus; NetworkManager answers them in order. */
        nmf_nm_wait_init(&wait, self->timeout_ms);
        _reapply_send(rjobs, reapply->len, &wait);
        _commit_send(self, cjobs, n_commits, &wait);
        nmf_nm_wait_all(&wait);
        _reapply_collect(self, rjobs, reapply->len, &wait);
        _commit_collect(self, cjobs, n_commits, &wait);
    }
    /* Devices another client reapplied in between go round again. */
    _reapply_jobs(self, rjobs, reapply->len);
    _reapply_outcomes(rjobs, reapply->len, reapplied);
    _commits_outcomes(cjobs, n_commits, uplink_of, updated);
}

/*****************************************************************************/
/* --revert and --skip: the command decides, this writes. */

gboolean
nmf_nm_restore_profile(NmfNm *self, const NmfProfile *profile, GError **error)
{
    NMRemoteConnection *remote   = profile->handle;
    g_autoptr(NMConnection) copy = nm_simple_connection_new_clone(NM_CONNECTION(remote));
    NMSettingUser *s_user;
    guint          n_user_keys = 0;

    _write_metrics(copy, profile->restore4, profile->restore6, profile->has_ipv6_setting);
    s_user = _ensure_user_setting(copy);
    nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV4, NULL, NULL);
    nm_setting_user_set_data(s_user, NMF_USER_ORIG_IPV6, NULL, NULL);
    nm_setting_user_set_data(s_user, NMF_USER_WRITTEN, NULL, NULL);
    /* Leave no empty [user] behind where we were the only ones using it. */
    nm_setting_user_get_keys(s_user, &n_user_keys);
    if (n_user_keys == 0)
        nm_connection_remove_setting(copy, NM_TYPE_SETTING_USER);
    return _write_policy(copy, NULL, error) && _commit_profile(self, remote, copy, error);
}

/* The metric NetworkManager chose for @ifindex's default routes at activation (its
 * device state file in /run/NetworkManager/devices), when the profile leaves it to
 * NetworkManager. */
static gboolean
_nm_default_metric(int ifindex, guint32 *out_metric)
{
    g_autofree char *path   = g_strdup_printf("/run/NetworkManager/devices/%d", ifindex);
    g_autoptr(GKeyFile) key = g_key_file_new();
    g_autofree char *text   = NULL;
    guint64          metric;

    if (!g_key_file_load_from_file(key, path, G_KEY_FILE_NONE, NULL))
        return FALSE;
    text = g_key_file_get_string(key, "device", "route-metric-default-effective", NULL);
    if (!text)
        text = g_key_file_get_string(key, "device", "route-metric-default-aspired", NULL);
    if (!text || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &metric, NULL))
        return FALSE;
    *out_metric = (guint32) metric;
    return TRUE;
}

static int
_device_ifindex(NMDevice *device)
{
    const char *iface = nm_device_get_ip_iface(device);

    return (int) if_nametoindex(iface ? iface : nm_device_get_iface(device));
}

/* With @move_routes, a device whose applied connection leaves the metric to
 * NetworkManager is not reapplied: its default routes go back to NetworkManager's own
 * metric in the kernel (the caller moves them, from @out_moves). */
static gboolean
_restore_by_moving(NmfNm *self, NMDevice *device, gboolean has_ipv6, NmfMetricMove *out_move)
{
    g_autoptr(NMConnection) applied = NULL;
    g_auto(Wait) wait               = { 0 };
    Call    call                    = { 0 };
    gint64  metric4;
    gint64  metric6;
    guint32 metric;
    int     ifindex = _device_ifindex(device);

    nmf_nm_wait_init(&wait, self->timeout_ms);
    nm_device_get_applied_connection_async(
      device, 0, wait.cancellable, nmf_nm_call_cb, nmf_nm_wait_start(&wait, &call));
    nmf_nm_wait_all(&wait);
    applied = nm_device_get_applied_connection_finish(device, call.result, NULL, NULL);
    nmf_nm_call_clear(&call);
    if (!applied || ifindex <= 0)
        return FALSE;
    nmf_nm_read_metrics(applied, &metric4, &metric6);
    if (metric4 != NMF_METRIC_AUTO || (has_ipv6 && metric6 != NMF_METRIC_AUTO)
        || !_nm_default_metric(ifindex, &metric))
        return FALSE;
    out_move->ifindex   = ifindex;
    out_move->iface     = nm_device_get_iface(device);
    out_move->metric    = metric;
    out_move->with_ipv6 = has_ipv6;
    return TRUE;
}

gboolean
nmf_nm_restore_live(NmfNm            *self,
                    const NmfProfile *profile,
                    NmfMoveHoldsFunc  move_holds,
                    gpointer          move_holds_data,
                    GPtrArray        *out_reapplied,
                    GArray           *out_moves,
                    GError          **error)
{
    const GPtrArray *devices = nm_client_get_devices(self->client);
    guint            i;

    for (i = 0; devices && i < devices->len; i++) {
        NMDevice           *device = devices->pdata[i];
        NMActiveConnection *active = nm_device_get_active_connection(device);
        g_autofree char    *iface  = g_strdup(nm_device_get_iface(device));
        NmfMetricMove       move   = { 0 };
        ReapplyJob          job    = {
                        .device   = device,
                        .iface    = iface,
                        .metric4  = profile->restore4,
                        .metric6  = profile->restore6,
                        .set_ipv6 = profile->has_ipv6_setting,
        };

        if (!active || nm_device_get_state(device) != NM_DEVICE_STATE_ACTIVATED
            || g_strcmp0(nm_active_connection_get_uuid(active), profile->uuid) != 0)
            continue;
        /* A metric the profile keeps (the admin's) reaches the device only by a Reapply. */
        if (move_holds && profile->restore4 == NMF_METRIC_AUTO
            && (!profile->has_ipv6_setting || profile->restore6 == NMF_METRIC_AUTO)
            && _restore_by_moving(self, device, profile->has_ipv6_setting, &move)) {
            if (move_holds(&move, move_holds_data)) {
                g_array_append_val(out_moves, move);
                continue;
            }
            /* NetworkManager would put the metric it registered the lease with back: its
             * own metric goes into the applied connection instead. */
            job.metric4 = move.metric;
            job.metric6 = move.metric;
        }
        _reapply_jobs(self, &job, 1);
        if (job.error) {
            g_propagate_error(error, job.error);
            return FALSE;
        }
        if (job.reapplied)
            g_ptr_array_add(out_reapplied, g_strdup(iface));
    }
    return TRUE;
}

gboolean
nmf_nm_set_skip(NmfNm *self, const NmfProfile *profile, gboolean skip, GError **error)
{
    NMRemoteConnection *remote   = profile->handle;
    g_autoptr(NMConnection) copy = nm_simple_connection_new_clone(NM_CONNECTION(remote));

    nm_setting_user_set_data(_ensure_user_setting(copy), NMF_USER_SKIP, skip ? "yes" : NULL, NULL);
    return _commit_profile(self, remote, copy, error);
}
