/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: the error domain, and log lines with their journald priority. */
#include "model/nmf-common.h"

#include <stdio.h>
#include <unistd.h>

#include "hook/nmf-journal.h"

/* clang-format off */
G_DEFINE_QUARK(nmf-error-quark, nmf_error)
/* clang-format on */

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
        nmf_log_warning("%s: %s", context, error->message);
    else
        nmf_log_warning("%s", error->message);
    g_error_free(error);
}

void
nmf_log_set_level(NmfLogLevel level)
{
    log_level = level;
}

/* Syslog priorities of the levels. */
static const int priorities[NMF_LOG_MAX] = { 3, 4, 6, 7 };

/* "<N>" for sd-daemon(3): journald turns it into the line's priority. */
static const char *
_priority_prefix(NmfLogLevel level)
{
    static int               on_terminal           = -1;
    static const char *const prefixes[NMF_LOG_MAX] = { "<3>", "<4>", "<6>", "<7>" };

    if (on_terminal < 0)
        on_terminal = isatty(STDERR_FILENO) ? 1 : 0;
    if (on_terminal || level >= NMF_LOG_MAX)
        return "";
    return prefixes[level];
}

/* @message to the journal under the product's name, @line to stderr (nmf-journal.h). */
static void
_write_line(NmfLogLevel level, const char *message, const char *line)
{
    const char *program = g_get_prgname();

    nmf_journal_log(priorities[level < NMF_LOG_MAX ? level : NMF_LOG_DEBUG],
                    program ? program : "nm-metric-fix",
                    message,
                    line);
}

void
nmf_log(NmfLogLevel level, const char *fmt, ...)
{
    g_autofree char *msg  = NULL;
    g_autofree char *line = NULL;
    va_list          ap;

    if (level > log_level)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line =
      g_strdup_printf("%snm-metric-fix[%ld]: %s\n", _priority_prefix(level), (long) getpid(), msg);
    _write_line(level, msg, line);
}

void
nmf_print_error(const char *message)
{
    g_autofree char *line =
      g_strdup_printf("%snm-metric-fix: %s\n", _priority_prefix(NMF_LOG_ERROR), message);

    _write_line(NMF_LOG_ERROR, message, line);
}

void
nmf_print_error_line(const char *line)
{
    g_autofree char *text = g_strdup_printf("%s%s\n", _priority_prefix(NMF_LOG_ERROR), line);

    _write_line(NMF_LOG_ERROR, line, text);
}
