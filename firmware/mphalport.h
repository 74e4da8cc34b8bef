// HAL seams every board implements (firmware/sim/ or firmware/k210/).
#include "shared/runtime/interrupt_char.h"

mp_uint_t mp_hal_ticks_ms(void);
mp_uint_t mp_hal_ticks_us(void);
mp_uint_t mp_hal_ticks_cpu(void);
void mp_hal_delay_ms(mp_uint_t ms);
void mp_hal_delay_us(mp_uint_t us);
uint64_t mp_hal_time_ns(void);

// py/mphal.h includes extmod/virtpin.h (not in the sdist) unless the port names a pin type
#define mp_hal_pin_obj_t void *
