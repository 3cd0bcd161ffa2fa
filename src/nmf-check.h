/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --check: does every local address answer ADDRESS on the link its requests
 * arrive on?  Pure module: it judges plain structs that nmf-kernel.c fills from
 * the kernel's own answers (route lookups, rp_filter), and renders the table.
 */
#ifndef NMF_CHECK_H
#define NMF_CHECK_H

#include <glib.h>

G_BEGIN_DECLS

/* A local address as the kernel lists it (loopback and IPv6 link-local skipped). */
typedef struct {
    int    family; /* AF_INET or AF_INET6 */
    int    ifindex;
    char  *iface;
    char  *address; /* text, without prefix length */
    guint8 prefix;
} NmfLocalAddress;

void nmf_local_address_free(NmfLocalAddress *addr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfLocalAddress, nmf_local_address_free)

/* The kernel's answer to one RTM_GETROUTE request (`ip route get`). */
typedef struct {
    int     error; /* 0, or the positive errno the kernel answered (ENETUNREACH, EXDEV, ...) */
    int     type;  /* RTN_UNICAST, RTN_LOCAL, ... */
    int     oif;
    char   *oif_name; /* NULL when there is no output interface */
    char   *gateway;  /* NULL for an on-link destination */
    guint32 table;
} NmfRouteAnswer;

void nmf_route_answer_clear(NmfRouteAnswer *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NmfRouteAnswer, nmf_route_answer_clear)

/* net.ipv4.conf.{all,default,IFACE}.rp_filter; -1 where unreadable. */
typedef struct {
    int all;
    int deflt;
    int iface;
} NmfRpFilter;

#define NMF_RP_FILTER_NONE (-1) /* IPv6, or unknown */

/* The value the kernel applies to IFACE: max(all, IFACE) (IN_DEV_RPFILTER). */
int nmf_rp_filter_effective(const NmfRpFilter *rp);

/* Whether a request from the target arriving on @iface passes reverse-path filtering,
 * given the kernel's reverse lookup (the reply route): strict (1) needs the reply to
 * leave by @iface, loose (2) any route back, 0 accepts everything. */
gboolean nmf_rp_filter_passes(int         rp_filter,
                              const char *iface,
                              const char *reply_iface,
                              int         reply_error);

typedef enum {
    NMF_CHECK_SYMMETRIC = 0,  /* the reply leaves by the link the request arrived on */
    NMF_CHECK_ASYMMETRIC,     /* the reply leaves by another link */
    NMF_CHECK_RP_FILTER_DROP, /* the request itself is dropped by rp_filter */
    NMF_CHECK_NO_ROUTE_BACK,  /* the kernel has no route for the reply */
    NMF_CHECK_NOT_A_PATH,     /* this link has no route towards the target: not judged */
} NmfCheckVerdict;

typedef struct {
    /* Filled by the caller. */
    int      family;
    char    *address; /* local address */
    char    *iface;
    gboolean has_route_to_target; /* a route on @iface covers the target (any table) */
    char    *reply_iface;         /* output interface of the reply lookup, NULL on error */
    int      reply_error;         /* errno of the reply lookup, 0 when it succeeded */
    int      rp_filter;           /* effective value, NMF_RP_FILTER_NONE for IPv6 */
    gboolean rp_filter_pass;      /* the request from the target arriving on @iface passes */
    gboolean is_nat;              /* NAT/management link: listed, never fails the check */

    /* Filled by nmf_check_evaluate(). */
    NmfCheckVerdict verdict;
    gboolean        counted; /* whether the verdict decides the overall result */
} NmfCheckRow;

NmfCheckRow *nmf_check_row_new(int family, const char *address, const char *iface);
void         nmf_check_row_free(NmfCheckRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfCheckRow, nmf_check_row_free)

/* Parses an IPv4 or IPv6 address; returns the family (AF_INET/AF_INET6) or 0. */
int nmf_check_parse_target(const char *text);

/* NAT/management interfaces (class "nat") of ranked uplinks, as a GPtrArray of char *. */
GPtrArray *nmf_check_nat_ifaces(GPtrArray *uplinks);

/* Sets verdict and counted on every row of @rows (NmfCheckRow *) and sorts them (counted
 * rows first, then by family, interface, address).  Returns TRUE when no counted row
 * fails.  When no link has a route towards the target at all, every link is judged (they
 * all lack a route back). */
gboolean nmf_check_evaluate(GPtrArray *rows);

/* Appends the table, a verdict line and one piece of advice.  @rows must be evaluated. */
void nmf_check_render(GString *out, const char *target, GPtrArray *rows, gboolean all_ok);

G_END_DECLS

#endif /* NMF_CHECK_H */
