// Entry point of the shared firmware, called by each board's startup code once its C runtime is up.
#ifndef K210_MAIN_H
#define K210_MAIN_H

void k210_main(void);
// 1 on a simulated board started with --maixpy: MaixPy-v1's soft reboot banner, no raw-paste.
extern int k210_maixpy_compat;

#endif
