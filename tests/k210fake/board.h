// The board the HAL tests compile the K210 drivers for (tests/hal/test_k210_hal.py).
#define BOARD_NAME          "hal-test"
#define BOARD_SD_CS_GPIOHS  (7)
