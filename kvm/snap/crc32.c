/*
 * crc32.c - CRC-32 (crc32.h), four bits at a time through a constant
 * table of 16: "123456789" gives 0xCBF43926, as zlib's crc32().
 */
#include "crc32.h"

static const uint32_t nibble[16] = {
	0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4, 0x4DB26158,
	0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C, 0x9B64C2B0, 0x86D3D2D4,
	0xA00AE278, 0xBDBDF21C,
};

uint32_t crc32__update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = nibble[crc & 0xF] ^ (crc >> 4);
		crc = nibble[crc & 0xF] ^ (crc >> 4);
	}
	return ~crc;
}
