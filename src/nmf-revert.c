/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --revert (and its pause file), --skip and --unskip; nmf-nm-write.c does the writing. */
#include "config.h"

#include "nmf-revert.h"

#include "nmf-plan.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "nmf-fix.h"
#include "nmf-netlink.h"
#include "nmf-nm.h"

/* --revert pauses the dispatcher hook: its own Reapply makes NetworkManager emit
 * dhcp4-change, and a hook run would redo at once what --revert undid. The pause
 * lives in NMF_RUNDIR, so it ends at the next boot or with a manual --fix. */
#define PAUSE_FILE NMF_RUNDIR "/paused"

gboolean
nmf_revert_is_paused(void)
{
    return g_file_test(PAUSE_FILE, G_FILE_TEST_EXISTS);
}

gboolean
nmf_revert_set_paused(gboolean paused, GError **error)
{
    if (!paused) {
        if (g_unlink(PAUSE_FILE) != 0 && errno != ENOENT) {
            g_set_error(error,
                        NMF_ERROR,
                        NMF_ERROR_FAILED,
                        "cannot remove %s: %s",
                        PAUSE_FILE,
                        g_strerror(errno));
            return FALSE;
        }
        return TRUE;
    }
    if (g_mkdir_with_parents(NMF_RUNDIR, 0755) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot create %s: %s",
                    NMF_RUNDIR,
                    g_strerror(errno));
        return FALSE;
    }
    return g_file_set_contents(PAUSE_FILE,
                               "nm-metric-fix --revert paused the dispatcher hook; "
                               "'nm-metric-fix --fix' resumes it\n",
                               -1,
                               error);
}

static gboolean
_revert_one(NmfNm *nm, NmfProfile *profile, gboolean dry_run, GError **error)
{
    g_autoptr(GPtrArray) reapplied = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) moves        = NULL;
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
    moves = g_array_new(FALSE, TRUE, sizeof(NmfMetricMove));
    if (!nmf_nm_restore_live(nm,
                             profile,
                             nmf_plan_live_method(nmf_nm_get_daemon_version(nm), NMF_MODE_METRIC)
                               == NMF_LIVE_ROUTES,
                             reapplied,
                             moves,
                             error))
        return FALSE;
    for (i = 0; i < reapplied->len; i++)
        nmf_log_info("reapply %s (%s): ipv4.route-metric -> %" G_GINT64_FORMAT,
                     (const char *) reapplied->pdata[i],
                     profile->id,
                     profile->restore4);
    if (moves->len > 0) {
        g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func(g_free);

        if (!nmf_netlink_move_default_routes(
              (const NmfMetricMove *) (gpointer) moves->data, moves->len, moved, error))
            return FALSE;
        for (i = 0; i < moves->len; i++) {
            const NmfMetricMove *m = &g_array_index(moves, NmfMetricMove, i);

            nmf_log_info("move the default routes of %s (%s) in the kernel back to "
                         "NetworkManager's metric %u (no Reapply: it would restart DHCP)",
                         m->iface,
                         profile->id,
                         m->metric);
        }
    }
    return TRUE;
}

/* Restore the original metrics recorded in every profile's user data (profile and
 * live) and remove the records. */
static gboolean
_revert_all(NmfNm *nm, gboolean dry_run, guint *out_n, GError **error)
{
    g_autoptr(GPtrArray) profiles = nmf_nm_recorded_profiles(nm);
    GError *first_error           = NULL;
    guint   n                     = 0;
    guint   i;

    for (i = 0; i < profiles->len; i++) {
        GError *local = NULL;

        if (_revert_one(nm, profiles->pdata[i], dry_run, &local)) {
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
    *out_n = n;
    return TRUE;
}

gboolean
nmf_revert_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(NmfNm) nm = NULL;
    guint n             = 0;

    nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, error);
    if (!nm)
        return FALSE;
    nmf_nm_set_retry_func(nm, nmf_fix_log_retry, NULL);
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
    if (!_revert_all(nm, options->dry_run, &n, error))
        return FALSE;
    if (options->dry_run) {
        nmf_log_info("dry run: %u profile(s) to restore; nothing was changed", n);
        *out_status = NMF_EXIT_OK;
        return TRUE;
    }
    if (!nmf_fix_prune_policy_tables(NULL, error))
        return FALSE;
    if (!nmf_revert_set_paused(TRUE, error))
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
