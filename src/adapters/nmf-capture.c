/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adapter: libpcap - capture the traffic with one address on "any" or on each interface. */
#include "config.h"

#include "adapters/nmf-capture.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include "model/nmf-common.h"
#include "decide/nmf-frame.h"

/* libpcap 1.9 (RHEL 8) does not name it yet. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Headers up to TCP's flags fit in far less; a short snaplen keeps the capture cheap. */
#define SNAPLEN 256
/* Buffer timeout; immediate mode delivers each packet at once anyway. */
#define PCAP_TIMEOUT_MS 100
/* Single-interface captures open two handles per link: keep each kernel buffer small. */
#define PER_IFACE_BUFFER_BYTES (512 * 1024)

typedef pcap_t Pcap;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pcap, pcap_close)

/* One open capture.  On one interface the handle knows what the frame does not: the
 * interface, and the direction it was opened for. */
typedef struct {
    pcap_t *pcap;
    int     dlt;
    int     ifindex; /* 0 for "any" */
    guint8  pkttype; /* NMF_FRAME_SLL2_HOST or _OUTGOING for one interface */
} Handle;

static void
_handle_free(Handle *handle)
{
    if (handle->pcap)
        pcap_close(handle->pcap);
    g_free(handle);
}

typedef struct {
    NmfCaptureFunc func;
    gpointer       user_data;
    const Handle  *handle;
    guint          n_frames;
} CaptureData;

static void
_on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    CaptureData  *data = (CaptureData *) user;
    const Handle *h    = data->handle;
    guint8        cooked[NMF_FRAME_SLL2_HEADER_LEN + SNAPLEN];
    gsize         len;

    data->n_frames++;
    if (h->ifindex == 0) {
        data->func(h->dlt, bytes, hdr->caplen, data->user_data);
        return;
    }
    /* One interface: hand it over as the "any" device of libpcap >= 1.10 would. */
    len =
      nmf_frame_to_sll2(h->dlt, bytes, hdr->caplen, h->ifindex, h->pkttype, cooked, sizeof(cooked));
    if (len > 0)
        data->func(DLT_LINUX_SLL2, cooked, len, data->user_data);
}

static gboolean
_is_permission_error(int rc, pcap_t *pcap)
{
    return rc == PCAP_ERROR_PERM_DENIED
           || (rc == PCAP_ERROR && strstr(pcap_geterr(pcap), "permitted"));
}

/* The traffic with @address, and the ICMP errors that quote a packet sent to it (their
 * sender is a router or a firewall on the way, not @address): destination unreachable
 * and time exceeded, and for IPv6 packet too big, whose quoted destination is
 * @address.  The quoted header is taken as one without options or extension headers,
 * as this host's own packets are; IPv6 uses ip6[] offsets, which libpcap 1.9 knows. */
static char *
_filter(int family, const char *address)
{
    g_autoptr(GString) f = NULL;
    guint8 a[16]         = { 0 };

    if (inet_pton(family, address, a) != 1)
        return NULL;
    if (family == AF_INET)
        return g_strdup_printf("(host %s and (icmp or tcp or udp))"
                               " or (icmp and (icmp[0] = 3 or icmp[0] = 11)"
                               " and icmp[24:4] = 0x%02x%02x%02x%02x)",
                               address,
                               a[0],
                               a[1],
                               a[2],
                               a[3]);
    /* Outer header 40 bytes, ICMPv6 header 8, the quoted destination at 24 of its header. */
    f = g_string_new(NULL);
    g_string_printf(f,
                    "(host %s and (icmp6 or tcp or udp)) or (ip6 and ip6[6] = 58"
                    " and (ip6[40] = 1 or ip6[40] = 2 or ip6[40] = 3)",
                    address);
    for (guint i = 0; i < 16; i += 4)
        g_string_append_printf(
          f, " and ip6[%u:4] = 0x%02x%02x%02x%02x", 72 + i, a[i], a[i + 1], a[i + 2], a[i + 3]);
    g_string_append_c(f, ')');
    return g_string_free(g_steal_pointer(&f), FALSE);
}

/* Opens @device (NULL: "any") for ICMP, TCP and UDP with @address.  A device that is
 * down, gone or of a link type we cannot read is an error with *out_skippable set, so
 * that callers watching many can go on. */
static Handle *
_open(int              family,
      const char      *address,
      const char      *device,
      pcap_direction_t direction,
      gboolean        *out_skippable,
      GError         **error)
{
    g_autoptr(Pcap) pcap                        = NULL;
    g_autofree char   *filter                   = NULL;
    const char        *name                     = device ? device : "any";
    char               errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    Handle            *handle;
    int                rc;
    int                dlt;

    *out_skippable = FALSE;
    pcap           = pcap_create(name, errbuf);
    if (!pcap) {
        g_set_error(
          error, NMF_ERROR, NMF_ERROR_FAILED, "cannot open a capture on %s: %s", name, errbuf);
        return NULL;
    }
    pcap_set_snaplen(pcap, SNAPLEN);
    pcap_set_promisc(pcap, 0);
    pcap_set_timeout(pcap, PCAP_TIMEOUT_MS);
    pcap_set_immediate_mode(pcap, 1);
    if (device)
        pcap_set_buffer_size(pcap, PER_IFACE_BUFFER_BYTES);
    rc = pcap_activate(pcap);
    if (_is_permission_error(rc, pcap)) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_PERMISSION,
                    "capturing packets needs root (CAP_NET_RAW): %s",
                    pcap_geterr(pcap));
        return NULL;
    }
    if (rc < 0) {
        *out_skippable =
          device && (rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_IFACE_NOT_UP);
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot start a capture on %s: %s",
                    name,
                    rc == PCAP_ERROR ? pcap_geterr(pcap) : pcap_statustostr(rc));
        return NULL;
    }
    if (rc > 0)
        nmf_log_debug("capture on %s started with a warning: %s", name, pcap_statustostr(rc));

    /* DLT_LINUX_SLL2 (libpcap >= 1.10) carries the ifindex; plain SLL only the direction. */
    if (!device && pcap_set_datalink(pcap, DLT_LINUX_SLL2) != 0)
        nmf_log_debug("libpcap offers no DLT_LINUX_SLL2 on \"any\": %s", pcap_geterr(pcap));
    dlt = pcap_datalink(pcap);
    if (device ? dlt != NMF_FRAME_DLT_EN10MB && dlt != NMF_FRAME_DLT_RAW
               : dlt != DLT_LINUX_SLL2 && dlt != DLT_LINUX_SLL) {
        *out_skippable = device != NULL;
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "unexpected link-layer type %s on %s",
                    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?",
                    name);
        return NULL;
    }
    if (direction != PCAP_D_INOUT && pcap_setdirection(pcap, direction) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot capture one direction on %s: %s",
                    name,
                    pcap_geterr(pcap));
        return NULL;
    }

    filter = _filter(family, address);
    if (!filter || pcap_compile(pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot compile the capture filter '%s': %s",
                    filter ? filter : address,
                    filter ? pcap_geterr(pcap) : "not an address");
        return NULL;
    }
    rc = pcap_setfilter(pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0 || pcap_setnonblock(pcap, 1, errbuf) != 0) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_FAILED,
                    "cannot set up the capture on %s: %s",
                    name,
                    rc != 0 ? pcap_geterr(pcap) : errbuf);
        return NULL;
    }
    nmf_log_debug("capturing on %s (link type %s%s), filter '%s'",
                  name,
                  pcap_datalink_val_to_name(dlt),
                  direction == PCAP_D_IN    ? ", incoming"
                  : direction == PCAP_D_OUT ? ", outgoing"
                                            : "",
                  filter);
    handle       = g_new0(Handle, 1);
    handle->pcap = g_steal_pointer(&pcap);
    handle->dlt  = dlt;
    if (device) {
        handle->ifindex = (int) if_nametoindex(device);
        handle->pkttype = direction == PCAP_D_OUT ? NMF_FRAME_SLL2_OUTGOING : NMF_FRAME_SLL2_HOST;
    }
    return handle;
}

/* Two handles, incoming and outgoing, on @device: its frames carry no direction. */
static gboolean
_open_device(int         family,
             const char *address,
             const char *device,
             GPtrArray  *handles,
             gboolean   *out_opened,
             GError    **error)
{
    static const pcap_direction_t dirs[] = { PCAP_D_IN, PCAP_D_OUT };

    *out_opened = FALSE;
    for (guint k = 0; k < G_N_ELEMENTS(dirs); k++) {
        g_autoptr(GError) local = NULL;
        gboolean skippable;
        Handle  *handle = _open(family, address, device, dirs[k], &skippable, &local);

        if (handle) {
            g_ptr_array_add(handles, handle);
            continue;
        }
        if (!skippable) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        nmf_log_info("not watching %s: %s", device, local->message);
        return TRUE;
    }
    *out_opened = TRUE;
    return TRUE;
}

/* Every link that is up, loopback aside. */
static gboolean
_open_every_interface(int family, const char *address, GPtrArray *handles, GError **error)
{
    pcap_if_t *devs                     = NULL;
    char       errbuf[PCAP_ERRBUF_SIZE] = "";
    gboolean   ok                       = TRUE;

    if (pcap_findalldevs(&devs, errbuf) != 0) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "cannot list the interfaces: %s", errbuf);
        return FALSE;
    }
    for (pcap_if_t *d = devs; d && ok; d = d->next) {
        gboolean opened;

        if ((d->flags & PCAP_IF_LOOPBACK) || !(d->flags & PCAP_IF_UP)
            || if_nametoindex(d->name) == 0)
            continue; /* "any", nflog, usbmon... are no links */
        ok = _open_device(family, address, d->name, handles, &opened, error);
    }
    pcap_freealldevs(devs);
    if (ok && handles->len == 0) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "no interface to capture on");
        return FALSE;
    }
    return ok;
}

/* Runs every capture in @handles (Handle *) until @deadline, then drains them once. */
static gboolean
_capture_until(GPtrArray *handles, gint64 deadline, CaptureData *data, GError **error)
{
    g_autofree struct pollfd *pfds = g_new0(struct pollfd, handles->len);

    for (guint i = 0; i < handles->len; i++) {
        pfds[i].fd     = pcap_get_selectable_fd(((Handle *) handles->pdata[i])->pcap);
        pfds[i].events = POLLIN;
        if (pfds[i].fd < 0) {
            g_set_error_literal(
              error, NMF_ERROR, NMF_ERROR_FAILED, "a capture has no file descriptor to wait on");
            return FALSE;
        }
    }
    for (;;) {
        gint64 now = g_get_monotonic_time();
        int    n;

        if (now < deadline) {
            /* Round up so that we never wake a millisecond early and spin. */
            int timeout_ms = (int) MIN((deadline - now + 999) / 1000, G_MAXINT);

            n = poll(pfds, handles->len, timeout_ms);
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
        for (guint i = 0; i < handles->len; i++) {
            Handle *h = handles->pdata[i];

            if (now < deadline && !(pfds[i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            data->handle = h;
            /* Non-blocking: hands over what is buffered and returns. */
            if (pcap_dispatch(h->pcap, -1, _on_packet, (u_char *) data) == PCAP_ERROR) {
                g_set_error(
                  error, NMF_ERROR, NMF_ERROR_FAILED, "capturing failed: %s", pcap_geterr(h->pcap));
                return FALSE;
            }
        }
        if (now >= deadline)
            return TRUE; /* the buffers are drained once after the deadline */
    }
}

static gboolean
_run(GPtrArray *handles, guint seconds, NmfCaptureFunc func, gpointer user_data, GError **error)
{
    CaptureData data    = { .func = func, .user_data = user_data };
    guint       dropped = 0;

    if (!_capture_until(
          handles, g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC, &data, error))
        return FALSE;
    for (guint i = 0; i < handles->len; i++) {
        struct pcap_stat stats;

        if (pcap_stats(((Handle *) handles->pdata[i])->pcap, &stats) == 0)
            dropped += stats.ps_drop;
    }
    nmf_log_debug("captured %u frames, %u dropped by the kernel", data.n_frames, dropped);
    return TRUE;
}

gboolean
nmf_capture_run(int            family,
                const char    *address,
                guint          seconds,
                NmfCaptureFunc func,
                gpointer       user_data,
                GError       **error)
{
    g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func((GDestroyNotify) _handle_free);
    /* Undocumented: lets the tests take the per-interface path with any libpcap. */
    gboolean per_interface = g_strcmp0(g_getenv("NMF_CAPTURE_PER_INTERFACE"), "1") == 0;
    gboolean skippable;
    Handle  *any;

    any = _open(family, address, NULL, PCAP_D_INOUT, &skippable, error);
    if (!any)
        return FALSE;
    if (any->dlt != DLT_LINUX_SLL2 || per_interface) {
        if (any->dlt != DLT_LINUX_SLL2)
            nmf_log_info("libpcap's \"any\" device names no interface here (%s, link type %s); "
                         "capturing on each interface",
                         pcap_lib_version(),
                         pcap_datalink_val_to_name(any->dlt));
        _handle_free(any);
        if (!_open_every_interface(family, address, handles, error))
            return FALSE;
    } else {
        g_ptr_array_add(handles, any);
    }
    nmf_log_info(
      "observing traffic with %s for %u s on %u capture(s)", address, seconds, handles->len);
    return _run(handles, seconds, func, user_data, error);
}

gboolean
nmf_capture_devices(int                family,
                    const char        *address,
                    const char *const *devices,
                    guint              n_devices,
                    guint              seconds,
                    NmfCaptureFunc     func,
                    gpointer           user_data,
                    gboolean          *out_opened,
                    GError           **error)
{
    g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func((GDestroyNotify) _handle_free);
    guint n_opened               = 0;

    for (guint i = 0; i < n_devices; i++) {
        gboolean opened = FALSE;

        if (devices[i] && !_open_device(family, address, devices[i], handles, &opened, error))
            return FALSE;
        if (out_opened)
            out_opened[i] = opened;
        n_opened += opened;
    }
    if (handles->len == 0) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "no device to capture on");
        return FALSE;
    }
    nmf_log_info("watching traffic with %s for %u s on %u device(s)", address, seconds, n_opened);
    return _run(handles, seconds, func, user_data, error);
}
