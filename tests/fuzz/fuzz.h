/*
 * fuzz.h - the fuzz targets' entry points.  Each takes one input, runs it
 * and returns 0; a bug shows as a crash or a sanitizer report.  libFuzzer
 * calls them through LLVMFuzzerTestOneInput (built with -DKVMSTUB_LIBFUZZER);
 * replay.c calls them on the saved inputs without libFuzzer, in make test.
 */
#ifndef KVMSTUB_FUZZ_H
#define KVMSTUB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The whole session: bytes -> decoder -> packet table -> handlers -> fake target. */
int fuzz_session__one(const uint8_t *data, size_t size);
/* The decoder alone, with a round trip through rsp__frame. */
int fuzz_rsp__one(const uint8_t *data, size_t size);

#ifdef KVMSTUB_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

#endif
