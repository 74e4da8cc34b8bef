// The host preview's side of the lcd module (lcd_shadow() itself is declared in lcd_hw.h):
// attaching keeps a copy of the panel in a ledger block ("lcd preview") from the next draw on;
// detaching frees it. The transport that serves `k210 view` calls these.
#ifndef VISION_LCD_PREVIEW_H
#define VISION_LCD_PREVIEW_H

#include <stdbool.h>

void lcd_preview_attach(bool on);

#endif
