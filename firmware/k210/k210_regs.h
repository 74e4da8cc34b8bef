// K210 register map facts used by firmware/k210/ (offsets and bit positions from the SoC's
// documentation; the KPU block as in docs/kpu.md, "Memory and registers").
#ifndef K210_REGS_H
#define K210_REGS_H

#define K210_IN0_HZ            (26000000u)   // crystal feeding the PLLs

// --- base addresses ---
#define CLINT_BASE             (0x02000000u)
#define PLIC_BASE              (0x0C000000u)
#define UARTHS_BASE            (0x38000000u)
#define GPIOHS_BASE            (0x38001000u)
#define KPU_BASE               (0x40800000u)
#define DMAC_BASE              (0x50000000u)
#define FPIOA_BASE             (0x502B0000u)
#define DVP_BASE               (0x50430000u)
#define SYSCTL_BASE            (0x50440000u)
#define RTC_BASE               (0x50460000u)
#define SPI0_BASE              (0x52000000u)
#define SPI1_BASE              (0x53000000u)
#define SPI3_BASE              (0x54000000u)

// --- SYSCTL ---
#define SYSCTL_PLL0            (0x08u)
#define SYSCTL_PLL1            (0x0Cu)
#define SYSCTL_PLL2            (0x10u)
#define SYSCTL_PLL_LOCK        (0x18u)
#define SYSCTL_CLK_SEL0        (0x20u)
#define SYSCTL_CLK_EN_CENT     (0x28u)
#define SYSCTL_CLK_EN_PERI     (0x2Cu)
#define SYSCTL_SOFT_RESET      (0x30u)
#define SYSCTL_PERI_RESET      (0x34u)
#define SYSCTL_CLK_TH0         (0x38u)
#define SYSCTL_CLK_TH1         (0x3Cu)
#define SYSCTL_MISC            (0x54u)
#define SYSCTL_DMA_SEL0        (0x64u)
#define SYSCTL_DMA_SEL1        (0x68u)
#define SYSCTL_POWER_SEL       (0x6Cu)   // bit n: IO bank n at 1.8 V (else 3.3 V)
#define MISC_SPI_DVP_DATA_EN   (1u << 10)   // the DVP's D0-D7 pads carry SPI0's D0-D7 (LCD 8080 bus)
// PLLn register fields
#define PLL_CLKR_SHIFT         (0)    // 4 bits: reference divider - 1
#define PLL_CLKF_SHIFT         (4)    // 6 bits: feedback multiplier - 1
#define PLL_CLKOD_SHIFT        (10)   // 4 bits: output divider - 1
#define PLL_BWADJ_SHIFT        (14)   // 6 bits: bandwidth adjust (= clkf)
#define PLL_RESET              (1u << 20)
#define PLL_PWRD               (1u << 21)   // 1 = powered
#define PLL_BYPASS             (1u << 23)
#define PLL_OUT_EN             (1u << 25)
#define PLL_PARAM_MASK         (0xFFFFFu)   // clkr..bwadj
// PLL_LOCK: PLL0 locked when bits 0-1 are both set, PLL1 bit 8, PLL2 bit 16; slip clear bits
#define PLL_LOCK_SLIP_CLEAR(n) (1u << ((n) * 8 + 2))
// CLK_SEL0
#define CLK_SEL0_ACLK_PLL0     (1u << 0)           // CPU clock from PLL0 (else IN0)
#define CLK_SEL0_ACLK_DIV_SHIFT (1)                // 2 bits: aclk = pll0 / (2 << n)
#define CLK_SEL0_ACLK_DIV_MASK (3u << 1)
#define CLK_SEL0_APB1_SHIFT    (6)                 // 3 bits: APB1 = aclk / (n + 1); the DVP's bus
#define CLK_SEL0_APB1_MASK     (7u << 6)
#define CLK_SEL0_SPI3_PLL0     (1u << 12)          // SPI3 clock from PLL0 (else IN0)
// CLK_EN_CENT
#define CLK_CENT_CPU           (1u << 0)
#define CLK_CENT_SRAM0         (1u << 1)
#define CLK_CENT_SRAM1         (1u << 2)
#define CLK_CENT_APB0          (1u << 3)
#define CLK_CENT_APB1          (1u << 4)
#define CLK_CENT_APB2          (1u << 5)
// CLK_EN_PERI and PERI_RESET share bit numbers
#define PERI_DMA               (1u << 1)
#define PERI_AI                (1u << 2)
#define PERI_DVP               (1u << 3)
#define PERI_GPIO              (1u << 5)
#define PERI_SPI0              (1u << 6)
#define PERI_SPI1              (1u << 7)
#define PERI_SPI3              (1u << 9)
#define PERI_FPIOA             (1u << 20)
#define PERI_RTC               (1u << 29)

// --- RTC (calendar counter clocked from IN0) ---
#define RTC_DATE               (0x00u)   // week 2:0, day 12:8, month 19:16, year % 100 31:20
#define RTC_TIME               (0x04u)   // second 15:10, minute 21:16, hour 28:24
#define RTC_INITIAL_COUNT      (0x10u)   // IN0 cycles per second
#define RTC_REGISTER_CTRL      (0x1Cu)
#define RTC_EXTENDED           (0x28u)   // century 4:0, leap year 5
#define RTC_CTRL_READ_EN       (1u << 0)
#define RTC_CTRL_WRITE_EN      (1u << 1)
#define RTC_CTRL_TIMER_MASK    (0xFEu << 13)   // second..year writable (bit 13 reserved)
#define RTC_CTRL_ALARM_MASK    (0xFEu << 21)
#define RTC_CTRL_INITIAL_MASK  (1u << 29)
#define RTC_CTRL_INT_MASK      (1u << 30)
// CLK_TH0: ai_gclk_threshold bits 8-11 (AI clock = PLL1 / (th + 1))
#define CLK_TH0_AI_SHIFT       (8)
#define CLK_TH0_AI_MASK        (0xFu << 8)
// CLK_TH1: SPIn threshold in byte n (SPI clock = source / ((th + 1) * 2))
#define CLK_TH1_SPI_SHIFT(n)   ((n) * 8)
// DMA_SEL0/1: 6-bit request selector per DMA channel (0-4 in SEL0, 5 in SEL1)
#define DMA_SELECT_SSI3_RX_REQ (6u)
#define DMA_SELECT_AI_RX_REQ   (22u)

// --- CLINT ---
#define CLINT_MSIP(h)          (0x0000u + 4u * (h))
#define CLINT_MTIMECMP(h)      (0x4000u + 8u * (h))
#define CLINT_MTIME            (0xBFF8u)
#define K210_CLINT_DIV         (50u)   // mtime counts at CPU clock / 50

// --- PLIC ---
#define PLIC_PRIORITY(irq)     (0x000000u + 4u * (irq))
#define PLIC_ENABLE(h, irq)    (0x002000u + 0x80u * (h) + 4u * ((irq) / 32))
#define PLIC_THRESHOLD(h)      (0x200000u + 0x1000u * (h))
#define PLIC_CLAIM(h)          (0x200004u + 0x1000u * (h))
#define K210_IRQ_UARTHS        (33u)
#define K210_IRQ_AI            (25u)

// --- UARTHS (SiFive-style UART clocked by the CPU clock) ---
#define UARTHS_TXDATA          (0x00u)   // bit 31: full
#define UARTHS_RXDATA          (0x04u)   // bit 31: empty
#define UARTHS_TXCTRL          (0x08u)   // bit 0 txen, bit 1 two stop bits, bits 16-18 watermark
#define UARTHS_RXCTRL          (0x0Cu)   // bit 0 rxen, bits 16-18 watermark
#define UARTHS_IE              (0x10u)   // bit 0 txwm, bit 1 rxwm
#define UARTHS_IP              (0x14u)
#define UARTHS_DIV             (0x18u)   // baud = f_cpu / (div + 1)

// --- GPIOHS (SiFive-style GPIO) ---
#define GPIOHS_INPUT_VAL       (0x00u)
#define GPIOHS_INPUT_EN        (0x04u)
#define GPIOHS_OUTPUT_EN       (0x08u)
#define GPIOHS_OUTPUT_VAL      (0x0Cu)

// --- FPIOA: one 32-bit word per IO pad ---
#define FPIOA_IO(n)            (4u * (n))
#define FPIOA_NUM_IO           (48u)
#define FPIOA_DS_SHIFT         (8)      // 4 bits drive strength
#define FPIOA_OE_EN            (1u << 12)
#define FPIOA_OE_INV           (1u << 13)
#define FPIOA_PU               (1u << 16)
#define FPIOA_PD               (1u << 17)
#define FPIOA_IE_EN            (1u << 20)
#define FPIOA_IE_INV           (1u << 21)
#define FPIOA_SL               (1u << 19)   // slow slew
#define FPIOA_ST               (1u << 23)   // Schmitt trigger
// function numbers
#define FUNC_SPI0_D(n)         (4u + (n))   // D0..D7
#define FUNC_SPI0_SS(n)        (12u + (n))  // SS0..SS3
#define FUNC_SPI0_SCLK         (17u)        // the 8080 bus's WR strobe
#define FUNC_UARTHS_RX         (18u)
#define FUNC_UARTHS_TX         (19u)
#define FUNC_GPIOHS(n)         (24u + (n))
#define FUNC_SPI1_D0           (70u)
#define FUNC_SPI1_D1           (71u)
#define FUNC_SPI1_SCLK         (83u)
#define FUNC_CMOS_XCLK         (132u)
#define FUNC_CMOS_RST          (133u)
#define FUNC_CMOS_PWDN         (134u)
#define FUNC_CMOS_VSYNC        (135u)
#define FUNC_CMOS_HREF         (136u)
#define FUNC_CMOS_PCLK         (137u)
#define FUNC_SCCB_SCLK         (146u)
#define FUNC_SCCB_SDA          (147u)

// --- SPI (DesignWare SSI). SPI0-2 and SPI3 place the CTRLR0 fields differently. ---
#define SPI_CTRLR0             (0x00u)
#define SPI_CTRLR1             (0x04u)   // number of frames - 1 to receive (RECV/EEPROM modes)
#define SPI_SSIENR             (0x08u)
#define SPI_SER                (0x10u)
#define SPI_BAUDR              (0x14u)   // sclk = spi_clk / baudr (even, >= 2)
#define SPI_TXFTLR             (0x18u)
#define SPI_RXFTLR             (0x1Cu)
#define SPI_TXFLR              (0x20u)
#define SPI_RXFLR              (0x24u)
#define SPI_SR                 (0x28u)
#define SPI_IMR                (0x2Cu)
#define SPI_DMACR              (0x4Cu)
#define SPI_DR                 (0x60u)
#define SPI_SPI_CTRLR0         (0xF4u)
#define SPI_ENDIAN             (0x118u)
// SPI_CTRLR0 (enhanced modes): transfer type 1:0, address length 5:2 (x4 bits), instruction
// length 9:8 (0, 4, 8, 16 bits), wait cycles 15:11
#define SPI_XCTRL_ADDR_L_SHIFT (2)
#define SPI_XCTRL_INST_L_SHIFT (8)
#define SPI_XCTRL_WAIT_SHIFT   (11)
#define SPI_XCTRL_ADDR_IN_FRF  (1u)      // transfer type 1: instruction on one line, address as FRF
#define SPI_FRF_QUAD           (2u)
#define SPI_FRF_OCTAL          (3u)
#define SPI_DMARDLR            (0x54u)   // RX DMA request when the FIFO holds more than this
#define SPI_DMACR_RDMAE        (1u)
#define SPI_SR_BUSY            (1u << 0)
#define SPI_SR_TFE             (1u << 2)   // TX FIFO empty
#define SPI_FIFO_DEPTH         (32u)
#define SPI_TMOD_TRANS_RECV    (0u)
#define SPI_TMOD_TRANS         (1u)
#define SPI_TMOD_RECV          (2u)
#define SPI_TMOD_EEPROM        (3u)
// field positions: [0] = SPI0-2, [1] = SPI3
#define SPI_DFS_SHIFT(s3)      ((s3) ? 0 : 16)
#define SPI_WORK_MODE_SHIFT(s3) ((s3) ? 8 : 6)
#define SPI_TMOD_SHIFT(s3)     ((s3) ? 10 : 8)
#define SPI_FRF_SHIFT(s3)      ((s3) ? 22 : 21)

// --- DVP (camera interface) with its SCCB master ---
#define DVP_CFG                (0x00u)
#define DVP_R_ADDR             (0x04u)   // AI planes (bus addresses)
#define DVP_G_ADDR             (0x08u)
#define DVP_B_ADDR             (0x0Cu)
#define DVP_CMOS_CFG           (0x10u)
#define DVP_SCCB_CFG           (0x14u)
#define DVP_SCCB_CTL           (0x18u)
#define DVP_AXI                (0x1Cu)
#define DVP_STS                (0x20u)
#define DVP_RGB_ADDR           (0x28u)   // display frame (RGB565 or luma)
// DVP_CFG
#define DVP_CFG_START_INT      (1u << 0)
#define DVP_CFG_FINISH_INT     (1u << 1)
#define DVP_CFG_AI_OUT         (1u << 2)
#define DVP_CFG_DISPLAY_OUT    (1u << 3)
#define DVP_CFG_AUTO           (1u << 4)
#define DVP_CFG_BURST_4        (1u << 8)
#define DVP_CFG_FORMAT_MASK    (3u << 9)
#define DVP_CFG_FORMAT_RGB     (0u << 9)
#define DVP_CFG_FORMAT_YUV     (1u << 9)   // YUV422 in, RGB565 + RGB888 out
#define DVP_CFG_FORMAT_Y       (3u << 9)   // luma only
#define DVP_CFG_HREF_BURST_SHIFT (12)      // 8 bits: bursts per line
#define DVP_CFG_HREF_BURST_MASK  (0xFFu << 12)
#define DVP_CFG_LINE_NUM_SHIFT (20)        // 10 bits: lines per frame
#define DVP_CFG_LINE_NUM_MASK  (0x3FFu << 20)
// DVP_CMOS_CFG: XCLK = APB1 / ((div + 1) * 2); RESET and POWER_DOWN drive the sensor's pins
#define DVP_CMOS_CLK_DIV_MASK  (0xFFu)
#define DVP_CMOS_CLK_EN        (1u << 8)
#define DVP_CMOS_RESET         (1u << 16)  // pin level: 1 = out of reset
#define DVP_CMOS_POWER_DOWN    (1u << 24)  // pin level: 1 = powered down
// DVP_SCCB_CFG: byte count of the transaction, SCL low/high periods in APB1 cycles, read data
#define DVP_SCCB_BYTES_MASK    (3u)        // 1 = 2 bytes, 2 = 3 bytes, 3 = 4 bytes
#define DVP_SCCB_LCNT_SHIFT    (8)
#define DVP_SCCB_HCNT_SHIFT    (16)
#define DVP_SCCB_RDATA_SHIFT   (24)
// DVP_SCCB_CTL: device address 7:0 (bit 0 set = write phase), byte 1 15:8, byte 2 23:16, byte 3 31:24
#define DVP_SCCB_WRITE         (1u << 0)
// DVP_AXI: gm_mlen 7:0
#define DVP_AXI_MLEN_MASK      (0xFFu)
#define DVP_AXI_MLEN_1         (0u)
#define DVP_AXI_MLEN_4         (3u)
// DVP_STS: each flag has a write-enable bit beside it
#define DVP_STS_FRAME_START    (1u << 0)
#define DVP_STS_FRAME_START_WE (1u << 1)
#define DVP_STS_FRAME_FINISH   (1u << 8)
#define DVP_STS_FRAME_FINISH_WE (1u << 9)
#define DVP_STS_DVP_EN         (1u << 16)
#define DVP_STS_DVP_EN_WE      (1u << 17)
#define DVP_STS_SCCB_EN        (1u << 24)
#define DVP_STS_SCCB_EN_WE     (1u << 25)

// --- DMAC (DesignWare AXI DMAC, 64-bit registers) ---
#define DMAC_CFG               (0x10u)   // bit 0 dmac_en
#define DMAC_CHEN              (0x18u)   // bit n enable, bit n+8 write enable
#define DMAC_RESET             (0x58u)
#define DMAC_CH(n)             (0x100u + 0x100u * (n))
#define DMAC_CH_SAR            (0x00u)
#define DMAC_CH_DAR            (0x08u)
#define DMAC_CH_BLOCK_TS       (0x10u)   // beats - 1
#define DMAC_CH_CTL            (0x18u)
#define DMAC_CH_CFG            (0x20u)
#define DMAC_CH_INTSTATUS_EN   (0x80u)
#define DMAC_CH_INTSTATUS      (0x88u)   // bit 1: DMA transfer done
#define DMAC_CH_INTCLEAR       (0x98u)
// CTL fields
#define DMAC_CTL_DMS_MASTER2   (1ull << 2)
#define DMAC_CTL_SINC_FIXED    (1ull << 4)
#define DMAC_CTL_SRC_WIDTH(w)  ((uint64_t)(w) << 8)    // log2(bytes)
#define DMAC_CTL_DST_WIDTH(w)  ((uint64_t)(w) << 11)
#define DMAC_CTL_SRC_MSIZE(m)  ((uint64_t)(m) << 14)   // 2 = burst of 8
#define DMAC_CTL_DST_MSIZE(m)  ((uint64_t)(m) << 18)
// CFG fields
#define DMAC_CFG_TT_FC(t)      ((uint64_t)(t) << 32)   // 2 = peripheral to memory, DMAC flow control
#define DMAC_CFG_HS_SEL_DST_SW (1ull << 36)
#define DMAC_CFG_SRC_PER(p)    ((uint64_t)(p) << 39)
#define DMAC_CFG_DST_PER(p)    ((uint64_t)(p) << 44)

// --- KPU (64-bit registers) ---
#define KPU_LAYER_ARG_FIFO     (0x00u)
#define KPU_INT_STATUS         (0x08u)
#define KPU_INT_RAW            (0x10u)
#define KPU_INT_MASK           (0x18u)
#define KPU_INT_CLEAR          (0x20u)
#define KPU_FIFO_THRESHOLD     (0x28u)
#define KPU_FIFO_DATA_OUT      (0x30u)
#define KPU_FIFO_CTRL          (0x38u)
#define KPU_EIGHT_BIT_MODE     (0x40u)
#define KPU_INT_CALC_DONE      (1u << 0)

#endif
