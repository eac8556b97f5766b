// Swapping an inner map into a map of maps without waiting on the caller's
// thread: the kernel's update of a map of maps makes the new inner map
// visible at once but then waits out an RCU grace period (~12-15 ms here)
// before it returns. The update runs on a thread of its own; the caller
// returns as soon as the outer map names the new inner map.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace ebpfsh {

class InnerMapSwapper {
 public:
  ~InnerMapSwapper() { JoinAll(); }

  // Makes outer[key] the inner map `inner_fd` (whose id is `inner_id`),
  // taking `inner_fd` over (closed once the outer map holds it). Returns 0
  // once programs that look the key up from now on get the new inner map,
  // or the errno of the update (the outer map is then unchanged).
  int Swap(int outer_fd, const void *key, size_t key_size, int inner_fd, uint32_t inner_id);

  // Waits for every update still waiting out its grace period (before the
  // outer map's fd is closed).
  void JoinAll();

 private:
  struct Job;
  void Reap();
  std::vector<std::pair<std::thread, std::shared_ptr<Job>>> running_;
};

}  // namespace ebpfsh
