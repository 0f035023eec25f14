// SPDX-License-Identifier: MIT
// In-place heapsort: no allocation, no recursion, O(n log n) worst case;
// the dump sorts frame addresses with it, possibly inside a signal handler.
#pragma once

#include <stddef.h>

namespace fdscope {

template <typename T, typename Less>
void heap_sort(T* a, size_t n, Less less) {
  auto sift = [&](size_t root, size_t end) {
    while (2 * root + 1 < end) {
      size_t child = 2 * root + 1;
      if (child + 1 < end && less(a[child], a[child + 1])) ++child;
      if (!less(a[root], a[child])) return;
      T t = a[root];
      a[root] = a[child];
      a[child] = t;
      root = child;
    }
  };
  for (size_t i = n / 2; i-- > 0;) sift(i, n);
  for (size_t end = n; end-- > 1;) {
    T t = a[0];
    a[0] = a[end];
    a[end] = t;
    sift(0, end);
  }
}

}  // namespace fdscope
