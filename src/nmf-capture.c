/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nmf-capture.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include "nmf-common.h"
#include "nmf-flow.h"

/* Headers up to TCP's flags fit in far less; a short snaplen keeps the capture cheap. */
#define SNAPLEN 256
/* Buffer timeout; immediate mode delivers each packet at once anyway. */
#define PCAP_TIMEOUT_MS 100

typedef pcap_t Pcap;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pcap, pcap_close)

typedef struct {
    NmfFlowTable *table;
    int           dlt;
    GHashTable   *names; /* GINT_TO_POINTER(ifindex) -> char * */
    guint         n_packets;
    guint         n_parsed;
} CaptureData;

static void
_remember_name(GHashTable *names, int ifindex)
{
    char name[IF_NAMESIZE];

    /* Resolve while the packet is fresh: a link may be gone by the time we print. */
    if (ifindex <= 0 || g_hash_table_contains(names, GINT_TO_POINTER(ifindex)))
        return;
    g_hash_table_insert(
      names, GINT_TO_POINTER(ifindex), if_indextoname(ifindex, name) ? g_strdup(name) : NULL);
}

static void
_on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    CaptureData *data = (CaptureData *) user;
    NmfPacket    packet;

    data->n_packets++;
    if (!nmf_packet_parse(data->dlt, bytes, hdr->caplen, &packet))
        return;
    data->n_parsed++;
    if (nmf_flow_table_add(data->table, &packet))
        _remember_name(data->names, packet.ifindex);
}

static const char *
_ifname(int ifindex, gpointer user_data)
{
    return g_hash_table_lookup(user_data, GINT_TO_POINTER(ifindex));
}

static Pcap *
_open_any(int family, const char *address, int *out_dlt, GError **error)
{
    g_autoptr(Pcap) pcap                        = NULL;
    g_autofree char   *filter                   = NULL;
    char               errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    int                rc;

    pcap = pcap_create("any", errbuf);
    if (!pcap) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "cannot open a capture: %s", errbuf);
        return NULL;
    }
    pcap_set_snaplen(pcap, SNAPLEN);
    pcap_set_promisc(pcap, 0);
    pcap_set_timeout(pcap, PCAP_TIMEOUT_MS);
    pcap_set_immediate_mode(pcap, 1);
    rc = pcap_activate(pcap);
    if (rc == PCAP_ERROR_PERM_DENIED
        || (rc == PCAP_ERROR && strstr(pcap_geterr(pcap), "permitted"))) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_PERMISSION,
                    "capturing packets needs root (CAP_NET_RAW): %s",
                    pcap_geterr(pcap));
        return NULL;
    }
    if (rc < 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot start a capture on the \"any\" device: %s",
                    rc == PCAP_ERROR ? pcap_geterr(pcap) : pcap_statustostr(rc));
        return NULL;
    }
    if (rc > 0)
        nmf_log_debug("capture started with a warning: %s", pcap_statustostr(rc));

    /* DLT_LINUX_SLL2 (libpcap >= 1.10) carries the ifindex; plain SLL only the direction. */
    if (pcap_set_datalink(pcap, NMF_DLT_LINUX_SLL2) != 0)
        nmf_log_info("libpcap offers no DLT_LINUX_SLL2 (%s); interfaces will be unknown",
                     pcap_geterr(pcap));
    *out_dlt = pcap_datalink(pcap);
    if (*out_dlt != NMF_DLT_LINUX_SLL2 && *out_dlt != NMF_DLT_LINUX_SLL) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "unexpected link-layer type %d on the \"any\" device",
                    *out_dlt);
        return NULL;
    }

    filter = g_strdup_printf(
      "host %s and (%s or tcp or udp)", address, family == AF_INET ? "icmp" : "icmp6");
    if (pcap_compile(pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot compile the capture filter '%s': %s",
                    filter,
                    pcap_geterr(pcap));
        return NULL;
    }
    rc = pcap_setfilter(pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0 || pcap_setnonblock(pcap, 1, errbuf) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot set up the capture: %s",
                    rc != 0 ? pcap_geterr(pcap) : errbuf);
        return NULL;
    }
    nmf_log_debug("capturing on \"any\" (link type %s), filter '%s'",
                  pcap_datalink_val_to_name(*out_dlt),
                  filter);
    return g_steal_pointer(&pcap);
}

static gboolean
_capture_until(Pcap *pcap, gint64 deadline, CaptureData *data, GError **error)
{
    struct pollfd pfd = { .fd = pcap_get_selectable_fd(pcap), .events = POLLIN };

    if (pfd.fd < 0) {
        g_set_error_literal(
          error, NMF_ERROR, NMF_ERROR_FAILED, "the capture has no file descriptor to wait on");
        return FALSE;
    }
    for (;;) {
        gint64 now = g_get_monotonic_time();
        int    timeout_ms;
        int    n;

        if (now < deadline) {
            /* Round up so that we never wake a millisecond early and spin. */
            timeout_ms = (int) MIN((deadline - now + 999) / 1000, G_MAXINT);
            n          = poll(&pfd, 1, timeout_ms);
            if (n < 0 && errno != EINTR) {
                g_set_error(error,
                            NMF_ERROR,
                            NMF_ERROR_FAILED,
                            "waiting for packets failed: %s",
                            g_strerror(errno));
                return FALSE;
            }
            if (n <= 0)
                continue;
        }
        /* Non-blocking: hands over what is buffered and returns. */
        n = pcap_dispatch(pcap, -1, _on_packet, (u_char *) data);
        if (n == PCAP_ERROR) {
            g_set_error(
              error, NMF_ERROR, NMF_ERROR_FAILED, "capturing failed: %s", pcap_geterr(pcap));
            return FALSE;
        }
        if (now >= deadline)
            return TRUE; /* the buffer is drained once after the deadline */
    }
}

gboolean
nmf_capture_observe(const char *address,
                    guint       seconds,
                    GString    *out,
                    gboolean   *out_symmetric,
                    GError    **error)
{
    g_autoptr(NmfFlowTable) table = nmf_flow_table_new(address);
    g_autoptr(GHashTable) names =
      g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_autoptr(Pcap) pcap  = NULL;
    CaptureData      data = { 0 };
    struct pcap_stat stats;
    NmfFlowVerdict   verdict;
    int              dlt = 0;

    if (!table) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    address ? address : "");
        return FALSE;
    }
    if (seconds == 0)
        seconds = NMF_CAPTURE_DEFAULT_SECONDS;
    seconds = MIN(seconds, NMF_CAPTURE_MAX_SECONDS);

    pcap = _open_any(strchr(address, ':') ? AF_INET6 : AF_INET, address, &dlt, error);
    if (!pcap)
        return FALSE;
    data.table = table;
    data.dlt   = dlt;
    data.names = names;
    nmf_log_info("observing traffic with %s for %u s", address, seconds);
    if (!_capture_until(
          pcap, g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC, &data, error))
        return FALSE;
    if (pcap_stats(pcap, &stats) == 0)
        nmf_log_debug("captured %u packets (%u parsed), %u dropped by the kernel",
                      data.n_packets,
                      data.n_parsed,
                      stats.ps_drop);

    verdict = nmf_flow_table_render(table, out, seconds, _ifname, names);
    if (out_symmetric)
        *out_symmetric = verdict == NMF_FLOW_SYMMETRIC;
    return TRUE;
}
