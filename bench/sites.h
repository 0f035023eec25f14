/* Distinct call stacks for the benchmarks that hold many descriptors:
 * at_site(site, fn, arg) calls fn(arg) from call stack number `site`
 * (0..999), each a different path of return addresses through ten
 * functions three levels deep (site's decimal digits), then DEPTH more
 * frames, so every stack differs within its innermost frames (a recursion
 * of varying depth would not: the library keeps the innermost `depth`
 * frames, 32 by default, and those are all alike). */
#ifndef FDSCOPE_BENCH_SITES_H
#define FDSCOPE_BENCH_SITES_H

typedef int (*site_fn)(void*);

static int __attribute__((noinline)) site_tail(int depth, site_fn fn, void* arg) {
  if (depth == 0) return fn(arg);
  int r = site_tail(depth - 1, fn, arg);
  __asm__ volatile("" ::: "memory"); /* a real call chain, not a loop */
  return r;
}

static int site_digit(int site, int level, site_fn fn, void* arg);

#define SITE_FN(d)                                                                   \
  static int __attribute__((noinline)) site_##d(int site, int level, site_fn fn, void* arg) { \
    int r = site_digit(site, level + 1, fn, arg);                                     \
    __asm__ volatile("" ::: "memory");                                               \
    return r;                                                                        \
  }
SITE_FN(0) SITE_FN(1) SITE_FN(2) SITE_FN(3) SITE_FN(4)
SITE_FN(5) SITE_FN(6) SITE_FN(7) SITE_FN(8) SITE_FN(9)
#undef SITE_FN

static int (*const site_fns[10])(int, int, site_fn, void*) = {
    site_0, site_1, site_2, site_3, site_4, site_5, site_6, site_7, site_8, site_9};

static int __attribute__((noinline)) site_digit(int site, int level, site_fn fn, void* arg) {
  static const int div[3] = {100, 10, 1};
  if (level == 3) return site_tail(4, fn, arg);
  return site_fns[site / div[level] % 10](site, level, fn, arg);
}

/* About 15 frames from main to fn: main, at_site, 3 x (site_digit, site_N),
 * site_digit, 5 x site_tail. */
static int __attribute__((noinline)) at_site(int site, site_fn fn, void* arg) {
  int r = site_digit(site % 1000, 0, fn, arg);
  __asm__ volatile("" ::: "memory");
  return r;
}

#endif
