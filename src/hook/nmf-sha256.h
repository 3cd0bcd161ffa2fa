/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fast path: SHA-256 (FIPS 180-4), incremental, for the digest of the kernel state (libc). */
#ifndef NMF_SHA256_H
#define NMF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NMF_SHA256_HEX_LEN 64

typedef struct {
    uint32_t h[8];
    uint64_t length;
    uint8_t  block[64];
    size_t   used;
} NmfSha256;

void nmf_sha256_init(NmfSha256 *s);
void nmf_sha256_update(NmfSha256 *s, const void *data, size_t len);
void nmf_sha256_final_hex(NmfSha256 *s, char out_hex[NMF_SHA256_HEX_LEN + 1]);

/* SHA-256 of @len bytes at @data as lower-case hex. */
void nmf_sha256_hex(const void *data, size_t len, char out_hex[NMF_SHA256_HEX_LEN + 1]);

#endif /* NMF_SHA256_H */
