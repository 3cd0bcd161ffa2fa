/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the nmf-digest library: SHA-256, state directory checks, canonical state, stored
 * digest. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "hook/nmf-digest.h"
#include "hook/nmf-statedir.h"

/*****************************************************************************/
/* SHA-256: the FIPS 180-4 examples */

static void
test_sha256(void)
{
    char              hex[NMF_DIGEST_HEX_LEN + 1];
    g_autofree char  *million      = g_strnfill(1000000, 'a');
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    nmf_sha256_hex("", 0, hex);
    g_assert_cmpstr(hex, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    nmf_sha256_hex("abc", 3, hex);
    g_assert_cmpstr(hex, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    nmf_sha256_hex(two_blocks, strlen(two_blocks), hex);
    g_assert_cmpstr(hex, ==, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    nmf_sha256_hex(million, 1000000, hex);
    g_assert_cmpstr(hex, ==, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/*****************************************************************************/
/* State directory */

static struct stat
_stat_of(mode_t mode, uid_t uid)
{
    struct stat st;

    memset(&st, 0, sizeof(st));
    st.st_mode = mode;
    st.st_uid  = uid;
    return st;
}

static void
test_statedir_judge(void)
{
    struct stat st;

    st = _stat_of(S_IFDIR | 0700, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_OK);
    st = _stat_of(S_IFDIR | 0755, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_OK);
    st = _stat_of(S_IFDIR | 0700, 1000);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_WRONG_OWNER);
    st = _stat_of(S_IFDIR | 0777, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_WRITABLE);
    st = _stat_of(S_IFDIR | 0770, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_WRITABLE);
    st = _stat_of(S_IFDIR | 01777, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_WRITABLE);
    st = _stat_of(S_IFLNK | 0777, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_SYMLINK);
    st = _stat_of(S_IFREG | 0600, 0);
    g_assert_cmpint(nmf_statedir_judge(&st, 0), ==, NMF_STATEDIR_NOT_DIRECTORY);
}

typedef struct {
    char *tmp;
    char *victim; /* a file an attacker would like root to truncate */
} Dirs;

static void
_dirs_setup(Dirs *d, gconstpointer data)
{
    d->tmp    = g_dir_make_tmp("nmf-digest-XXXXXX", NULL);
    d->victim = g_build_filename(d->tmp, "victim", NULL);
    g_assert_nonnull(d->tmp);
    g_assert_true(g_file_set_contents(d->victim, "precious\n", -1, NULL));
}

static void
_dirs_teardown(Dirs *d, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", d->tmp);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(d->tmp);
    g_free(d->victim);
}

static void
_assert_victim_untouched(Dirs *d)
{
    g_autofree char *contents = NULL;

    g_assert_true(g_file_get_contents(d->victim, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "precious\n");
}

static void
test_statedir_create(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    char             why[512] = "";
    struct stat      st;
    int              fd;

    umask(022);
    fd = nmf_statedir_open(state, getuid(), 1, why, sizeof(why));
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(stat(state, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0700);
    close(fd);
    /* An existing safe directory is taken as it is. */
    fd = nmf_statedir_open(state, getuid(), 1, why, sizeof(why));
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    /* Absent and not to be created. */
    g_assert_cmpint(g_rmdir(state), ==, 0);
    g_assert_cmpint(nmf_statedir_open(state, getuid(), 0, why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "cannot open"));
}

static void
test_statedir_symlink(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    g_autofree char *target   = g_build_filename(d->tmp, "elsewhere", NULL);
    char             why[512] = "";

    g_assert_cmpint(g_mkdir(target, 0700), ==, 0);
    g_assert_cmpint(symlink(target, state), ==, 0);
    g_assert_cmpint(nmf_statedir_open(state, getuid(), 1, why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "symbolic link"));
}

static void
test_statedir_writable(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    g_autofree char *pending  = g_build_filename(state, NMF_STATE_PENDING, NULL);
    char             why[512] = "";

    g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
    g_assert_cmpint(chmod(state, 0777), ==, 0);
    g_assert_cmpint(symlink(d->victim, pending), ==, 0);
    g_assert_cmpint(nmf_statedir_open(state, getuid(), 1, why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "writable by group or others"));
    g_assert_nonnull(strstr(why, "0777"));
    _assert_victim_untouched(d);
}

static void
test_statedir_owner(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    char             why[512] = "";

    g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
    /* Owned by the caller, asked for another owner: the same check as a directory of
     * another user's, without needing root to chown. */
    g_assert_cmpint(nmf_statedir_open(state, getuid() + 1, 1, why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "owned by uid"));
}

/* A file in a safe directory (the pause file of --revert, the pending mark): written
 * when absent or regular, refused without writing through a symbolic link or into a
 * FIFO. */
static void
test_statedir_file(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    g_autofree char *paused   = g_build_filename(state, NMF_STATE_PAUSED, NULL);
    g_autofree char *contents = NULL;
    char             why[512] = "";
    int              fd;

    fd = nmf_statedir_open(state, getuid(), 1, why, sizeof(why));
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(nmf_statedir_has_file(fd, NMF_STATE_PAUSED));
    g_assert_cmpint(nmf_statedir_check_file(fd, state, NMF_STATE_PAUSED, why, sizeof(why)), ==, 0);
    g_assert_cmpint(
      nmf_statedir_write_file(fd, state, NMF_STATE_PAUSED, "first, longer\n", why, sizeof(why)),
      ==,
      0);
    g_assert_cmpint(
      nmf_statedir_write_file(fd, state, NMF_STATE_PAUSED, "second\n", why, sizeof(why)), ==, 0);
    g_assert_true(g_file_get_contents(paused, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "second\n");
    g_assert_true(nmf_statedir_has_file(fd, NMF_STATE_PAUSED));
    g_assert_cmpint(nmf_statedir_check_file(fd, state, NMF_STATE_PAUSED, why, sizeof(why)), ==, 0);

    g_assert_cmpint(g_unlink(paused), ==, 0);
    g_assert_cmpint(symlink(d->victim, paused), ==, 0);
    g_assert_true(nmf_statedir_has_file(fd, NMF_STATE_PAUSED));
    g_assert_cmpint(nmf_statedir_check_file(fd, state, NMF_STATE_PAUSED, why, sizeof(why)), ==, -1);
    g_assert_cmpint(errno, ==, ELOOP);
    g_assert_nonnull(strstr(why, paused));
    g_assert_nonnull(strstr(why, "symbolic link"));
    why[0] = '\0';
    g_assert_cmpint(
      nmf_statedir_write_file(fd, state, NMF_STATE_PAUSED, "x\n", why, sizeof(why)), ==, -1);
    g_assert_cmpint(errno, ==, ELOOP);
    g_assert_nonnull(strstr(why, paused));
    _assert_victim_untouched(d);

    g_assert_cmpint(g_unlink(paused), ==, 0);
    g_assert_cmpint(mkfifo(paused, 0600), ==, 0);
    g_assert_cmpint(nmf_statedir_check_file(fd, state, NMF_STATE_PAUSED, why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "not a regular file"));
    g_assert_cmpint(
      nmf_statedir_write_file(fd, state, NMF_STATE_PAUSED, "x\n", why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, "not a regular file"));
    close(fd);
}

/* The pause file of --revert: set, seen, ended; an absent directory pauses nothing,
 * an unsafe one neither (and says why); a planted link is never written through. */
static void
test_pause_file(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    g_autofree char *paused   = g_build_filename(state, NMF_STATE_PAUSED, NULL);
    g_autofree char *contents = NULL;
    char             why[512] = "x";
    int              fd;

    g_assert_false(nmf_pause_is_set(state, getuid(), why, sizeof(why)));
    g_assert_cmpstr(why, ==, "");
    g_assert_cmpint(nmf_pause_end(state, getuid(), why, sizeof(why)), ==, 0);

    fd = nmf_pause_prepare(state, getuid(), why, sizeof(why));
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(nmf_pause_is_set(state, getuid(), why, sizeof(why)));
    g_assert_cmpint(nmf_pause_write(fd, state, why, sizeof(why)), ==, 0);
    close(fd);
    g_assert_true(nmf_pause_is_set(state, getuid(), why, sizeof(why)));
    g_assert_true(g_file_get_contents(paused, &contents, NULL, NULL));
    g_assert_nonnull(strstr(contents, "'nm-metric-fix --fix' resumes it"));
    /* Another owner's directory pauses nothing and says why. */
    g_assert_false(nmf_pause_is_set(state, getuid() + 1, why, sizeof(why)));
    g_assert_nonnull(strstr(why, "refusing state directory"));

    g_assert_cmpint(nmf_pause_end(state, getuid(), why, sizeof(why)), ==, 0);
    g_assert_false(nmf_pause_is_set(state, getuid(), why, sizeof(why)));
    g_assert_true(g_file_test(state, G_FILE_TEST_IS_DIR));

    /* A link planted as the pause file: prepare refuses, the victim is untouched. */
    g_assert_cmpint(symlink(d->victim, paused), ==, 0);
    g_assert_cmpint(nmf_pause_prepare(state, getuid(), why, sizeof(why)), ==, -1);
    g_assert_nonnull(strstr(why, paused));
    /* Ending the pause removes the link itself, not its target. */
    g_assert_cmpint(nmf_pause_end(state, getuid(), why, sizeof(why)), ==, 0);
    g_assert_false(g_file_test(paused, G_FILE_TEST_IS_SYMLINK));
    g_assert_true(g_file_test(d->victim, G_FILE_TEST_EXISTS));
}

/*****************************************************************************/
/* The stored digest */

static void
test_digest_store(Dirs *d, gconstpointer data)
{
    g_autofree char *state    = g_build_filename(d->tmp, "state", NULL);
    g_autofree char *verified = g_build_filename(state, NMF_STATE_DIGEST, NULL);
    char             hex[NMF_DIGEST_HEX_LEN + 1], back[NMF_DIGEST_HEX_LEN + 1];
    char             why[512];
    int              fd;

    fd = nmf_statedir_open(state, getuid(), 1, why, sizeof(why));
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(nmf_digest_read(fd, back), ==, -1);
    nmf_sha256_hex("x", 1, hex);
    g_assert_cmpint(nmf_digest_write(fd, hex), ==, 0);
    g_assert_cmpint(nmf_digest_read(fd, back), ==, 0);
    g_assert_cmpstr(back, ==, hex);
    g_assert_cmpint(nmf_digest_remove(fd), ==, 0);
    g_assert_cmpint(nmf_digest_read(fd, back), ==, -1);
    g_assert_cmpint(nmf_digest_remove(fd), ==, 0);

    /* Garbage is no digest. */
    g_assert_true(g_file_set_contents(verified, "not a digest\n", -1, NULL));
    g_assert_cmpint(nmf_digest_read(fd, back), ==, -1);

    /* A symbolic link as the digest is neither followed on reading nor written
     * through: the new digest replaces the link. */
    g_assert_cmpint(g_unlink(verified), ==, 0);
    g_assert_cmpint(symlink(d->victim, verified), ==, 0);
    g_assert_cmpint(nmf_digest_read(fd, back), ==, -1);
    g_assert_cmpint(nmf_digest_write(fd, hex), ==, 0);
    _assert_victim_untouched(d);
    g_assert_cmpint(nmf_digest_read(fd, back), ==, 0);
    close(fd);
}

/*****************************************************************************/
/* Canonical state: synthetic netlink messages */

typedef struct {
    union {
        struct nlmsghdr hdr;
        char            bytes[1024];
    };
} Msg;

static void *
_msg_init(Msg *m, int type, size_t body)
{
    memset(m, 0, sizeof(*m));
    m->hdr.nlmsg_type = (uint16_t) type;
    m->hdr.nlmsg_len  = NLMSG_LENGTH(body);
    return NLMSG_DATA(&m->hdr);
}

static void
_msg_attr(Msg *m, int type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *) (m->bytes + NLMSG_ALIGN(m->hdr.nlmsg_len));

    rta->rta_type = (uint16_t) type;
    rta->rta_len  = (uint16_t) RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    m->hdr.nlmsg_len = NLMSG_ALIGN(m->hdr.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void
_msg_attr_u32(Msg *m, int type, uint32_t v)
{
    _msg_attr(m, type, &v, sizeof(v));
}

static void
_msg_attr_in4(Msg *m, int type, const char *addr)
{
    struct in_addr a;

    g_assert_cmpint(inet_pton(AF_INET, addr, &a), ==, 1);
    _msg_attr(m, type, &a, sizeof(a));
}

typedef struct {
    int         ifindex;
    const char *gateway;
    uint32_t    metric;
    uint32_t    table;
    int         dst_len;
    uint32_t    expires; /* 0: no RTA_EXPIRES */
    int         cloned;
} Route;

static void
_route_msg(Msg *m, const Route *r)
{
    struct rtmsg *rtm = _msg_init(m, RTM_NEWROUTE, sizeof(struct rtmsg));

    rtm->rtm_family   = AF_INET;
    rtm->rtm_dst_len  = (unsigned char) r->dst_len;
    rtm->rtm_table    = r->table < 256 ? (unsigned char) r->table : RT_TABLE_UNSPEC;
    rtm->rtm_protocol = RTPROT_DHCP;
    rtm->rtm_type     = RTN_UNICAST;
    rtm->rtm_flags    = r->cloned ? RTM_F_CLONED : 0;
    _msg_attr_u32(m, RTA_TABLE, r->table);
    if (r->dst_len)
        _msg_attr_in4(m, RTA_DST, "10.1.0.0");
    _msg_attr_u32(m, RTA_OIF, (uint32_t) r->ifindex);
    if (r->gateway)
        _msg_attr_in4(m, RTA_GATEWAY, r->gateway);
    _msg_attr_u32(m, RTA_PRIORITY, r->metric);
    if (r->expires)
        _msg_attr_u32(m, RTA_EXPIRES, r->expires);
}

static void
_address_msg(Msg *m, int ifindex, const char *addr, uint32_t valid_lft, uint32_t created)
{
    struct ifaddrmsg    *ifa = _msg_init(m, RTM_NEWADDR, sizeof(struct ifaddrmsg));
    struct ifa_cacheinfo ci  = { .ifa_prefered = valid_lft,
                                 .ifa_valid    = valid_lft,
                                 .cstamp       = created,
                                 .tstamp       = created + valid_lft };

    ifa->ifa_family    = AF_INET;
    ifa->ifa_prefixlen = 24;
    ifa->ifa_index     = (uint32_t) ifindex;
    _msg_attr_in4(m, IFA_LOCAL, addr);
    _msg_attr_in4(m, IFA_ADDRESS, addr);
    _msg_attr(m, IFA_CACHEINFO, &ci, sizeof(ci));
}

static void
_neighbour_msg(Msg *m, int ifindex, const char *addr, const char *mac, uint16_t state)
{
    struct ndmsg *ndm = _msg_init(m, RTM_NEWNEIGH, sizeof(struct ndmsg));
    guint8        ll[6];

    ndm->ndm_family  = AF_INET;
    ndm->ndm_ifindex = ifindex;
    ndm->ndm_state   = state;
    _msg_attr_in4(m, NDA_DST, addr);
    g_assert_cmpint(
      sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &ll[0], &ll[1], &ll[2], &ll[3], &ll[4], &ll[5]),
      ==,
      6);
    _msg_attr(m, NDA_LLADDR, ll, sizeof(ll));
}

/* The digest of a state made of @n messages. */
static char *
_digest_of(Msg *msgs, guint n)
{
    NmfState *state = nmf_state_new();
    char      hex[NMF_DIGEST_HEX_LEN + 1];
    guint     i;

    for (i = 0; i < n; i++)
        g_assert_cmpint(nmf_state_add_message(state, &msgs[i].hdr), ==, 0);
    nmf_state_digest(state, hex);
    nmf_state_free(state);
    return g_strdup(hex);
}

static char *
_text_of(Msg *msgs, guint n)
{
    NmfState *state = nmf_state_new();
    char      hex[NMF_DIGEST_HEX_LEN + 1];
    char      path[] = "/tmp/nmf-state-XXXXXX";
    char     *text   = NULL;
    int       fd     = mkstemp(path);
    guint     i;

    g_assert_cmpint(fd, >=, 0);
    for (i = 0; i < n; i++)
        g_assert_cmpint(nmf_state_add_message(state, &msgs[i].hdr), ==, 0);
    nmf_state_digest(state, hex);
    nmf_state_write_text(state, fd);
    close(fd);
    nmf_state_free(state);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_unlink(path);
    return text;
}

static const Route nat = { .ifindex = 2, .gateway = "192.168.122.1", .metric = 101, .table = 254 };
static const Route lan = { .ifindex = 3, .gateway = "10.66.61.254", .metric = 100, .table = 254 };

static void
test_state_routes(void)
{
    Msg              m[4];
    g_autofree char *base = NULL, *swapped = NULL, *other_metric = NULL, *with_extra = NULL;
    g_autofree char *text = NULL;
    Route            r;

    _route_msg(&m[0], &nat);
    _route_msg(&m[1], &lan);
    base = _digest_of(m, 2);
    text = _text_of(m, 2);
    g_assert_cmpstr(text,
                    ==,
                    "route 2 table=254 dst=-/0 type=1 proto=16 scope=0 tos=0 dev=2 "
                    "via=192.168.122.1 metric=101 src=-\n"
                    "route 2 table=254 dst=-/0 type=1 proto=16 scope=0 tos=0 dev=3 "
                    "via=10.66.61.254 metric=100 src=-\n");

    /* Order of the dump does not matter. */
    _route_msg(&m[0], &lan);
    _route_msg(&m[1], &nat);
    swapped = _digest_of(m, 2);
    g_assert_cmpstr(base, ==, swapped);

    /* A metric does. */
    r        = nat;
    r.metric = 99;
    _route_msg(&m[1], &r);
    other_metric = _digest_of(m, 2);
    g_assert_cmpstr(base, !=, other_metric);

    /* Routes that do not decide the default route are left out: a non-default route
     * in main, any route in another table, a cached clone. */
    _route_msg(&m[1], &nat);
    r         = lan;
    r.dst_len = 16;
    _route_msg(&m[2], &r);
    r       = lan;
    r.table = 100;
    _route_msg(&m[3], &r);
    with_extra = _digest_of(m, 4);
    g_assert_cmpstr(base, ==, with_extra);
    g_free(with_extra);
    r        = nat;
    r.cloned = 1;
    r.metric = 5;
    _route_msg(&m[2], &r);
    with_extra = _digest_of(m, 3);
    g_assert_cmpstr(base, ==, with_extra);

    /* Every route in the product's policy tables counts, default or not. */
    g_free(with_extra);
    r         = lan;
    r.table   = NMF_DIGEST_TABLE_FIRST + 1;
    r.dst_len = 16;
    _route_msg(&m[2], &r);
    with_extra = _digest_of(m, 3);
    g_assert_cmpstr(base, !=, with_extra);
}

static void
test_state_route_expiry(void)
{
    Msg              m[1];
    g_autofree char *a = NULL, *b = NULL;
    Route            r = lan;

    /* An RA default route's remaining lifetime changes every second. */
    r.expires = 1800;
    _route_msg(&m[0], &r);
    a         = _digest_of(m, 1);
    r.expires = 1200;
    _route_msg(&m[0], &r);
    b = _digest_of(m, 1);
    g_assert_cmpstr(a, ==, b);
}

static void
test_state_addresses(void)
{
    Msg              m[1];
    g_autofree char *a = NULL, *renewed = NULL, *readded = NULL, *changed = NULL;

    _address_msg(&m[0], 3, "10.66.60.236", 3600, 1000);
    a = _digest_of(m, 1);
    /* A renewal of the same lease: new lifetimes, same creation stamp. */
    _address_msg(&m[0], 3, "10.66.60.236", 1800, 1000);
    renewed = _digest_of(m, 1);
    g_assert_cmpstr(a, ==, renewed);
    /* Removed and added again (profile re-activated): a new creation stamp. */
    _address_msg(&m[0], 3, "10.66.60.236", 3600, 5000);
    readded = _digest_of(m, 1);
    g_assert_cmpstr(a, !=, readded);
    /* A new address at renewal. */
    _address_msg(&m[0], 3, "10.66.60.237", 3600, 1000);
    changed = _digest_of(m, 1);
    g_assert_cmpstr(a, !=, changed);
}

static void
test_state_neighbours(void)
{
    Msg              m[3];
    g_autofree char *none = NULL, *known = NULL, *stale = NULL, *other_mac = NULL;
    g_autofree char *failed = NULL, *not_gateway = NULL;

    /* Neighbours are matched against the gateways of routes added before them (the
     * dumps run routes first). */
    _route_msg(&m[0], &nat);
    none = _digest_of(m, 1);
    _neighbour_msg(&m[1], 2, "192.168.122.1", "52:54:00:aa:bb:cc", NUD_REACHABLE);
    known = _digest_of(m, 2);
    g_assert_cmpstr(none, !=, known);
    /* Reachability comes and goes: same link-layer address, same state. */
    _neighbour_msg(&m[1], 2, "192.168.122.1", "52:54:00:aa:bb:cc", NUD_STALE);
    stale = _digest_of(m, 2);
    g_assert_cmpstr(known, ==, stale);
    /* Another host answers for the gateway. */
    _neighbour_msg(&m[1], 2, "192.168.122.1", "52:54:00:aa:bb:cd", NUD_REACHABLE);
    other_mac = _digest_of(m, 2);
    g_assert_cmpstr(known, !=, other_mac);
    /* An unresolved entry is no link-layer address. */
    _neighbour_msg(&m[1], 2, "192.168.122.1", "00:00:00:00:00:00", NUD_FAILED);
    failed = _digest_of(m, 2);
    g_assert_cmpstr(none, ==, failed);
    /* Other neighbours do not count. */
    _neighbour_msg(&m[1], 2, "192.168.122.1", "52:54:00:aa:bb:cc", NUD_REACHABLE);
    _neighbour_msg(&m[2], 2, "192.168.122.50", "52:54:00:00:00:50", NUD_REACHABLE);
    not_gateway = _digest_of(m, 3);
    g_assert_cmpstr(known, ==, not_gateway);
}

static void
test_state_links(void)
{
    Msg               m[1];
    struct ifinfomsg *ifi;
    g_autofree char  *up = NULL, *down = NULL, *promisc = NULL, *text = NULL;
    static const char name[] = "eth1";

    ifi            = _msg_init(&m[0], RTM_NEWLINK, sizeof(struct ifinfomsg));
    ifi->ifi_index = 3;
    ifi->ifi_type  = 1;
    ifi->ifi_flags = IFF_UP | 0x10000 /* IFF_LOWER_UP */;
    _msg_attr(&m[0], IFLA_IFNAME, name, sizeof(name));
    up   = _digest_of(m, 1);
    text = _text_of(m, 1);
    g_assert_cmpstr(text, ==, "link 3 name=eth1 kind=- type=1 up=1 carrier=1 mac=- master=0\n");
    ifi            = NLMSG_DATA(&m[0].hdr);
    ifi->ifi_flags = IFF_UP | 0x10000 | IFF_PROMISC;
    promisc        = _digest_of(m, 1);
    g_assert_cmpstr(up, ==, promisc);
    ifi->ifi_flags = IFF_UP;
    down           = _digest_of(m, 1);
    g_assert_cmpstr(up, !=, down);
}

static void
test_state_lines(void)
{
    NmfState *a = nmf_state_new(), *b = nmf_state_new();
    char      ha[NMF_DIGEST_HEX_LEN + 1], hb[NMF_DIGEST_HEX_LEN + 1];

    /* The configuration's identity and the version are lines like the others. */
    nmf_state_add_line(a, "config /etc/nm-metric-fix.conf absent errno=2");
    nmf_state_add_line(a, "version 0.1.0");
    nmf_state_add_line(b, "config /etc/nm-metric-fix.conf absent errno=2");
    nmf_state_add_line(b, "version 0.1.1");
    nmf_state_digest(a, ha);
    nmf_state_digest(b, hb);
    g_assert_cmpstr(ha, !=, hb);
    nmf_state_free(a);
    nmf_state_free(b);
}

static void
test_retry_delays(void)
{
    static const unsigned expected[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
    unsigned              i, total = 0;

    for (i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_cmpuint(nmf_retry_delay_ms(i + 1), ==, expected[i]);
    for (i = 1; i <= NMF_RETRY_MAX; i++)
        total += nmf_retry_delay_ms(i);
    /* Bounded: the retries of one failure end within ten minutes. */
    g_assert_cmpuint(total, <=, 600000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/digest/sha256", test_sha256);
    g_test_add_func("/statedir/judge", test_statedir_judge);
    g_test_add("/statedir/create", Dirs, NULL, _dirs_setup, test_statedir_create, _dirs_teardown);
    g_test_add("/statedir/symlink", Dirs, NULL, _dirs_setup, test_statedir_symlink, _dirs_teardown);
    g_test_add(
      "/statedir/writable", Dirs, NULL, _dirs_setup, test_statedir_writable, _dirs_teardown);
    g_test_add("/statedir/owner", Dirs, NULL, _dirs_setup, test_statedir_owner, _dirs_teardown);
    g_test_add("/statedir/file", Dirs, NULL, _dirs_setup, test_statedir_file, _dirs_teardown);
    g_test_add("/statedir/pause", Dirs, NULL, _dirs_setup, test_pause_file, _dirs_teardown);
    g_test_add("/digest/store", Dirs, NULL, _dirs_setup, test_digest_store, _dirs_teardown);
    g_test_add_func("/state/routes", test_state_routes);
    g_test_add_func("/state/route-expiry", test_state_route_expiry);
    g_test_add_func("/state/addresses", test_state_addresses);
    g_test_add_func("/state/neighbours", test_state_neighbours);
    g_test_add_func("/state/links", test_state_links);
    g_test_add_func("/state/lines", test_state_lines);
    g_test_add_func("/retry/delays", test_retry_delays);
    return g_test_run();
}
