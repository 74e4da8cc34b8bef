// The simulated board: the firmware compiled for the host with a K210's memory and storage.
#define BOARD_NAME              "k210-sim"
#define BOARD_MACHINE           "Simulated K210 board (host build) with kendryte-k210"
#define BOARD_IS_SIMULATED      (1)

// The simulated board charges its 6 MiB budget as a real board's link would: the image figure is
// a Maix Bit build's .text/.rodata/.data/.bss rounded up, the stacks those of start.S.
#define BOARD_IMAGE_BYTES       (1024u * 1024u)
#define BOARD_STACK_BYTES       (64u * 1024u + 2u * 4096u)   // hart 0 + parked hart 1 + IRQ
#define BOARD_GC_HEAP_DEFAULT   (512u * 1024u)
#define BOARD_GC_HEAP_MIN       (64u * 1024u)

#define BOARD_SD_DEFAULT_BYTES  (64u * 1024u * 1024u)
#define BOARD_FLASH_BYTES       (16u * 1024u * 1024u)
#define BOARD_STACK_LIMIT       (56u * 1024u)                 // Python recursion stops 8 KiB before the hart-0 stack ends
