/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nmf-common.h"

#include <stdio.h>
#include <unistd.h>

G_DEFINE_QUARK(nmf - error - quark, nmf_error)

static NmfLogLevel log_level = NMF_LOG_INFO;

void
nmf_error_keep(GError **first, GError *error, const char *context)
{
    if (!*first) {
        *first = error;
        return;
    }
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING)
        && !g_error_matches(*first, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING)) {
        GError *replaced = *first;

        *first = error;
        error  = replaced;
    }
    if (context)
        nmf_log_info("%s: %s", context, error->message);
    else
        nmf_log_info("%s", error->message);
    g_error_free(error);
}

void
nmf_log_set_level(NmfLogLevel level)
{
    log_level = level;
}

static void
_log_v(const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);

    /* One write per line so concurrent runs never interleave within a line. */
    g_autofree char *line = g_strdup_printf("nm-metric-fix[%ld]: %s\n", (long) getpid(), msg);
    fputs(line, stderr);
    fflush(stderr);
}

void
nmf_log_info(const char *fmt, ...)
{
    va_list ap;

    if (log_level < NMF_LOG_INFO)
        return;
    va_start(ap, fmt);
    _log_v(fmt, ap);
    va_end(ap);
}

void
nmf_log_debug(const char *fmt, ...)
{
    va_list ap;

    if (log_level < NMF_LOG_DEBUG)
        return;
    va_start(ap, fmt);
    _log_v(fmt, ap);
    va_end(ap);
}
