/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Main: options, the command table, error -> exit status; no product logic. */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "decide/nmf-check-verdict.h"
#include "commands/nmf-check.h"
#include "model/nmf-common.h"
#include "commands/nmf-exec.h"
#include "commands/nmf-fix.h"
#include "commands/nmf-observe.h"
#include "model/nmf-options.h"
#include "commands/nmf-revert.h"
#include "commands/nmf-status.h"

typedef struct {
    const char    *name;
    NmfCommandFunc run;
    gboolean       changes_profiles; /* needs root, unless --dry-run */
} Command;

/* nm-metric-fix itself loads neither libpcap nor json-glib: --observe and the JSON and
 * Prometheus output run in programs of their own, built from this file (nmf-exec.h);
 * nmf_status_run() and nmf_check_run() hand their JSON on themselves. */
#ifdef NMF_WITHOUT_OBSERVE
#define OBSERVE_RUN nmf_exec_observe_run
#else
#define OBSERVE_RUN nmf_observe_run
#endif

/* In the order main() tests the options. */
static const Command commands[] = {
    { "fix", nmf_fix_run, TRUE },      { "revert", nmf_revert_run, TRUE },
    { "skip", nmf_skip_run, TRUE },    { "check", nmf_check_run, FALSE },
    { "observe", OBSERVE_RUN, FALSE }, { "status", nmf_status_run, FALSE },
};

static void
_options_clear(NmfOptions *opts)
{
    g_clear_pointer(&opts->skip, g_free);
    g_clear_pointer(&opts->unskip, g_free);
    g_clear_pointer(&opts->config, g_free);
    g_clear_pointer(&opts->event, g_free);
    g_clear_pointer(&opts->check, g_free);
    g_clear_pointer(&opts->observe, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NmfOptions, _options_clear)

static int
_exit_for_error(const GError *error)
{
    /* Gone or hung, wherever in the run: NetworkManager is not there to serve us. */
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_NM_NOT_RUNNING)
        || g_error_matches(error, NMF_ERROR, NMF_ERROR_TIMEOUT))
        return NMF_EXIT_NM_NOT_RUNNING;
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_PERMISSION))
        return NMF_EXIT_PERMISSION;
    if (g_error_matches(error, NMF_ERROR, NMF_ERROR_CONFIG))
        return NMF_EXIT_USAGE;
    return NMF_EXIT_FAILURE;
}

/* Prints @message, a translated line that names the program itself. */
static int
_refuse(const char *message, int status)
{
    g_autofree char *line = g_strchomp(g_strdup(message));

    nmf_print_error_line(line);
    return status;
}

/* The one command the options ask for, or NULL when they name none or several. */
static const Command *
_pick_command(const NmfOptions *opts)
{
    const gboolean given[] = {
        opts->fix,           opts->revert,          opts->skip || opts->unskip,
        opts->check != NULL, opts->observe != NULL, opts->status,
    };
    const Command *picked = NULL;
    guint          i;

    G_STATIC_ASSERT(G_N_ELEMENTS(given) == G_N_ELEMENTS(commands));
    if (opts->skip && opts->unskip)
        return NULL;
    for (i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!given[i])
            continue;
        if (picked)
            return NULL;
        picked = &commands[i];
    }
    return picked;
}

/* Combinations the command table cannot express; NULL when the options are fine. */
static const char *
_invalid_combination(const NmfOptions *opts)
{
    if (opts->prometheus && (!opts->status || opts->json))
        return _("nm-metric-fix: --prometheus goes with --status, without --json");
    if (opts->json && !opts->status && !opts->check && !opts->observe)
        return _("nm-metric-fix: --json goes with --status, --check or --observe");
    if (opts->seconds != NMF_SECONDS_UNSET
        && (!opts->observe || opts->seconds < 1 || opts->seconds > NMF_OBSERVE_MAX_SECONDS))
        return _("nm-metric-fix: --seconds N goes with --observe, 1 <= N <= 3600");
    if (opts->dry_run && !opts->fix && !opts->revert)
        return _("nm-metric-fix: --dry-run goes with --fix or --revert");
    return NULL;
}

static GOptionContext *
_option_context(NmfOptions *opts, char **config_help, char **description)
{
    GOptionContext *ctx = g_option_context_new(NULL);
    /* clang-format off */
    GOptionEntry entries[] = {
        {"fix", 'f', 0, G_OPTION_ARG_NONE, &opts->fix,
         N_("Rank the uplinks and write and reapply route metrics"), NULL},
        {"status", 's', 0, G_OPTION_ARG_NONE, &opts->status,
         N_("Show the ranking beside the kernel's default routes"), NULL},
        {"revert", 0, 0, G_OPTION_ARG_NONE, &opts->revert,
         N_("Restore the metrics recorded before the first change"), NULL},
        {"skip", 0, 0, G_OPTION_ARG_FILENAME, &opts->skip,
         N_("Exempt connection profile ID (or UUID) from ranking"), N_("ID")},
        {"unskip", 0, 0, G_OPTION_ARG_FILENAME, &opts->unskip,
         N_("Rank connection profile ID (or UUID) again"), N_("ID")},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &opts->dry_run,
         N_("With --fix or --revert: print the changes and make none"), NULL},
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts->config, *config_help, N_("FILE")},
        {"event", 0, 0, G_OPTION_ARG_FILENAME, &opts->event,
         N_("Dispatcher event that triggered the run (for the log)"), N_("IFACE:ACTION")},
        {"check", 0, 0, G_OPTION_ARG_STRING, &opts->check,
         N_("Ask the kernel whether replies to ADDRESS leave by the link its requests arrive on"),
         N_("ADDRESS")},
        {"observe", 0, 0, G_OPTION_ARG_STRING, &opts->observe,
         N_("Watch traffic with ADDRESS: which links its requests and our replies take (root)"),
         N_("ADDRESS")},
        {"seconds", 0, 0, G_OPTION_ARG_INT, &opts->seconds,
         N_("With --observe: watch for N seconds (default 5)"), N_("N")},
        {"json", 0, 0, G_OPTION_ARG_NONE, &opts->json,
         N_("With --status, --check or --observe: print JSON (schemas: status-schema.json, "
            "check-schema.json, observe-schema.json)"), NULL},
        {"prometheus", 0, 0, G_OPTION_ARG_NONE, &opts->prometheus,
         N_("With --status: print Prometheus metrics"), NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts->verbose, N_("Log more detail"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &opts->quiet, N_("Log nothing but errors"), NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &opts->version, N_("Print the version and exit"), NULL},
        {NULL},
    };
    /* clang-format on */

    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(
      ctx,
      _("Give the LAN uplink of a multi-homed NetworkManager host the default route, "
        "ahead of libvirt/QEMU NAT links."));
    *description = g_strdup_printf(_("Exit status:\n"
                                     "  0  success; with --status: the intended uplink owns the "
                                     "default route, or nothing needs ranking\n"
                                     "  1  failure\n"
                                     "  2  invalid usage or configuration (nothing was changed)\n"
                                     "  3  --status: another interface owns the default route\n"
                                     "  4  not permitted (changes need root)\n"
                                     "  5  --check/--observe: replies leave by another link, do "
                                     "not arrive, or none come back\n"
                                     "  8  NetworkManager is not running\n\n"
                                     "See nm-metric-fix(8)."));
    g_option_context_set_description(ctx, *description);
    /* GLib copies the entries. */
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return ctx;
}

int
main(int argc, char **argv)
{
    g_auto(NmfOptions) opts       = { 0 };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error       = NULL;
    g_autofree char *description  = NULL;
    g_autofree char *config_help  = NULL;
    const Command   *command;
    const char      *invalid;
    const char      *target;
    NmfExit          status = NMF_EXIT_OK;

    opts.seconds = NMF_SECONDS_UNSET;
    setlocale(LC_ALL, "");
    /* NMF_LOCALEDIR is an undocumented hook so tests can use a staged install. */
    bindtextdomain(GETTEXT_PACKAGE,
                   g_getenv("NMF_LOCALEDIR") ? g_getenv("NMF_LOCALEDIR") : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    config_help =
      g_strdup_printf(_("Read the configuration from FILE (default %s)"), NMF_DEFAULT_CONFIG);
    ctx = _option_context(&opts, &config_help, &description);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        nmf_print_error(error->message);
        return NMF_EXIT_USAGE;
    }
    if (argc > 1) {
        g_autofree char *text =
          g_strdup_printf(_("nm-metric-fix: unexpected argument '%s'\n"), argv[1]);

        return _refuse(text, NMF_EXIT_USAGE);
    }
    if (opts.version) {
        g_print("nm-metric-fix %s\n", PACKAGE_VERSION);
        return NMF_EXIT_OK;
    }
    command = _pick_command(&opts);
    if (!command)
        return _refuse(
          _("nm-metric-fix: give exactly one of --fix, --status, --revert, --check, --observe, "
            "--skip or --unskip (see --help)"),
          NMF_EXIT_USAGE);
    invalid = _invalid_combination(&opts);
    if (invalid)
        return _refuse(invalid, NMF_EXIT_USAGE);
    target = opts.check ? opts.check : opts.observe;
    if (target && nmf_check_target_refusal(target)) {
        g_autofree char *text = g_strdup_printf(_("nm-metric-fix: '%s' is not a unicast peer "
                                                  "address (%s); nothing was done\n"),
                                                target,
                                                nmf_check_target_refusal(target));

        return _refuse(text, NMF_EXIT_USAGE);
    }
    nmf_log_set_level(opts.quiet ? NMF_LOG_ERROR : (opts.verbose ? NMF_LOG_DEBUG : NMF_LOG_INFO));

    if (command->changes_profiles && !opts.dry_run && geteuid() != 0)
        return _refuse(_("nm-metric-fix: --fix, --revert, --skip and --unskip change connection "
                         "profiles and must run as root; nothing was changed"),
                       NMF_EXIT_PERMISSION);
    if (!command->run(&opts, &status, &error)) {
        nmf_print_error(error->message);
        return _exit_for_error(error);
    }
    return status;
}
