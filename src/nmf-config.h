/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nm-metric-fix.conf parser. Pure: it takes the file's text, the caller reads it.
 */
#ifndef NMF_CONFIG_H
#define NMF_CONFIG_H

#include "nmf-policy.h"

G_BEGIN_DECLS

/* Parse @data (the contents of @filename, used in messages only). Anything the
 * parser does not know is an error (NMF_ERROR_CONFIG, "FILE:LINE: ..."): a typo
 * must never silently change which link wins. */
NmfPolicy *nmf_config_parse(const char *filename, const char *data, gsize length, GError **error);

G_END_DECLS

#endif /* NMF_CONFIG_H */
