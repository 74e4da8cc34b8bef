/* Reset entry for the K210 boards and the QEMU virt board. The boot ROM (or qemu) has put the
 * whole image at 0x80000000 and starts every hart here: hart 0 sets up the C runtime and runs
 * the firmware, the other hart parks in wfi for good. Traps (the UART receive interrupt) run on
 * their own stack, swapped in through mscratch. */
    .section .text.init.enter, "ax"
    .globl _start
_start:
    csrw    mie, zero
    csrr    t0, mhartid
    bnez    t0, park
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack
    la      t0, __irq_stack_top
    csrw    mscratch, t0
    la      t0, trap_entry
    csrw    mtvec, t0
    li      t0, 0x2000              /* mstatus.FS = Initial: the FPU is on */
    csrs    mstatus, t0
    csrwi   fcsr, 0
    la      a0, __bss_start         /* zero .tbss and .bss (picolibc keeps errno in .tbss) */
    la      a1, __bss_end
1:  bgeu    a0, a1, 2f
    sd      zero, 0(a0)
    addi    a0, a0, 8
    j       1b
2:  la      a0, __tls_base
    call    _set_tls
    call    __libc_init_array
    call    board_start             /* never returns */
3:  wfi
    j       3b

park:
    la      sp, __hart1_stack_top
4:  wfi
    j       4b

/* Machine-mode trap: save the caller-saved integer registers on the IRQ stack and call
 * trap_handler(mcause, mepc). The handlers use no floating point. */
    .section .text.trap, "ax"
    .align  4
    .globl  trap_entry
trap_entry:
    csrrw   sp, mscratch, sp
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      a0, 32(sp)
    sd      a1, 40(sp)
    sd      a2, 48(sp)
    sd      a3, 56(sp)
    sd      a4, 64(sp)
    sd      a5, 72(sp)
    sd      a6, 80(sp)
    sd      a7, 88(sp)
    sd      t3, 96(sp)
    sd      t4, 104(sp)
    sd      t5, 112(sp)
    sd      t6, 120(sp)
    csrr    a0, mcause
    csrr    a1, mepc
    call    trap_handler
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      a0, 32(sp)
    ld      a1, 40(sp)
    ld      a2, 48(sp)
    ld      a3, 56(sp)
    ld      a4, 64(sp)
    ld      a5, 72(sp)
    ld      a6, 80(sp)
    ld      a7, 88(sp)
    ld      t3, 96(sp)
    ld      t4, 104(sp)
    ld      t5, 112(sp)
    ld      t6, 120(sp)
    addi    sp, sp, 128
    csrrw   sp, mscratch, sp
    mret
