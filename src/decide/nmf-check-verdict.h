/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step of --check: does every local address answer ADDRESS on the link its
 * requests arrive on?  It judges plain rows that the --check runner (nmf-check.c)
 * fills from the kernel's own answers (route lookups, rp_filter), and renders the table.
 */
#ifndef NMF_CHECK_VERDICT_H
#define NMF_CHECK_VERDICT_H

#include <glib.h>

#include "model/nmf-route.h"

G_BEGIN_DECLS

/* The value the kernel applies to IFACE: max(all, IFACE) (IN_DEV_RPFILTER). */
int nmf_rp_filter_effective(const NmfRpFilter *rp);

/* Whether a request from the target arriving on @iface passes reverse-path filtering,
 * given the kernel's reverse lookup (the reply route): strict (1) needs the reply to
 * leave by @iface, loose (2) any route back, 0 accepts everything. */
gboolean nmf_rp_filter_passes(int         rp_filter,
                              const char *iface,
                              const char *reply_iface,
                              int         reply_error);

/* Whether the request from the target arriving on @iface passes reverse-path filtering.
 * The kernel's input route lookup for the request (@request_error: 0 when it routed the
 * packet) runs the filter itself, and its answer wins: EXDEV is its rp_filter drop.
 * Recent kernels (6.18) answer a drop with EINVAL, which has other causes too, so for
 * EINVAL and any other error the reply route decides (nmf_rp_filter_passes()). */
gboolean nmf_check_request_passes(int         request_error,
                                  int         rp_filter,
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
    gboolean target_on_link;      /* the target is in this address's subnet */

    /* Filled by nmf_check_evaluate(). */
    NmfCheckVerdict verdict;
    gboolean        counted; /* whether the verdict decides the overall result */

    /* Set by --status (nmf_report_scope_replies()): wrong, but a warning, not a failure. */
    gboolean warned;
} NmfCheckRow;

NmfCheckRow *nmf_check_row_new(int family, const char *address, const char *iface);
void         nmf_check_row_free(NmfCheckRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NmfCheckRow, nmf_check_row_free)

/* Whether @target lies in @address/@prefix (both text of @family). */
gboolean nmf_check_in_subnet(int family, const char *address, guint prefix, const char *target);

/* A NAT row whose reply would leave by another link, for a target off the NAT link's
 * subnet: the target reaches a NAT address only through the host's NAT, so no request
 * arrives there and nothing is asymmetric.  Not judged. */
gboolean nmf_check_row_nat_unreached(const NmfCheckRow *row);

/* Parses an IPv4 or IPv6 address; returns the family (AF_INET/AF_INET6) or 0. */
int nmf_check_parse_target(const char *text);

/* Why @text cannot be a --check/--observe target (a unicast peer), in English, or NULL
 * when it can: not an address, unspecified, loopback, broadcast or multicast. */
const char *nmf_check_target_refusal(const char *text);

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

#endif /* NMF_CHECK_VERDICT_H */
