/*
 * tap.h - a tiny TAP producer for unit tests (one binary per module).
 *
 * ok(cond, fmt, ...), is_int(got, want, name), is_str(slice, "lit", name).
 * tap_done() prints the plan and the closing line "N passed, N failed"
 * and returns the exit status.
 */
#ifndef SIPLADDER_TESTS_TAP_H
#define SIPLADDER_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_fail;

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_n++;
    if (!cond)
        tap_fail++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        printf("#   failed at %s:%d\n", file, line);
    return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, name)                                                                    \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (!ok(g_ == w_, "%s", name))                                                             \
            printf("#   got %lld, want %lld\n", g_, w_);                                           \
    } while (0)

/* s is a struct slice; lit a C string */
#define is_str(s, lit, name)                                                                       \
    do {                                                                                           \
        struct slice s_ = (s);                                                                     \
        const char *l_ = (lit);                                                                    \
        int eq_ = s_.n == strlen(l_) && (s_.n == 0 || memcmp(s_.p, l_, s_.n) == 0);               \
        if (!ok(eq_, "%s", name))                                                                  \
            printf("#   got '%.*s', want '%s'\n", (int)s_.n, s_.p ? (const char *)s_.p : "", l_);  \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    printf("%d passed, %d failed\n", tap_n - tap_fail, tap_fail);
    return tap_fail ? 1 : 0;
}

#endif
