// FatFs timestamps from the board clock (packed DOS date/time, local = UTC on the board).
#include "py/runtime.h"
#include "ff.h"
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

DWORD get_fattime(void) {
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(mp_hal_time_ns() / 1000000000ull, &tm);
    if (tm.tm_year < 1980) {
        return (DWORD)(1 << 21 | 1 << 16);   // 1980-01-01: FAT cannot say earlier
    }
    return (DWORD)(tm.tm_year - 1980) << 25 | (DWORD)tm.tm_mon << 21 | (DWORD)tm.tm_mday << 16
         | (DWORD)tm.tm_hour << 11 | (DWORD)tm.tm_min << 5 | (DWORD)(tm.tm_sec / 2);
}
