// A small backtracking regular-expression engine (byte-oriented; the feature set of upstream
// MicroPython's re: . [] [^] * + ? with non-greedy forms, |, () and (?:), ^ $, \d \w \s \D \W \S).
#ifndef K210_RE_ENGINE_H
#define K210_RE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint16_t *code;        // GC-heap allocated instructions
    size_t len;            // words used
    size_t alloc;
    int ngroups;           // capture groups, group 0 (the whole match) included
    int nloops;            // loop progress registers
    bool anchored;         // starts with ^: a search only tries offset 0
} re_prog_t;

// Compiles pattern into prog. Returns NULL, or a message with *err_at the offending offset.
const char *re_compile(const char *pattern, size_t len, re_prog_t *prog, size_t *err_at);

// Tries to match at subject[start]; on success fills caps[2 * ngroups] with byte offsets
// (-1 for a group that took no part) and returns true. With utf8 (a str subject) '.' and sets
// consume a whole UTF-8 character, decided on its first byte. Backtracking state lives on the
// GC heap.
bool re_exec(const re_prog_t *prog, const char *subject, size_t len, size_t start, bool utf8, int *caps);

#endif
