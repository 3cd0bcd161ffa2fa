/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --check: ask the kernel per local address (nmf-netlink.c), judge (nmf-check-verdict). */
#include "config.h"

#include "commands/nmf-check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "decide/nmf-check-cause.h"
#include "decide/nmf-check-verdict.h"
#ifdef NMF_WITHOUT_EXPORT
#include "commands/nmf-exec.h"
#else
#include "decide/nmf-diagnose-export.h"
#endif
#include "adapters/nmf-netlink.h"
#include "commands/nmf-snapshot.h"

static gboolean
_check_addresses(const char          *address,
                 GPtrArray           *nat_ifaces,
                 const NmfCheckCause *cause,
                 gboolean             json,
                 GString             *out,
                 gboolean            *out_all_ok,
                 GError             **error)
{
    g_autoptr(GPtrArray) rows = NULL;
    int family                = nmf_check_parse_target(address);

    if (!family) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    address ? address : "");
        return FALSE;
    }
    rows = nmf_snapshot_reply_rows(family, address, nat_ifaces, error);
    if (!rows)
        return FALSE;
    *out_all_ok = nmf_check_evaluate(rows);
#ifndef NMF_WITHOUT_EXPORT
    /* Built into the programs that load json-glib; nm-metric-fix hands --json to one. */
    if (json) {
        g_autofree char *text = nmf_check_json(address, rows, *out_all_ok, cause);

        g_string_append(out, text);
        return TRUE;
    }
#endif
    nmf_check_render(out, address, rows, *out_all_ok);
    /* The why matters when something fails; after a fix it still says who owns the route. */
    if (cause)
        nmf_check_cause_render(out, cause);
    return TRUE;
}

/* NAT links are listed by --check but never fail it.  Without NetworkManager there is
 * no classification, and every link counts; a configuration that cannot be used is an
 * error, as for every other mode.  With NetworkManager, @out_cause tells who owns the
 * default route and why. */
static GPtrArray *
_nat_ifaces(const NmfOptions *options, NmfCheckCause **out_cause, GError **error)
{
    g_autoptr(NmfConfig) config     = NULL;
    g_autoptr(NmfNm) nm             = NULL;
    g_autoptr(NmfSnapshot) snapshot = NULL;
    g_autoptr(GError) local         = NULL;

    config = nmf_snapshot_load_config(options->config, TRUE, error);
    if (!config)
        return NULL;
    nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, &local);
    if (nm)
        snapshot = nmf_snapshot_read(nm, config, NMF_SNAPSHOT_WITH_ROUTES, &local);
    if (!snapshot)
        nmf_log_info("cannot classify the links (%s); every link counts", local->message);
    else
        *out_cause = nmf_check_cause_new(
          nmf_check_parse_target(options->check) == AF_INET6 ? AF_INET6 : AF_INET,
          snapshot->routes,
          snapshot->uplinks,
          snapshot->plan);
    return nmf_check_nat_ifaces(snapshot ? snapshot->uplinks : NULL);
}

gboolean
nmf_check_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(NmfCheckCause) cause = NULL;
    g_autoptr(GPtrArray) nat       = NULL;
    g_autoptr(GString) out         = g_string_new(NULL);
    gboolean all_ok                = FALSE;

#ifdef NMF_WITHOUT_EXPORT
    /* This program loads no json-glib: nm-metric-fix-export prints the JSON. */
    if (options->json)
        return nmf_exec_export_run(options, out_status, error);
#endif
    if (!nmf_netlink_refuse_local_target(options->check, error))
        return FALSE;
    nat = _nat_ifaces(options, &cause, error);
    if (!nat)
        return FALSE;
    if (!_check_addresses(options->check, nat, cause, options->json, out, &all_ok, error))
        return FALSE;
    fputs(out->str, stdout);
    nmf_log_debug("check: %s", all_ok ? "symmetric" : "asymmetric");
    *out_status = all_ok ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
    return TRUE;
}
