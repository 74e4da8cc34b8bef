// Compiler and backtracking matcher for re_engine.h. Instructions are 16-bit words; jumps are
// relative, so a compiled fragment can be moved or copied (x+ is compiled as x x*). A loop whose
// body matched nothing (MARK/CHECK) raises RuntimeError, as upstream's re1.5 does when such a loop
// recurses until its stack check fires; its code-size limits are checked too (see upc below), so a
// script sees the same errors for the same patterns.
#include <string.h>

#include "py/runtime.h"

#include "re_engine.h"

enum {
    OP_CHAR,     // c
    OP_ANY,      // any byte but '\n'
    OP_SET,      // 16 words: a 256-bit membership bitmap
    OP_SPLIT,    // off: try the next instruction first, then pc + off
    OP_RSPLIT,   // off: try pc + off first, then the next instruction (non-greedy)
    OP_JMP,      // off
    OP_SAVE,     // n: caps[n] = sp
    OP_MARK,     // k: loop register k = sp
    OP_CHECK,    // k: fail if sp == loop register k (the iteration matched nothing)
    OP_BOL,
    OP_EOL,
    OP_MATCH,
};

#define SET_WORDS (16)

typedef struct {
    const char *p, *start, *end;
    re_prog_t *prog;
    const char *err;
    int depth;
    long upc;    // the byte length upstream's re1.5 would have emitted so far: its jumps, set
                 // sizes and group numbers are signed bytes, and patterns beyond them are refused
} re_parser_t;

// re1.5 stores these values in a signed byte; beyond it it refuses the pattern.
static bool upstream_fits(re_parser_t *ps, long v, const char *what) {
    if (v < -128 || v > 127) {
        ps->err = what;
        return false;
    }
    return true;
}

static void emit(re_prog_t *prog, uint16_t w) {
    if (prog->len == prog->alloc) {
        size_t n = prog->alloc ? prog->alloc * 2 : 32;
        prog->code = m_renew(uint16_t, prog->code, prog->alloc, n);
        prog->alloc = n;
    }
    prog->code[prog->len++] = w;
}

// Inserts n words at position at (room for a prefix instruction).
static void insert_gap(re_prog_t *prog, size_t at, size_t n) {
    for (size_t i = 0; i < n; i++) {
        emit(prog, 0);
    }
    memmove(prog->code + at + n, prog->code + at, (prog->len - n - at) * sizeof(uint16_t));
}

static bool set_offset(re_parser_t *ps, size_t at, long off) {
    if (off < -32768 || off > 32767) {
        ps->err = "pattern too large (a jump exceeds 32767 words)";
        return false;
    }
    ps->prog->code[at] = (uint16_t)(int16_t)off;
    return true;
}

static void set_add_range(uint16_t *bm, unsigned lo, unsigned hi) {
    for (unsigned c = lo; c <= hi; c++) {
        bm[c >> 4] |= (uint16_t)(1u << (c & 15));
    }
}

// \d \w \s and their negations into bm; returns false if c names no class.
static bool set_add_named(uint16_t *bm, char c) {
    uint16_t tmp[SET_WORDS] = { 0 };
    char lc = c | 0x20;
    if (lc == 'd') {
        set_add_range(tmp, '0', '9');
    } else if (lc == 'w') {
        set_add_range(tmp, '0', '9');
        set_add_range(tmp, 'a', 'z');
        set_add_range(tmp, 'A', 'Z');
        set_add_range(tmp, '_', '_');
    } else if (lc == 's') {
        set_add_range(tmp, '\t', '\r');   // \t \n \v \f \r
        set_add_range(tmp, ' ', ' ');
    } else {
        return false;
    }
    bool negate = c >= 'A' && c <= 'Z';
    for (int i = 0; i < SET_WORDS; i++) {
        bm[i] |= negate ? (uint16_t)~tmp[i] : tmp[i];
    }
    return true;
}

static char escape_char(char c) {
    switch (c) {
        case 'n': return '\n';
        case 't': return '\t';
        case 'r': return '\r';
        case 'f': return '\f';
        case 'v': return '\v';
        default: return c;   // \. \\ \- \] ... stand for themselves
    }
}

static void emit_set(re_prog_t *prog, const uint16_t *bm) {
    emit(prog, OP_SET);
    for (int i = 0; i < SET_WORDS; i++) {
        emit(prog, bm[i]);
    }
}

static bool parse_set(re_parser_t *ps) {
    uint16_t bm[SET_WORDS] = { 0 };
    bool negate = ps->p < ps->end && *ps->p == '^';
    if (negate) {
        ps->p++;
    }
    bool first = true;
    long items = 0;
    for (;;) {
        if (ps->p >= ps->end) {
            ps->err = "unterminated character set: missing ']'";
            return false;
        }
        char c = *ps->p++;
        if (c == ']' && !first) {
            break;
        }
        first = false;
        items++;
        if (c == '\\') {
            if (ps->p >= ps->end) {
                ps->err = "pattern ends after '\\'";
                return false;
            }
            c = *ps->p++;
            if (set_add_named(bm, c)) {
                continue;
            }
            c = escape_char(c);
        }
        unsigned lo = (unsigned char)c, hi = lo;
        if (ps->p + 1 < ps->end && ps->p[0] == '-' && ps->p[1] != ']') {
            ps->p++;
            char h = *ps->p++;
            if (h == '\\' && ps->p < ps->end) {
                h = escape_char(*ps->p++);
            }
            hi = (unsigned char)h;
            if (hi < lo) {
                ps->err = "bad character range in set (end before start)";
                return false;
            }
        }
        set_add_range(bm, lo, hi);
    }
    if (!upstream_fits(ps, items, "character set has more than 127 characters or ranges")) {
        return false;
    }
    ps->upc += 2 + 2 * items;
    if (negate) {
        for (int i = 0; i < SET_WORDS; i++) {
            bm[i] = (uint16_t)~bm[i];
        }
    }
    emit_set(ps->prog, bm);
    return true;
}

static bool parse_alt(re_parser_t *ps);

static bool parse_atom(re_parser_t *ps) {
    re_prog_t *prog = ps->prog;
    char c = *ps->p++;
    switch (c) {
        case '(': {
            bool capture = true;
            if (ps->end - ps->p >= 2 && ps->p[0] == '?' && ps->p[1] == ':') {
                capture = false;
                ps->p += 2;
            }
            int g = prog->ngroups;
            if (capture) {
                if (!upstream_fits(ps, 2 * g + 1, "more than 63 capture groups (use (?:...) for the rest)")) {
                    return false;
                }
                ps->upc += 2;
                prog->ngroups++;
                emit(prog, OP_SAVE);
                emit(prog, (uint16_t)(2 * g));
            }
            if (++ps->depth > 100) {
                ps->err = "groups nested more than 100 deep";
                return false;
            }
            if (!parse_alt(ps)) {
                return false;
            }
            ps->depth--;
            if (ps->p >= ps->end || *ps->p != ')') {
                ps->err = "missing ')'";
                return false;
            }
            ps->p++;
            if (capture) {
                ps->upc += 2;
                emit(prog, OP_SAVE);
                emit(prog, (uint16_t)(2 * g + 1));
            }
            return true;
        }
        case '[':
            return parse_set(ps);
        case '.':
            ps->upc += 1;
            emit(prog, OP_ANY);
            return true;
        case '^':
            ps->upc += 1;
            emit(prog, OP_BOL);
            return true;
        case '$':
            ps->upc += 1;
            emit(prog, OP_EOL);
            return true;
        case '*': case '+': case '?':
            ps->p--;
            ps->err = "nothing to repeat";
            return false;
        case ')':
            ps->p--;
            ps->err = "unbalanced ')'";
            return false;
        case '\\': {
            if (ps->p >= ps->end) {
                ps->err = "pattern ends after '\\'";
                return false;
            }
            c = *ps->p++;
            uint16_t bm[SET_WORDS] = { 0 };
            ps->upc += 2;
            if (set_add_named(bm, c)) {
                emit_set(prog, bm);
                return true;
            }
            c = escape_char(c);
            emit(prog, OP_CHAR);
            emit(prog, (uint8_t)c);
            return true;
        }
    }
    ps->upc += 2;
    emit(prog, OP_CHAR);
    emit(prog, (uint8_t)c);
    return true;
}

// Wraps code[at..len) in a * loop (greedy unless lazy).
static bool make_star(re_parser_t *ps, size_t at, bool lazy) {
    re_prog_t *prog = ps->prog;
    int k = prog->nloops++;
    insert_gap(prog, at, 4);               // SPLIT off, MARK k
    prog->code[at] = lazy ? OP_RSPLIT : OP_SPLIT;
    prog->code[at + 2] = OP_MARK;
    prog->code[at + 3] = (uint16_t)k;
    emit(prog, OP_CHECK);
    emit(prog, (uint16_t)k);
    emit(prog, OP_JMP);
    emit(prog, 0);
    // offsets count from the word after the operand
    return set_offset(ps, prog->len - 1, (long)at - (long)prog->len)
        && set_offset(ps, at + 1, (long)prog->len - (long)(at + 2));
}

static bool parse_repeat(re_parser_t *ps) {
    re_prog_t *prog = ps->prog;
    size_t at = prog->len;
    long ufrag = ps->upc;
    if (!parse_atom(ps)) {
        return false;
    }
    ufrag = ps->upc - ufrag;
    if (ps->p >= ps->end || (*ps->p != '*' && *ps->p != '+' && *ps->p != '?')) {
        return true;
    }
    char q = *ps->p++;
    bool lazy = ps->p < ps->end && *ps->p == '?';
    if (lazy) {
        ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == '*' || *ps->p == '+')) {
        ps->err = "multiple repeat";
        return false;
    }
    // re1.5's jump over or back across the repeated part: x? Split +n; x* Split +n+2 and
    // Jmp -(n+4); x+ Split -(n+2).
    if (!upstream_fits(ps, q == '?' ? ufrag : q == '*' ? -(ufrag + 4) : -(ufrag + 2),
        "repeated part too long (upstream's re limits a jump to 127 bytes of code)")) {
        return false;
    }
    ps->upc += q == '*' ? 4 : 2;
    if (q == '?') {
        insert_gap(prog, at, 2);
        prog->code[at] = lazy ? OP_RSPLIT : OP_SPLIT;
        return set_offset(ps, at + 1, (long)prog->len - (long)(at + 2));
    }
    if (q == '+') {
        // x+ is x x*: copy the atom's code (relative jumps make the copy valid)
        size_t n = prog->len - at;
        for (size_t i = 0; i < n; i++) {
            emit(prog, prog->code[at + i]);
        }
        at += n;
    }
    return make_star(ps, at, lazy);
}

static bool parse_concat(re_parser_t *ps) {
    while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')') {
        if (!parse_repeat(ps)) {
            return false;
        }
    }
    return true;
}

// a|b|c, iteratively: SPLIT L1; a; JMP J2; L1: SPLIT L2; b; J2: JMP end; L2: c; end.
// Each branch's JMP lands on the next branch's JMP, the last one on the end.
static bool parse_alt(re_parser_t *ps) {
    re_prog_t *prog = ps->prog;
    size_t branch = prog->len;
    size_t prev_jmp = 0;
    bool have_jmp = false;
    // re1.5 wraps everything before each '|' in a Split and ends it with a Jmp whose byte
    // offset (ualt) is patched at the next '|' or at the end
    long ustart = ps->upc, ualt = -1;
    const char *too_long = "alternative too long (upstream's re limits a jump to 127 bytes of code)";
    if (!parse_concat(ps)) {
        return false;
    }
    while (ps->p < ps->end && *ps->p == '|') {
        ps->p++;
        if (ualt >= 0 && !upstream_fits(ps, ps->upc - ualt - 1, too_long)) {
            return false;
        }
        ps->upc += 4;
        ualt = ps->upc - 1;
        if (!upstream_fits(ps, ps->upc - ustart - 2, too_long)) {
            return false;
        }
        insert_gap(prog, branch, 2);
        prog->code[branch] = OP_SPLIT;
        emit(prog, OP_JMP);
        size_t jmp = prog->len;
        emit(prog, 0);
        if (have_jmp && !set_offset(ps, prev_jmp, (long)(jmp - 1) - (long)(prev_jmp + 1))) {
            return false;
        }
        if (!set_offset(ps, branch + 1, (long)prog->len - (long)(branch + 2))) {
            return false;
        }
        prev_jmp = jmp;
        have_jmp = true;
        branch = prog->len;
        if (!parse_concat(ps)) {
            return false;
        }
    }
    if (ualt >= 0 && !upstream_fits(ps, ps->upc - ualt - 1, too_long)) {
        return false;
    }
    return !have_jmp || set_offset(ps, prev_jmp, (long)prog->len - (long)(prev_jmp + 1));
}

const char *re_compile(const char *pattern, size_t len, re_prog_t *prog, size_t *err_at) {
    memset(prog, 0, sizeof(*prog));
    prog->ngroups = 1;
    re_parser_t ps = { pattern, pattern, pattern + len, prog, NULL, 0, 0 };
    emit(prog, OP_SAVE);
    emit(prog, 0);
    if (parse_alt(&ps) && ps.p < ps.end) {
        ps.err = "unbalanced ')'";
    }
    if (ps.err) {
        *err_at = (size_t)(ps.p - pattern);
        return ps.err;
    }
    emit(prog, OP_SAVE);
    emit(prog, 1);
    emit(prog, OP_MATCH);
    prog->anchored = prog->code[2] == OP_BOL;
    return NULL;
}

// The offset after the character at sp: one byte, or with utf8 the lead byte and its
// continuation bytes (10xxxxxx).
static size_t char_end(const char *subject, size_t len, size_t sp, bool utf8) {
    sp++;
    while (utf8 && sp < len && ((uint8_t)subject[sp] & 0xC0) == 0x80) {
        sp++;
    }
    return sp;
}

// Backtracking stack entries: a branch to resume (pc >= 0, sp) or a register to restore
// (pc = -1 - register, its previous value).
typedef struct {
    int32_t pc;
    int32_t val;
} bt_entry_t;

bool re_exec(const re_prog_t *prog, const char *subject, size_t len, size_t start, bool utf8, int *caps) {
    const uint16_t *code = prog->code;
    int nregs = 2 * prog->ngroups + prog->nloops;
    int *regs = m_new(int, nregs);
    for (int i = 0; i < nregs; i++) {
        regs[i] = -1;
    }
    size_t bt_alloc = 64, bt_len = 0;
    bt_entry_t *bt = m_new(bt_entry_t, bt_alloc);
    #define PUSH(p, v) do { \
        if (bt_len == bt_alloc) { \
            bt = m_renew(bt_entry_t, bt, bt_alloc, bt_alloc * 2); \
            bt_alloc *= 2; \
        } \
        bt[bt_len].pc = (p); bt[bt_len].val = (v); bt_len++; \
    } while (0)
    #define SETREG(r, v) do { PUSH(-1 - (r), regs[r]); regs[r] = (v); } while (0)
    size_t pc = 0;
    size_t sp = start;
    bool matched = false;
    for (;;) {
        bool fail = false;
        uint16_t op = code[pc];
        switch (op) {
            case OP_CHAR:
                fail = sp >= len || (uint8_t)subject[sp] != code[pc + 1];
                sp++;
                pc += 2;
                break;
            case OP_ANY:
                fail = sp >= len || subject[sp] == '\n';
                sp = char_end(subject, len, sp, utf8);
                pc += 1;
                break;
            case OP_SET: {
                uint8_t c = sp < len ? (uint8_t)subject[sp] : 0;
                fail = sp >= len || !(code[pc + 1 + (c >> 4)] & (1u << (c & 15)));
                sp = char_end(subject, len, sp, utf8);
                pc += 1 + SET_WORDS;
                break;
            }
            case OP_SPLIT:
                PUSH((int32_t)(pc + 2 + (int16_t)code[pc + 1]), (int32_t)sp);
                pc += 2;
                break;
            case OP_RSPLIT:
                PUSH((int32_t)(pc + 2), (int32_t)sp);
                pc = pc + 2 + (int16_t)code[pc + 1];
                break;
            case OP_JMP:
                pc = pc + 2 + (int16_t)code[pc + 1];
                break;
            case OP_SAVE:
                SETREG(code[pc + 1], (int)sp);
                pc += 2;
                break;
            case OP_MARK:
                SETREG(2 * prog->ngroups + code[pc + 1], (int)sp);
                pc += 2;
                break;
            case OP_CHECK:
                // upstream's re1.5 would re-enter this loop at the same place forever, until
                // its stack check raised; no match can be found on this path either way
                if (regs[2 * prog->ngroups + code[pc + 1]] == (int)sp) {
                    mp_raise_msg_varg(&mp_type_RuntimeError,
                        MP_ERROR_TEXT("maximum recursion depth exceeded: a repeated part of the pattern matched the empty string at offset %d"),
                        (int)sp);
                }
                pc += 2;
                break;
            case OP_BOL:
                fail = sp != 0;
                pc += 1;
                break;
            case OP_EOL:
                fail = sp != len;
                pc += 1;
                break;
            default:   // OP_MATCH
                matched = true;
                break;
        }
        if (matched) {
            break;
        }
        if (fail) {
            // unwind: restore registers until a branch to resume
            for (;;) {
                if (bt_len == 0) {
                    goto done;
                }
                bt_entry_t e = bt[--bt_len];
                if (e.pc < 0) {
                    regs[-1 - e.pc] = e.val;
                } else {
                    pc = (size_t)e.pc;
                    sp = (size_t)e.val;
                    break;
                }
            }
        }
    }
done:
    if (matched) {
        memcpy(caps, regs, 2 * prog->ngroups * sizeof(int));
        for (int g = 0; g < prog->ngroups; g++) {
            if (caps[2 * g] < 0 || caps[2 * g + 1] < 0) {
                caps[2 * g] = caps[2 * g + 1] = -1;
            }
        }
    }
    m_del(bt_entry_t, bt, bt_alloc);
    m_del(int, regs, nregs);
    return matched;
    #undef PUSH
    #undef SETREG
}
