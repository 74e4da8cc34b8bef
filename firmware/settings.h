// Board settings kept on /flash and applied at the next reset (MaixPy keeps its config there too).
#ifndef K210_SETTINGS_H
#define K210_SETTINGS_H

#include <stddef.h>

#define SETTINGS_PATH "1:/machine.cfg"

size_t settings_heap_size(size_t fallback);   // the stored heap size, or fallback
int settings_set_heap_size(size_t bytes);     // 0 or -errno

#endif
