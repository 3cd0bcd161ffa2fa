/* SPDX-License-Identifier: GPL-2.0-or-later */
/* After a successful --fix: verify the result in the kernel and store the state digest for the fast path. */
#include "config.h"

#include "nmf-verified.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "nmf-common.h"
#include "nmf-digest.h"
#include "nmf-kernel.h"
#include "nmf-report.h"

G_STATIC_ASSERT(NMF_DIGEST_TABLE_FIRST == NMF_POLICY_TABLE_BASE);
G_STATIC_ASSERT(NMF_DIGEST_TABLE_LAST == NMF_POLICY_TABLE_BASE + NMF_POLICY_RANGE - 1);

/* NetworkManager commits a Reapply's routes to the kernel right after answering it:
 * give the kernel this long to show them. */
#define SETTLE_MS   1000
#define SETTLE_STEP 20
#define ROUNDS      3

typedef enum {
    CHECK_VERIFIED,
    CHECK_MOVED, /* the state changed while it was checked: rank again */
    CHECK_WRONG,
    CHECK_ERROR,
} Check;

/* One round: the digest before ranking, the ranking, and the kernel's answer until it
 * gives the rank-1 uplink the default route; the digest must not have moved. */
static Check
_check_round(NmfNm *nm, const NmfPolicy *policy, const char *config_path, char *out_hex, GString *why)
{
    g_autoptr(GPtrArray) uplinks = NULL;
    g_autoptr(GError) error      = NULL;
    char     before[NMF_DIGEST_HEX_LEN + 1];
    gboolean managed;
    guint    waited;

    if (nmf_digest_compute(config_path, PACKAGE_VERSION, before) != 0) {
        g_string_assign(why, "cannot read the kernel's state");
        return CHECK_ERROR;
    }
    uplinks = nmf_nm_collect(nm, &error);
    if (!uplinks) {
        g_string_assign(why, error->message);
        return CHECK_ERROR;
    }
    managed = nmf_policy_rank(policy, uplinks);
    for (waited = 0;; waited += SETTLE_STEP) {
        g_autoptr(GPtrArray) routes = nmf_kernel_default_routes(&error);
        char        after[NMF_DIGEST_HEX_LEN + 1];
        const char *owner = NULL, *intended = NULL;
        NmfVerdict  verdict;

        if (!routes) {
            g_string_assign(why, error->message);
            return CHECK_ERROR;
        }
        verdict = nmf_report_verdict(uplinks, managed, routes, &owner, &intended);
        if (nmf_digest_compute(config_path, PACKAGE_VERSION, after) != 0) {
            g_string_assign(why, "cannot read the kernel's state");
            return CHECK_ERROR;
        }
        if (strcmp(before, after) != 0)
            return CHECK_MOVED;
        if (verdict != NMF_VERDICT_WRONG_OWNER) {
            memcpy(out_hex, before, sizeof(before));
            return CHECK_VERIFIED;
        }
        if (waited >= SETTLE_MS) {
            g_string_printf(why,
                            "the kernel's IPv4 default route is on %s, not on %s",
                            owner ? owner : "no interface",
                            intended ? intended : "?");
            return CHECK_WRONG;
        }
        g_usleep(SETTLE_STEP * 1000);
    }
}

void
nmf_verified_record(NmfNm *nm, const NmfPolicy *policy, const char *config_path)
{
    g_autoptr(GString) why = g_string_new("the kernel's state kept changing");
    char  hex[NMF_DIGEST_HEX_LEN + 1];
    char  dir_why[512];
    int   dirfd;
    guint round;

    dirfd = nmf_statedir_open(NMF_RUNDIR, 0, TRUE, dir_why, sizeof(dir_why));
    if (dirfd < 0) {
        nmf_log_info("state digest not recorded: %s", dir_why);
        return;
    }
    if (nmf_digest_remove(dirfd) != 0)
        nmf_log_info("cannot remove %s/%s: %s", NMF_RUNDIR, NMF_STATE_DIGEST, g_strerror(errno));
    for (round = 0; round < ROUNDS; round++) {
        Check check = _check_round(nm, policy, config_path, hex, why);

        if (check == CHECK_VERIFIED) {
            if (nmf_digest_write(dirfd, hex) != 0)
                nmf_log_info("cannot store the state digest in %s: %s",
                             NMF_RUNDIR,
                             g_strerror(errno));
            else
                nmf_log_debug("result verified in the kernel; state digest %.12s stored", hex);
            close(dirfd);
            return;
        }
        if (check != CHECK_MOVED)
            break;
    }
    close(dirfd);
    nmf_log_info("result not verified (%s); no state digest stored, the next event runs in full",
                 why->str);
}
