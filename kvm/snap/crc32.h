/*
 * crc32.h - the CRC-32 of zlib and PNG (polynomial 0xEDB88320, reflected),
 * which snapshot files carry and which names a guest image (crc32.c).
 */
#ifndef KVMSTUB_CRC32_H
#define KVMSTUB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc of len more bytes after crc (0 to start). */
uint32_t crc32__update(uint32_t crc, const void *buf, size_t len);

#endif
