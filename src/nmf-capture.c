/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: libpcap - capture the traffic with one address on the "any" device. */
#include "config.h"

#include "nmf-capture.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include "nmf-common.h"

/* libpcap 1.9 (RHEL 8) does not name it yet. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Headers up to TCP's flags fit in far less; a short snaplen keeps the capture cheap. */
#define SNAPLEN 256
/* Buffer timeout; immediate mode delivers each packet at once anyway. */
#define PCAP_TIMEOUT_MS 100

typedef pcap_t Pcap;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pcap, pcap_close)

typedef struct {
    NmfCaptureFunc func;
    gpointer       user_data;
    int            dlt;
    guint          n_frames;
} CaptureData;

static void
_on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    CaptureData *data = (CaptureData *) user;

    data->n_frames++;
    data->func(data->dlt, bytes, hdr->caplen, data->user_data);
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
    if (pcap_set_datalink(pcap, DLT_LINUX_SLL2) != 0)
        nmf_log_info("libpcap offers no DLT_LINUX_SLL2 (%s); interfaces will be unknown",
                     pcap_geterr(pcap));
    *out_dlt = pcap_datalink(pcap);
    if (*out_dlt != DLT_LINUX_SLL2 && *out_dlt != DLT_LINUX_SLL) {
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
nmf_capture_run(int            family,
                const char    *address,
                guint          seconds,
                NmfCaptureFunc func,
                gpointer       user_data,
                GError       **error)
{
    g_autoptr(Pcap) pcap  = NULL;
    CaptureData      data = { .func = func, .user_data = user_data };
    struct pcap_stat stats;

    pcap = _open_any(family, address, &data.dlt, error);
    if (!pcap)
        return FALSE;
    nmf_log_info("observing traffic with %s for %u s", address, seconds);
    if (!_capture_until(
          pcap, g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC, &data, error))
        return FALSE;
    if (pcap_stats(pcap, &stats) == 0)
        nmf_log_debug("captured %u frames, %u dropped by the kernel", data.n_frames, stats.ps_drop);
    return TRUE;
}
