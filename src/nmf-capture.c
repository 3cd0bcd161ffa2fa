/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpcap captures for --observe and nm-metric-fix-trace: on "any" or on each interface. */
#include "config.h"

#include "nmf-capture.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <pcap/pcap.h>

#include "nmf-check.h"
#include "nmf-common.h"

/* Headers up to TCP's flags fit in far less; a short snaplen keeps the capture cheap. */
#define SNAPLEN 256
/* Buffer timeout; immediate mode delivers each packet at once anyway. */
#define PCAP_TIMEOUT_MS 100
/* Per-interface captures open two handles per link: keep each kernel buffer small. */
#define PER_IFACE_BUFFER_BYTES (512 * 1024)

typedef pcap_t Pcap;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pcap, pcap_close)

/* One open capture.  Without a cooked header (one interface), the handle knows what
 * the frame does not: the interface and, with a direction set, the direction. */
typedef struct {
    pcap_t            *pcap;
    int                dlt;
    int                ifindex; /* 0 for "any": the frame tells */
    NmfPacketDirection direction;
    gboolean           direction_known;
    guint              device_index;
} Handle;

static void
_handle_free(Handle *handle)
{
    if (handle->pcap)
        pcap_close(handle->pcap);
    g_free(handle);
}

typedef void (*PacketFunc)(const Handle *handle, const NmfPacket *packet, gpointer user_data);

typedef struct {
    PacketFunc    func;
    gpointer      user_data;
    const Handle *handle;
    guint         n_packets;
    guint         n_parsed;
} DispatchData;

static void
_on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    DispatchData *data = (DispatchData *) user;
    NmfPacket     packet;

    data->n_packets++;
    if (!nmf_packet_parse(data->handle->dlt, bytes, hdr->caplen, &packet))
        return;
    data->n_parsed++;
    if (data->handle->ifindex > 0)
        packet.ifindex = data->handle->ifindex;
    if (data->handle->direction_known)
        packet.direction = data->handle->direction;
    data->func(data->handle, &packet, data->user_data);
}

static gboolean
_is_permission_error(int rc, pcap_t *pcap)
{
    return rc == PCAP_ERROR_PERM_DENIED
           || (rc == PCAP_ERROR && strstr(pcap_geterr(pcap), "permitted"));
}

/* Opens @device (NULL: "any") with @filter.  A device that is down or gone is
 * NMF_ERROR_FAILED with *out_skippable set, so that callers watching many can go on. */
static Handle *
_open(const char      *device,
      const char      *filter,
      pcap_direction_t direction,
      gboolean        *out_skippable,
      GError         **error)
{
    g_autoptr(Pcap) pcap                        = NULL;
    g_autofree Handle *handle                   = NULL;
    const char        *name                     = device ? device : "any";
    char               errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
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

    if (!device) {
        /* DLT_LINUX_SLL2 (libpcap >= 1.10) carries the ifindex; plain SLL only the direction. */
        if (pcap_set_datalink(pcap, NMF_DLT_LINUX_SLL2) != 0)
            nmf_log_debug("libpcap offers no DLT_LINUX_SLL2 on \"any\": %s", pcap_geterr(pcap));
    }
    dlt = pcap_datalink(pcap);
    if (dlt != NMF_DLT_LINUX_SLL2 && dlt != NMF_DLT_LINUX_SLL && dlt != NMF_DLT_EN10MB
        && dlt != NMF_DLT_RAW) {
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
        handle->ifindex         = (int) if_nametoindex(device);
        handle->direction_known = direction != PCAP_D_INOUT;
        handle->direction       = direction == PCAP_D_IN ? NMF_PACKET_IN : NMF_PACKET_OUT;
    }
    return g_steal_pointer(&handle);
}

static gboolean
_dispatch(Handle *handle, PacketFunc func, gpointer user_data, GError **error)
{
    DispatchData data = { .func = func, .user_data = user_data, .handle = handle };

    /* Non-blocking: hands over what is buffered and returns. */
    if (pcap_dispatch(handle->pcap, -1, _on_packet, (u_char *) &data) == PCAP_ERROR) {
        g_set_error(
          error, NMF_ERROR, NMF_ERROR_FAILED, "capturing failed: %s", pcap_geterr(handle->pcap));
        return FALSE;
    }
    return TRUE;
}

/* Runs every capture in @handles (Handle *) until @deadline, then drains them once. */
static gboolean
_capture_until(GPtrArray *handles,
               gint64     deadline,
               PacketFunc func,
               gpointer   user_data,
               GError   **error)
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
            if (now < deadline && !(pfds[i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            if (!_dispatch(handles->pdata[i], func, user_data, error))
                return FALSE;
        }
        if (now >= deadline)
            return TRUE; /* the buffers are drained once after the deadline */
    }
}

/* ---- --observe ---- */

typedef struct {
    NmfFlowTable *table;
    GHashTable   *names; /* GINT_TO_POINTER(ifindex) -> char * */
} ObserveData;

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
_on_observed(const Handle *handle, const NmfPacket *packet, gpointer user_data)
{
    ObserveData *data = user_data;

    if (nmf_flow_table_add(data->table, packet))
        _remember_name(data->names, packet->ifindex);
}

static const char *
_ifname(int ifindex, gpointer user_data)
{
    return g_hash_table_lookup(user_data, GINT_TO_POINTER(ifindex));
}

/* Two handles (in, out) per link that is up, loopback aside: libpcap's "any" device
 * before 1.10 gives frames without an interface index. */
static gboolean
_open_per_interface(const char *filter, GPtrArray *handles, GError **error)
{
    pcap_if_t *devs                     = NULL;
    char       errbuf[PCAP_ERRBUF_SIZE] = "";

    if (pcap_findalldevs(&devs, errbuf) != 0) {
        g_set_error(error, NMF_ERROR, NMF_ERROR_FAILED, "cannot list the interfaces: %s", errbuf);
        return FALSE;
    }
    for (pcap_if_t *d = devs; d; d = d->next) {
        static const pcap_direction_t dirs[] = { PCAP_D_IN, PCAP_D_OUT };

        if ((d->flags & PCAP_IF_LOOPBACK) || !(d->flags & PCAP_IF_UP)
            || if_nametoindex(d->name) == 0)
            continue; /* "any", nflog, usbmon... are no links */
        for (guint k = 0; k < G_N_ELEMENTS(dirs); k++) {
            g_autoptr(GError) local = NULL;
            gboolean skippable;
            Handle  *handle = _open(d->name, filter, dirs[k], &skippable, &local);

            if (handle) {
                g_ptr_array_add(handles, handle);
                continue;
            }
            if (!skippable) {
                pcap_freealldevs(devs);
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
            }
            nmf_log_info("not watching %s: %s", d->name, local->message);
            break;
        }
    }
    pcap_freealldevs(devs);
    if (handles->len == 0) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "no interface to capture on");
        return FALSE;
    }
    return TRUE;
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
    g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func((GDestroyNotify) _handle_free);
    g_autofree char *filter      = NULL;
    ObserveData      data        = { 0 };
    Handle          *any;
    gboolean         skippable;
    NmfFlowVerdict   verdict;
    /* Undocumented: lets the tests take the per-interface path with any libpcap. */
    gboolean per_interface = g_strcmp0(g_getenv("NMF_CAPTURE_PER_INTERFACE"), "1") == 0;

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
    filter  = g_strdup_printf(
      "host %s and (%s or tcp or udp)", address, strchr(address, ':') ? "icmp6" : "icmp");

    any = _open(NULL, filter, PCAP_D_INOUT, &skippable, error);
    if (!any)
        return FALSE;
    if (any->dlt != NMF_DLT_LINUX_SLL2 && !per_interface)
        nmf_log_info("libpcap's \"any\" device names no interface here (%s, link type %s); "
                     "capturing on each interface",
                     pcap_lib_version(),
                     pcap_datalink_val_to_name(any->dlt));
    if (any->dlt != NMF_DLT_LINUX_SLL2 || per_interface) {
        _handle_free(any);
        if (!_open_per_interface(filter, handles, error))
            return FALSE;
    } else {
        g_ptr_array_add(handles, any);
    }

    data.table = table;
    data.names = names;
    nmf_log_info(
      "observing traffic with %s for %u s on %u capture(s)", address, seconds, handles->len);
    if (!_capture_until(handles,
                        g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC,
                        _on_observed,
                        &data,
                        error))
        return FALSE;
    for (guint i = 0; i < handles->len; i++) {
        struct pcap_stat stats;

        if (pcap_stats(((Handle *) handles->pdata[i])->pcap, &stats) == 0 && stats.ps_drop > 0)
            nmf_log_info("the kernel dropped %u captured packets: counts may be low",
                         stats.ps_drop);
    }

    verdict = nmf_flow_table_render(table, out, seconds, _ifname, names);
    if (out_symmetric)
        *out_symmetric = verdict == NMF_FLOW_SYMMETRIC;
    return TRUE;
}

/* ---- nm-metric-fix-trace ---- */

typedef struct {
    NmfCaptureFunc func;
    gpointer       user_data;
} DevicesData;

static void
_on_device_packet(const Handle *handle, const NmfPacket *packet, gpointer user_data)
{
    DevicesData *data = user_data;

    data->func(handle->device_index, packet, data->user_data);
}

gboolean
nmf_capture_devices(const char        *peer,
                    const char *const *devices,
                    guint              n_devices,
                    guint              seconds,
                    NmfCaptureFunc     func,
                    gpointer           user_data,
                    gboolean          *out_opened,
                    GError           **error)
{
    g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func((GDestroyNotify) _handle_free);
    g_autofree char *filter      = NULL;
    DevicesData      data        = { .func = func, .user_data = user_data };

    if (!nmf_check_parse_target(peer)) {
        g_set_error(error,
                    NMF_ERROR,
                    NMF_ERROR_CONFIG,
                    "'%s' is not an IPv4 or IPv6 address",
                    peer ? peer : "");
        return FALSE;
    }
    filter = g_strdup_printf("host %s", peer);
    for (guint i = 0; i < n_devices; i++) {
        g_autoptr(GError) local = NULL;
        gboolean skippable;
        Handle  *handle;

        if (out_opened)
            out_opened[i] = FALSE;
        if (!devices[i])
            continue;
        handle = _open(devices[i], filter, PCAP_D_INOUT, &skippable, &local);
        if (!handle) {
            if (!skippable) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
            }
            nmf_log_info("not watching %s: %s", devices[i], local->message);
            continue;
        }
        handle->device_index = i;
        g_ptr_array_add(handles, handle);
        if (out_opened)
            out_opened[i] = TRUE;
    }
    if (handles->len == 0) {
        g_set_error_literal(error, NMF_ERROR, NMF_ERROR_FAILED, "no device to capture on");
        return FALSE;
    }
    nmf_log_info("watching traffic with %s for %u s on %u device(s)", peer, seconds, handles->len);
    return _capture_until(handles,
                          g_get_monotonic_time() + (gint64) seconds * G_USEC_PER_SEC,
                          _on_device_packet,
                          &data,
                          error);
}
