// Interned byte strings (peer addresses, thread names): one id per distinct
// string, the bytes back from the id, nothing stored for what cannot be.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <string.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "stacks/blob_store.h"

namespace fdscope {
namespace {

std::string bytes_of(uint32_t id) {
  size_t len;
  const unsigned char* p = blob_bytes(id, &len);
  return p ? std::string(reinterpret_cast<const char*>(p), len) : "(none)";
}

TEST(BlobStore, OneIdPerDistinctStringAndItsBytesBack) {
  uint32_t a = intern_blob("worker-1", 8), b = intern_blob("worker-2", 8);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(intern_blob("worker-1", 8), a);
  EXPECT_EQ(bytes_of(a), "worker-1");
  EXPECT_EQ(bytes_of(b), "worker-2");
  EXPECT_NE(intern_blob("worker-1", 7), a) << "a prefix is another string";
}

TEST(BlobStore, BinaryAddressesWithZeroBytes) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(3306);
  in.sin_addr.s_addr = htonl(0x0a000005);
  uint32_t id = intern_blob(&in, sizeof(in));
  ASSERT_NE(id, 0u);
  size_t len;
  const unsigned char* p = blob_bytes(id, &len);
  ASSERT_EQ(len, sizeof(in));
  EXPECT_EQ(memcmp(p, &in, sizeof(in)), 0);
}

TEST(BlobStore, NothingStoredForEmptyTooLongOrUnknown) {
  char big[kMaxBlob + 1] = {};
  EXPECT_EQ(intern_blob("", 0), 0u);
  EXPECT_EQ(intern_blob(big, sizeof(big)), 0u);
  EXPECT_NE(intern_blob(big, kMaxBlob), 0u);
  EXPECT_EQ(bytes_of(0), "(none)");
}

TEST(BlobStore, ThreadsInterningTheSameStringsAgreeOnTheirIds) {
  std::vector<std::vector<uint32_t>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &got] {
      for (int i = 0; i < 200; ++i) {
        std::string s = "peer-" + std::to_string(i);
        got[t].push_back(intern_blob(s.data(), s.size()));
      }
    });
  for (auto& t : threads) t.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(got[t], got[0]);
  EXPECT_EQ(std::set<uint32_t>(got[0].begin(), got[0].end()).size(), 200u);
  EXPECT_EQ(bytes_of(got[0][42]), "peer-42");
}

}  // namespace
}  // namespace fdscope
