#include "map_swap.h"

#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace ebpfsh {

struct InnerMapSwapper::Job {
  std::atomic<int> result{1};  // 1 while the update runs, then 0 or the errno
};

namespace {

// The id of the inner map outer[key] holds, or 0 when there is none.
uint32_t InnerIdAt(int outer_fd, const void *key) {
  uint32_t id = 0;
  return bpf_map_lookup_elem(outer_fd, key, &id) ? 0 : id;
}

int UpdateNow(int outer_fd, const void *key, int inner_fd) {
  int err = bpf_map_update_elem(outer_fd, key, &inner_fd, BPF_ANY) ? errno : 0;
  close(inner_fd);
  return err;
}

}  // namespace

int InnerMapSwapper::Swap(int outer_fd, const void *key, size_t key_size, int inner_fd, uint32_t inner_id) {
  Reap();
  auto job = std::make_shared<Job>();
  std::vector<uint8_t> k(static_cast<const uint8_t *>(key), static_cast<const uint8_t *>(key) + key_size);
  try {
    running_.emplace_back(std::thread([outer_fd, k, inner_fd, job] { job->result = UpdateNow(outer_fd, k.data(), inner_fd); }), job);
  } catch (const std::system_error &) {
    return UpdateNow(outer_fd, key, inner_fd);  // no thread to be had: wait here
  }
  // The swap itself takes microseconds once the thread runs.
  for (;;) {
    int r = job->result.load();
    if (r != 1) return r;  // done (grace period included), or refused
    if (InnerIdAt(outer_fd, key) == inner_id) return 0;
    sched_yield();
  }
}

void InnerMapSwapper::Reap() {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second->result.load() != 1) {
      it->first.join();
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

void InnerMapSwapper::JoinAll() {
  for (auto &r : running_) r.first.join();
  running_.clear();
}

}  // namespace ebpfsh
