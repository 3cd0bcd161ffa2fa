/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure step: ranking - which uplink should own the default route.  Classifies each
 * uplink, applies the configuration's rules and orders them.  No I/O: unit tests and
 * fuzzers call it directly.
 */
#ifndef NMF_RANK_H
#define NMF_RANK_H

#include "decide/nmf-config.h"
#include "model/nmf-uplink.h"

G_BEGIN_DECLS

/* Sets klass, class_evidence and class_conflict of @uplink from its facts (gateway MAC,
 * link kind, DHCP server, the NAT ranges of @config) and @rule (the first rule that
 * matches it, or NULL), which decides when it names a class. */
void nmf_rank_classify_uplink(const NmfConfig *config, NmfUplink *uplink, const NmfRule *rule);

gboolean nmf_rule_matches(const NmfRule *rule, const NmfUplink *uplink);

/* Classify and rank @uplinks in place (and sort them best first). Returns TRUE when the
 * configuration wants metrics managed, FALSE when it leaves every metric alone (no NAT
 * link, or nothing better than NAT). */
gboolean nmf_rank(const NmfConfig *config, GPtrArray *uplinks);

typedef enum {
    NMF_RANK_SAME = 0,
    /* The same activations; a gateway, address, DHCP server, class or rank differs (as
     * for a moment while a Reapply restarts DHCP or router discovery). */
    NMF_RANK_OTHER_FACTS,
    /* A device activated or gone, another profile on one, or another link. */
    NMF_RANK_OTHER_UPLINKS,
} NmfRankDifference;

/* Whether ranking would decide alike from @seen (read later) as from @decided (the
 * uplinks a plan came from), both ranked (nmf_rank(), with its results @decided_managed
 * and @seen_managed): the same activated devices with the same profiles, gateways,
 * addresses, classes, ranks and wanted metrics.  What --fix itself changes (profile,
 * applied and kernel metrics) does not count.  Unless NMF_RANK_SAME, @out_why is set to
 * the first difference in words (English), to free. */
NmfRankDifference nmf_rank_inputs_difference(GPtrArray *decided,
                                             gboolean   decided_managed,
                                             GPtrArray *seen,
                                             gboolean   seen_managed,
                                             char     **out_why);

G_END_DECLS

#endif /* NMF_RANK_H */
