/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Model: the command line as main.c parsed it, and the shape of a command. */
#ifndef NMF_OPTIONS_H
#define NMF_OPTIONS_H

#include "model/nmf-common.h"

G_BEGIN_DECLS

#define NMF_OBSERVE_DEFAULT_SECONDS 5
#define NMF_OBSERVE_MAX_SECONDS     3600

/* --seconds not given (any number given, 0 and negatives too, is checked). */
#define NMF_SECONDS_UNSET G_MININT

typedef struct {
    gboolean fix;
    gboolean status;
    gboolean revert;
    char    *skip;
    char    *unskip;
    char    *config;
    gboolean dry_run;
    gboolean version;
    gboolean verbose;
    gboolean quiet;
    char    *event;
    char    *check;
    char    *observe;
    int      seconds; /* NMF_SECONDS_UNSET unless --seconds was given */
    gboolean json;
    gboolean prometheus;
} NmfOptions;

/* A command: on success sets *out_status (0, or its own verdict status such as
 * NMF_EXIT_WRONG_OWNER); on failure sets @error and main.c maps it to the status. */
typedef gboolean (*NmfCommandFunc)(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_OPTIONS_H */
