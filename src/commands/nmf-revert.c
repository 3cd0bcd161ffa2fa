/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --revert (which pauses the hook), --skip and --unskip. */
#include "config.h"

#include "commands/nmf-revert.h"

#include "decide/nmf-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hook/nmf-statedir.h"
#include "adapters/nmf-netlink.h"
#include "adapters/nmf-nm.h"

/* What --revert needs to know to put metrics back live. */
typedef struct {
    NmfLiveMethod live;
    GPtrArray    *routes; /* NmfRoute: the kernel's default routes, or NULL */
} RevertLive;

/* NmfMoveHoldsFunc: the kernel's routes of the link against nmf_plan_move_comes_back(). */
static gboolean
_move_back_holds(const NmfMetricMove *move, gpointer user_data)
{
    const RevertLive *ctx = user_data;
    NmfLinkDefaults   defaults;
    gint64            lowest;

    nmf_routes_link_defaults(ctx->routes, move->ifindex, &defaults);
    lowest = defaults.metric4;
    if (move->with_ipv6 && defaults.metric6 != NMF_METRIC_AUTO
        && (lowest == NMF_METRIC_AUTO || defaults.metric6 < lowest))
        lowest = defaults.metric6;
    return !nmf_plan_move_comes_back(
      ctx->live, move->with_ipv6 && defaults.ra6, lowest, move->metric);
}

/* Restores @profile and reapplies its devices where that is the way; the devices whose
 * default routes go back by a move in the kernel are added to @moves (and @moves_of, the
 * profile's name for each), for the caller to move all at once. */
static gboolean
_revert_one(NmfNm            *nm,
            const RevertLive *ctx,
            NmfProfile       *profile,
            gboolean          dry_run,
            GArray           *moves,
            GPtrArray        *moves_of,
            GError          **error)
{
    g_autoptr(GPtrArray) reapplied = g_ptr_array_new_with_free_func(g_free);
    guint n_before                 = moves->len;
    guint i;

    if (!profile->orig4_valid) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "connection '%s': the recorded original metric '%s' is not a metric; "
                    "nothing was changed on it",
                    profile->id,
                    profile->orig4_text);
        return FALSE;
    }
    nmf_plan_revert_profile(profile);
    if (profile->keeps_admin4 || profile->keeps_admin6)
        nmf_log_info("%skeep the administrator's later change on profile '%s': "
                     "ipv4.route-metric %" G_GINT64_FORMAT "%s, ipv6.route-metric %" G_GINT64_FORMAT
                     "%s (nm-metric-fix wrote %" G_GINT64_FORMAT "); its record is dropped",
                     dry_run ? "would " : "",
                     profile->id,
                     profile->metric4,
                     profile->keeps_admin4 ? " kept" : "",
                     profile->metric6,
                     profile->keeps_admin6 ? " kept" : "",
                     profile->written);
    nmf_log_info("%srestore profile '%s': ipv4.route-metric %" G_GINT64_FORMAT
                 " -> %" G_GINT64_FORMAT ", ipv6.route-metric %" G_GINT64_FORMAT
                 " -> %" G_GINT64_FORMAT,
                 dry_run ? "would " : "",
                 profile->id,
                 profile->metric4,
                 profile->restore4,
                 profile->metric6,
                 profile->restore6);
    if (dry_run)
        return TRUE;

    if (!nmf_nm_restore_profile(nm, profile, error))
        return FALSE;
    /* And live, on every device the profile is active on. */
    if (!nmf_nm_restore_live(nm,
                             profile,
                             ctx->live != NMF_LIVE_REAPPLY ? _move_back_holds : NULL,
                             (gpointer) ctx,
                             reapplied,
                             moves,
                             error))
        return FALSE;
    for (i = 0; i < reapplied->len; i++)
        nmf_log_info("reapply %s (%s): ipv4.route-metric -> %" G_GINT64_FORMAT,
                     (const char *) reapplied->pdata[i],
                     profile->id,
                     profile->restore4);
    for (i = n_before; i < moves->len; i++)
        g_ptr_array_add(moves_of, profile->id);
    return TRUE;
}

/* All links at once, as --fix does: moved one profile after another, two links that swap
 * metrics would meet at one metric, where the kernel makes one IPv6 route with both as
 * next hops (NLM_F_APPEND), which a single-link move no longer finds. */
static gboolean
_move_back(GArray *moves, GPtrArray *moves_of, GError **error)
{
    g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (moves->len == 0)
        return TRUE;
    if (!nmf_netlink_move_default_routes(
          (const NmfMetricMove *) (gpointer) moves->data, moves->len, moved, error))
        return FALSE;
    for (i = 0; i < moves->len; i++) {
        const NmfMetricMove *m = &g_array_index(moves, NmfMetricMove, i);

        nmf_log_info("move the default routes of %s (%s) in the kernel back to "
                     "NetworkManager's metric %u (no Reapply: it would restart DHCP)",
                     m->iface,
                     (const char *) moves_of->pdata[i],
                     m->metric);
    }
    for (i = 0; i < moved->len; i++)
        nmf_log_debug("moved %s", (const char *) moved->pdata[i]);
    return TRUE;
}

/* Restore the original metrics recorded in every profile's user data (profile and
 * live) and remove the records. */
static gboolean
_revert_all(NmfNm *nm, gboolean dry_run, guint *out_n, GError **error)
{
    g_autoptr(GPtrArray) profiles = nmf_nm_recorded_profiles(nm);
    g_autoptr(GArray) moves       = g_array_new(FALSE, TRUE, sizeof(NmfMetricMove));
    g_autoptr(GPtrArray) moves_of = g_ptr_array_new();
    g_autoptr(GPtrArray) routes   = NULL;
    GError    *first_error        = NULL;
    GError    *local              = NULL;
    guint      n                  = 0;
    RevertLive ctx                = {
                       .live = nmf_plan_live_method(nmf_nm_get_daemon_version(nm), NMF_MODE_METRIC),
    };
    guint i;

    /* Read before anything moves: where each link's metric goes from. */
    if (ctx.live != NMF_LIVE_REAPPLY && !dry_run) {
        routes = nmf_netlink_default_routes(&local);
        if (!routes) {
            g_propagate_error(error, local);
            return FALSE;
        }
        ctx.routes = routes;
    }
    for (i = 0; i < profiles->len; i++) {
        if (_revert_one(nm, &ctx, profiles->pdata[i], dry_run, moves, moves_of, &local)) {
            n++;
            continue;
        }
        /* Restore the others, unless NetworkManager is gone; report the first failure. */
        nmf_error_keep(&first_error, g_steal_pointer(&local), NULL);
        if (g_error_matches(first_error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING))
            break;
    }
    if (!_move_back(moves, moves_of, &local))
        nmf_error_keep(&first_error, g_steal_pointer(&local), NULL);
    if (n == 0 && !first_error)
        nmf_log_info("nothing to revert: no profile carries a record of ours");
    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    *out_n = n;
    return TRUE;
}

/* Everything --revert changes through NetworkManager: the connection defaults, the
 * profiles and, live, their devices. */
static gboolean
_revert_through_nm(const NmfOptions *options, guint *out_n, GError **error)
{
    g_autoptr(NmfNm) nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, error);

    if (!nm)
        return FALSE;
    /* First the connection defaults --fix may have left (NetworkManager 1.36 and later):
     * the Reapply below must bring back NetworkManager's own metrics. */
    if (!options->dry_run) {
        gboolean removed = FALSE;

        if (!nmf_nm_set_route_metric_defaults(nm, NULL, &removed, error))
            return FALSE;
        if (removed)
            nmf_log_info("removed the connection defaults of nm-metric-fix from NetworkManager's "
                         "run-time configuration");
    }
    return _revert_all(nm, options->dry_run, out_n, error);
}

gboolean
nmf_revert_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    guint    n = 0;
    char     why[512];
    int      dirfd = -1;
    gboolean ok;

    if (options->dry_run) {
        if (!_revert_through_nm(options, &n, error))
            return FALSE;
        nmf_log_info("dry run: %u profile(s) to restore; nothing was changed", n);
        *out_status = NMF_EXIT_OK;
        return TRUE;
    }
    /* The pause is checked first: a refusal leaves every profile as it was. */
    dirfd = nmf_pause_prepare(NMF_RUNDIR, 0, why, sizeof(why));
    if (dirfd < 0) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "%s", why);
        return FALSE;
    }
    ok = _revert_through_nm(options, &n, error) && nmf_netlink_prune_policy_tables(NULL, error);
    if (ok && nmf_pause_write(dirfd, NMF_RUNDIR, why, sizeof(why)) != 0) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "%s", why);
        ok = FALSE;
    }
    close(dirfd);
    if (!ok)
        return FALSE;
    nmf_log_info("the dispatcher hook is paused until the next boot or a manual "
                 "'nm-metric-fix --fix'");
    nmf_log_info("done: %u profile(s) restored", n);
    *out_status = NMF_EXIT_OK;
    return TRUE;
}

gboolean
nmf_skip_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    gboolean skip               = options->skip != NULL;
    g_autoptr(NmfNm) nm         = NULL;
    g_autoptr(NmfProfile) found = NULL;

    nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, error);
    if (!nm)
        return FALSE;
    found = nmf_nm_find_profile(nm, skip ? options->skip : options->unskip, error);
    if (!found)
        return FALSE;
    if (skip ? g_strcmp0(found->skip, "yes") == 0 : found->skip == NULL) {
        nmf_log_info("connection '%s': %s already", found->id, skip ? "skipped" : "not skipped");
        *out_status = NMF_EXIT_OK;
        return TRUE;
    }
    if (!nmf_nm_set_skip(nm, found, skip, error))
        return FALSE;
    nmf_log_info("connection '%s': %s",
                 found->id,
                 skip ? "nm-metric-fix.skip=yes set; its metrics are left alone from now on"
                      : "nm-metric-fix.skip removed; it is ranked again");
    *out_status = NMF_EXIT_OK;
    return TRUE;
}
