#include "t4s_codecs.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void t4s_tune_allocator(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}
