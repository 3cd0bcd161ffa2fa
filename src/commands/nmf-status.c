/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --status: print the snapshot as a table (nmf-status-report.c), JSON or Prometheus. */
#include "config.h"

#include "commands/nmf-status.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands/nmf-snapshot.h"
#include "hook/nmf-statedir.h"
#ifdef NMF_WITHOUT_EXPORT
#include "commands/nmf-exec.h"
#else
#include "decide/nmf-status-export.h"
#endif
#include "decide/nmf-status-report.h"

/* Colour the verdict line, only on a terminal and never when NO_COLOR is set
 * (https://no-color.org). */
static void
_print_with_verdict_colour(GString *out, NmfVerdict verdict)
{
    const char *colour = verdict == NMF_VERDICT_OK           ? "\033[32m"
                         : nmf_report_verdict_fails(verdict) ? "\033[1;31m"
                                                             : NULL;
    const char *last;

    if (!colour || !isatty(STDOUT_FILENO) || (g_getenv("NO_COLOR") && *g_getenv("NO_COLOR"))) {
        fputs(out->str, stdout);
        return;
    }
    g_string_truncate(out,
                      out->len > 0 && out->str[out->len - 1] == '\n' ? out->len - 1 : out->len);
    last = strrchr(out->str, '\n');
    last = last ? last + 1 : out->str;
    fwrite(out->str, 1, (gsize) (last - out->str), stdout);
    printf("%s%s\033[0m\n", colour, last);
}

static const char *
_verdict_name(NmfVerdict verdict)
{
    switch (verdict) {
    case NMF_VERDICT_OK:
        return "ok";
    case NMF_VERDICT_LEFT_ALONE:
        return "left alone";
    case NMF_VERDICT_WRONG_OWNER:
        return "wrong owner";
    case NMF_VERDICT_WRONG_LINK:
        return "wrong link";
    case NMF_VERDICT_ALTERNATING:
        return "alternating";
    case NMF_VERDICT_MAX:
        break;
    }
    return "?";
}

/* The kernel's answer for every local address: which link a reply to an off-link peer
 * leaves by (the families that have an uplink with a gateway).  NmfCheckRow, evaluated
 * per family. */
static GPtrArray *
_read_replies(GPtrArray *uplinks, GError **error)
{
    g_autoptr(GPtrArray) replies =
      g_ptr_array_new_with_free_func((GDestroyNotify) nmf_check_row_free);
    g_autoptr(GPtrArray) nat = nmf_check_nat_ifaces(uplinks);
    gboolean has4            = FALSE;
    gboolean has6            = FALSE;
    guint    i;
    guint    j;

    for (i = 0; i < uplinks->len; i++) {
        const NmfUplink *u = uplinks->pdata[i];

        has4 = has4 || u->gateway4 != 0;
        has6 = has6 || u->gateway6 != NULL;
    }
    for (i = 0; i < 2; i++) {
        int family                = i == 0 ? AF_INET : AF_INET6;
        g_autoptr(GPtrArray) rows = NULL;

        if (!(family == AF_INET ? has4 : has6))
            continue;
        rows = nmf_snapshot_reply_rows(
          family, family == AF_INET ? NMF_STATUS_PROBE_IPV4 : NMF_STATUS_PROBE_IPV6, nat, error);
        if (!rows)
            return NULL;
        nmf_check_evaluate(rows);
        /* The rows move to @replies (g_ptr_array_steal_index() is GLib 2.58). */
        g_ptr_array_set_free_func(rows, NULL);
        for (j = 0; j < rows->len; j++)
            g_ptr_array_add(replies, rows->pdata[j]);
    }
    return g_steal_pointer(&replies);
}

gboolean
nmf_status_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(NmfConfig) config     = NULL;
    g_autoptr(NmfNm) nm             = NULL;
    g_autoptr(NmfSnapshot) snapshot = NULL;
    g_autoptr(GString) out          = g_string_new(NULL);
    g_autoptr(GPtrArray) replies    = NULL;
    char       why[512];
    NmfVerdict verdict;

#ifdef NMF_WITHOUT_EXPORT
    /* This program loads no json-glib: nm-metric-fix-export prints these. */
    if (options->json || options->prometheus)
        return nmf_exec_export_run(options, out_status, error);
#endif
    config = nmf_snapshot_load_config(options->config, TRUE, error);
    if (!config)
        return FALSE;
    nm = nmf_nm_new(NMF_NM_TIMEOUT_MS, error);
    if (!nm)
        return FALSE;
    snapshot = nmf_snapshot_read(nm, config, NMF_SNAPSHOT_WITH_ROUTES, error);
    if (!snapshot)
        return FALSE;
    replies = _read_replies(snapshot->uplinks, error);
    if (!replies)
        return FALSE;
    nmf_report_scope_replies(snapshot->uplinks, snapshot->plan->managed, config->mode, replies);

#ifndef NMF_WITHOUT_EXPORT
    if (options->json || options->prometheus) {
        g_autofree char *text =
          options->json
            ? nmf_status_json(snapshot->uplinks, snapshot->plan->managed, snapshot->routes, replies)
            : nmf_status_prometheus(
              snapshot->uplinks, snapshot->plan->managed, snapshot->routes, replies);

        verdict = nmf_report_verdict(
          snapshot->uplinks, snapshot->plan->managed, snapshot->routes, replies, NULL, NULL);
        fputs(text, stdout);
    } else
#endif
    {
        verdict =
          nmf_report_status(out, snapshot->uplinks, snapshot->plan, snapshot->routes, replies);
        if (nmf_pause_is_set(NMF_RUNDIR, 0, why, sizeof(why)))
            g_string_prepend(out,
                             _("Automatic fixing is paused (nm-metric-fix --revert); "
                               "'nm-metric-fix --fix' resumes it.\n\n"));
        _print_with_verdict_colour(out, verdict);
    }
    nmf_log_debug("status: %s", _verdict_name(verdict));
    *out_status = nmf_report_verdict_fails(verdict) ? NMF_EXIT_WRONG_OWNER : NMF_EXIT_OK;
    return TRUE;
}
