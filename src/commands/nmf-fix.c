/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --fix: take the snapshot, carry out (or, dry, print) its plan, end with a summary. */
#include "config.h"

#include "commands/nmf-fix.h"

#include "adapters/nmf-netlink.h"
#include "decide/nmf-policy-routing.h"
#include "commands/nmf-snapshot.h"
#include "hook/nmf-statedir.h"
#include "commands/nmf-verified.h"

static void
_log_lines(GPtrArray *lines)
{
    guint i;

    for (i = 0; i < lines->len; i++)
        nmf_log_info("%s", (const char *) lines->pdata[i]);
    g_ptr_array_set_size(lines, 0);
}

/* Whether --revert paused the dispatcher hook (nmf-statedir.h). */
static gboolean
_paused(void)
{
    char     why[512];
    gboolean paused = nmf_pause_is_set(NMF_RUNDIR, 0, why, sizeof(why));

    if (why[0])
        nmf_log_debug("pause file not read: %s", why);
    return paused;
}

static void
_keep_errors(GError **first, NmfApplyOutcome *outcomes, GPtrArray *uplinks, gboolean profiles)
{
    guint i;

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        if (outcomes[i].error)
            nmf_error_keep(
              first, g_steal_pointer(&outcomes[i].error), profiles ? u->connection_id : u->iface);
    }
}

/* NetworkManager 1.36 and later (nmf_plan_moves_routes()): the kernel's default routes take
 * the metrics at once, and a connection default gives them to NetworkManager for each
 * link's next lease, where a Reapply would restart DHCP.  The profiles, written
 * next, carry them to the next activation. */
static void
_move_routes(NmfNm *nm, NmfPlan *plan, GError **first_error)
{
    g_autofree NmfMetricMove *moves    = g_new0(NmfMetricMove, MAX(plan->reapply->len, 1));
    g_autofree guint         *index_of = g_new0(guint, MAX(plan->reapply->len, 1));
    g_autoptr(GPtrArray) moved         = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *defaults          = nmf_plan_route_metric_defaults(plan);
    GError          *local             = NULL;
    gboolean         changed           = FALSE;
    guint            n                 = 0;
    guint            i;

    for (i = 0; i < plan->reapply->len; i++) {
        const NmfUplink *u = plan->reapply->pdata[i];

        if (!nmf_plan_moves_routes(plan, u))
            continue;
        index_of[n]        = i;
        moves[n].ifindex   = u->ifindex;
        moves[n].iface     = u->iface;
        moves[n].metric    = (guint32) u->wanted_metric;
        moves[n].with_ipv6 = u->has_ipv6;
        n++;
    }
    if (n > 0 && !nmf_netlink_move_default_routes(moves, n, moved, &local)) {
        /* One netlink conversation for all links: its error is every link's. */
        for (i = 0; i < n; i++) {
            plan->reapplied[index_of[i]].result = NMF_APPLY_FAILED;
            plan->reapplied[index_of[i]].error  = g_error_copy(local);
        }
        g_clear_error(&local);
    } else {
        for (i = 0; i < moved->len; i++)
            nmf_log_debug("moved %s", (const char *) moved->pdata[i]);
        for (i = 0; i < n; i++)
            plan->reapplied[index_of[i]].result = NMF_APPLY_DONE;
    }
    if (!nmf_nm_set_route_metric_defaults(nm, defaults, &changed, &local))
        nmf_error_keep(first_error, g_steal_pointer(&local), NULL);
    else if (changed)
        nmf_log_info("%s the ranked metrics as connection defaults in NetworkManager's run-time "
                     "configuration",
                     defaults ? "wrote" : "removed");
}

/* The entries of plan->reapply that are reapplied, with their outcomes copied back, and
 * the profile updates, sent right behind them in one batch (nmf_nm_apply_all()). */
static void
_reapply_and_update(NmfNm *nm, NmfPlan *plan)
{
    g_autoptr(GPtrArray) uplinks         = g_ptr_array_new();
    g_autofree guint           *index_of = g_new0(guint, MAX(plan->reapply->len, 1));
    g_autofree NmfApplyOutcome *outcomes = NULL;
    guint                       i;

    for (i = 0; i < plan->reapply->len; i++) {
        if (nmf_plan_moves_routes(plan, plan->reapply->pdata[i]))
            continue;
        index_of[uplinks->len] = i;
        g_ptr_array_add(uplinks, plan->reapply->pdata[i]);
    }
    outcomes = g_new0(NmfApplyOutcome, MAX(uplinks->len, 1));
    nmf_nm_apply_all(nm, uplinks, outcomes, plan->update, plan->updated);
    for (i = 0; i < uplinks->len; i++)
        plan->reapplied[index_of[i]] = outcomes[i];
}

/* Live first and all devices at once: the kernel follows a Reapply at once, and
 * concurrent Reapplies leave no moment where two default routes share a metric (the
 * kernel would keep the older one).  The profiles matter only at the next activation,
 * so their updates are sent second, in the same batch (nmf_nm_apply_all()). */
static gboolean
_apply(NmfNm *nm, NmfPlan *plan, GError **error)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    GError *first_error        = NULL;
    GError *local              = NULL;

    if (plan->live != NMF_LIVE_REAPPLY)
        _move_routes(nm, plan, &first_error);
    _reapply_and_update(nm, plan);
    _keep_errors(&first_error, plan->reapplied, plan->reapply, FALSE);
    if (g_error_matches(first_error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING)) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    nmf_plan_describe_reapply(plan, FALSE, lines);
    _log_lines(lines);

    if (!nmf_netlink_prune_policy_tables(plan->keep_routes, &local))
        nmf_error_keep(&first_error, g_steal_pointer(&local), NULL);

    nmf_plan_describe_updates(plan, FALSE, lines);
    _log_lines(lines);
    _keep_errors(&first_error, plan->updated, plan->update, TRUE);

    if (first_error) {
        g_propagate_error(error, first_error);
        return FALSE;
    }
    return TRUE;
}

/* A run that ranked from a state which then changed (a device activated while it
 * decided) ranks again, this many times at most; after that it stores no digest, so the
 * next event runs in full. */
#define FIX_ROUNDS 3

/* One snapshot, its plan carried out (or printed) and, for a real run, verified. Sets
 * @out_again when the state the plan came from was gone by then. */
static gboolean
_fix_round(NmfNm            *nm,
           const NmfConfig  *config,
           const NmfOptions *options,
           gboolean          last,
           gboolean         *out_again,
           GError          **error)
{
    g_autoptr(NmfSnapshot) snapshot = NULL;
    g_autoptr(GPtrArray) lines      = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *summary        = NULL;
    const char      *config_path    = options->config ? options->config : NMF_DEFAULT_CONFIG;
    NmfPlan         *plan;

    snapshot = nmf_snapshot_read(nm, config, NMF_SNAPSHOT_DEFAULT, error);
    if (!snapshot)
        return FALSE;
    plan = snapshot->plan;

    nmf_plan_describe_decisions(plan, lines);
    _log_lines(lines);
    if (options->dry_run) {
        nmf_plan_describe_reapply(plan, TRUE, lines);
        nmf_plan_describe_updates(plan, TRUE, lines);
        _log_lines(lines);
    } else if (!nmf_plan_is_empty(plan)) {
        if (!_apply(nm, plan, error))
            return FALSE;
    } else if (plan->live != NMF_LIVE_REAPPLY) {
        /* Nothing moves, but NetworkManager's next lease must keep the metrics too. */
        GError *first_error = NULL;

        _move_routes(nm, plan, &first_error);
        if (first_error) {
            g_propagate_error(error, first_error);
            return FALSE;
        }
    }
    summary = nmf_plan_summary(plan, options->dry_run);
    nmf_log_info("%s", summary);
    *out_again =
      !options->dry_run
      && nmf_verified_record(nm, config, config_path, snapshot, !last) == NMF_VERIFIED_PLAN_AGAIN;
    return TRUE;
}

gboolean
nmf_fix_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(NmfConfig) config = NULL;
    g_autoptr(NmfNm) nm         = NULL;
    gboolean again              = TRUE;
    guint    round;

    config = nmf_snapshot_load_config(options->config, options->dry_run, error);
    if (!config)
        return FALSE;

    if (options->event && _paused()) {
        nmf_log_info("event %s ignored: paused by --revert until the next boot or a manual "
                     "'nm-metric-fix --fix'",
                     options->event);
        *out_status = NMF_EXIT_OK;
        return TRUE;
    }
    if (options->event)
        nmf_log_info("run for dispatcher event %s", options->event);
    else if (!options->dry_run && _paused()) {
        char why[512];

        if (nmf_pause_end(NMF_RUNDIR, 0, why, sizeof(why)) != 0) {
            g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "%s", why);
            return FALSE;
        }
        nmf_log_info("resuming after --revert: the dispatcher hook acts on events again");
    }
    nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, error);
    if (!nm)
        return FALSE;
    nmf_log_debug("NetworkManager %s", nmf_nm_get_daemon_version(nm));
    if (config->mode == NMF_MODE_POLICY && !nmf_nm_check_policy_mode(nm, error))
        return FALSE;
    for (round = 1; again; round++) {
        if (!_fix_round(nm, config, options, round == FIX_ROUNDS, &again, error))
            return FALSE;
    }
    *out_status = NMF_EXIT_OK;
    return TRUE;
}
