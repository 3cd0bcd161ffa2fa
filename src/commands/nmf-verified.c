/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --fix, after success: verify the result in the kernel, store the fast path's digest. */
#include "config.h"

#include "commands/nmf-verified.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "model/nmf-common.h"
#include "hook/nmf-digest.h"
#include "hook/nmf-statedir.h"
#include "adapters/nmf-netlink.h"
#include "decide/nmf-policy-routing.h"
#include "decide/nmf-rank.h"
#include "commands/nmf-snapshot.h"
#include "decide/nmf-status-report.h"

G_STATIC_ASSERT(NMF_DIGEST_TABLE_FIRST == NMF_POLICY_TABLE_BASE);
G_STATIC_ASSERT(NMF_DIGEST_TABLE_LAST == NMF_POLICY_TABLE_BASE + NMF_POLICY_RANGE - 1);

/* NetworkManager commits a Reapply's routes to the kernel right after answering it:
 * give the kernel this long to show them. */
#define SETTLE_MS   1000
#define SETTLE_STEP 20
/* NetworkManager keeps rewriting its device state files for a moment after many
 * Reapplies and profile updates: rounds go on while the state moves, this long at most
 * (each round re-reads only what ranking needs: tens of milliseconds). */
#define MOVING_MS        2000
#define RT_TABLE_MAIN_ID 254u

typedef enum {
    CHECK_VERIFIED,
    CHECK_MOVED,     /* the state changed while it was checked: check again */
    CHECK_UNSETTLED, /* the same uplinks, other facts (a Reapply's DHCP restart?): again */
    CHECK_LEFTOVER,  /* the same facts, but a --fix would change something */
    CHECK_UNPLANNED, /* other uplinks than the plan's: plan again */
    CHECK_WRONG,
    CHECK_ERROR,
} Check;

/* NetworkManager's answer can lag the kernel by a moment (a device whose default
 * route is in the kernel but which NetworkManager still reports as activating). A
 * digest stored then would hide the event that follows, so the two views must agree:
 * every default route in main is on a device NetworkManager reports with that
 * gateway, and every device it reports with an IPv4 gateway has its route. */
static gboolean
_views_agree(GPtrArray *uplinks, GPtrArray *routes, GString *why)
{
    guint i;

    for (i = 0; i < routes->len; i++) {
        const NmfRoute  *r = routes->pdata[i];
        const NmfUplink *u;

        if (r->table != RT_TABLE_MAIN_ID)
            continue;
        u = nmf_uplinks_find(uplinks, r->iface);
        if (!u || (r->family == AF_INET && u->gateway4 == 0)
            || (r->family == AF_INET6 && !u->gateway6)) {
            g_string_printf(why,
                            "the kernel has a default route on %s that NetworkManager does not "
                            "report",
                            r->iface[0] ? r->iface : "a removed link");
            return FALSE;
        }
        if (r->family == AF_INET && r->gateway) {
            guint32 gw = htonl(u->gateway4);
            char    text[INET_ADDRSTRLEN];

            inet_ntop(AF_INET, &gw, text, sizeof(text));
            if (strcmp(text, r->gateway) != 0) {
                g_string_printf(why,
                                "the kernel's default route on %s is via %s, NetworkManager "
                                "reports %s",
                                r->iface,
                                r->gateway,
                                text);
                return FALSE;
            }
        }
    }
    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u     = uplinks->pdata[i];
        gboolean         found = FALSE;
        guint            j;

        if (u->gateway4 == 0)
            continue;
        for (j = 0; j < routes->len && !found; j++) {
            const NmfRoute *r = routes->pdata[j];

            found = r->family == AF_INET && r->table == RT_TABLE_MAIN_ID
                    && g_strcmp0(r->iface, u->iface) == 0;
        }
        if (!found) {
            g_string_printf(why, "%s has no IPv4 default route in the kernel yet", u->iface);
            return FALSE;
        }
    }
    return TRUE;
}

/* The profile updates @now plans that @done did not carry out: libnm may show a profile
 * as it was for a moment after its update (it fetches the new settings after the
 * signal), so the run's own successful updates count as done. */
static guint
_updates_left(const NmfPlan *done, const NmfPlan *now)
{
    guint left = 0;
    guint i, j;

    for (i = 0; i < now->update->len; i++) {
        const NmfUplink *u       = now->update->pdata[i];
        gboolean         updated = FALSE;

        for (j = 0; done->updated && j < done->update->len && !updated; j++) {
            const NmfUplink *d = done->update->pdata[j];

            updated = g_strcmp0(d->connection_uuid, u->connection_uuid) == 0
                      && d->wanted_metric == u->wanted_metric
                      && (done->updated[j].result == NMF_APPLY_DONE
                          || done->updated[j].result == NMF_APPLY_UNCHANGED);
        }
        if (!updated)
            left++;
    }
    return left;
}

/* Whether @seen is the state @decided planned for, as it is after the plan: ranking
 * reads the same there, and nothing is left to change (a --fix now would be a no-op):
 * CHECK_VERIFIED, else what differs. */
static Check
_as_planned(const NmfSnapshot *decided, const NmfSnapshot *seen, GString *why)
{
    g_autofree char  *difference = NULL;
    NmfRankDifference kind       = nmf_rank_inputs_difference(
      decided->uplinks, decided->managed, seen->uplinks, seen->managed, &difference);
    guint updates_left;

    if (kind != NMF_RANK_SAME) {
        g_string_assign(why, difference);
        return kind == NMF_RANK_OTHER_UPLINKS ? CHECK_UNPLANNED : CHECK_UNSETTLED;
    }
    updates_left = _updates_left(decided->plan, seen->plan);
    if (seen->plan->reapply->len > 0 || updates_left > 0) {
        g_string_printf(why,
                        "%u device(s) and %u profile(s) still differ from the plan",
                        seen->plan->reapply->len,
                        updates_left);
        return CHECK_LEFTOVER;
    }
    return CHECK_VERIFIED;
}

/* One round: the digest before ranking, the ranking (which must be the plan's, with
 * nothing left to do), and the kernel's answer until it gives the rank-1 uplink the
 * default route; the digest must not have moved. */
static Check
_check_round(NmfNm             *nm,
             const NmfConfig   *config,
             const char        *config_path,
             const NmfSnapshot *decided,
             char              *out_hex,
             GString           *why)
{
    g_autoptr(NmfSnapshot) snapshot = NULL;
    g_autoptr(GError) error         = NULL;
    char  before[NMF_DIGEST_HEX_LEN + 1];
    guint waited;
    Check check;

    if (nmf_digest_compute(config_path, PACKAGE_VERSION, before) != 0) {
        g_string_assign(why, "cannot read the kernel's state");
        return CHECK_ERROR;
    }
    snapshot = nmf_snapshot_read(nm, config, NMF_SNAPSHOT_RECHECK, &error);
    if (!snapshot) {
        g_string_assign(why, error->message);
        return CHECK_ERROR;
    }
    check = _as_planned(decided, snapshot, why);
    if (check != CHECK_VERIFIED)
        return check;
    for (waited = 0;; waited += SETTLE_STEP) {
        g_autoptr(GPtrArray) routes = nmf_netlink_default_routes(&error);
        char        after[NMF_DIGEST_HEX_LEN + 1];
        const char *owner = NULL, *intended = NULL;
        NmfVerdict  verdict;

        if (!routes) {
            g_string_assign(why, error->message);
            return CHECK_ERROR;
        }
        verdict =
          nmf_report_verdict(snapshot->uplinks, snapshot->managed, routes, NULL, &owner, &intended);
        if (nmf_digest_compute(config_path, PACKAGE_VERSION, after) != 0) {
            g_string_assign(why, "cannot read the kernel's state");
            return CHECK_ERROR;
        }
        if (strcmp(before, after) != 0)
            return CHECK_MOVED;
        if (verdict != NMF_VERDICT_WRONG_OWNER && verdict != NMF_VERDICT_ALTERNATING
            && _views_agree(snapshot->uplinks, routes, why)) {
            memcpy(out_hex, before, sizeof(before));
            return CHECK_VERIFIED;
        }
        if (waited >= SETTLE_MS) {
            if (verdict == NMF_VERDICT_ALTERNATING) {
                g_string_assign(why, "two links share the lowest default metric");
                return CHECK_WRONG;
            }
            if (verdict != NMF_VERDICT_WRONG_OWNER)
                return CHECK_WRONG; /* why: from _views_agree() */
            g_string_printf(why,
                            "the kernel's IPv4 default route is on %s, not on %s",
                            owner ? owner : "no interface",
                            intended ? intended : "?");
            return CHECK_WRONG;
        }
        g_usleep(SETTLE_STEP * 1000);
    }
}

NmfVerified
nmf_verified_record(NmfNm             *nm,
                    const NmfConfig   *config,
                    const char        *config_path,
                    const NmfSnapshot *decided,
                    gboolean           may_plan_again)
{
    g_autoptr(GString) why = g_string_new("the kernel's state kept changing");
    char   hex[NMF_DIGEST_HEX_LEN + 1];
    char   dir_why[512];
    int    dirfd;
    gint64 deadline = g_get_monotonic_time() + MOVING_MS * G_TIME_SPAN_MILLISECOND;

    dirfd = nmf_statedir_open(NMF_RUNDIR, 0, TRUE, dir_why, sizeof(dir_why));
    if (dirfd < 0) {
        nmf_log_info("state digest not recorded: %s", dir_why);
        return NMF_VERIFIED_NOT_STORED;
    }
    if (nmf_digest_remove(dirfd) != 0)
        nmf_log_info("cannot remove %s/%s: %s", NMF_RUNDIR, NMF_STATE_DIGEST, g_strerror(errno));
    for (;;) {
        Check check = _check_round(nm, config, config_path, decided, hex, why);

        if (check == CHECK_VERIFIED) {
            if (nmf_digest_write(dirfd, hex) != 0)
                nmf_log_info(
                  "cannot store the state digest in %s: %s", NMF_RUNDIR, g_strerror(errno));
            else
                nmf_log_debug("result verified in the kernel; state digest %.12s stored", hex);
            close(dirfd);
            return NMF_VERIFIED_STORED;
        }
        /* Other uplinks: plan again at once.  Something left to do with the same
         * facts: after a while (NetworkManager may still be busy with the plan's
         * changes).  Other facts (a gateway gone while a Reapply restarts DHCP) are
         * never planned from: at most no digest. */
        if (may_plan_again
            && (check == CHECK_UNPLANNED
                || (check == CHECK_LEFTOVER && g_get_monotonic_time() >= deadline))) {
            nmf_log_info("the state changed while this run decided (%s); ranking again", why->str);
            close(dirfd);
            return NMF_VERIFIED_PLAN_AGAIN;
        }
        if (check == CHECK_UNPLANNED || check == CHECK_WRONG || check == CHECK_ERROR
            || g_get_monotonic_time() >= deadline)
            break;
        if (check != CHECK_MOVED)
            g_usleep(SETTLE_STEP * 1000);
    }
    close(dirfd);
    nmf_log_info("result not verified (%s); no state digest stored, the next event runs in full",
                 why->str);
    return NMF_VERIFIED_NOT_STORED;
}
