/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nmf-capture.h"
#include "nmf-check.h"
#include "nmf-common.h"
#include "nmf-config.h"
#include "nmf-diagnose.h"
#include "nmf-fix.h"
#include "nmf-json.h"
#include "nmf-kernel.h"
#include "nmf-nm.h"
#include "nmf-policy.h"
#include "nmf-report.h"
#include "nmf-verified.h"

/* Long enough for a busy daemon at boot, short enough that a dead bus never hangs the
 * dispatcher hand-off for long. */
#define DEFAULT_TIMEOUT_MS 20000

typedef struct {
    gboolean fix;
    gboolean status;
    gboolean revert;
    char    *skip;
    char    *unskip;
    char    *config;
    gboolean dry_run;
    gboolean version;
    gboolean verbose;
    gboolean quiet;
    char    *event;
    char    *check;
    char    *observe;
    int      seconds;
    gboolean json;
    gboolean prometheus;
} Options;

static int
_exit_for_error(const GError *error)
{
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING))
        return NMF_EXIT_NM_NOT_RUNNING;
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_PERMISSION))
        return NMF_EXIT_PERMISSION;
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_CONFIG))
        return NMF_EXIT_USAGE;
    return NMF_EXIT_FAILURE;
}

static int
_fail(GError *error)
{
    int status = _exit_for_error(error);

    g_printerr("nm-metric-fix: %s\n", error->message);
    g_error_free(error);
    return status;
}

/* The default file may be absent (built-in policy); a file named with --config must exist. */
static NmfPolicy *
_load_policy(const Options *opts, GError **error)
{
    const char      *path     = opts->config ? opts->config : NMF_DEFAULT_CONFIG;
    g_autofree char *contents = NULL;
    gsize            length   = 0;
    g_autoptr(GError) local   = NULL;

    if (!g_file_get_contents(path, &contents, &length, &local)) {
        if (!opts->config && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return nmf_policy_new_default();
        g_set_error(error, NMF_ERROR, NMF_ERROR_CONFIG, "%s", local->message);
        return NULL;
    }
    return nmf_config_parse(path, contents, length, error);
}

/* --revert pauses the dispatcher hook: its own Reapply makes NetworkManager emit
 * dhcp4-change, and a hook run would redo at once what --revert undid. The pause
 * lives in NMF_RUNDIR, so it ends at the next boot or with a manual --fix. */
#define PAUSE_FILE NMF_RUNDIR "/paused"

static gboolean
_paused(void)
{
    return g_file_test(PAUSE_FILE, G_FILE_TEST_EXISTS);
}

static gboolean
_set_paused(gboolean paused, GError **error)
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

static int
_run_fix(const Options *opts)
{
    g_autoptr(NmfPolicy) policy = NULL;
    g_autoptr(NmfNm) nm         = NULL;
    GError *error               = NULL;

    policy = _load_policy(opts, &error);
    if (!policy)
        return _fail(error);

    if (opts->event && _paused()) {
        nmf_log_info("event %s ignored: paused by --revert until the next boot or a manual "
                     "'nm-metric-fix --fix'",
                     opts->event);
        return NMF_EXIT_OK;
    }
    if (opts->event)
        nmf_log_info("run for dispatcher event %s", opts->event);
    else if (!opts->dry_run && _paused()) {
        if (!_set_paused(FALSE, &error))
            return _fail(error);
        nmf_log_info("resuming after --revert: the dispatcher hook acts on events again");
    }
    nm = nmf_nm_new(DEFAULT_TIMEOUT_MS, &error);
    if (!nm)
        return _fail(error);
    nmf_log_debug("NetworkManager %s", nmf_nm_get_daemon_version(nm));
    if (policy->mode == NMF_MODE_POLICY && !nmf_nm_check_policy_mode(nm, &error))
        return _fail(error);
    if (!nmf_fix_run(nm, policy, opts->dry_run, &error))
        return _fail(error);
    if (!opts->dry_run)
        nmf_verified_record(nm, policy, opts->config ? opts->config : NMF_DEFAULT_CONFIG);
    return NMF_EXIT_OK;
}

/* Colour the verdict line, only on a terminal and never when NO_COLOR is set
 * (https://no-color.org). */
static void
_print_with_verdict_colour(GString *out, NmfVerdict verdict)
{
    const char *colour = verdict == NMF_VERDICT_OK            ? "\033[32m"
                         : verdict == NMF_VERDICT_WRONG_OWNER ? "\033[1;31m"
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

static int
_run_skip(const char *connection, gboolean skip)
{
    g_autoptr(NmfNm) nm = NULL;
    GError *error       = NULL;

    nm = nmf_nm_new(DEFAULT_TIMEOUT_MS, &error);
    if (!nm)
        return _fail(error);
    if (!nmf_nm_set_skip(nm, connection, skip, &error))
        return _fail(error);
    return NMF_EXIT_OK;
}

static int
_run_revert(const Options *opts)
{
    g_autoptr(NmfNm) nm = NULL;
    GError *error       = NULL;

    nm = nmf_nm_new(DEFAULT_TIMEOUT_MS, &error);
    if (!nm)
        return _fail(error);
    if (!nmf_nm_revert(nm, opts->dry_run, &error))
        return _fail(error);
    if (!opts->dry_run && !nmf_fix_prune_policy_tables(&error))
        return _fail(error);
    if (!opts->dry_run) {
        if (!_set_paused(TRUE, &error))
            return _fail(error);
        nmf_log_info("the dispatcher hook is paused until the next boot or a manual "
                     "'nm-metric-fix --fix'");
    }
    return NMF_EXIT_OK;
}

static int
_run_status(const Options *opts)
{
    g_autoptr(NmfPolicy) policy  = NULL;
    g_autoptr(NmfNm) nm          = NULL;
    g_autoptr(GPtrArray) uplinks = NULL;
    g_autoptr(GPtrArray) routes  = NULL;
    g_autoptr(GString) out       = g_string_new(NULL);
    GError    *error             = NULL;
    gboolean   managed           = FALSE;
    NmfVerdict verdict;

    policy = _load_policy(opts, &error);
    if (!policy)
        return _fail(error);
    routes = nmf_kernel_default_routes(&error);
    if (!routes)
        return _fail(error);
    nm = nmf_nm_new(DEFAULT_TIMEOUT_MS, &error);
    if (!nm)
        return _fail(error);
    uplinks = nmf_fix_collect_ranked(nm, policy, &managed, &error);
    if (!uplinks)
        return _fail(error);

    if (opts->json || opts->prometheus) {
        g_autofree char *text = opts->json ? nmf_json_status(uplinks, managed, routes)
                                           : nmf_prometheus_status(uplinks, managed, routes);

        verdict = nmf_report_verdict(uplinks, managed, routes, NULL, NULL);
        fputs(text, stdout);
    } else {
        verdict = nmf_report_status(out, uplinks, managed, routes);
        if (_paused())
            g_string_prepend(out,
                             _("Automatic fixing is paused (nm-metric-fix --revert); "
                               "'nm-metric-fix --fix' resumes it.\n\n"));
        _print_with_verdict_colour(out, verdict);
    }
    return verdict == NMF_VERDICT_WRONG_OWNER ? NMF_EXIT_WRONG_OWNER : NMF_EXIT_OK;
}

/* NAT links are listed by --check but never fail it.  Without NetworkManager there is
 * no classification, and every link counts. */
static GPtrArray *
_nat_ifaces(const Options *opts)
{
    g_autoptr(NmfPolicy) policy  = NULL;
    g_autoptr(NmfNm) nm          = NULL;
    g_autoptr(GPtrArray) uplinks = NULL;
    g_autoptr(GError) error      = NULL;
    gboolean managed;

    policy = _load_policy(opts, &error);
    if (policy)
        nm = nmf_nm_new(DEFAULT_TIMEOUT_MS, &error);
    if (nm)
        uplinks = nmf_fix_collect_ranked(nm, policy, &managed, &error);
    if (!uplinks)
        nmf_log_info("cannot classify the links (%s); every link counts", error->message);
    return nmf_check_nat_ifaces(uplinks);
}

static int
_run_check(const Options *opts)
{
    g_autoptr(GPtrArray) nat = NULL;
    g_autoptr(GString) out   = g_string_new(NULL);
    GError  *error           = NULL;
    gboolean all_ok          = FALSE;

    if (!nmf_check_parse_target(opts->check)) {
        g_printerr(_("nm-metric-fix: '%s' is not an IPv4 or IPv6 address\n"), opts->check);
        return NMF_EXIT_USAGE;
    }
    nat = _nat_ifaces(opts);
    if (!nmf_check_run(opts->check, nat, out, &all_ok, &error))
        return _fail(error);
    fputs(out->str, stdout);
    return all_ok ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
}

static int
_run_observe(const Options *opts)
{
    g_autoptr(GString) out = g_string_new(NULL);
    GError  *error         = NULL;
    gboolean symmetric     = FALSE;

    if (!nmf_capture_observe(opts->observe, opts->seconds, out, &symmetric, &error))
        return _fail(error);
    fputs(out->str, stdout);
    return symmetric ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
}

int
main(int argc, char **argv)
{
    Options opts                  = { 0 };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error       = NULL;
    g_autofree char *description  = NULL;
    g_autofree char *config_help  = NULL;
    /* clang-format off */
    GOptionEntry entries[] = {
        {"fix", 'f', 0, G_OPTION_ARG_NONE, &opts.fix,
         N_("Rank the uplinks and write and reapply route metrics"), NULL},
        {"status", 's', 0, G_OPTION_ARG_NONE, &opts.status,
         N_("Show the ranking beside the kernel's default routes"), NULL},
        {"revert", 0, 0, G_OPTION_ARG_NONE, &opts.revert,
         N_("Restore the metrics recorded before the first change"), NULL},
        {"skip", 0, 0, G_OPTION_ARG_STRING, &opts.skip,
         N_("Exempt connection profile ID (or UUID) from ranking"), N_("ID")},
        {"unskip", 0, 0, G_OPTION_ARG_STRING, &opts.unskip,
         N_("Rank connection profile ID (or UUID) again"), N_("ID")},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &opts.dry_run,
         N_("With --fix or --revert: print the changes and make none"), NULL},
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts.config,
         NULL /* set below: it names the built-in path */, N_("FILE")},
        {"event", 0, 0, G_OPTION_ARG_STRING, &opts.event,
         N_("Dispatcher event that triggered the run (for the log)"), N_("IFACE:ACTION")},
        {"check", 0, 0, G_OPTION_ARG_STRING, &opts.check,
         N_("Ask the kernel whether replies to ADDRESS leave by the link its requests arrive on"),
         N_("ADDRESS")},
        {"observe", 0, 0, G_OPTION_ARG_STRING, &opts.observe,
         N_("Watch traffic with ADDRESS: which links its requests and our replies take (root)"),
         N_("ADDRESS")},
        {"seconds", 0, 0, G_OPTION_ARG_INT, &opts.seconds,
         N_("With --observe: watch for N seconds (default 5)"), N_("N")},
        {"json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
         N_("With --status: print JSON (schema: status-schema.json)"), NULL},
        {"prometheus", 0, 0, G_OPTION_ARG_NONE, &opts.prometheus,
         N_("With --status: print Prometheus metrics"), NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, N_("Log more detail"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &opts.quiet, N_("Log nothing but errors"), NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &opts.version, N_("Print the version and exit"), NULL},
        {NULL},
    };
    /* clang-format on */

    setlocale(LC_ALL, "");
    /* NMF_LOCALEDIR is an undocumented hook so tests can use a staged install. */
    bindtextdomain(GETTEXT_PACKAGE,
                   g_getenv("NMF_LOCALEDIR") ? g_getenv("NMF_LOCALEDIR") : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    config_help =
      g_strdup_printf(_("Read the configuration from FILE (default %s)"), NMF_DEFAULT_CONFIG);
    for (guint i = 0; entries[i].long_name; i++) {
        if (strcmp(entries[i].long_name, "config") == 0)
            entries[i].description = config_help;
    }

    ctx = g_option_context_new(NULL);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(
      ctx,
      _("Give the LAN uplink of a multi-homed NetworkManager host the default route, "
        "ahead of libvirt/QEMU NAT links."));
    description = g_strdup_printf(_("Exit status:\n"
                                    "  0  success; with --status: the intended uplink owns the "
                                    "default route, or nothing needs ranking\n"
                                    "  1  failure\n"
                                    "  2  invalid usage or configuration (nothing was changed)\n"
                                    "  3  --status: another interface owns the default route\n"
                                    "  4  not permitted (changes need root)\n"
                                    "  5  --check/--observe: replies leave by another link, or "
                                    "none come back\n"
                                    "  8  NetworkManager is not running\n\n"
                                    "See nm-metric-fix(8)."));
    g_option_context_set_description(ctx, description);
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);

    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("nm-metric-fix: %s\n", error->message);
        return NMF_EXIT_USAGE;
    }
    if (argc > 1) {
        g_printerr(_("nm-metric-fix: unexpected argument '%s'\n"), argv[1]);
        return NMF_EXIT_USAGE;
    }
    if (opts.version) {
        g_print("nm-metric-fix %s\n", PACKAGE_VERSION);
        return NMF_EXIT_OK;
    }
    if (opts.fix + opts.status + opts.revert + (opts.check != NULL) + (opts.observe != NULL)
          + (opts.skip != NULL) + (opts.unskip != NULL)
        != 1) {
        g_printerr(
          "%s\n",
          _("nm-metric-fix: give exactly one of --fix, --status, --revert, --check, --observe, "
            "--skip or --unskip (see --help)"));
        return NMF_EXIT_USAGE;
    }
    if ((opts.json || opts.prometheus) && (!opts.status || (opts.json && opts.prometheus))) {
        g_printerr("%s\n", _("nm-metric-fix: --json or --prometheus goes with --status"));
        return NMF_EXIT_USAGE;
    }
    if (opts.seconds != 0
        && (!opts.observe || opts.seconds < 1 || opts.seconds > NMF_CAPTURE_MAX_SECONDS)) {
        g_printerr("%s\n", _("nm-metric-fix: --seconds N goes with --observe, 1 <= N <= 3600"));
        return NMF_EXIT_USAGE;
    }
    if (opts.dry_run && !opts.fix && !opts.revert) {
        g_printerr("%s\n", _("nm-metric-fix: --dry-run goes with --fix or --revert"));
        return NMF_EXIT_USAGE;
    }
    nmf_log_set_level(opts.quiet ? NMF_LOG_QUIET : (opts.verbose ? NMF_LOG_DEBUG : NMF_LOG_INFO));

    if ((opts.fix || opts.revert || opts.skip || opts.unskip) && !opts.dry_run && geteuid() != 0) {
        g_printerr("%s\n",
                   _("nm-metric-fix: --fix, --revert, --skip and --unskip change connection "
                     "profiles and must run as root; nothing was changed"));
        return NMF_EXIT_PERMISSION;
    }

    {
        int status;

        if (opts.fix)
            status = _run_fix(&opts);
        else if (opts.revert)
            status = _run_revert(&opts);
        else if (opts.skip || opts.unskip)
            status = _run_skip(opts.skip ? opts.skip : opts.unskip, opts.skip != NULL);
        else if (opts.check)
            status = _run_check(&opts);
        else if (opts.observe)
            status = _run_observe(&opts);
        else
            status = _run_status(&opts);
        g_free(opts.event);
        g_free(opts.config);
        g_free(opts.check);
        g_free(opts.observe);
        g_free(opts.skip);
        g_free(opts.unskip);
        return status;
    }
}
