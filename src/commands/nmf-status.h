/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command --status [--json|--prometheus]: ranking and plan beside the kernel's default routes. */
#ifndef NMF_STATUS_H
#define NMF_STATUS_H

#include "model/nmf-options.h"

G_BEGIN_DECLS

/* NMF_EXIT_WRONG_OWNER when another interface (or none) owns the default route. */
gboolean nmf_status_run(const NmfOptions *options, NmfExit *out_status, GError **error);

G_END_DECLS

#endif /* NMF_STATUS_H */
