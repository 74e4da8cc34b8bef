// K210 RTC: the calendar counter (year to second) clocked from the 26 MHz crystal. The boards
// have no backup battery, so it starts over at every power-up.
#ifndef K210_RTC_H
#define K210_RTC_H

#include <stdint.h>

typedef struct {
    uint16_t year;    // 0..3199 (the counter keeps the century in 5 bits)
    uint8_t month;    // 1..12
    uint8_t mday;     // 1..31
    uint8_t wday;     // 0..6, 0 = Monday (converted to the counter's Sunday-first week)
    uint8_t hour, minute, second;
} rtc_datetime_t;

// Clocks and resets the RTC and opens its registers for writing; call before rtc_set.
void rtc_init(void);
// Loads a date and time (validated: -EINVAL names nothing was written) and starts counting.
int rtc_set(const rtc_datetime_t *t);
// Reads the running counter consistently across a second boundary: 0, or -EIO if it is not
// running or keeps changing under the read.
int rtc_get(rtc_datetime_t *t);

#endif
