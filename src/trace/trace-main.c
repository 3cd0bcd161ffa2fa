/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Main of nm-metric-fix-trace: on a KVM host, the device after which packets die. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include "adapters/nmf-capture.h"
#include "decide/nmf-check-verdict.h"
#include "model/nmf-common.h"
#include "adapters/nmf-netlink.h"
#include "adapters/nmf-procfs.h"
#include "decide/nmf-trace-export.h"
#include "decide/nmf-trace.h"
#include "adapters/nmf-virt.h"

typedef struct {
    char    *uri;
    int      seconds;
    gboolean json;
    gboolean verbose;
    gboolean quiet;
    gboolean version;
} Options;

static int
_fail(GError *error)
{
    int status = g_error_matches(error, NMF_ERROR, NMF_ERROR_PERMISSION) ? NMF_EXIT_PERMISSION
                 : g_error_matches(error, NMF_ERROR, NMF_ERROR_CONFIG)   ? NMF_EXIT_USAGE
                                                                         : NMF_EXIT_FAILURE;

    g_printerr("nm-metric-fix-trace: %s\n", error->message);
    g_error_free(error);
    return status;
}

typedef struct {
    NmfTrace   *trace;
    GHashTable *hop_of; /* GINT_TO_POINTER(ifindex) -> GUINT_TO_POINTER(hop + 1) */
} CountData;

static void
_on_frame(int dlt, const guint8 *frame, gsize caplen, gpointer user_data)
{
    CountData *data = user_data;
    NmfPacket  packet;
    guint      hop;

    if (!nmf_packet_parse(dlt, frame, caplen, &packet))
        return;
    hop = GPOINTER_TO_UINT(g_hash_table_lookup(data->hop_of, GINT_TO_POINTER(packet.ifindex)));
    if (hop > 0)
        nmf_trace_count(data->trace, hop - 1, &packet);
}

/* The rp_filter the kernel applies to packets arriving on the device after which
 * a direction was lost; -1 for IPv6 (no such filter) or no loss. */
static int
_rp_filter_after(const NmfTrace *trace, gboolean to_peer)
{
    NmfTraceDirection d;
    NmfRpFilter       rp;

    nmf_trace_decide(trace, to_peer, &d);
    if (trace->family != AF_INET || d.lost_after < 0)
        return -1;
    nmf_procfs_read_rp_filter(((NmfHop *) trace->hops->pdata[d.lost_after])->device, &rp);
    return nmf_rp_filter_effective(&rp);
}

/* The host's link toward @peer, as `ip route get PEER` names it; NULL (logged) when the
 * host has none. */
static char *
_uplink_toward(int family, const char *peer, GError **error)
{
    g_auto(NmfRouteAnswer) answer = { 0 };

    if (!nmf_netlink_route_get(family, peer, NULL, 0, &answer, error))
        return NULL;
    if (answer.error || !answer.oif_name) {
        nmf_log_info("the host has no route toward %s: %s",
                     peer,
                     answer.error ? g_strerror(answer.error) : "no output interface");
        return g_strdup("");
    }
    return g_strdup(answer.oif_name);
}

static int
_run(const Options *opts, const char *domain, const char *peer)
{
    g_autoptr(GPtrArray) ifaces     = NULL;
    g_autoptr(NmfTrace) trace       = NULL;
    g_autoptr(GHashTable) before    = NULL;
    g_autoptr(GHashTable) after     = NULL;
    g_autoptr(GHashTable) delta     = NULL;
    g_autoptr(GPtrArray) causes     = NULL;
    g_autofree char        *name    = NULL;
    g_autofree char        *uplink  = NULL;
    g_autofree const char **devices = NULL;
    g_autofree gboolean    *opened  = NULL;
    GError                 *error   = NULL;
    g_autoptr(GHashTable) hop_of    = g_hash_table_new(g_direct_hash, g_direct_equal);
    CountData         count         = { .hop_of = hop_of };
    NmfHostSettings   settings      = { 0 };
    NmfTraceDirection from_peer     = { 0 };
    NmfTraceDirection to_peer       = { 0 };
    guint    seconds = opts->seconds >= 0 ? (guint) opts->seconds : NMF_TRACE_DEFAULT_SECONDS;
    int      family  = nmf_check_parse_target(peer);
    gboolean passed;

    ifaces = nmf_virt_domain_interfaces(opts->uri, domain, &name, &error);
    if (!ifaces)
        return _fail(error);
    uplink = _uplink_toward(family, peer, &error);
    if (!uplink)
        return _fail(error);
    trace = nmf_trace_new(name ? name : domain, peer, *uplink ? uplink : NULL, ifaces);
    g_return_val_if_fail(trace, NMF_EXIT_FAILURE);

    devices = g_new0(const char *, trace->hops->len + 1);
    opened  = g_new0(gboolean, trace->hops->len + 1);
    for (guint i = 0; i < trace->hops->len; i++) {
        const NmfHop *hop     = trace->hops->pdata[i];
        unsigned      ifindex = if_nametoindex(hop->device);

        /* A device of another network namespace (or host) cannot be watched from here. */
        if (ifindex > 0) {
            devices[i] = hop->device;
            g_hash_table_insert(hop_of, GINT_TO_POINTER(ifindex), GUINT_TO_POINTER(i + 1));
        } else {
            nmf_log_info("%s is not in this network namespace", hop->device);
        }
    }

    before      = nmf_procfs_read_counters();
    count.trace = trace;
    if (!nmf_capture_devices(
          family, peer, devices, trace->hops->len, seconds, _on_frame, &count, opened, &error))
        return _fail(error);
    after = nmf_procfs_read_counters();
    delta = nmf_counters_delta(before, after);
    for (guint i = 0; i < trace->hops->len; i++)
        ((NmfHop *) trace->hops->pdata[i])->present = opened[i];

    settings.ip_forward          = nmf_procfs_read_forwarding(family);
    settings.rp_filter_from_peer = _rp_filter_after(trace, FALSE);
    settings.rp_filter_to_peer   = _rp_filter_after(trace, TRUE);
    nmf_trace_decide(trace, FALSE, &from_peer);
    nmf_trace_decide(trace, TRUE, &to_peer);
    causes = nmf_trace_causes(trace, &from_peer, &to_peer, delta, &settings);

    if (opts->json) {
        g_autofree char *text = nmf_trace_json(trace, seconds, delta, causes);

        fputs(text, stdout);
        passed = from_peer.result == NMF_TRACE_PASSED && to_peer.result == NMF_TRACE_PASSED;
    } else {
        g_autoptr(GString) out = g_string_new(NULL);

        passed = nmf_trace_render(out, trace, seconds, delta, causes);
        if (!passed) {
            g_autofree char *retis = g_find_program_in_path("retis");
            g_autofree char *pwru  = g_find_program_in_path("pwru");
            g_autofree char *hint  = nmf_trace_follow_hint(peer, retis != NULL, pwru != NULL);

            g_string_append(out, hint);
        }
        fputs(out->str, stdout);
    }
    return passed ? NMF_EXIT_OK : NMF_EXIT_ASYMMETRIC;
}

static void
_options_clear(Options *opts)
{
    g_clear_pointer(&opts->uri, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, _options_clear)

int
main(int argc, char **argv)
{
    /* Freed on every path, early usage errors included. */
    g_auto(Options) opts          = { .seconds = -1 };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error       = NULL;
    g_autofree char *connect_help = NULL;
    int              status;
    /* clang-format off */
    GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &opts.uri,
         NULL /* set below: it names the default */, N_("URI")},
        {"seconds", 0, 0, G_OPTION_ARG_INT, &opts.seconds,
         N_("Watch for N seconds (default 5)"), N_("N")},
        {"json", 0, 0, G_OPTION_ARG_NONE, &opts.json,
         N_("Print JSON (schema: trace-schema.json)"), NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, N_("Log more detail"), NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &opts.quiet, N_("Log nothing but errors"), NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &opts.version, N_("Print the version and exit"), NULL},
        {NULL},
    };
    /* clang-format on */

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE,
                   g_getenv("NMF_LOCALEDIR") ? g_getenv("NMF_LOCALEDIR") : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    connect_help = g_strdup_printf(_("libvirt connection URI (default %s)"), NMF_VIRT_DEFAULT_URI);
    entries[0].description = connect_help;

    ctx = g_option_context_new(_("DOMAIN PEER"));
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(
      ctx,
      _("On a KVM host, watch the traffic between a libvirt domain and PEER on every device "
        "between the host's uplink and the domain (uplink, bridges, backend taps, macvtap "
        "lower devices) and tell after which one each direction is lost."));
    g_option_context_set_description(
      ctx,
      _("Exit status:\n"
        "  0  both directions pass every device\n"
        "  1  failure\n"
        "  2  invalid usage, or no such domain\n"
        "  4  not permitted (capturing needs root)\n"
        "  5  a direction is lost on the host, or not seen at all\n\n"
        "See nm-metric-fix-trace(8)."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);

    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("nm-metric-fix-trace: %s\n", error->message);
        return NMF_EXIT_USAGE;
    }
    if (opts.version) {
        g_print("nm-metric-fix-trace %s\n", PACKAGE_VERSION);
        return NMF_EXIT_OK;
    }
    if (argc != 3) {
        g_printerr("%s\n", _("nm-metric-fix-trace: give a DOMAIN and a PEER address (see --help)"));
        return NMF_EXIT_USAGE;
    }
    if (!nmf_check_parse_target(argv[2])) {
        g_printerr(_("nm-metric-fix-trace: '%s' is not an IPv4 or IPv6 address\n"), argv[2]);
        return NMF_EXIT_USAGE;
    }
    if (opts.seconds != -1 && (opts.seconds < 1 || opts.seconds > NMF_TRACE_MAX_SECONDS)) {
        g_printerr(_("nm-metric-fix-trace: --seconds must be between 1 and %d\n"),
                   NMF_TRACE_MAX_SECONDS);
        return NMF_EXIT_USAGE;
    }
    nmf_log_set_level(opts.quiet ? NMF_LOG_ERROR : opts.verbose ? NMF_LOG_DEBUG : NMF_LOG_INFO);
    status = _run(&opts, argv[1], argv[2]);
    return status;
}
