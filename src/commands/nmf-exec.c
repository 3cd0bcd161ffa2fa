/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Commands in programs of their own: hand --observe and the JSON/Prometheus output on (execv). */
#include "config.h"

#include "commands/nmf-exec.h"

#include <errno.h>
#include <unistd.h>

/* @program's path: beside this program's own (../libexec from bin, or the same directory
 * in the build tree), so that a staged or uninstalled nm-metric-fix runs its own
 * version; else where meson installs it. */
static char *
_locate(const char *installed)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *base = g_path_get_basename(installed);
    g_autofree char *dir  = self ? g_path_get_dirname(self) : NULL;

    if (dir) {
        g_autofree char *libexec = g_build_filename(dir, "..", "libexec", base, NULL);
        g_autofree char *sibling = g_build_filename(dir, base, NULL);

        if (g_file_test(libexec, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer(&libexec);
        if (g_file_test(sibling, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer(&sibling);
    }
    return g_strdup(installed);
}

/* The options of @options that matter to the program, as its command line. */
static gboolean
_exec(const char *installed, GPtrArray *argv, const NmfOptions *options, GError **error)
{
    g_autofree char *program = _locate(installed);

    if (options->verbose)
        g_ptr_array_add(argv, g_strdup("--verbose"));
    if (options->quiet)
        g_ptr_array_add(argv, g_strdup("--quiet"));
    g_ptr_array_add(argv, NULL);
    execv(program, (char **) argv->pdata);
    g_set_error(
      error, NMF_ERROR, NMF_ERROR_FAILED, "cannot run %s: %s", program, g_strerror(errno));
    return FALSE;
}

gboolean
nmf_exec_observe_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup("nm-metric-fix"));
    g_ptr_array_add(argv, g_strdup_printf("--observe=%s", options->observe));
    if (options->seconds != NMF_SECONDS_UNSET)
        g_ptr_array_add(argv, g_strdup_printf("--seconds=%d", options->seconds));
    if (options->json)
        g_ptr_array_add(argv, g_strdup("--json"));
    return _exec(NMF_OBSERVE_PROGRAM, argv, options, error);
}

gboolean
nmf_exec_export_run(const NmfOptions *options, NmfExit *out_status, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup("nm-metric-fix"));
    if (options->check)
        g_ptr_array_add(argv, g_strdup_printf("--check=%s", options->check));
    else
        g_ptr_array_add(argv, g_strdup("--status"));
    g_ptr_array_add(argv, g_strdup(options->json ? "--json" : "--prometheus"));
    if (options->config)
        g_ptr_array_add(argv, g_strdup_printf("--config=%s", options->config));
    return _exec(NMF_EXPORT_PROGRAM, argv, options, error);
}
