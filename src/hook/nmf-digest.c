/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fast path: the canonical kernel routing state and its digest (libc, raw netlink). */
#include "hook/nmf-digest.h"

#include "hook/nmf-sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

/* From <linux/if.h> (which clashes with <net/if.h>) and the kernel's net/neighbour.h. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#define NEIGH_VALID (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

/*****************************************************************************/
/* Canonical state */

typedef struct {
    int     family;
    int     ifindex;
    uint8_t addr[16];
} Gateway;

struct NmfState {
    char   **lines;
    size_t   n_lines, cap_lines;
    Gateway *gateways;
    size_t   n_gateways, cap_gateways;
    int      sorted;
};

NmfState *
nmf_state_new(void)
{
    return calloc(1, sizeof(NmfState));
}

void
nmf_state_free(NmfState *state)
{
    size_t i;

    if (!state)
        return;
    for (i = 0; i < state->n_lines; i++)
        free(state->lines[i]);
    free(state->lines);
    free(state->gateways);
    free(state);
}

int
nmf_state_add_line(NmfState *state, const char *line)
{
    char *copy;

    if (state->n_lines == state->cap_lines) {
        size_t cap   = state->cap_lines ? 2 * state->cap_lines : 64;
        char **lines = realloc(state->lines, cap * sizeof(char *));

        if (!lines)
            return -1;
        state->lines     = lines;
        state->cap_lines = cap;
    }
    copy = strdup(line);
    if (!copy)
        return -1;
    state->lines[state->n_lines++] = copy;
    state->sorted                  = 0;
    return 0;
}

static int
_add_gateway(NmfState *state, int family, int ifindex, const void *addr, size_t len)
{
    Gateway *gw;

    if (state->n_gateways == state->cap_gateways) {
        size_t   cap = state->cap_gateways ? 2 * state->cap_gateways : 8;
        Gateway *gws = realloc(state->gateways, cap * sizeof(Gateway));

        if (!gws)
            return -1;
        state->gateways     = gws;
        state->cap_gateways = cap;
    }
    gw = &state->gateways[state->n_gateways++];
    memset(gw, 0, sizeof(*gw));
    gw->family  = family;
    gw->ifindex = ifindex;
    memcpy(gw->addr, addr, len > 16 ? 16 : len);
    return 0;
}

/* A growing line with a fixed ceiling: attributes past it would not change the
 * routing decision, and a truncated line still differs from any other state's. */
typedef struct {
    char   text[1024];
    size_t len;
} Line;

static void _put(Line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
_put(Line *l, const char *fmt, ...)
{
    va_list ap;
    int     n;

    if (l->len >= sizeof(l->text) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len = l->len + (size_t) n < sizeof(l->text) ? l->len + (size_t) n : sizeof(l->text) - 1;
}

static void
_put_addr(Line *l, const char *key, int family, const struct rtattr *rta)
{
    char   buf[INET6_ADDRSTRLEN];
    size_t len = rta ? RTA_PAYLOAD(rta) : 0;

    if (!rta) {
        _put(l, " %s=-", key);
        return;
    }
    if ((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)) {
        inet_ntop(family, RTA_DATA(rta), buf, sizeof(buf));
        _put(l, " %s=%s", key, buf);
        return;
    }
    _put(l, " %s=", key);
    for (size_t i = 0; i < len; i++)
        _put(l, "%s%02x", i ? ":" : "", ((const uint8_t *) RTA_DATA(rta))[i]);
}

static void
_put_hex(Line *l, const char *key, const struct rtattr *rta)
{
    size_t len = rta ? RTA_PAYLOAD(rta) : 0;

    _put(l, " %s=", key);
    if (len == 0)
        _put(l, "-");
    for (size_t i = 0; i < len; i++)
        _put(l, "%s%02x", i ? ":" : "", ((const uint8_t *) RTA_DATA(rta))[i]);
}

static uint32_t
_u32(const struct rtattr *rta, uint32_t fallback)
{
    uint32_t v;

    if (!rta || RTA_PAYLOAD(rta) < sizeof(v))
        return fallback;
    memcpy(&v, RTA_DATA(rta), sizeof(v));
    return v;
}

/* Index the attributes of a message by type (later duplicates win). */
static void
_parse_attrs(const struct rtattr **tb, int max, const struct rtattr *rta, int len)
{
    memset(tb, 0, sizeof(*tb) * (size_t) (max + 1));
    for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        int type = rta->rta_type & ~NLA_F_NESTED;

        if (type <= max)
            tb[type] = rta;
    }
}

#define ATTR_MAX 64

static int
_add_link(NmfState *state, const struct nlmsghdr *msg)
{
    const struct ifinfomsg *ifi = NLMSG_DATA(msg);
    const struct rtattr    *tb[ATTR_MAX + 1], *info[IFLA_INFO_MAX + 1];
    Line                    l = { .len = 0 };

    if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
        return 0;
    _parse_attrs(tb, ATTR_MAX, IFLA_RTA(ifi), (int) IFLA_PAYLOAD(msg));
    _put(&l, "link %d", ifi->ifi_index);
    if (tb[IFLA_IFNAME])
        _put(&l,
             " name=%.*s",
             (int) strnlen(RTA_DATA(tb[IFLA_IFNAME]), IFNAMSIZ),
             (const char *) RTA_DATA(tb[IFLA_IFNAME]));
    memset(info, 0, sizeof(info));
    if (tb[IFLA_LINKINFO])
        _parse_attrs(
          info, IFLA_INFO_MAX, RTA_DATA(tb[IFLA_LINKINFO]), (int) RTA_PAYLOAD(tb[IFLA_LINKINFO]));
    if (info[IFLA_INFO_KIND])
        _put(&l,
             " kind=%.*s",
             (int) strnlen(RTA_DATA(info[IFLA_INFO_KIND]), 32),
             (const char *) RTA_DATA(info[IFLA_INFO_KIND]));
    else
        _put(&l, " kind=-");
    /* Up and carrier decide whether a link can carry a default route; the other flags
     * (promiscuity, running-but-dormant, ...) do not. */
    _put(&l,
         " type=%u up=%d carrier=%d",
         ifi->ifi_type,
         !!(ifi->ifi_flags & IFF_UP),
         !!(ifi->ifi_flags & IFF_LOWER_UP));
    _put_hex(&l, "mac", tb[IFLA_ADDRESS]);
    _put(&l, " master=%u", _u32(tb[IFLA_MASTER], 0));
    return nmf_state_add_line(state, l.text);
}

static int
_add_address(NmfState *state, const struct nlmsghdr *msg)
{
    const struct ifaddrmsg *ifa = NLMSG_DATA(msg);
    const struct rtattr    *tb[ATTR_MAX + 1];
    Line                    l = { .len = 0 };

    if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
        return 0;
    _parse_attrs(tb, ATTR_MAX, IFA_RTA(ifa), (int) IFA_PAYLOAD(msg));
    _put(&l, "addr %d %d", ifa->ifa_family, (int) ifa->ifa_index);
    _put_addr(&l, "local", ifa->ifa_family, tb[IFA_LOCAL]);
    _put_addr(&l, "address", ifa->ifa_family, tb[IFA_ADDRESS]);
    _put(&l, " plen=%u scope=%u", ifa->ifa_prefixlen, ifa->ifa_scope);
    /* Lifetimes and DAD flags change with time alone and are left out. The creation
     * stamp is not: an address removed and added again (a profile re-activated, a new
     * lease of the same address after a gap) makes a new state. A renewal that only
     * extends the lifetime keeps it. */
    if (tb[IFA_CACHEINFO] && RTA_PAYLOAD(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
        struct ifa_cacheinfo ci;

        memcpy(&ci, RTA_DATA(tb[IFA_CACHEINFO]), sizeof(ci));
        _put(&l, " created=%u", ci.cstamp);
    }
    return nmf_state_add_line(state, l.text);
}

static int
_route_table(const struct rtmsg *rtm, const struct rtattr *const *tb)
{
    return (int) _u32(tb[RTA_TABLE], rtm->rtm_table);
}

/* Default routes in main and every route in the product's tables. */
static int
_route_counts(const struct rtmsg *rtm, uint32_t table)
{
    if (rtm->rtm_flags & RTM_F_CLONED)
        return 0;
    if (table >= NMF_DIGEST_TABLE_FIRST && table <= NMF_DIGEST_TABLE_LAST)
        return 1;
    return table == RT_TABLE_MAIN && rtm->rtm_dst_len == 0;
}

static int
_add_route(NmfState *state, const struct nlmsghdr *msg)
{
    const struct rtmsg  *rtm = NLMSG_DATA(msg);
    const struct rtattr *tb[ATTR_MAX + 1];
    Line                 l = { .len = 0 };
    uint32_t             table;

    if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
        return 0;
    _parse_attrs(tb, ATTR_MAX, RTM_RTA(rtm), (int) RTM_PAYLOAD(msg));
    table = (uint32_t) _route_table(rtm, tb);
    if (!_route_counts(rtm, table))
        return 0;
    _put(&l, "route %d table=%u", rtm->rtm_family, table);
    _put_addr(&l, "dst", rtm->rtm_family, tb[RTA_DST]);
    _put(&l,
         "/%u type=%u proto=%u scope=%u tos=%u",
         rtm->rtm_dst_len,
         rtm->rtm_type,
         rtm->rtm_protocol,
         rtm->rtm_scope,
         rtm->rtm_tos);
    _put(&l, " dev=%u", _u32(tb[RTA_OIF], 0));
    _put_addr(&l, "via", rtm->rtm_family, tb[RTA_GATEWAY]);
    _put(&l, " metric=%u", _u32(tb[RTA_PRIORITY], 0));
    _put_addr(&l, "src", rtm->rtm_family, tb[RTA_PREFSRC]);
    if (tb[RTA_PREF])
        _put_hex(&l, "pref", tb[RTA_PREF]);
    if (tb[RTA_GATEWAY]
        && _add_gateway(state,
                        rtm->rtm_family,
                        (int) _u32(tb[RTA_OIF], 0),
                        RTA_DATA(tb[RTA_GATEWAY]),
                        RTA_PAYLOAD(tb[RTA_GATEWAY]))
             != 0)
        return -1;
    if (tb[RTA_MULTIPATH]) {
        const struct rtnexthop *nh  = RTA_DATA(tb[RTA_MULTIPATH]);
        int                     len = (int) RTA_PAYLOAD(tb[RTA_MULTIPATH]);

        while (len >= (int) sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len) {
            const struct rtattr *ntb[ATTR_MAX + 1];

            _parse_attrs(ntb, ATTR_MAX, RTNH_DATA(nh), nh->rtnh_len - (int) sizeof(*nh));
            _put(&l, " nexthop=%d,%u", nh->rtnh_ifindex, nh->rtnh_hops);
            _put_addr(&l, "via", rtm->rtm_family, ntb[RTA_GATEWAY]);
            if (ntb[RTA_GATEWAY]
                && _add_gateway(state,
                                rtm->rtm_family,
                                nh->rtnh_ifindex,
                                RTA_DATA(ntb[RTA_GATEWAY]),
                                RTA_PAYLOAD(ntb[RTA_GATEWAY]))
                     != 0)
                return -1;
            len -= RTNH_ALIGN(nh->rtnh_len);
            nh = RTNH_NEXT(nh);
        }
    }
    return nmf_state_add_line(state, l.text);
}

/* Rules that send traffic into the product's tables (mode=policy). */
static int
_add_rule(NmfState *state, const struct nlmsghdr *msg)
{
    const struct fib_rule_hdr *frh = NLMSG_DATA(msg);
    const struct rtattr       *tb[ATTR_MAX + 1];
    Line                       l = { .len = 0 };
    uint32_t                   table;

    if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
        return 0;
    _parse_attrs(tb,
                 ATTR_MAX,
                 (const struct rtattr *) ((const char *) frh + NLMSG_ALIGN(sizeof(*frh))),
                 (int) (msg->nlmsg_len - NLMSG_LENGTH(sizeof(*frh))));
    table = _u32(tb[FRA_TABLE], frh->table);
    if (table < NMF_DIGEST_TABLE_FIRST || table > NMF_DIGEST_TABLE_LAST)
        return 0;
    _put(&l,
         "rule %d table=%u prio=%u action=%u",
         frh->family,
         table,
         _u32(tb[FRA_PRIORITY], 0),
         frh->action);
    _put_addr(&l, "from", frh->family, tb[FRA_SRC]);
    _put(&l, "/%u", frh->src_len);
    _put_addr(&l, "to", frh->family, tb[FRA_DST]);
    _put(&l, "/%u", frh->dst_len);
    return nmf_state_add_line(state, l.text);
}

static int
_is_gateway(const NmfState *state, int family, int ifindex, const struct rtattr *dst)
{
    size_t i, len = dst ? RTA_PAYLOAD(dst) : 0;

    if (len != (family == AF_INET ? 4u : 16u))
        return 0;
    for (i = 0; i < state->n_gateways; i++) {
        const Gateway *gw = &state->gateways[i];

        if (gw->family == family && (gw->ifindex == ifindex || gw->ifindex == 0)
            && memcmp(gw->addr, RTA_DATA(dst), len) == 0)
            return 1;
    }
    return 0;
}

/* The link-layer address behind each gateway: the same gateway address answered by
 * another host is another uplink. Reachability states come and go and are left out. */
static int
_add_neighbour(NmfState *state, const struct nlmsghdr *msg)
{
    const struct ndmsg  *ndm = NLMSG_DATA(msg);
    const struct rtattr *tb[ATTR_MAX + 1];
    Line                 l = { .len = 0 };

    if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)))
        return 0;
    _parse_attrs(tb,
                 ATTR_MAX,
                 (const struct rtattr *) ((const char *) ndm + NLMSG_ALIGN(sizeof(*ndm))),
                 (int) (msg->nlmsg_len - NLMSG_LENGTH(sizeof(*ndm))));
    if (!_is_gateway(state, ndm->ndm_family, ndm->ndm_ifindex, tb[NDA_DST]))
        return 0;
    if (!(ndm->ndm_state & NEIGH_VALID))
        return 0;
    _put(&l, "neigh %d %d", ndm->ndm_family, ndm->ndm_ifindex);
    _put_addr(&l, "gw", ndm->ndm_family, tb[NDA_DST]);
    _put_hex(&l, "lladdr", tb[NDA_LLADDR]);
    return nmf_state_add_line(state, l.text);
}

int
nmf_state_add_message(NmfState *state, const struct nlmsghdr *msg)
{
    switch (msg->nlmsg_type) {
    case RTM_NEWLINK:
        return _add_link(state, msg);
    case RTM_NEWADDR:
        return _add_address(state, msg);
    case RTM_NEWROUTE:
        return _add_route(state, msg);
    case RTM_NEWRULE:
        return _add_rule(state, msg);
    case RTM_NEWNEIGH:
        return _add_neighbour(state, msg);
    default:
        return 0;
    }
}

static int
_compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
_sort(NmfState *state)
{
    if (!state->sorted && state->n_lines > 1)
        qsort(state->lines, state->n_lines, sizeof(char *), _compare_lines);
    state->sorted = 1;
}

void
nmf_state_digest(NmfState *state, char out_hex[NMF_DIGEST_HEX_LEN + 1])
{
    NmfSha256 s;
    size_t    i;

    _sort(state);
    nmf_sha256_init(&s);
    for (i = 0; i < state->n_lines; i++) {
        nmf_sha256_update(&s, state->lines[i], strlen(state->lines[i]));
        nmf_sha256_update(&s, "\n", 1);
    }
    nmf_sha256_final_hex(&s, out_hex);
}

void
nmf_state_write_text(NmfState *state, int fd)
{
    size_t i;

    _sort(state);
    for (i = 0; i < state->n_lines; i++) {
        if (write(fd, state->lines[i], strlen(state->lines[i])) < 0 || write(fd, "\n", 1) < 0)
            return;
    }
}

/*****************************************************************************/
/* Netlink dumps */

typedef struct {
    int      fd;
    uint32_t seq;
    int      interrupted; /* the kernel changed the table during the dump */
} Netlink;

/* Dump messages are at most a page or 32 KiB; a link with many VFs is bigger. */
static char recv_buffer[64 * 1024] __attribute__((aligned(8)));

static int
_dump(Netlink *nl, NmfState *state, int type, int family)
{
    struct {
        struct nlmsghdr hdr;
        union {
            struct ifinfomsg ifi;
            struct rtmsg     rtm;
        } body;
        struct rtattr ext_mask;
        uint32_t      ext_mask_value;
    } req;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

    memset(&req, 0, sizeof(req));
    req.hdr.nlmsg_type  = (uint16_t) type;
    req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.hdr.nlmsg_seq   = ++nl->seq;
    if (type == RTM_GETLINK) {
        /* Counters change with every packet and are not needed. */
        req.hdr.nlmsg_len       = NLMSG_LENGTH(sizeof(req.body.ifi)) + RTA_LENGTH(4);
        req.body.ifi.ifi_family = (unsigned char) family;
        req.ext_mask.rta_type   = IFLA_EXT_MASK;
        req.ext_mask.rta_len    = RTA_LENGTH(4);
        req.ext_mask_value      = RTEXT_FILTER_SKIP_STATS;
    } else {
        /* struct rtmsg's first byte is the family for every request type used here
         * (rtmsg, ifaddrmsg, ndmsg, fib_rule_hdr). */
        req.hdr.nlmsg_len       = NLMSG_LENGTH(sizeof(req.body.rtm));
        req.body.rtm.rtm_family = (unsigned char) family;
    }
    if (sendto(nl->fd, &req, req.hdr.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
        return -1;
    for (;;) {
        ssize_t          n = recv(nl->fd, recv_buffer, sizeof(recv_buffer), 0);
        struct nlmsghdr *msg;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (msg = (struct nlmsghdr *) recv_buffer; NLMSG_OK(msg, (size_t) n);
             msg = NLMSG_NEXT(msg, n)) {
            if (msg->nlmsg_seq != nl->seq)
                continue;
            if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
                nl->interrupted = 1;
            if (msg->nlmsg_type == NLMSG_DONE)
                return 0;
            if (msg->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *err = NLMSG_DATA(msg);

                /* A family without rules (IPv6 disabled) is no error. */
                if (err->error == -EAFNOSUPPORT || err->error == -EOPNOTSUPP)
                    return 0;
                errno = err->error ? -err->error : EIO;
                return -1;
            }
            if (nmf_state_add_message(state, msg) != 0)
                return -1;
        }
    }
}

static void
_add_config_identity(NmfState *state, const char *config_path)
{
    struct stat st;
    char        line[PATH_MAX + 256];

    /* The identity, not the content: any write changes mtime and ctime, a
     * replacement changes the inode. */
    if (stat(config_path, &st) == 0)
        snprintf(line,
                 sizeof(line),
                 "config %s dev=%llu ino=%llu size=%lld mtime=%lld.%09ld ctime=%lld.%09ld",
                 config_path,
                 (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino,
                 (long long) st.st_size,
                 (long long) st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec,
                 (long long) st.st_ctim.tv_sec,
                 st.st_ctim.tv_nsec);
    else
        snprintf(line, sizeof(line), "config %s absent errno=%d", config_path, errno);
    nmf_state_add_line(state, line);
}

/* NetworkManager rewrites its per-device state file (replacing it) whenever it starts
 * managing, activates or re-activates a device, and when it starts. Their identities
 * stand for NetworkManager's own state, which the kernel does not show: a restart
 * that changes nothing in the kernel still reaches the full helper. */
#define NM_DEVICE_STATE_DIR "/run/NetworkManager/devices"

static void
_add_nm_device_states(NmfState *state)
{
    DIR           *dir = opendir(NM_DEVICE_STATE_DIR);
    struct dirent *entry;
    char           line[512];

    if (!dir) {
        nmf_state_add_line(state, "nm-device-state none");
        return;
    }
    while ((entry = readdir(dir))) {
        struct stat st;

        if (entry->d_name[0] == '.')
            continue;
        if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        snprintf(line,
                 sizeof(line),
                 "nm-device-state %.64s ino=%llu mtime=%lld.%09ld",
                 entry->d_name,
                 (unsigned long long) st.st_ino,
                 (long long) st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec);
        nmf_state_add_line(state, line);
    }
    closedir(dir);
}

NmfState *
nmf_state_read_kernel(const char *config_path, const char *version)
{
    static const int dumps[][2] = {
        { RTM_GETLINK, AF_UNSPEC }, { RTM_GETADDR, AF_UNSPEC }, { RTM_GETROUTE, AF_INET },
        { RTM_GETROUTE, AF_INET6 }, { RTM_GETRULE, AF_INET },   { RTM_GETRULE, AF_INET6 },
        { RTM_GETNEIGH, AF_INET },  { RTM_GETNEIGH, AF_INET6 },
    };
    struct sockaddr_nl local = { .nl_family = AF_NETLINK };
    Netlink            nl    = { .fd = -1 };
    NmfState          *state = NULL;
    int                attempt, saved;
    char               line[256];

    nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl.fd < 0 || bind(nl.fd, (struct sockaddr *) &local, sizeof(local)) != 0)
        goto fail;
    /* A table that changes during its dump is read again (a few times at most: the
     * full helper settles whatever keeps changing). */
    for (attempt = 0; attempt < 5; attempt++) {
        size_t i;

        nmf_state_free(state);
        state = nmf_state_new();
        if (!state)
            goto fail;
        nl.interrupted = 0;
        /* Routes before neighbours: the neighbour dump keeps the gateways' entries. */
        for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
            if (_dump(&nl, state, dumps[i][0], dumps[i][1]) != 0)
                goto fail;
        }
        if (!nl.interrupted)
            break;
    }
    close(nl.fd);
    _add_nm_device_states(state);
    _add_config_identity(state, config_path);
    snprintf(line, sizeof(line), "version %s", version);
    if (nmf_state_add_line(state, line) != 0) {
        nmf_state_free(state);
        errno = ENOMEM;
        return NULL;
    }
    return state;

fail:
    saved = errno;
    if (nl.fd >= 0)
        close(nl.fd);
    nmf_state_free(state);
    errno = saved;
    return NULL;
}

int
nmf_digest_compute(const char *config_path,
                   const char *version,
                   char        out_hex[NMF_DIGEST_HEX_LEN + 1])
{
    NmfState *state = nmf_state_read_kernel(config_path, version);

    if (!state)
        return -1;
    nmf_state_digest(state, out_hex);
    nmf_state_free(state);
    return 0;
}
