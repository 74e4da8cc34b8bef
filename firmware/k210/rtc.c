// K210 RTC driver: register helpers, a setting/running mode switch and bounded waits only.
#include <errno.h>

#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"
#include "sysctl.h"
#include "rtc.h"

#define RTC_READ_TRIES (3)

static uint32_t reg(uint32_t off) {
    return mmio_read32(RTC_BASE + off);
}

static void set(uint32_t off, uint32_t v) {
    mmio_write32(RTC_BASE + off, v);
}

static void set_mode(uint32_t enable_bits) {
    mmio_update32(RTC_BASE + RTC_REGISTER_CTRL, RTC_CTRL_READ_EN | RTC_CTRL_WRITE_EN, enable_bits);
}

static int is_leap(unsigned y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m) {
    static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

void rtc_init(void) {
    sysctl_clock_enable(CLK_CENT_APB1, PERI_RTC);
    sysctl_peri_reset(PERI_RTC);
    // every field writable while in setting mode; one second = one crystal period count
    set(RTC_REGISTER_CTRL, RTC_CTRL_TIMER_MASK | RTC_CTRL_ALARM_MASK | RTC_CTRL_INITIAL_MASK | RTC_CTRL_INT_MASK);
    set_mode(RTC_CTRL_WRITE_EN);
    set(RTC_INITIAL_COUNT, K210_IN0_HZ);
    clint_delay_us(1);
    set_mode(RTC_CTRL_READ_EN);
}

int rtc_set(const rtc_datetime_t *t) {
    if (t->year > 3199 || t->month < 1 || t->month > 12 || t->mday < 1 ||
        t->mday > days_in_month(t->year, t->month) || t->wday > 6 || t->hour > 23 ||
        t->minute > 59 || t->second > 59) {
        return -EINVAL;
    }
    set_mode(RTC_CTRL_WRITE_EN);
    set(RTC_DATE, (uint32_t)(t->wday + 1) % 7 | (uint32_t)t->mday << 8 | (uint32_t)t->month << 16
        | (uint32_t)(t->year % 100) << 20);
    set(RTC_TIME, (uint32_t)t->second << 10 | (uint32_t)t->minute << 16 | (uint32_t)t->hour << 24);
    set(RTC_EXTENDED, (uint32_t)(t->year / 100) | (uint32_t)is_leap(t->year) << 5);
    // the counter samples the new values on its own 26 MHz clock: hold setting mode past one tick
    clint_delay_us(1);
    set_mode(RTC_CTRL_READ_EN);
    return 0;
}

int rtc_get(rtc_datetime_t *t) {
    if ((reg(RTC_REGISTER_CTRL) & (RTC_CTRL_READ_EN | RTC_CTRL_WRITE_EN)) != RTC_CTRL_READ_EN) {
        return -EIO;
    }
    for (int tries = 0; tries < RTC_READ_TRIES; tries++) {
        uint32_t time = reg(RTC_TIME);
        uint32_t date = reg(RTC_DATE);
        uint32_t ext = reg(RTC_EXTENDED);
        if (reg(RTC_TIME) != time) {
            continue;   // a second (maybe a day) ticked between the reads
        }
        t->second = (time >> 10) & 0x3F;
        t->minute = (time >> 16) & 0x3F;
        t->hour = (time >> 24) & 0x1F;
        t->wday = (uint8_t)(((date & 7) + 6) % 7);
        t->mday = (date >> 8) & 0x1F;
        t->month = (date >> 16) & 0xF;
        t->year = (uint16_t)((ext & 0x1F) * 100 + (date >> 20) % 100);
        if (t->month < 1 || t->month > 12 || t->mday < 1 || t->hour > 23 || t->minute > 59 || t->second > 59) {
            return -EIO;
        }
        return 0;
    }
    return -EIO;
}
